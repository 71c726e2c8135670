"""The ingest pipeline: validate every document, then build and activate a new index version.

Only sentences whose chunk is new are embedded; unchanged chunks carry their embeddings over
from the active version. Nothing is activated until the new version is complete, and a failed
validation leaves the active index exactly as it was.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from bot import query_adapter
from bot.chunking import Chunk, split_document
from bot.datafiles import DataFileError, load_data_files
from bot.documents import DocumentError, SourceDocument, find_document_paths, load_document
from bot.ingest_report import IngestReport
from bot.ingest_state import knowledge_fingerprint, save_state
from bot.settings import Settings
from bot.store import PAGE, ActiveIndex, KnowledgeStore, iter_records, lock_file

log = logging.getLogger(__name__)


class IngestError(RuntimeError):
    """Ingest refused; `problems` lists one line per file with its reason."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("Ingest stopped; the active index was left as it was.\n" + "\n".join(f"  - {p}" for p in problems))


def read_knowledge(settings: Settings) -> tuple[list[SourceDocument], dict[str, str]]:
    """Load and validate every document and data file; raise IngestError listing all problems."""
    folder = settings.knowledge_dir
    if not folder.is_dir():
        raise IngestError([f"{folder}: the knowledge folder does not exist (set KNOWLEDGE_DIR)"])
    problems, docs = [], []
    paths = find_document_paths(folder)
    problems += _same_document_problems(paths, folder)
    for path in paths:
        try:
            docs.append(load_document(path, folder, settings.max_document_bytes))
        except DocumentError as exc:
            problems.append(str(exc))
    try:
        data_files = load_data_files(folder, None if problems else {doc.doc_id for doc in docs})
    except DataFileError as exc:
        problems.append(str(exc))
        data_files = {}
    if not docs and not problems:
        problems.append(f"{folder}: no documents found (Markdown, text, PDF or HTML)")
    if problems:
        raise IngestError(problems)
    return docs, data_files


def _same_document_problems(paths: list[Path], folder: Path) -> list[str]:
    """A document is known by its path without the extension: two files with one such id (notes.md
    and notes.txt) would silently drop one of them from the index."""
    by_id: dict[str, list[str]] = {}
    for path in paths:
        rel = path.relative_to(folder)
        by_id.setdefault(rel.with_suffix("").as_posix(), []).append(rel.as_posix())
    return [f"{' and '.join(names)}: are the same document '{doc_id}' (a document is known by its name "
            "without the extension); rename or remove one of them"
            for doc_id, names in by_id.items() if len(names) > 1]


def duplicate_title_warnings(docs: list[SourceDocument]) -> list[str]:
    """Answers cite documents by title: two documents with one title cannot be told apart."""
    by_title: dict[str, list[str]] = {}
    for doc in docs:
        by_title.setdefault(doc.title.casefold(), []).append(doc.path)
    return [f"{' and '.join(paths)} have the same title; answers will cite them alike, so give each its own title"
            for paths in by_title.values() if len(paths) > 1]


@contextmanager
def ingest_lock(settings: Settings):
    """One ingest at a time per data folder; a second one is refused, not queued behind."""
    fd = lock_file(settings.ingest_lock_path, fcntl.LOCK_EX)
    if fd is None:
        raise IngestError(["another ingest is already running on this data folder; wait for it to finish"])
    try:
        yield
    finally:
        os.close(fd)


def run_ingest(
    settings: Settings,
    store: KnowledgeStore,
    embedder_factory: Callable[[], object],
    progress: bool = False,
) -> IngestReport:
    """Bring the index in line with the knowledge folder. `embedder_factory` is only called
    when something needs embedding, so an up-to-date re-ingest never loads the model."""
    with ingest_lock(settings):
        recover_interrupted_upload(settings, store)
        return ingest_locked(settings, store, embedder_factory, progress)


def recover_interrupted_upload(settings: Settings, store: KnowledgeStore) -> None:
    """Make the knowledge folder match the index in use after an upload killed half-way
    (bot/uploads.py). The caller holds the ingest lock."""
    from bot.uploads import recover_upload

    active = store.active()
    done = recover_upload(settings.knowledge_dir, active.manifest if active else {}, active.data_files if active else {})
    if done:
        log.warning("%s", done)


def ingest_locked(settings: Settings, store: KnowledgeStore, embedder_factory, progress: bool = False) -> IngestReport:
    """`run_ingest` for a caller that already holds the ingest lock and has recovered any
    interrupted upload (an upload holds the lock from putting its file in place until its
    ingest is done)."""
    started = time.perf_counter()
    # Taken before reading: a file edited meanwhile then makes the next ingest look again.
    fingerprint = knowledge_fingerprint(settings)
    # Documents are read under the lock too, so two ingests never interleave their reads and writes.
    docs, data_files = read_knowledge(settings)
    chunks_by_doc = {doc.doc_id: split_document(doc) for doc in docs}
    manifest = {doc.doc_id: doc.content_hash for doc in docs}
    active = store.active()
    old_manifest = active.manifest if active else {}
    report = IngestReport(warnings=duplicate_title_warnings(docs))
    for doc_id, digest in manifest.items():
        if doc_id not in old_manifest:
            report.documents["added"].append(doc_id)
        elif old_manifest[doc_id] != digest:
            report.documents["updated"].append(doc_id)
        else:
            report.documents["unchanged"].append(doc_id)
    report.documents["removed"] = sorted(set(old_manifest) - set(manifest))
    old_files = active.data_files if active else {}
    report.data_files_changed = sorted(k for k in set(data_files) | set(old_files) if data_files.get(k) != old_files.get(k))

    new_chunks = {c.chunk_id: c for chunks in chunks_by_doc.values() for c in chunks}
    old_chunk_ids = _chunk_ids(store, active) if active else set()
    kept = old_chunk_ids & set(new_chunks)
    report.chunks = {
        "added": len(set(new_chunks) - old_chunk_ids),
        "removed": len(old_chunk_ids - set(new_chunks)),
        "unchanged": len(kept),
    }

    if active and kept == old_chunk_ids == set(new_chunks) and _has_adapter(store, active):
        # Same chunks: at most the manifest or data files changed; no new version needed.
        if report.changed:
            store.activate(ActiveIndex(active.collection, active.version, manifest, data_files, len(new_chunks)))
        report.version = active.version
    else:
        report.version, report.sentences_embedded = _build_version(
            store, active, new_chunks, kept, manifest, data_files, embedder_factory, progress
        )
    store.drop_inactive_versions()
    save_state(settings, fingerprint, report, len(new_chunks))
    report.seconds = time.perf_counter() - started
    return report


