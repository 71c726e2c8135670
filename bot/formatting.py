"""Plain-text rendering of answers for the console and the command line."""

from __future__ import annotations

from bot.answering import Answer


def answer_as_text(answer: Answer) -> str:
    lines = [answer.text]
    if answer.citations:
        lines.append("")
        lines.append("Sources:")
        for c in answer.citations:
            lines.append(f"  {c.label()}")
            if c.source:
                lines.append(f"      {c.source}")
    return "\n".join(lines)
