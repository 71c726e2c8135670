"""What the assistant knows about the index in use, for understanding and gating questions:
the glossary, the spelling corrector and the subject checker, rebuilt when the index changes.
Also the key-term check: a question's rare terms must be in the passage the answer comes from.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field

from bot.glossary import GLOSSARY_FILE, Glossary, GlossaryError, parse_glossary
from bot.retrieval import IndexSnapshot, Retrieval, stem_word, tokenize
from bot.spelling import SpellingCorrector
from bot.brands import names_in
from bot.places import place_words
from bot.subjects import SENTENCE_START, CALENDAR_WORDS, STOP_WORDS, SubjectChecker, content_words, in_title_case

log = logging.getLogger(__name__)

RARE_TERM_CHUNKS = 2  # a term in at most this many sections is specific: the answer must contain it
SUBJECT_NAME_SHARE = 0.1  # a name in more of the sections than this is one of ours ("Alibaba"), not the subject
SPECIFIC_TERM_SHARE = 0.15  # a glossary term in at most this share of sections says what a message is about


class Grounding:
    """Glossary, speller and subject checker of one index version."""

    def __init__(self, snapshot: IndexSnapshot, embed):
        self.collection = snapshot.active.collection
        self.glossary_text = snapshot.active.data_files.get(GLOSSARY_FILE)
        self.glossary: Glossary | None = None
        if self.glossary_text:
            try:
                self.glossary = parse_glossary(self.glossary_text)
            except GlossaryError as exc:  # validated at ingest; an old index may predate a rule
                log.warning("glossary not used: %s", exc)
        # Stemmed term -> the stemmed forms of every name of its glossary entries.
        self.glossary_names: dict[str, list[frozenset[str]]] = {}
        for entry in self.glossary.entries if self.glossary else []:
            forms = [frozenset(t) for t in tokenize(list(entry.names)) if t]
            for form in forms:
                for term in form:
                    self.glossary_names.setdefault(term, []).extend(f for f in forms if f != form)
        self.known_words = frozenset(snapshot.words | (self.glossary.words() if self.glossary else set()))
        self.speller = SpellingCorrector(set(self.known_words))
        anchors = [name for e in self.glossary.entries for name in (e.term, *e.synonyms[:3])] if self.glossary else []
        # A name a section's "Also asked" lines use ("should I keep chatting on WhatsApp") is one
        # that section answers about, so it is covered like a name in the text.
        document_text = " ".join([self.glossary_text or ""] +
                                 [f"{c.section} {' '.join(c.questions)} {c.text}" for c in snapshot.chunks])
        self.specific_terms = specific_terms(self.glossary, snapshot.chunks) if self.glossary else set()
        self.subjects = SubjectChecker(set(self.known_words), set(snapshot.vocabulary), stem_word,
                                       self.speller.is_english, embed, anchors, document_text,
                                       self.speller.is_short_typo, self.names_specific_term)

    def names_specific_term(self, text: str) -> bool:
        """Whether `text` names a glossary term few sections use ("310", "Easy Return")."""
        return bool(self.glossary) and any(e.term in self.specific_terms for _, e in self.glossary.mentions(text, amounts=False))


def specific_terms(glossary: Glossary, chunks) -> set[str]:
    """The glossary terms few sections use ("Easy Return", "Pay Later"): naming one says what a
    message is about; naming "Trade Assurance" or "supplier" does not."""
    sections: dict[str, int] = {}
    for chunk in chunks:
        for term in {entry.term for _, entry in glossary.mentions(f"{chunk.section} {chunk.text}")}:
            sections[term] = sections.get(term, 0) + 1
    return {e.term for e in glossary.entries if sections.get(e.term, 0) <= SPECIFIC_TERM_SHARE * len(chunks)}


class GroundingCache:
    def __init__(self, embed):
        self.embed = embed
        self._current: Grounding | None = None
        self._lock = threading.Lock()

    def get(self, snapshot: IndexSnapshot) -> Grounding:
        current = self._current
        text = snapshot.active.data_files.get(GLOSSARY_FILE)
        if current is None or current.collection != snapshot.active.collection or current.glossary_text != text:
            with self._lock:
                current = self._current
                if current is None or current.collection != snapshot.active.collection or current.glossary_text != text:
                    current = self._current = Grounding(snapshot, self.embed)
        return current


@dataclass
class KeyNames:
    names: list[str] = field(default_factory=list)  # the question's specific names, as index terms
    missing: list[str] = field(default_factory=list)  # those no ranked chunk contains
    holding: int = 0  # how many ranked chunks, now first, contain them all


def missing_key_terms(retrieval: Retrieval, focus: str, original: str, is_english_word,
                      glossary_names: dict[str, list[frozenset[str]]] | None = None,
                      comparison: bool = False) -> KeyNames:
    """Put first the ranked chunks that contain all of the question's specific names (words the
    documents use that are not ordinary English, well-known company names, or capitalised English
    words few sections use: "AliExpress", "PayPal", "Boleto"), and say which names no ranked chunk
    contains. A comparison ("card, PayPal or T/T?") may find each name in a section of its own."""
    snap = retrieval.snapshot
    glossary_names = glossary_names or {}
    # Capitals name something, but not in a headline ("...the SME Finance Gap?") nor when an
    # English word is written in capitals for emphasis ("the MAIN part is NOT what we bought").
    capitalised = set() if in_title_case(original) else \
        {w.lower() for w in re.findall(r"(?<=\w )[A-Z][\w\-]{2,}", original) if not (w.isupper() and is_english_word(w.lower()))}
    words = [w for w in content_words(focus) if len(w) > 2]  # "cn", "uk": too short to name a subject
    # Names that are not English words (Kabbage, AliExpress) or are well-known names (PayPal) are
    # specific wherever they occur; a capitalised English word (Apple, Western) only when few
    # sections use it.
    names = tokenize([" ".join(w for w in words if not is_english_word(w))])[0] if words else []
    well_known = names_in(original)
    names += tokenize(well_known)[0] if well_known else []
    capitals = tokenize([" ".join(w for w in words if w in capitalised)])[0] if capitalised else []
    # A name most sections use ("Alibaba") is what the documents are about, not a specific subject.
    rare = {t for t in names if snap.document_frequency.get(t, 0) > 0 and not _ours(snap, t)}
    rare |= {t for t in capitals if 0 < snap.document_frequency.get(t, 0) <= RARE_TERM_CHUNKS}
    if not rare or not retrieval.ranked:
        return KeyNames()

    # A glossary name is also found under its synonyms ("TA" in a passage that says "Trade Assurance").
    def found(term: str, chunk_terms: set[str]) -> bool:
        return term in chunk_terms or any(alt <= chunk_terms for alt in glossary_names.get(term, ()))

    holding = [rc for rc in retrieval.ranked if all(found(t, snap.chunk_terms[rc.chunk.chunk_id]) for t in rare)]
    if not holding and comparison and len(rare) > 1:
        # Each side of the comparison from the best-ranked section that names it.
        sides = [next((rc for rc in retrieval.ranked if found(t, snap.chunk_terms[rc.chunk.chunk_id])), None)
                 for t in sorted(rare)]
        if all(sides):
            holding = [rc for rc in retrieval.ranked if rc in sides]
    if holding:
        retrieval.ranked[:] = holding + [rc for rc in retrieval.ranked if rc not in holding]
        return KeyNames(sorted(rare), [], len(holding))
    top_terms = snap.chunk_terms[retrieval.ranked[0].chunk.chunk_id]
    # Where the user is or ships from is part of the story ("I'm a supplier in Ningbo, does
    # Alibaba take a cut?"): a place ranks the sections that name it first, but never blocks.
    places = place_words()
    story = set(tokenize([" ".join(w for w in words if w in places)])[0])
    return KeyNames(sorted(rare), sorted(t for t in rare if not found(t, top_terms) and t not in story))


def _ours(snap, term: str) -> bool:
    """A term in so many sections that it names what the documents are about ("alibaba")."""
    return snap.document_frequency.get(term, 0) > SUBJECT_NAME_SHARE * len(snap.chunks)


_TOKEN = re.compile(r"[^\W_][\w\-]*")
COUNTRY_ACRONYMS = {"USA", "UAE", "PRC", "EU"}  # written in capitals, yet places (where the user is)


def unanswered_names(retrieval: Retrieval, original: str) -> list[str]:
    """For a question the documents do not answer, the names in it, as typed, that say what it
    was about: well-known companies, capitalised words inside a sentence and acronyms
    ("Citibank", "SGS", "VAT", "World Bank", "Kuo Zhang"). Places (where the user is) and the
    names our documents are about ("Alibaba") are left out. Empty when the question names nothing."""
    snap = retrieval.snapshot
    if snap is None:
        return []
    brands = {w for name in names_in(original) for w in name.lower().split()}
    tokens = list(_TOKEN.finditer(original))
    headline = in_title_case(original)  # "How Much Does Amazon Charge?": only brands and acronyms name

    def is_name(m: re.Match) -> bool:
        word = m.group(0)
        if word.lower() in brands:
            return True
        if word.isupper() and len(word) >= 2 and word != "I":
            return True
        return word[0].isupper() and not headline and not SENTENCE_START.search(original[:m.start()])

    def is_place(word: str) -> bool:
        if word.isupper() and len(word) >= 3:
            return word in COUNTRY_ACRONYMS
        return (len(word) >= 3 or word.isupper()) and word.lower() in place_words()

    def ours(word: str) -> bool:
        terms = tokenize([word])[0]
        return not terms or any(_ours(snap, t) for t in terms)

    phrases, run = [], []
    for m in [*tokens, None]:
        if m is not None and is_name(m):
            run.append(m.group(0))
            continue
        words = [w for w in run if w.lower() not in STOP_WORDS and w.lower().rstrip("s") not in CALENDAR_WORDS and not is_place(w)]
        if words and not all(ours(w) for w in words):
            phrases.append(" ".join(words))
        run = []
    return list(dict.fromkeys(phrases))
