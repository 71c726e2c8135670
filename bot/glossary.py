"""The glossary (knowledge/glossary.yaml): domain terms, the everyday words users type for them,
and a short definition with its source.

Search uses it to read "wire", "bank transfer" and "TT" as T/T; users can ask "what is T/T?".
Admins edit it like the documents; it is validated at ingest, and a broken edit is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

GLOSSARY_FILE = "glossary.yaml"
MAX_ENTRIES = 500
_URL = re.compile(r"^https?://\S+$")
# A currency written with a number is an amount, not a subject: "2,500 dollars", "US$3,400".
_AMOUNT_BEFORE = re.compile(r"\d\s*(?:k|m|million|billion|thousand)?\s*$", re.I)
_AMOUNT_AFTER = re.compile(r"\s*\d")


class GlossaryError(ValueError):
    pass


@dataclass(frozen=True)
class GlossaryEntry:
    term: str
    synonyms: tuple[str, ...]
    definition: str
    source: str

    @property
    def names(self) -> tuple[str, ...]:
        return (self.term, *self.synonyms)


def _phrase_body(phrase: str) -> str:
    # Free about spaces/hyphens/slashes inside a phrase ("T/T" = "T T").
    return r"[\s/\-]*".join(re.escape(w) for w in _phrase_words(phrase))


def _phrase_words(phrase: str) -> list[str]:
    return [w for w in re.split(r"[\s/\-]+", phrase.strip()) if w]


def _phrase_key(phrase: str) -> str:
    return "".join(_phrase_words(phrase)).lower()


class Glossary:
    def __init__(self, entries: list[GlossaryEntry]):
        self.entries = entries
        # One pattern for every name, longest first, so "bank transfer" wins over "bank"; whole
        # words only. A match is looked up by its letters alone, whatever separates its words.
        self._entry_for: dict[str, GlossaryEntry] = {}
        names = sorted({name for entry in entries for name in entry.names}, key=len, reverse=True)
        for entry in entries:
            for name in entry.names:
                self._entry_for.setdefault(_phrase_key(name), entry)
        self._names_pattern = re.compile(
            r"(?<![\w$])(?:" + "|".join(_phrase_body(n) for n in names) + r")(?![\w])", re.IGNORECASE) if names else None

        # Abbreviations: a short all-capitals synonym of a term that is itself written out.
        self._abbreviations = {name.lower(): entry for entry in entries for name in entry.synonyms
                               if re.fullmatch(r"[A-Z]{2,5}", name) and " " in entry.term}
        self._abbreviation_pattern = re.compile(
            r"(?<![\w/$])(" + "|".join(map(re.escape, sorted(self._abbreviations, key=len, reverse=True))) + r")(?![\w/])",
            re.IGNORECASE)

    def __len__(self) -> int:
        return len(self.entries)

    def mentions(self, text: str, amounts: bool = True) -> list[tuple[str, GlossaryEntry]]:
        """(the words as written, entry) for each glossary term or synonym in `text`; without
        the currencies of amounts ("US$3,400", "2,500 dollars") when `amounts` is False."""
        if self._names_pattern is None:
            return []
        return [(m.group(0), self._entry_for[_phrase_key(m.group(0))]) for m in self._names_pattern.finditer(text)
                if amounts or not (_AMOUNT_BEFORE.search(text[:m.start()]) or _AMOUNT_AFTER.match(text[m.end():]))]

    def expand(self, text: str) -> str:
        """`text` plus the canonical term and synonyms of every entry it mentions, for search."""
        extra: list[str] = []
        for written, entry in self.mentions(text):
            extra += [n for n in entry.names if n.lower() != written.lower()]
        return f"{text} {' '.join(dict.fromkeys(extra))}".strip() if extra else text

    def spell_out(self, text: str) -> str:
        """`text` with domain abbreviations written out ("TA" -> "Trade Assurance (TA)"): the
        embedding model does not know them, so "does TA cover quality?" would match nothing."""
        def replace(match: re.Match) -> str:
            entry = self._abbreviations[match.group(0).lower()]
            return f"{entry.term} ({match.group(0)})"

        return self._abbreviation_pattern.sub(replace, text) if self._abbreviations else text

    def find(self, phrase: str) -> GlossaryEntry | None:
        """The entry whose term or synonym is exactly `phrase` (as a whole), if any."""
        return self._entry_for.get(_phrase_key(phrase.strip(" ?!.\"'")))

    def words(self) -> set[str]:
        """Every word of every term and synonym, lower-cased: known vocabulary for the gate."""
        return {w.lower() for e in self.entries for n in e.names for w in re.findall(r"[^\W_]+", n)}


def parse_glossary(text: str) -> Glossary:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise GlossaryError(f"is not valid YAML ({exc})") from None
    if not isinstance(raw, list) or not raw:
        raise GlossaryError("must be a non-empty YAML list of entries (term, synonyms, definition, source)")
    if len(raw) > MAX_ENTRIES:
        raise GlossaryError(f"has {len(raw)} entries, over the limit of {MAX_ENTRIES}")
    entries, seen = [], {}
    for number, item in enumerate(raw, start=1):
        where = f"entry {number}"
        if not isinstance(item, dict):
            raise GlossaryError(f"{where} must be a mapping with term, synonyms, definition and source")
        unknown = set(item) - {"term", "synonyms", "definition", "source"}
        if unknown:
            raise GlossaryError(f"{where} has unknown field(s): {', '.join(sorted(map(str, unknown)))}")
        term, definition, source = item.get("term"), item.get("definition"), item.get("source")
        synonyms = item.get("synonyms") or []
        if not isinstance(term, str) or not term.strip():
            raise GlossaryError(f"{where} needs a term")
        where = f"entry {number} ({term.strip()})"
        if not isinstance(definition, str) or len(definition.split()) < 4:
            raise GlossaryError(f"{where} needs a definition of at least a few words")
        if not isinstance(source, str) or not _URL.match(source.strip()):
            raise GlossaryError(f"{where} needs a source URL")
        if not isinstance(synonyms, list) or not all(isinstance(s, str) and s.strip() for s in synonyms):
            raise GlossaryError(f"{where}: synonyms must be a list of words or phrases")
        entry = GlossaryEntry(term.strip(), tuple(s.strip() for s in synonyms), " ".join(definition.split()), source.strip())
        for name in entry.names:
            key = name.lower()
            if key in seen and seen[key] != entry.term:
                raise GlossaryError(f"{where}: '{name}' is already used by '{seen[key]}'")
            seen[key] = entry.term
        entries.append(entry)
    return Glossary(entries)
