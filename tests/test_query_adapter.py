"""The query adapter: fitted at ingest on the sections' own questions, kept with the index
version, and used to rank sections and sentences for users' questions."""

import numpy as np

from bot import query_adapter
from bot.ingest import run_ingest
from bot.store import KnowledgeStore
from test_ingest import CountingEmbedder


def test_the_bundled_knowledge_is_indexed_with_an_adapter(assistant):
    adapter = assistant.retriever.snapshot().adapter
    assert adapter is not None and adapter.shape == (384, 384)
    assert not np.allclose(adapter, np.eye(384), atol=1e-3)


def test_questions_worded_unlike_the_documents_reach_the_section_that_answers(assistant):
    """Users' words sit close to a neighbouring section's sentences; the adapter, fitted on how
    users ask each section's question, brings the answering section first."""
    late = assistant.ask("what do i get if my order arrives late")
    assert "US$100" in late.text, late.text
    fee = assistant.ask("do suppliers pay a fee on trade assurance orders?")
    assert "5%" in fee.text, fee.text
    card = assistant.ask("is paying by card safe on alibaba")
    assert "card" in card.text.lower(), card.text


def test_a_short_question_backed_only_in_adapted_terms_is_answered(assistant):
    """No sentence of the damage section is plainly close to "crushed boxes"; mapped by the
    adapter one is, and the question is answered instead of declined."""
    answer = assistant.ask("the boxes came crushed, who pays")
    assert answer.grounded and "damage" in answer.text.lower(), answer.text


def test_a_damaged_adapter_is_ignored_and_answers_still_come(assistant, kb_settings):
    store = KnowledgeStore(kb_settings)
    collection = store.collection(store.active().collection)
    saved = collection.metadata
    try:
        collection.modify(metadata={query_adapter.ADAPTER_KEY: "384:not base64!"})
        assistant.retriever._snapshot = None  # reload the version as a new process would
        assert assistant.retriever.snapshot().adapter is None
        answer = assistant.ask("What does a card payment cost?")
        assert answer.grounded and "2.99%" in answer.text
    finally:
        collection.modify(metadata=saved)
        assistant.retriever._snapshot = None
        store.close()


def test_an_index_built_before_adapters_is_rebuilt_once_without_embedding(tmp_path, embedder):
    from conftest import make_settings
    from bot.service import Assistant

    settings = make_settings(tmp_path / "data")
    assistant = Assistant(settings, embedder=embedder)
    try:
        first = assistant.ingest()
        store = assistant.store
        store.collection(store.active().collection).modify(metadata={"built_by": "an older release"})
        counting = CountingEmbedder(embedder)
        rebuilt = run_ingest(settings, store, lambda: counting)
        assert counting.embedded == 0 and rebuilt.version != first.version
        assert query_adapter.ADAPTER_KEY in store.collection(store.active().collection).metadata
        again = run_ingest(settings, store, lambda: counting)
        assert again.version == rebuilt.version and "Nothing changed" in again.summary()
    finally:
        assistant.close()


def test_too_few_listed_questions_fit_no_adapter():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(10, 8)).astype(np.float32)
    assert query_adapter.fit(vectors, np.arange(10) % 2, vectors, np.arange(10) % 2) is None
    query = vectors[0]
    assert query_adapter.adapt(None, query) is query


def test_an_adapter_survives_its_round_trip_through_metadata_text():
    rng = np.random.default_rng(1)
    weights = (np.eye(16) + 0.01 * rng.normal(size=(16, 16))).astype(np.float32)
    restored = query_adapter.decode(query_adapter.encode(weights))
    assert restored is not None and np.allclose(restored, weights, atol=1e-3)
    for damaged in ("", "none", "16:", "abc:def", "4:" + query_adapter.encode(weights).split(":", 1)[1]):
        assert query_adapter.decode(damaged) is None


def test_an_uploaded_document_without_listed_questions_is_not_buried(tmp_path, embedder, knowledge_copy):
    """The adapter learns from sections' questions; a new document that lists none must still
    be found: it takes no part in the fit, and its closest sentence stands in for a question."""
    from conftest import make_settings
    from bot.service import Assistant

    sections = "\n".join(f"## Quuxfield depot {i}\n\nQuuxfield depot {i} stores amber crates for exporters in Durban.\n"
                         for i in range(300))
    (knowledge_copy / "quuxfield.md").write_text(f"---\ntitle: Quuxfield depots\nas_of: \"2021\"\n---\n# Quuxfield depots\n\n{sections}")
    assistant = Assistant(make_settings(tmp_path / "data", knowledge_copy), embedder=embedder)
    try:
        assistant.ingest()
        assert assistant.retriever.snapshot().adapter is not None
        answer = assistant.ask("What do the Quuxfield depots store?")
        assert answer.grounded and "amber crates" in answer.text, answer.text
    finally:
        assistant.close()
