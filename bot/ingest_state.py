"""A quick answer to "did anything change since the last ingest?", without opening the store.

Importing chromadb alone takes about a second, so an unchanged re-ingest spent most of its time
loading a store it would not touch. After each ingest on the embedded store, a fingerprint of
everything the index was built from (the documents' and data files' bytes, the ingest settings,
the code that reads and splits them) is saved beside the store with the ingest's summary. When
the fingerprint still matches, nothing needs doing and the summary is printed at once.
A Chroma server is shared, so another process may have changed its index: no shortcut there.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

from bot.datafiles import DATA_FILES_ALLOWED
from bot.documents import find_document_paths
from bot.ingest_report import IngestReport
from bot.settings import Settings

log = logging.getLogger(__name__)
STATE_FILE = "ingest-state.json"
# Changing how documents are read or split changes the index: these files are part of the fingerprint.
_PIPELINE = ("chunking.py", "documents.py", "datafiles.py", "ingest.py", "store.py", "embeddings.py")


def _state_path(settings: Settings) -> Path:
    return settings.data_dir / STATE_FILE


def knowledge_fingerprint(settings: Settings) -> str | None:
    """A digest of what an ingest would read, or None when an ingest must look for itself
    (a half-finished upload to recover, or an unreadable folder)."""
    folder = settings.knowledge_dir
    if not folder.is_dir() or (folder / ".uploads" / "journal.json").exists():
        return None
    digest = hashlib.sha256(f"{settings.max_document_bytes}\n{folder.resolve()}\n".encode())
    package = Path(__file__).parent
    try:
        for name in _PIPELINE:
            stat = (package / name).stat()
            digest.update(f"{name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
        paths = find_document_paths(folder) + [folder / n for n in sorted(DATA_FILES_ALLOWED) if (folder / n).exists()]
        for path in paths:
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    except OSError:
        return None
    return digest.hexdigest()


def save_state(settings: Settings, fingerprint: str | None, report: IngestReport, chunk_count: int) -> None:
    """Remember what the index in use was built from (embedded store only); best effort."""
    path = _state_path(settings)
    try:
        if fingerprint is None or settings.uses_chroma_server:
            path.unlink(missing_ok=True)
            return
        documents = sorted(set().union(*(report.documents[k] for k in ("added", "updated", "unchanged"))))
        state = {"fingerprint": fingerprint, "version": report.version, "documents": documents,
                 "chunks": chunk_count, "warnings": report.warnings}
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(state))
        os.replace(temporary, path)
    except OSError as exc:  # a missing shortcut only costs time
        log.warning("Could not save %s (%s)", path.name, exc)


def unchanged_report(settings: Settings) -> IngestReport | None:
    """The report of a re-ingest that would change nothing, or None when an ingest must run.
    The caller holds the store and ingest locks."""
    if settings.uses_chroma_server or not (settings.chroma_dir / "chroma.sqlite3").exists():
        return None
    try:
        state = json.loads(_state_path(settings).read_text())
    except (OSError, ValueError):
        return None
    fingerprint = knowledge_fingerprint(settings)
    if fingerprint is None or state.get("fingerprint") != fingerprint:
        return None
    report = IngestReport(version=str(state["version"]), warnings=list(state.get("warnings", [])))
    report.documents["unchanged"] = list(state["documents"])
    report.chunks["unchanged"] = int(state["chunks"])
    return report
