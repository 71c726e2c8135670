"""HTML for Telegram: escaped answers with linked citations, split to fit the message limit."""

from __future__ import annotations

import html
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import MessageLimit

from bot.answering import Answer, Citation

LIMIT = MessageLimit.MAX_TEXT_LENGTH  # 4096


def _units(text: str) -> int:
    """Telegram counts UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


# A citation is one line that is never split (a cut inside <a ...> makes Telegram refuse the
# message), so its parts are kept short enough for several to share one message.
MAX_NAME_CHARS = 300
MAX_URL_CHARS = 2000


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def citation_html(c: Citation) -> str:
    url = c.source.split(" ; ")[0].strip()
    name = html.escape(_shorten(f"{c.title} — {c.section}", MAX_NAME_CHARS))
    linkable = url.startswith(("http://", "https://")) and len(url) <= MAX_URL_CHARS
    link = f'<a href="{html.escape(url, quote=True)}">{name}</a>' if linkable else name
    era = f" <i>({html.escape(_shorten(c.as_of, 100))})</i>" if c.as_of else ""
    return f"[{c.number}] {link}{era}"


def sources_html(citations: list[Citation]) -> str:
    return "<b>Sources</b>\n" + "\n".join(citation_html(c) for c in citations)


def answer_parts(answer: Answer) -> list[str]:
    paragraphs = [html.escape(p) for p in answer.text.split("\n\n") if p.strip()]
    if answer.citations:
        paragraphs.append(sources_html(answer.citations))
    return split_paragraphs(paragraphs)


def text_parts(text: str) -> list[str]:
    """Plain text (already free of markup) as escaped HTML parts."""
    return split_paragraphs([html.escape(p) for p in text.split("\n\n") if p.strip()])


def split_paragraphs(paragraphs: list[str], limit: int = LIMIT) -> list[str]:
    """Pack HTML paragraphs into messages of at most `limit` units, breaking only between
    paragraphs; a paragraph longer than a message is cut between lines (a citation is one
    line), and a line longer than a message between words (only escaped plain text is)."""
    parts: list[str] = []
    current = ""
    for paragraph in paragraphs:
        for piece in _cut(paragraph, limit):
            candidate = f"{current}\n\n{piece}" if current else piece
            if _units(candidate) <= limit:
                current = candidate
            else:
                parts.append(current)
                current = piece
    if current:
        parts.append(current)
    return parts


def _cut(paragraph: str, limit: int) -> list[str]:
    if _units(paragraph) <= limit:
        return [paragraph]
    if "\n" in paragraph:
        return _pack([piece for line in paragraph.split("\n") if line.strip() for piece in _cut(line, limit)],
                     "\n", limit)
    pieces, current = [], ""
    for word in re.split(r"(?<=\s)", paragraph):
        if current and _units(current + word) > limit:
            pieces.append(current.rstrip())
            current = ""
        current += word
    if current.strip():
        pieces.append(current.rstrip())
    return pieces


def _pack(pieces: list[str], joiner: str, limit: int) -> list[str]:
    """Join consecutive pieces with `joiner` while they fit in `limit`."""
    packed: list[str] = []
    for piece in pieces:
        if packed and _units(packed[-1] + joiner + piece) <= limit:
            packed[-1] += joiner + piece
        else:
            packed.append(piece)
    return packed


def feedback_keyboard(question_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton("👍 Helpful", callback_data=f"fb:{question_id}:1"),
        InlineKeyboardButton("👎 Not helpful", callback_data=f"fb:{question_id}:-1"),
    ]])
