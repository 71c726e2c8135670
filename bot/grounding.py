"""What the assistant knows about the index in use, for understanding and gating questions:
the glossary, the spelling corrector and the subject checker, rebuilt when the index changes.
Also the key-term check: a question's rare terms must be in the passage the answer comes from.
"""

from __future__ import annotations

import logging
import re
import threading

from bot.glossary import GLOSSARY_FILE, Glossary, GlossaryError, parse_glossary
from bot.retrieval import IndexSnapshot, Retrieval, stem_word, tokenize
from bot.spelling import SpellingCorrector
from bot.subjects import SubjectChecker, content_words

log = logging.getLogger(__name__)

RARE_TERM_CHUNKS = 2  # a term in at most this many sections is specific: the answer must contain it


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
        document_text = " ".join([self.glossary_text or ""] + [f"{c.section} {c.text}" for c in snapshot.chunks])
        self.subjects = SubjectChecker(set(self.known_words), set(snapshot.vocabulary), stem_word,
                                       self.speller.is_english, embed, anchors, document_text)


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


def missing_key_terms(retrieval: Retrieval, focus: str, original: str, is_english_word,
                      glossary_names: dict[str, list[frozenset[str]]] | None = None) -> list[str]:
    """Put first the ranked chunk that contains all of the question's specific names (words the
    documents use in at most two sections that are not ordinary English, or written with a capital
    inside the sentence: "AliExpress", "Boleto"); return the names no ranked chunk contains, else []."""
    snap = retrieval.snapshot
    glossary_names = glossary_names or {}
    capitalised = {w.lower() for w in re.findall(r"(?<=\w )[A-Z][\w\-]{2,}", original)}
    words = [w for w in content_words(focus) if len(w) > 2]  # "cn", "uk": too short to name a subject
    # Names that are not English words (Kabbage, AliExpress) are specific wherever they occur;
    # a capitalised English word (Apple, Western) only when few sections use it.
    names = tokenize([" ".join(w for w in words if not is_english_word(w))])[0] if words else []
    capitals = tokenize([" ".join(w for w in words if w in capitalised)])[0] if capitalised else []
    rare = {t for t in names if snap.document_frequency.get(t, 0) > 0}
    rare |= {t for t in capitals if 0 < snap.document_frequency.get(t, 0) <= RARE_TERM_CHUNKS}
    if not rare or not retrieval.ranked:
        return []
    # A glossary name is also found under its synonyms ("TA" in a passage that says "Trade Assurance").
    def found(term: str, chunk_terms: set[str]) -> bool:
        return term in chunk_terms or any(alt <= chunk_terms for alt in glossary_names.get(term, ()))

    for i, rc in enumerate(retrieval.ranked):
        if all(found(t, snap.chunk_terms[rc.chunk.chunk_id]) for t in rare):
            if i:
                retrieval.ranked.insert(0, retrieval.ranked.pop(i))
            return []
    top_terms = snap.chunk_terms[retrieval.ranked[0].chunk.chunk_id]
    return sorted(t for t in rare if not found(t, top_terms))

