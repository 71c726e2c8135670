"""Reading a person's typed reply to one question of a guided check.

People answer in words ("three", "about two weeks", "not sure", "yes we do"), and sometimes
type a question instead of an answer; both must be understood, never rejected with a raw
validation message.
"""

from __future__ import annotations

import math
import re

UNSURE = re.compile(r"^(not sure|unsure|don'?t know|do not know|i don'?t know|no idea|idk|dunno|not certain|"
                    r"can'?t say|cannot say|maybe|\?+)\b", re.I)
_YES = re.compile(r"^(yes|y|yeah|yep|yup|sure|correct|true|right|i do|we do|of course|definitely)\b", re.I)
_NO = re.compile(r"^(no|n|nope|nah|false|not really|never|i don'?t|we don'?t|do not)\b", re.I)
_NOT_RECEIVED = re.compile(r"^(not yet|no|none|n/a|-|not (received|arrived|delivered)|haven'?t|hasn'?t|never)\b", re.I)
_QUESTION_START = re.compile(
    r"^(what|how|when|why|where|who|which|whose|can|could|is|are|do|does|did|should|would|will|may|tell me|explain)\b", re.I)
_HEDGE = re.compile(r"\b(about|around|roughly|approximately|approx\.?|almost|nearly|some|maybe|circa|ca\.|~)\s*", re.I)
_CURRENCY = re.compile(r"(?i)us\$|\$|¥|\busd\b|\brmb\b|\bcny\b|\bdollars?\b|\byuan\b")

_SMALL = {
    "zero": 0, "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "dozen": 12, "couple": 2, "few": 3,
}
_SCALES = {"hundred": 100, "thousand": 1_000, "k": 1_000, "million": 1_000_000, "m": 1_000_000, "mn": 1_000_000,
           "billion": 1_000_000_000, "bn": 1_000_000_000}
# How many of each unit make one of the unit a question asks for.
_IN_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}
_IN_YEARS = {"year": 1, "month": 1 / 12, "week": 1 / 52, "day": 1 / 365}
_UNIT = re.compile(r"\b(days?|weeks?|months?|years?|yrs?)\b", re.I)


class ReplyError(ValueError):
    """The reply is not an answer to the question; the message says what to type instead."""


def is_unsure(text: str) -> bool:
    return bool(UNSURE.match(text.strip()))


def looks_like_question(text: str) -> bool:
    """A question for the assistant typed in the middle of a check ("What does a card payment cost?")."""
    words = text.split()
    return len(words) >= 3 and (text.rstrip().endswith("?") or bool(_QUESTION_START.match(text.strip())))


def parse_yes_no(text: str) -> bool:
    low = text.strip().lower()
    if _YES.match(low):
        return True
    if _NO.match(low):
        return False
    raise ReplyError("Please answer yes or no (or 'not sure').")


def is_not_received(text: str) -> bool:
    return bool(_NOT_RECEIVED.match(text.strip()))


def parse_amount(text: str, unit: str = "") -> float:
    """A number in digits or words, with k/m/million and units converted to `unit` (days or years).

    Raises ReplyError for anything that is not an ordinary finite number ("inf", "nan", "1e400").
    """
    if re.match(r"\s*-\s*\d", text):
        raise ReplyError("Please give a number of 0 or more.")
    low = _CURRENCY.sub(" ", _HEDGE.sub("", text.lower()))
    found_unit = _UNIT.search(low)
    low = _UNIT.sub(" ", low)
    low = re.sub(r"(?<=\d),(?=\d{3}\b)", "", low)  # 150,000
    low = re.sub(r"(\d)\s*(k|m|mn|bn)\b", r"\1 \2", low)  # 1.2m, 400k
    tokens = [t for t in re.split(r"[\s\-]+", low.replace(" and ", " ").replace(" of ", " ").strip(" .!")) if t]
    value = _words_to_number(tokens)
    if value is None or not math.isfinite(value):
        raise ReplyError("Please answer with a number, for example 3 or 150,000 (or 'not sure').")
    if found_unit and unit:
        name = found_unit.group(1).lower().rstrip("s")
        name = "year" if name in {"yr", "year"} else name
        table = _IN_DAYS if unit == "days" else _IN_YEARS
        value *= table.get(name, 1)
    return value


def _words_to_number(tokens: list[str]) -> float | None:
    if not tokens:
        return None
    if len(tokens) > 1:  # "a" means one only on its own ("a month"), not in "a couple" or "a half"
        tokens = [t for t in tokens if t not in {"a", "an"}]
    total, current = 0.0, 0.0
    for token in tokens:
        if re.fullmatch(r"\d+(\.\d+)?", token):
            current += float(token)
        elif token in _SMALL:
            current += _SMALL[token]
        elif token == "half":
            current = current + 0.5 if current else 0.5
        elif token in _SCALES:
            scale = _SCALES[token]
            current = (current or 1) * scale
            if scale >= 1_000:
                total, current = total + current, 0.0
        else:
            return None  # "lots", "inf", "nan", "1e400": not an ordinary number
    return total + current
