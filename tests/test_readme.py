"""The README's command lists and field table are true: compared with the code that runs."""

from __future__ import annotations

import re
from pathlib import Path

from bot.cli import build_parser
from bot.commands import COMMANDS
from bot.eligibility.models import field_reference

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def section(title: str) -> str:
    start = README.index(title)
    end = README.find("\n#", start + len(title))
    return README[start:end if end != -1 else None]


def test_chat_command_table_matches_the_console_and_telegram():
    rows = re.findall(r"^\| `/(\w+)[^`]*` \| [^|]+ \| (yes|no) \| (yes|no) \|$", section("### Chat commands"), re.M)
    documented = {name: ({"console"} if c == "yes" else set()) | ({"telegram"} if t == "yes" else set()) for name, c, t in rows}
    assert documented == {c.name: set(c.where) for c in COMMANDS}


def test_command_line_examples_are_the_cli_subcommands():
    parser = build_parser()
    subcommands = set(next(a for a in parser._actions if a.dest == "command").choices)
    documented = set(re.findall(r"python -m bot (\w+)", section("### Command line")))
    assert documented == subcommands


def test_eligibility_fields_are_documented_with_their_values():
    table = section("### Eligibility input fields")
    for check, name, allowed, _ in field_reference():
        row = next(line for line in table.splitlines() if f"| {check} | `{name}` |" in line)
        assert allowed.replace("|", "&#124;") in row


def test_readme_tells_how_to_install_and_ingest_outside_this_machine():
    quick = section("## Quick start")
    assert "Python 3.11" in quick and "TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu" in quick
    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    assert "TORCH_INDEX_URL ?=" in makefile and "--index-url $(TORCH_INDEX_URL)" in makefile
    assert not re.search(r"(?<![/\w])python ingest\.py", README)  # only .venv/bin/python or make ingest work
