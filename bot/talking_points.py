"""Talking points for HR and training staff: short, sourced bullets a trainer can put on a slide.

The selection works on whatever sections the indexed documents have: every sentence in the
index is scored against the topic, the documents that cover the topic are taken in turn (so a
broad topic such as "SME financing" draws on each of them, not on one section), and each point
leads with a fact and its figure. Each point says whether it is a current rule or history (from
the sentence, its section heading and the document's `as_of`), and unverified figures are
marked briefly instead of being led with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from bot.answering import Citation, is_pointer
from bot.formatting import sources_lines
from bot.retrieval import tokenize

MIN_POINTS, MAX_POINTS = 3, 6
MAX_TOPIC_CHARS = 200  # a topic is a few words; a pasted page is refused before any work
DOCUMENT_MARGIN = 0.2  # documents within this similarity of the best one cover the topic too
SENTENCE_MARGIN = 0.25

_DATE = re.compile(r"\b(\d{1,2} )?(January|February|March|April|May|June|July|August|September|October|November|"
                   r"December)( \d{1,2})?,? (19|20)\d\d\b|\b(19[89]\d|20[0-4]\d)s?\b|\b\d{4}-\d{2,4}\b|\bH[12]\b")
_YEAR = re.compile(r"\b(19[89]\d|20[0-4]\d)\b")
_CAVEAT = re.compile(r"\b(unverified|not (been )?(confirmed|verified|found)|could not be (verified|confirmed)|no trace|"
                     r"weak source|treat as weaker|look(s)? odd)\b", re.I)
# A trailing clause that only says the figure is unverified: dropped, and the point is tagged.
_CAVEAT_TAIL = re.compile(r"[;,]\s*(?:(?:which is )?a figure that is|the [^;,.]{0,40}?(?:figure|claim|number)s? (?:is|are))\s+"
                          r"unverified\s*\.?$", re.I)
_HISTORICAL = re.compile(r"\b(before|until|ended|stopped|early|earlier|older|pre-|former(ly)?|first version|no longer|"
                         r"was replaced|at first|originally|in 20(0\d|1[0-6])\b)", re.I)
_CURRENT = re.compile(r"\b(since|onward|onwards|current(ly)?|in force|today|recent|from \d{1,2} \w+ 20\d\d)\b", re.I)


def topic_problem(topic: str, command: str = "talkingpoints") -> str | None:
    """A plain sentence when a topic cannot be used (missing or far too long), else None."""
    if not topic.strip():
        return f"Add a topic, for example: /{command} SME financing"
    if len(topic) > MAX_TOPIC_CHARS:
        return f"That topic is {len(topic):,} characters long; please use a few words (under {MAX_TOPIC_CHARS} characters)."
    return None


@dataclass
class TalkingPoint:
    text: str  # the sentence, leading with its fact
    era: str  # "current rule, since 2017" | "historical, 2012" | "2019"
    unverified: bool
    citation: int  # number of its citation

    def render(self) -> str:
        tags = [self.era] if self.era else []
        if self.unverified:
            tags.append("unverified")
        return self.text + (f" ({'; '.join(tags)})" if tags else "") + f" [{self.citation}]"


@dataclass
class TalkingPoints:
    topic: str
    items: list[TalkingPoint] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)

    @property
    def points(self) -> list[str]:
        return [p.render() for p in self.items]

    @property
    def found(self) -> bool:
        return bool(self.items)


@dataclass(eq=False)
class _Candidate:
    score: float
    sentence: str
    vector: np.ndarray
    chunk: object  # IndexedChunk


def has_figure(sentence: str) -> bool:
    """A figure a trainer can quote (30 days, 2.95%, RMB 10 million), not just a year or a date."""
    return bool(re.search(r"\d", _DATE.sub(" ", sentence)))


def era_label(sentence: str, section: str, as_of: str, context: str = "") -> str:
    """Current rule or history, with the years it names, from the sentence and its section."""
    # The sentence's own years first: a section heading may name the year of a later report.
    years = sorted({int(y) for y in _YEAR.findall(sentence) or _YEAR.findall(section)})
    span = "" if not years else str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"
    if _HISTORICAL.search(section) or (_HISTORICAL.search(sentence) and not _CURRENT.search(sentence)):
        return f"historical, {span}" if span else "historical"
    if _CURRENT.search(sentence) or _CURRENT.search(section):
        if not years:  # "the current rules": the section may say since when ("in force since 8 December 2017")
            since = re.search(r"\b(?:since|from) (?:\d{1,2} )?(?:\w+ )?((?:19|20)\d\d)\b", context)
            return f"current rule, since {since.group(1)}" if since else "current rule"
        return f"current rule, since {years[-1]}"
    if span:
        return span
    doc_years = _YEAR.findall(as_of)
    return f"{doc_years[0]}–{doc_years[-1]}" if len(doc_years) > 1 else (doc_years[0] if doc_years else "")


def talking_points(assistant, topic: str) -> TalkingPoints:
    """3 to 6 sourced bullets on `topic`, across the documents that cover it."""
    from bot.service import clean_question

    query = clean_question(topic)[:MAX_TOPIC_CHARS]
    if not re.search(r"[^\W_]", query):
        return TalkingPoints(topic)
    vector = assistant.embedder.embed_queries([query])[0]
    # The topic's glossary synonyms ("dispute" = claim, refund request) widen the word search.
    glossary = assistant.glossary()
    retrieval = assistant.retriever.search(query, vector, k=12, search_text=glossary.expand(query) if glossary else None)
    if not retrieval.grounded:  # the same gate as answers: no points on what the documents lack
        return TalkingPoints(topic)
    snap = retrieval.snapshot
    # Sections the search ranks high (dense and lexical together) lend their sentences weight.
    boost = {rc.chunk.chunk_id: 0.2 * (1 - i / max(len(retrieval.ranked), 1)) for i, rc in enumerate(retrieval.ranked)}
    vectors = snap.sentence_vectors([sid for c in snap.chunks for sid in c.sentence_ids])
    wanted = set(tokenize([glossary.expand(query) if glossary else query])[0])
    by_doc: dict[str, list[_Candidate]] = {}
    for chunk in snap.chunks:
        for sid, sentence in zip(chunk.sentence_ids, chunk.sentences):
            if sid not in vectors or not 40 <= len(sentence) <= 400 or is_pointer(sentence):
                continue  # a pointer to other sections is no talking point
            score = float(vectors[sid] @ vector) + boost.get(chunk.chunk_id, 0.0)
            score += 0.08 if has_figure(sentence) else 0.0
            if wanted:  # the topic's own words ("dispute") pick the sentence within a section
                score += 0.15 * len(wanted & snap.sentence_terms(sid, sentence)) / len(wanted)
            score -= 0.15 if _CAVEAT.search(sentence) else 0.0  # a caveat is worth a tag, not a lead
            by_doc.setdefault(chunk.doc_id, []).append(_Candidate(score, sentence, vectors[sid], chunk))
    if not by_doc:
        return TalkingPoints(topic)
    for cands in by_doc.values():
        cands.sort(key=lambda c: c.score, reverse=True)
    # Which documents cover the topic: by plain similarity, so one section's boost does not hide them.
    plain = {d: max(float(c.vector @ vector) for c in cands) for d, cands in by_doc.items()}
    docs = sorted(by_doc, key=lambda d: plain[d], reverse=True)
    docs = [d for d in docs if plain[d] >= plain[docs[0]] - DOCUMENT_MARGIN]
    best = max(by_doc[d][0].score for d in docs)

    chosen: list[_Candidate] = []
    first_round = True
    while len(chosen) < MAX_POINTS:  # one point from each document in turn, the best first
        before = len(chosen)
        for doc in docs:
            for cand in by_doc[doc]:
                weak = cand.score < best - SENTENCE_MARGIN and not first_round
                if len(chosen) == MAX_POINTS or (weak and len(chosen) >= MIN_POINTS):
                    break  # sorted: the rest of this document is weaker still
                if any(c is cand for c in chosen):
                    continue
                if not any(_same_point(cand, c) for c in chosen):
                    chosen.append(cand)
                    break
        first_round = False  # every document that covers the topic has its say once
        if len(chosen) == before:
            break
    # Lead with the strongest fact that has a figure and no caveat.
    chosen.sort(key=lambda c: (not (has_figure(c.sentence) and not _CAVEAT.search(c.sentence)), -c.score))
    return _as_points(topic, chosen)


def _same_point(a: _Candidate, b: _Candidate) -> bool:
    """Two sentences that make one point (the same fact told twice), but never two figures."""
    figures = [set(re.findall(r"\d[\d.,]*\d|\d", _DATE.sub(" ", c.sentence))) for c in (a, b)]
    if figures[0] and figures[1] and figures[0] != figures[1]:
        return False  # 30 days and 60 days are two points, however alike the sentences
    if float(a.vector @ b.vector) >= 0.85:
        return True
    words = [set(re.findall(r"[a-z]{4,}", c.sentence.lower())) for c in (a, b)]
    overlap = len(words[0] & words[1]) / max(len(words[0] | words[1]), 1)
    return bool(figures[0]) and figures[0] == figures[1] and overlap >= 0.4


def _as_points(topic: str, chosen: list[_Candidate]) -> TalkingPoints:
    citations: dict[str, Citation] = {}
    items = []
    for cand in chosen:
        c = cand.chunk
        if c.chunk_id not in citations:
            citations[c.chunk_id] = Citation(number=len(citations) + 1, title=c.title, section=c.section, source=c.source,
                                             as_of=c.as_of, score=cand.score, doc_id=c.doc_id)
        text = cand.sentence
        trimmed = _CAVEAT_TAIL.sub(".", text)
        unverified = trimmed != text or bool(_CAVEAT.search(text))
        era = era_label(trimmed, c.section, c.as_of, " ".join(c.sentences))
        items.append(TalkingPoint(trimmed, era, unverified, citations[c.chunk_id].number))
    return TalkingPoints(topic, items, list(citations.values()))


def talking_points_text(result: TalkingPoints) -> str:
    """Plain text for the console and the command line."""
    if not result.found:
        return f"My documents have no material on '{result.topic}', so I have no talking points for it."
    lines = [f"Talking points: {result.topic}"]
    lines += [f"  • {point}" for point in result.points]
    lines += sources_lines(result.citations)
    return "\n".join(lines)
