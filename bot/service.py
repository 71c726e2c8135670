"""The service layer: one `Assistant` that every front end (console, CLI, Telegram, tests) calls.

Nothing here knows about Telegram.
"""

from __future__ import annotations

import html
import logging
import re
import sqlite3
import threading
import time

import numpy as np

from bot.answering import Answer, Citation, compose_extractive, compose_with_chat_model, decline_text
from bot.conversation import retrieval_query
from bot.embeddings import LocalEmbeddings
from bot.grounding import GroundingCache, missing_key_terms, unanswered_names
from bot.ingest import IngestError, IngestReport, ingest_lock, ingest_locked, recover_interrupted_upload, run_ingest
from bot.language import ENGLISH, notice_for
from bot.records import Records
from bot.retrieval import Retrieval, Retriever, stem_word
from bot.settings import Settings
from bot.store import KnowledgeStore
from bot.subjects import content_words, later_than_passages, outside_documents_time, subject_phrase
from bot.understanding import MAX_FOCUS_WORDS, Query, asked_operation, is_asking, search_text_for, split_clauses, understand

log = logging.getLogger(__name__)
# "What is X?" is answered from the glossary unless a document section asks that very question.
DOCUMENT_ANSWERS_DEFINITION = 0.80
# A question naming something specific needs a sentence this close in the sections that name it.
NAMED_SENTENCE_SUPPORT = 0.45

EMPTY_TEXT = (
    "Please type a question in words, for example: \"How long do I have to open a Trade Assurance "
    "dispute?\" or \"What does a card payment cost?\""
)
_MARKUP = re.compile(r"<[^>\n]{0,200}>|[*_`~\[\]|#>]+")


def clean_question(raw: str) -> str:
    """Drop markup and control characters and fold white space; the words stay."""
    text = html.unescape(raw or "")
    text = _MARKUP.sub(" ", text)
    text = "".join(ch for ch in text if ch.isprintable() or ch.isspace())
    return re.sub(r"\s+", " ", text).strip()


