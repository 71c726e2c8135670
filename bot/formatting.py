"""Plain-text rendering of answers for the console and the command line."""

from __future__ import annotations

from bot.answering import Answer, Citation


def sources_lines(citations: list[Citation]) -> list[str]:
    """The "Sources:" block: each citation's label and URLs, indented for a terminal."""
    lines = ["Sources:"]
    for c in citations:
        lines.append(f"  {c.label()}")
        if c.source:
            lines.append(f"      {c.source}")
    return lines


def answer_as_text(answer: Answer) -> str:
    lines = [answer.text]
    if answer.citations:
        lines += ["", *sources_lines(answer.citations)]
    return "\n".join(lines)
