"""The knowledge store: versioned Chroma collections and the pointer to the active one.

Each ingest writes a complete new collection (`kb_v...`) and then flips one record in the
`kb_registry` collection. Readers follow that pointer, so they see the old index or the new
one, never a half-written one. The pointer lives in Chroma itself, so the embedded store and a
shared Chroma server behave the same way.

A replaced version is not dropped at once: readers in this and other processes may be in the
middle of a search on it (they look at the pointer about once a second). It is marked retired
in the registry and dropped by the first ingest after RETIRED_GRACE_SECONDS.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
import uuid
from dataclasses import dataclass, field

import chromadb
from chromadb.config import Settings as ChromaSettings

from bot.locks import is_locked as _is_locked
from bot.locks import lock_file
from bot.settings import Settings

log = logging.getLogger(__name__)

REGISTRY = "kb_registry"
VERSION_PREFIX = "kb_v"
ACTIVE_ID = "active"
RETIRED_PREFIX = "retired:"
RETIRED_GRACE_SECONDS = 300.0  # far longer than any search or answer takes
PAGE = 2000  # records per get/add call: Chroma caps batch sizes


class StoreBusyError(RuntimeError):
    """Another process holds the embedded store; the message says what to do instead."""


class StoreUnavailableError(StoreBusyError):
    """The Chroma server did not answer within the startup window; the message is one line."""


@dataclass
class ActiveIndex:
    collection: str
    version: str
    manifest: dict[str, str] = field(default_factory=dict)  # doc_id -> content hash
    data_files: dict[str, str] = field(default_factory=dict)  # validated rules/figures text
    chunk_count: int = 0


def _ensure_database(settings: Settings) -> None:
    """Create CHROMA_DATABASE on the server the first time it is used."""
    if settings.chroma_database == chromadb.DEFAULT_DATABASE:
        return
    admin = chromadb.AdminClient(ChromaSettings(
        chroma_api_impl="chromadb.api.fastapi.FastAPI", chroma_server_host=settings.chroma_host,
        chroma_server_http_port=settings.chroma_port, anonymized_telemetry=False))
    try:
        admin.get_database(settings.chroma_database)
    except Exception:  # noqa: BLE001 - the client raises a generic error for "not found"
        admin.create_database(settings.chroma_database)


def _connect_server(settings: Settings):
    """A client of the Chroma server, retried with a growing pause for STARTUP_RETRY_SECONDS:
    the server is often started at the same time as the bot and takes a few seconds to listen."""
    where = f"{settings.chroma_host}:{settings.chroma_port}"
    deadline = time.monotonic() + settings.startup_retry_seconds
    pause = 1.0
    while True:
        try:
            _ensure_database(settings)
            return chromadb.HttpClient(
                host=settings.chroma_host,
                port=settings.chroma_port,
                settings=ChromaSettings(anonymized_telemetry=False),
                database=settings.chroma_database,
            )
        except Exception as exc:  # noqa: BLE001 - the client raises ValueError, httpx or its own errors
            left = deadline - time.monotonic()
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if left <= 0:
                raise StoreUnavailableError(
                    f"Cannot reach the Chroma server at {where} after {settings.startup_retry_seconds:.0f} s "
                    f"({reason}); start it (chroma run --path DIR --port {settings.chroma_port}) or check "
                    "CHROMA_HOST and CHROMA_PORT.") from None
            log.warning("The Chroma server at %s is not answering yet (%s); trying again in %.0f s", where, reason, min(pause, left))
            time.sleep(min(pause, left))
            pause = min(pause * 2, 15.0)


class KnowledgeStore:
    """One Chroma client (embedded or server) and the versioned collections in it."""

    def __init__(self, settings: Settings, exclusive: bool = False):
        self.settings = settings
        self._store_lock_fd: int | None = None
        if settings.uses_chroma_server:
            self.client = _connect_server(settings)
        else:
            self._store_lock_fd = self._hold_store_lock(exclusive)
            self.client = chromadb.PersistentClient(
                path=str(settings.chroma_dir), settings=ChromaSettings(anonymized_telemetry=False)
            )
        self.registry = self.client.get_or_create_collection(REGISTRY, embedding_function=None)

    def _hold_store_lock(self, exclusive: bool) -> int:
        """Every process on the embedded store holds a shared lock; a standalone ingest needs it alone."""
        path = self.settings.data_dir / "store.lock"
        fd = lock_file(path, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        if fd is None:
            if exclusive and _is_locked(self.settings.ingest_lock_path):
                raise StoreBusyError("Another ingest is already running on this data folder; wait for it to finish.")
            if exclusive:
                raise StoreBusyError(
                    "The assistant is running on this knowledge store right now, and the embedded store "
                    "allows one writer only. Type /reingest in the running assistant (console or Telegram), "
                    "or stop it and run `make ingest` again, or use a Chroma server (CHROMA_HOST) that several "
                    "processes can share."
                )
            raise StoreBusyError("An ingest is writing the knowledge store right now; try again in a moment.")
        return fd

    def close(self) -> None:
        if self._store_lock_fd is not None:
            os.close(self._store_lock_fd)
            self._store_lock_fd = None

    # --- the active version -------------------------------------------------------------

    def active(self) -> ActiveIndex | None:
        got = self.registry.get(ids=[ACTIVE_ID], include=["metadatas"])
        if not got["ids"]:
            return None
        meta = got["metadatas"][0]
        return ActiveIndex(
            collection=meta["collection"],
            version=meta["version"],
            manifest=json.loads(meta.get("manifest", "{}")),
            data_files=json.loads(meta.get("data_files", "{}")),
            chunk_count=int(meta.get("chunk_count", 0)),
        )

    def activate(self, index: ActiveIndex) -> None:
        """Point readers at `index`: a single upsert, so the switch is atomic. The version it
        replaces is marked retired first, so no drop can catch it unmarked after the switch."""
        previous = self.active()
        if previous is not None and previous.collection != index.collection:
            self.registry.upsert(ids=[RETIRED_PREFIX + previous.collection], embeddings=[[0.0]],
                                 documents=[previous.collection],
                                 metadatas=[{"collection": previous.collection, "retired_at": time.time()}])
        self.registry.upsert(
            ids=[ACTIVE_ID],
            embeddings=[[0.0]],
            documents=[index.collection],
            metadatas=[
                {
                    "collection": index.collection,
                    "version": index.version,
                    "manifest": json.dumps(index.manifest, sort_keys=True),
                    "data_files": json.dumps(index.data_files, sort_keys=True),
                    "chunk_count": index.chunk_count,
                    "activated_at": time.time(),
                }
            ],
        )

    # --- versions -------------------------------------------------------------------------

    def new_version(self):
        version = time.strftime("%Y%m%d%H%M%S") + "_" + uuid.uuid4().hex[:6]
        collection = self.client.create_collection(
            VERSION_PREFIX + version, embedding_function=None, configuration={"hnsw": {"space": "cosine", "ef_construction": 200, "ef_search": 200, "max_neighbors": 32}}
        )
        return version, collection

    def collection(self, name: str):
        return self.client.get_collection(name, embedding_function=None)

    def _retired(self) -> dict[str, float]:
        """Replaced versions still kept for readers: collection name -> when it was replaced."""
        got = self.registry.get(where={"retired_at": {"$gte": 0}}, include=["metadatas"])
        return {meta["collection"]: float(meta["retired_at"]) for meta in got["metadatas"]}

    def drop_inactive_versions(self, grace_seconds: float = RETIRED_GRACE_SECONDS) -> list[str]:
        """Delete every version but the active one: leftovers of crashed ingests at once, replaced
        versions once they have been retired for `grace_seconds` (readers may still use them)."""
        active = self.active()
        retired = self._retired()
        now = time.time()
        dropped, kept = [], set()
        for col in self.client.list_collections():
            name = col if isinstance(col, str) else col.name
            if not name.startswith(VERSION_PREFIX) or (active is not None and name == active.collection):
                continue
            if name in retired and now - retired[name] < grace_seconds:
                kept.add(name)
                continue
            self.client.delete_collection(name)
            dropped.append(name)
        forgotten = [RETIRED_PREFIX + name for name in retired if name not in kept]
        if forgotten:
            self.registry.delete(ids=forgotten)
        return dropped


def iter_records(collection, include: list[str], ids: list[str] | None = None):
    """Yield pages of `collection.get(...)` so large collections never load in one call."""
    if ids is not None:
        for start in range(0, len(ids), PAGE):
            yield collection.get(ids=ids[start : start + PAGE], include=include)
        return
    offset = 0
    while True:
        page = collection.get(include=include, limit=PAGE, offset=offset)
        if not page["ids"]:
            return
        yield page
        offset += len(page["ids"])
