"""Data files that sit beside the documents: the figures table, the eligibility rules and the glossary.

They are validated at ingest like documents, and their validated text is stored with the
active index version, so a broken edit never replaces the version in force.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.glossary import GLOSSARY_FILE, GlossaryError, parse_glossary

FIGURES_FILE = "figures.csv"
RULES_FILE = "eligibility.toml"
DATA_FILES_ALLOWED = {FIGURES_FILE, RULES_FILE, GLOSSARY_FILE}
FIGURE_COLUMNS = ["topic", "year", "metric", "value", "unit", "source", "note"]


class DataFileError(ValueError):
    pass


@dataclass(frozen=True)
class Figure:
    topic: str
    year: int
    metric: str
    value: float
    unit: str
    source: str
    note: str


def parse_figures(text: str, name: str = FIGURES_FILE) -> list[Figure]:
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != FIGURE_COLUMNS:
        raise DataFileError(f"{name}: the header must be {','.join(FIGURE_COLUMNS)}")
    figures = []
    for line_no, row in enumerate(reader, start=2):
        if None in row or any(row[c] is None for c in FIGURE_COLUMNS):
            raise DataFileError(f"{name}: line {line_no} does not have {len(FIGURE_COLUMNS)} fields")
        try:
            year, value = int(row["year"]), float(row["value"])
        except ValueError:
            raise DataFileError(f"{name}: line {line_no} needs a whole-number year and a plain numeric value") from None
        if not row["topic"].strip() or not row["metric"].strip():
            raise DataFileError(f"{name}: line {line_no} needs a topic and a metric")
        figures.append(Figure(row["topic"].strip(), year, row["metric"].strip(), value, row["unit"].strip(), row["source"].strip(), row["note"].strip()))
    if not figures:
        raise DataFileError(f"{name}: has no rows")
    return figures


def _validate_figures(text: str, name: str, known_documents: set[str] | None) -> None:
    parse_figures(text, name)


def _validate_rules(text: str, name: str, known_documents: set[str] | None) -> None:
    from bot.eligibility.rules import RulesError, parse_rules

    try:
        parse_rules(text, known_documents)
    except RulesError as exc:
        raise DataFileError(f"{name}: {exc}") from exc


def _validate_glossary(text: str, name: str, known_documents: set[str] | None) -> None:
    try:
        parse_glossary(text)
    except GlossaryError as exc:
        raise DataFileError(f"{name}: {exc}") from exc


VALIDATORS: dict[str, Callable[[str, str, set[str] | None], None]] = {
    FIGURES_FILE: _validate_figures,
    RULES_FILE: _validate_rules,
    GLOSSARY_FILE: _validate_glossary,
}


def load_data_files(folder: Path, known_documents: set[str] | None = None) -> dict[str, str]:
    """Validated text of each data file present in `folder`; rules must cite known documents."""
    found = {}
    for name, validate in VALIDATORS.items():
        path = folder / name
        if not path.exists():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DataFileError(f"{name}: cannot be read as UTF-8 text ({exc})") from exc
        validate(text, name, known_documents)
        found[name] = text
    return found