def _chunk_ids(store: KnowledgeStore, active: ActiveIndex) -> set[str]:
    collection = store.collection(active.collection)
    ids: set[str] = set()
    for page in iter_records(collection, include=["metadatas"]):
        ids.update(m["chunk_id"] for m in page["metadatas"])
    return ids


def _sentence_records(chunk: Chunk) -> tuple[list[str], list[str], list[dict]]:
    """Records of a chunk in the order of `Chunk.embedding_texts`: its sentences ("<chunk>-000"),
    then the questions its section answers ("<chunk>-q00", kind "question")."""
    ids = [f"{chunk.chunk_id}-{position:03d}" for position in range(len(chunk.sentences))]
    metas = [{**chunk.metadata(), "position": position, "kind": "sentence"} for position in range(len(chunk.sentences))]
    ids += [f"{chunk.chunk_id}-q{i:02d}" for i in range(len(chunk.questions))]
    metas += [{**chunk.metadata(), "position": i, "kind": "question"} for i in range(len(chunk.questions))]
    return ids, list(chunk.sentences) + list(chunk.questions), metas


def _build_version(store, active, new_chunks, kept, manifest, data_files, embedder_factory, progress):
    # Leftovers of a crashed ingest are dropped first so they never pile up.
    store.drop_inactive_versions()
    version, collection = store.new_version()
    records = _VersionVectors()
    try:
        if active and kept:
            old = store.collection(active.collection)
            keep_ids = [sid for cid in kept for sid in _sentence_records(new_chunks[cid])[0]]
            for page in iter_records(old, include=["embeddings", "documents", "metadatas"], ids=keep_ids):
                collection.add(ids=page["ids"], embeddings=page["embeddings"], documents=page["documents"], metadatas=page["metadatas"])
                records.add(page["embeddings"], page["metadatas"])

        ids, texts, metas, to_embed = [], [], [], []
        for chunk_id, chunk in new_chunks.items():
            if chunk_id not in kept:
                i, t, m = _sentence_records(chunk)
                ids += i
                texts += t
                metas += m
                to_embed += chunk.embedding_texts()
        if texts:
            embedder = embedder_factory()
            bar = _progress_bar(len(texts), progress)
            vectors = embedder.encode(to_embed, progress=bar.update if bar else None)
            if bar:
                bar.close()
            for start in range(0, len(ids), PAGE):
                end = start + PAGE
                collection.add(ids=ids[start:end], embeddings=vectors[start:end], documents=texts[start:end], metadatas=metas[start:end])
            records.add(vectors, metas)
        collection.modify(metadata={query_adapter.ADAPTER_KEY: records.fit_adapter()})
        store.activate(ActiveIndex(collection.name, version, manifest, data_files, len(new_chunks)))
    except BaseException:
        # The active pointer was not moved; drop the partial version and leave the old one in use.
        try:
            store.client.delete_collection(collection.name)
        except Exception:  # noqa: BLE001 - best effort; the next ingest drops leftovers too
            log.warning("could not drop partial index version %s", collection.name)
        raise
    return version, len(texts)


def _has_adapter(store: KnowledgeStore, active: ActiveIndex) -> bool:
    """Whether the version in use was built with a query adapter (or had too few questions for
    one): a version built before adapters existed is rebuilt once, without re-embedding."""
    return query_adapter.ADAPTER_KEY in (store.collection(active.collection).metadata or {})


class _VersionVectors:
    """The vectors of a version being built, by kind, for fitting its query adapter."""

    def __init__(self):
        self.sections: dict[str, int] = {}
        self.questions, self.question_sections, self.sentences, self.sentence_sections = [], [], [], []

    def add(self, vectors, metadatas) -> None:
        for vector, meta in zip(vectors, metadatas):
            section = self.sections.setdefault(meta["chunk_id"], len(self.sections))
            if meta.get("kind") == "question":
                self.questions.append(vector)
                self.question_sections.append(section)
            else:
                self.sentences.append(vector)
                self.sentence_sections.append(section)

    def fit_adapter(self) -> str:
        """The adapter fitted on the version's own section questions, as metadata text ("none"
        when there are too few to learn from). Kept with the version, so every process that
        reads it ranks with the same adapter. Sections that list no questions take no part in the
        fit (see query_adapter.fit)."""
        if len(self.questions) < query_adapter.MIN_QUESTIONS or not self.sentences:
            return "none"
        weights = query_adapter.fit(np.asarray(self.questions, dtype=np.float32), np.asarray(self.question_sections),
                                    np.asarray(self.sentences, dtype=np.float32), np.asarray(self.sentence_sections))
        return query_adapter.encode(weights) if weights is not None else "none"


def _progress_bar(total: int, enabled: bool):
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="sentence", desc="Embedding", file=sys.stderr)

