"""Understanding follow-up questions ("and for Enterprise buyers?") in their conversation."""

from __future__ import annotations

import re

_OPENERS = re.compile(r"^(and|also|what about|how about|what if|same for|but|then|so|or|for)\b", re.I)
_REFERENCES = re.compile(r"\b(it|its|that|this|those|these|they|them|there|one|ones)\b", re.I)


def is_follow_up(question: str, history: list[str]) -> bool:
    """A short question that leans on the previous one: it opens with "and", "what about"...,
    or is a few words long and refers back with "it", "that", "they"..."""
    if not history:
        return False
    words = re.findall(r"\w+", question)
    if _OPENERS.match(question.strip()) and len(words) <= 12:
        return True
    return len(words) <= 6 and bool(_REFERENCES.search(question))


def retrieval_query(question: str, history: list[str]) -> str:
    """The text to search with: a follow-up is read together with the question before it."""
    if is_follow_up(question, history):
        return f"{history[-1]} {question}"
    return question
