"""Ingest against the real Chroma store and the real embedding model."""

import time

import pytest

from bot.ingest import IngestError, run_ingest
from bot.service import Assistant
from bot.store import KnowledgeStore, StoreBusyError
from conftest import make_settings

DOC = """---
title: Widget fees
as_of: "2018"
sources:
  - https://example.com/widget-fees
---
# Widget fees

## Card fee

The widget card fee for Trade Assurance orders is 2.95% from 4 June 2018.

## Refund timing

Widget refunds start within 7 business days once both sides agree.
"""
OTHER = """---
title: Gadget loans
as_of: "2014"
---
# Gadget loans

## Loan ceiling

Gadget loans for exporters were capped at RMB 10 million in July 2014.
"""


@pytest.fixture
def small_kb(tmp_path, embedder, backend):
    """A two-document knowledge base on each backend (embedded store and Chroma server)."""
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "widget.md").write_text(DOC)
    (folder / "gadget.md").write_text(OTHER)
    settings = make_settings(tmp_path / "data", folder, **backend)
    assistant = Assistant(settings, embedder=embedder)
    yield folder, settings, assistant
    assistant.close()


class CountingEmbedder:
    def __init__(self, inner):
        self.inner, self.embedded = inner, 0

    def encode(self, texts, progress=None):
        self.embedded += len(texts)
        return self.inner.encode(texts, progress)


def test_first_ingest_reports_everything_added(small_kb):
    _, _, assistant = small_kb
    report = assistant.ingest()
    assert sorted(report.documents["added"]) == ["gadget", "widget"]
    assert report.chunks["added"] == 3 and report.sentences_embedded == 3
    assert "2 added" in report.summary()


def test_unchanged_reingest_embeds_nothing_and_is_fast(small_kb, embedder):
    _, settings, assistant = small_kb
    assistant.ingest()
    factory_calls = []
    started = time.perf_counter()
    report = run_ingest(settings, assistant.store, lambda: factory_calls.append(1) or embedder)
    assert time.perf_counter() - started < 2.0
    assert factory_calls == [] and report.sentences_embedded == 0
    assert report.documents["unchanged"] == ["gadget", "widget"] and not report.changed
    assert "Nothing changed" in report.summary()


def test_changed_fact_reembeds_only_that_chunk_and_answers_change(small_kb, embedder):
    folder, settings, assistant = small_kb
    assistant.ingest()
    assert "2.95%" in assistant.ask("what is the widget card fee?").text
    (folder / "widget.md").write_text(DOC.replace("2.95%", "3.15%"))
    counting = CountingEmbedder(embedder)
    report = run_ingest(settings, assistant.store, lambda: counting)
    assert report.documents["updated"] == ["widget"] and report.documents["unchanged"] == ["gadget"]
    assert report.chunks == {"added": 1, "removed": 1, "unchanged": 2}
    assert counting.embedded == 1
    assistant.retriever.snapshot(force=True)
    answer = assistant.ask("what is the widget card fee?").text
    assert "3.15%" in answer and "2.95%" not in answer


def test_removed_document_disappears_from_answers(small_kb):
    folder, _, assistant = small_kb
    assistant.ingest()
    assert "RMB 10 million" in assistant.ask("what was the gadget loan ceiling in 2014?").text
    (folder / "gadget.md").unlink()
    report = assistant.ingest()
    assert report.documents["removed"] == ["gadget"]
    answer = assistant.ask("what was the gadget loan ceiling in 2014?")
    assert "RMB 10 million" not in answer.text
    assert all(c.doc_id != "gadget" for c in answer.citations)


@pytest.mark.parametrize("bad_name, bad_bytes", [("broken.pdf", b"%PDF-1.7 garbage"), ("blob.md", b"\x00\x01\x02binary")])
def test_failed_ingest_names_the_file_and_keeps_answers(small_kb, bad_name, bad_bytes):
    folder, _, assistant = small_kb
    assistant.ingest()
    before = assistant.ask("what is the widget card fee?").text
    version = assistant.store.active().version
    (folder / "widget.md").write_text(DOC.replace("2.95%", "9.99%"))
    (folder / bad_name).write_bytes(bad_bytes)
    with pytest.raises(IngestError) as err:
        assistant.ingest()
    assert bad_name in str(err.value)
    assert assistant.store.active().version == version
    assert assistant.ask("what is the widget card fee?").text == before


def test_crashed_ingest_leftovers_are_dropped_without_duplicates(small_kb):
    _, _, assistant = small_kb
    assistant.ingest()
    # A version written by an ingest that died before switching the pointer:
    _, orphan = assistant.store.new_version()
    orphan.add(ids=["x"], embeddings=[[0.1] * 384], documents=["orphan"], metadatas=[{"chunk_id": "x"}])
    (small_kb[0] / "gadget.md").write_text(OTHER + "\nGadget loans had no collateral requirement in 2014.\n")
    assistant.ingest()
    names = [c.name for c in assistant.store.client.list_collections()]
    assert orphan.name not in names
    # The version just replaced stays a while for readers in the middle of a search...
    assert sum(n.startswith("kb_v") for n in names) == 2
    assistant.store.drop_inactive_versions(grace_seconds=0)  # ...and goes once its grace is over
    names = [c.name for c in assistant.store.client.list_collections()]
    assert sum(n.startswith("kb_v") for n in names) == 1
    active = assistant.store.collection(assistant.store.active().collection)
    ids = active.get(include=[])["ids"]
    assert len(ids) == len(set(ids)) == 4


def test_standalone_ingest_is_refused_while_the_embedded_store_is_in_use(tmp_path):
    # Only the embedded store is single-writer; a Chroma server takes many clients.
    settings = make_settings(tmp_path / "data", tmp_path)
    in_use = KnowledgeStore(settings)
    with pytest.raises(StoreBusyError, match="/reingest"):
        KnowledgeStore(settings, exclusive=True)
    in_use.close()
    KnowledgeStore(settings, exclusive=True).close()  # free again once the other user is gone


def test_second_ingest_at_once_is_refused(small_kb):
    from bot.ingest import ingest_lock

    _, settings, assistant = small_kb
    with ingest_lock(settings):
        with pytest.raises(IngestError, match="another ingest"):
            assistant.ingest()
