"""The relevance gate: does the knowledge base cover this question at all?

Clearly similar questions pass, clearly dissimilar ones are declined, and in the grey zone
between, a question passes only if enough of its topic words occur in one retrieved chunk and
it does not ask for live data (today's rate or price) that historical documents cannot hold.
At any similarity, some sentence (not only a section's title question) must be close enough.
Subjects the documents never mention ("Stripe", "Amazon FBA") are caught before this gate, by
bot/subjects.py, so that the decline can name them.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

GREY_ZONE_WIDTH = 0.06
SENTENCE_SUPPORT = 0.40  # the best sentence must be at least this close, however well a section question matches
GREY_ZONE_SENTENCE_SUPPORT = 0.45  # ...and this close when the question is only fairly similar
MIN_COVERAGE = 0.4
TYPO_SIMILARITY = 0.8  # difflib ratio above which a word counts as a typo of a known term
# Words that say how something is asked, not what it is about (stemmed by the tokenizer).
QUESTION_WORDS = (
    "much many long my me you your him her he she am max min available don doesn isn get got want "
    "need like please tell know old new big small fast early soon still actually everyone mention "
    "happen step thing someone anything something way use good best better should would could might must"
)
_LIVE_DATA = re.compile(r"\b(today|today's|tonight|tomorrow|right now|this week|live)\b", re.I)


@dataclass(frozen=True)
class GateDecision:
    grounded: bool
    reason: str


def closest_term(term: str, vocabulary: set[str]) -> str | None:
    """The documents' term a typo most likely meant ("asur" -> "assur"), if one is close enough."""
    match = difflib.get_close_matches(term, vocabulary, n=1, cutoff=TYPO_SIMILARITY)
    return match[0] if match else None


def decide(question: str, top_dense: float, threshold: float, terms: list[str], vocabulary: set[str],
           chunk_terms: list[set[str]], generic: set[str], top_sentence: float | None = None) -> GateDecision:
    if top_dense < threshold:
        return GateDecision(False, f"similarity {top_dense:.2f} below {threshold:.2f}")
    if top_sentence is not None and top_sentence < SENTENCE_SUPPORT:
        # Only a section question matched ("what is the HS code for LED lights?" against "are customs
        # costs covered?"): no sentence says anything close to what was asked.
        return GateDecision(False, f"best sentence {top_sentence:.2f} below {SENTENCE_SUPPORT}")
    if top_dense >= threshold + GREY_ZONE_WIDTH:
        return GateDecision(True, f"similarity {top_dense:.2f}")
    if top_sentence is not None and top_sentence < GREY_ZONE_SENTENCE_SUPPORT:
        return GateDecision(False, f"grey zone, best sentence {top_sentence:.2f} below {GREY_ZONE_SENTENCE_SUPPORT}")
    if _LIVE_DATA.search(question):
        return GateDecision(False, "asks for live data")
    # Words the documents never use are judged before search (bot/subjects.py): a name we do not
    # cover is declined by name there, and story words around a question must not block it here.
    topic = [t for t in terms if t not in generic]
    known = {t for t in topic if t in vocabulary}
    if known:
        coverage = max((len(known & terms_) / len(known) for terms_ in chunk_terms), default=0.0)
        if coverage < MIN_COVERAGE:
            return GateDecision(False, f"topic coverage {coverage:.2f} below {MIN_COVERAGE}")
    return GateDecision(True, "grey zone, topic words covered")