class Assistant:
    def __init__(self, settings: Settings, store: KnowledgeStore | None = None, embedder: LocalEmbeddings | None = None,
                 chat_model=None, records: Records | None = None):
        self.settings = settings
        self.store = store or KnowledgeStore(settings)
        self.embedder = embedder or LocalEmbeddings()
        self.records = records or Records(settings.records_path)
        self.retriever = Retriever(self.store, settings.relevance_threshold)
        self.chat_model = chat_model if chat_model is not None else _configured_chat_model(settings)
        self._ingest_lock = threading.RLock()  # an upload holds it across file move and ingest
        self._checker = None  # (rules text, checker) of the rules in force
        self._grounding = GroundingCache(lambda texts: self.embedder.embed_queries(texts))
        self._recover_upload_at_start()

    def close(self) -> None:
        self.records.close()
        self.store.close()

    # --- the knowledge base ---------------------------------------------------------------

    def has_index(self) -> bool:
        return self.store.active() is not None

    def ingest(self, progress: bool = False) -> IngestReport:
        """Re-read the knowledge folder into a new index version (in this process)."""
        with self._ingest_lock:
            report = run_ingest(self.settings, self.store, lambda: self.embedder, progress=progress)
        self.retriever.snapshot(force=True)
        return report

    def add_document(self, file_name: str, data: bytes) -> tuple[str, IngestReport]:
        """Add or replace a document in the knowledge folder and re-ingest; on any failure the
        folder and the index stay as they were (UploadError or IngestError says why)."""
        from bot.uploads import install_upload

        def ingest_new_file() -> IngestReport:
            report = ingest_locked(self.settings, self.store, lambda: self.embedder)
            self.retriever.snapshot(force=True)
            return report

        # The ingest lock (across processes) is held from the file's move to the end of its ingest,
        # so no other ingest can activate, or recover, the upload half-way.
        with self._ingest_lock, ingest_lock(self.settings):
            recover_interrupted_upload(self.settings, self.store)
            return install_upload(self.settings.knowledge_dir, file_name, data, self.settings.max_document_bytes,
                                  ingest_new_file)

    def _recover_upload_at_start(self) -> None:
        """A bot killed during an upload: make the folder match the index before anything else.
        Skipped when another process is ingesting (it recovers under its own lock)."""
        try:
            with ingest_lock(self.settings):
                recover_interrupted_upload(self.settings, self.store)
        except IngestError:
            pass

    def eligibility_checker(self):
        """The checker for the rules in force (those of the active index version), or None."""
        from bot.datafiles import RULES_FILE
        from bot.eligibility import RulesEligibilityChecker, parse_rules

        snap = self.retriever.snapshot()
        text = snap.active.data_files.get(RULES_FILE) if snap else None
        if text is None:
            return None
        if self._checker is None or self._checker[0] != text:
            titles = {c.doc_id: c.title for c in snap.chunks}
            self._checker = (text, RulesEligibilityChecker(parse_rules(text), titles))
        return self._checker[1]

    def check_eligibility(self, flow):
        """Run a completed guided check through the checker in force."""
        checker = self.eligibility_checker()
        data = flow.build()
        return checker.check_financing(data) if flow.kind == "financing" else checker.check_order(data)

    def glossary(self):
        """The glossary of the index in use, or None."""
        snap = self.retriever.snapshot()
        return self._grounding.get(snap).glossary if snap and snap.chunks else None

    def data_file(self, name: str) -> str | None:
        """The validated text of a data file (figures, rules) in the active index version."""
        snap = self.retriever.snapshot()
        return snap.active.data_files.get(name) if snap else None

    # --- questions ------------------------------------------------------------------------

    def ask(self, raw_question: str, chat_id: str = "cli", user_id: str = "cli", channel: str = "cli") -> Answer:
        started = time.perf_counter()
        if len(raw_question or "") > self.settings.max_question_chars:
            return Answer(
                f"Your message is {len(raw_question):,} characters long; please ask one question in under "
                f"{self.settings.max_question_chars:,} characters.", False, kind="invalid")
        question = clean_question(raw_question)
        if not re.search(r"[^\W_]", question):
            return Answer(EMPTY_TEXT, False, kind="invalid")

        history = self._recent_questions(chat_id) if chat_id != "cli" else []
        answer, retrieval = self._answer(question, history)
        try:
            answer.question_id = self.records.record_question(
                chat_id=chat_id, user_id=user_id, channel=channel, question=question, kind=answer.kind,
                grounded=answer.grounded, top_score=retrieval.top_dense, latency_ms=(time.perf_counter() - started) * 1000,
            )
        except sqlite3.Error as exc:
            # A full disk or a damaged records file costs a usage record, never the answer itself.
            log.warning("Could not record a question (%s); the answer is sent without a record", exc)
        return answer

    def _recent_questions(self, chat_id: str) -> list[str]:
        try:
            return self.records.recent_questions(chat_id)
        except sqlite3.Error as exc:
            log.warning("Could not read the conversation (%s); answering without it", exc)
            return []

    def _answer(self, question: str, history: list[str]) -> tuple[Answer, Retrieval]:
        snap = self.retriever.snapshot()
        if snap is None or not snap.chunks:
            return Answer(decline_text(), False, kind="declined"), Retrieval(question, [], False, 0.0, snap)
        grounding = self._grounding.get(snap)
        query = understand(question, grounding.glossary, grounding.speller, grounding.known_words,
                           grounding.names_specific_term)
        nothing = Retrieval(question, [], False, 0.0, snap)
        if query.language != ENGLISH:
            return Answer(notice_for(query.language), False, kind="language"), nothing

        subjects = grounding.subjects.uncovered_subjects(query.text, query.focus)
        outside_time = outside_documents_time(query.focus, grounding.subjects.years)
        if subjects or outside_time:
            subject = subject_phrase(subjects, query.focus) if subjects else _naming(outside_time, nothing, query)
            return Answer(decline_text(subject), False, kind="declined"), nothing
        aside = grounding.subjects.third_party_aside(query.text, query.focus)
        if aside:
            subject = f"{aside}'s own services, only its part in trade and small-business finance"
            return Answer(decline_text(subject), False, kind="declined"), nothing
        search = retrieval_query(query.text, history)
        follow_up = search != query.text
        vectors = self.embedder.embed_queries([search, query.text] if follow_up else [search])
        search_text = search_text_for(search, grounding.glossary, query.intents) if follow_up else query.search_text
        # A comparison looks deeper: each side may be answered by a section of its own.
        k = self.settings.retrieval_k * (2 if "comparison" in query.intents else 1)
        retrieval = self.retriever.search(search, vectors[0], k=k, search_text=search_text, audience=query.audience)
        if not retrieval.grounded and not follow_up:
            # A message that asks two things at once may match no section as a whole: try its parts.
            retrieval, search, vectors = self._best_clause(query, grounding, retrieval, search, vectors)
        if not retrieval.grounded and not follow_up and query.focus != query.original:
            retrieval, search, vectors = self._with_story(query, grounding, retrieval, search, vectors, k)
        retrieved = [rc.chunk.doc_id for rc in retrieval.ranked]
        if query.definition and not (retrieval.ranked and retrieval.ranked[0].question_match >= DOCUMENT_ANSWERS_DEFINITION):
            return _glossary_answer(query), retrieval
        suggestions = _nearest_topics(retrieval)
        if not retrieval.grounded:
            return _declined(retrieval, query, suggestions, retrieved), retrieval
        key_names = missing_key_terms(retrieval, query.text, query.focus, grounding.speller.is_english,
                                      grounding.glossary_names, comparison="comparison" in query.intents)
        if key_names.missing:
            subject = subject_phrase(_surface_words(key_names.missing, query.text), query.focus) or ", ".join(key_names.missing)
            return Answer(decline_text(f"{subject} in connection with that question", suggestions), False,
                          kind="declined", retrieved=retrieved), retrieval
        retrieved = [rc.chunk.doc_id for rc in retrieval.ranked]  # the key-name check may reorder them

        answer = None
        if self.chat_model is not None:
            composed = compose_with_chat_model(self.chat_model, query.text, history if follow_up else [], retrieval.ranked)
            if composed:
                answer = Answer(composed[0], True, composed[1], composer="chat_model")
        if answer is None:
            # A follow-up is matched against both the combined query and its own words.
            query_vecs = [np.asarray(v) for v in vectors]
            # A question naming something specific ("AliExpress seller fees") is answered from the
            # sections that name it, and only when one of their sentences is close to what was asked.
            # A comparison keeps the other sections too, now behind them: they answer the other sides.
            named = retrieval.ranked[:key_names.holding] if key_names.holding else retrieval.ranked
            sources = retrieval.ranked if "comparison" in query.intents else named
            if key_names.holding and retrieval.snapshot.best_sentence_similarity(
                    [rc.chunk for rc in sources], query_vecs[0]) < NAMED_SENTENCE_SUPPORT:
                names = subject_phrase(_surface_words(key_names.names, query.text), query.focus) or "that"
                return Answer(decline_text(f"{names} in connection with that question", suggestions), False,
                              kind="declined", retrieved=retrieved), retrieval
            # Sentences are chosen with the query as the index's adapter maps it, like the sections.
            ranking_vecs = [retrieval.snapshot.ranking_vector(v) for v in query_vecs]
            # Each question of a message that asks two ("when did he propose it and where was the first hub?").
            parts = [p for p in split_clauses(query.text) if is_asking(p)] if not follow_up else []
            part_vecs = [retrieval.snapshot.ranking_vector(v) for v in self.embedder.embed_queries(parts)] if len(parts) > 1 else []
            text, citations = compose_extractive(search, retrieval.terms, sources, retrieval.snapshot, ranking_vecs,
                                                 query.intents, query.audience, part_vecs)
            if not text:
                return _declined(retrieval, query, suggestions, retrieved), retrieval
            # An answer that stops before the year asked about does not answer it ("MYbank's rate in 2024").
            later = later_than_passages(query.focus, [text])
            if later:
                return Answer(decline_text(_naming(later, retrieval, query), suggestions), False, kind="declined",
                              retrieved=retrieved), retrieval
            # "How do I modify my order?": our documents give the rules, not the account's screens;
            # an answer that never speaks of the operation asked about does not answer it.
            operation = asked_operation(query.text)
            if operation and not any(operation in retrieval.snapshot.chunk_terms[rc.chunk.chunk_id]
                                     for rc in sources if any(c.section == rc.chunk.section for c in citations)):
                return _declined(retrieval, query, suggestions, retrieved), retrieval
            answer = Answer(text, True, citations)
        answer.retrieved = retrieved
        return answer, retrieval

    def _best_clause(self, query: Query, grounding, retrieval: Retrieval, search: str, vectors):
        """The best-supported part of a compound question, when one is covered; else unchanged."""
        clauses = split_clauses(query.text)
        if not clauses:
            return retrieval, search, vectors
        clause_vectors = self.embedder.embed_queries(clauses)
        best = None
        for clause, vector in zip(clauses, clause_vectors):
            found = self.retriever.search(clause, vector, k=self.settings.retrieval_k,
                                          search_text=search_text_for(clause, grounding.glossary, query.intents),
                                          audience=query.audience)
            if found.grounded and (best is None or found.top_dense > best[0].top_dense):
                best = (found, clause, [vector])
        return best if best else (retrieval, search, vectors)

    def _with_story(self, query: Query, grounding, retrieval: Retrieval, search: str, vectors, k: int):
        """A long message whose question alone matches nothing ("what can we get back and when do
        I escalate?"), searched again with its story: first from the sentence that names the topic
        when the question names none, then the message's last words as typed. Only then, for the
        story must not pull a question that is answered alone away from what it asks."""
        tail = grounding.speller.correct(" ".join(query.original.split()[-MAX_FOCUS_WORDS:]))
        for text in dict.fromkeys(t for t in (query.with_topic, tail) if t):
            vector = self.embedder.embed_queries([text])
            found = self.retriever.search(text, vector[0], k=k, audience=query.audience,
                                          search_text=search_text_for(text, grounding.glossary, query.intents))
            if found.grounded:
                return found, text, vector
        return retrieval, search, vectors

    def feedback(self, question_id: int, user_id: str, value: int) -> bool:
        return self.records.record_feedback(question_id, user_id, value)


