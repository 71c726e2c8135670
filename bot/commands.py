"""The one command set of the chat front ends (console and Telegram) and who may use each.

Both front ends build their help text and menus from this list, and a test checks the README
against it, so the three never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

CONSOLE, TELEGRAM = "console", "telegram"
BOTH = frozenset({CONSOLE, TELEGRAM})


@dataclass(frozen=True)
class Command:
    name: str
    args: str
    help: str
    where: frozenset[str] = BOTH
    admin: bool = False  # Telegram: only ADMIN_USER_IDS; the console user owns the machine

    def usage(self) -> str:
        return f"/{self.name}" + (f" {self.args}" if self.args else "")


COMMANDS = (
    Command("start", "", "What I can do, with examples", frozenset({TELEGRAM})),
    Command("help", "", "How to use the assistant"),
    Command("ask", "QUESTION", "Ask a question (in groups)", frozenset({TELEGRAM})),
    Command("eligibility", "[financing|order]", "Check financing or order protection"),
    Command("cancel", "", "Stop a check"),
    Command("talkingpoints", "TOPIC", "Sourced bullets on a topic"),
    Command("chart", "TOPIC", "A chart of the key figures"),
    Command("briefing", "TOPIC", "A slide deck: talking points, chart, sources"),
    Command("reingest", "", "Re-read the knowledge folder", admin=True),
    Command("gaps", "", "Questions the documents could not answer", admin=True),
    Command("stats", "", "Usage and feedback", admin=True),
    Command("quit", "", "Leave the console", frozenset({CONSOLE})),
)


def commands_for(where: str) -> list[Command]:
    return [c for c in COMMANDS if where in c.where]


def command_names(where: str) -> set[str]:
    return {c.name for c in commands_for(where)}