def _glossary_answer(query: Query) -> Answer:
    entry = query.definition
    also = f" Also called: {', '.join(entry.synonyms)}." if entry.synonyms else ""
    lead = entry.definition if entry.definition.lower().startswith(entry.term.lower()) else f"{entry.term}: {entry.definition}"
    citation = Citation(1, "Glossary", entry.term, entry.source, "", 1.0, "glossary")
    return Answer(f"{lead}{also} [1]", True, [citation], retrieved=["glossary"])


def _naming(what: str, retrieval: Retrieval, query: Query) -> str:
    """What the documents cannot hold ("anything about 2024"), with what it was asked about when
    the question names something ("anything about 2024 on MYbank")."""
    names = unanswered_names(retrieval, query.focus)
    return f"{what} on {' and '.join(names[:2])}" if names else what


def _declined(retrieval: Retrieval, query: Query, suggestions: list[str], retrieved: list[str]) -> Answer:
    """The decline for a question no section answers, naming what it was about when it names
    something ("that question about Citibank"), so the user sees it was read."""
    names = unanswered_names(retrieval, query.focus)
    subject = f"that question about {' and '.join(names[:2])}" if names else None
    return Answer(decline_text(subject, suggestions), False, kind="declined", retrieved=retrieved)


def _nearest_topics(retrieval: Retrieval) -> list[str]:
    """The sections closest to a declined question, as the questions they answer."""
    topics = []
    for rc in retrieval.ranked[:3]:
        topic = rc.chunk.questions[0] if rc.chunk.questions else rc.chunk.section
        if topic not in topics:
            topics.append(topic)
    return topics


def _surface_words(stems: list[str], text: str) -> list[str]:
    """The words of `text` whose stems are `stems`, as written."""
    return [w for w in content_words(text) if stem_word(w) in stems]


def _configured_chat_model(settings: Settings):
    if not settings.llm_model:
        return None
    try:
        from langchain.chat_models import init_chat_model

        return init_chat_model(settings.llm_model, temperature=0)
    except Exception as exc:  # noqa: BLE001 - a missing provider package must not stop the assistant
        log.warning("LLM_MODEL=%s could not be loaded (%s); answering extractively", settings.llm_model, exc)
        return None

