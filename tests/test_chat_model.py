"""The optional LLM path, with LangChain's fake chat model standing in for a hosted one."""

from langchain_core.language_models.fake_chat_models import FakeListChatModel

from bot.records import Records
from bot.service import Assistant
from bot.store import KnowledgeStore

QUESTION = "How long do I have to open a dispute?"


def llm_assistant(kb_settings, embedder, tmp_path, replies):
    model = FakeListChatModel(responses=replies)
    return Assistant(kb_settings, store=KnowledgeStore(kb_settings), embedder=embedder,
                     chat_model=model, records=Records(tmp_path / "r.sqlite3"))


def test_checked_model_answer_is_used_with_its_citations(kb_settings, embedder, tmp_path):
    a = llm_assistant(kb_settings, embedder, tmp_path, ["You must open a dispute within 30 calendar days of confirmed receipt [1]."])
    answer = a.ask(QUESTION)
    assert answer.composer == "chat_model" and answer.grounded
    assert answer.text.startswith("You must open a dispute") and len(answer.citations) == 1
    a.close()


def test_invented_figure_falls_back_to_the_extractive_answer(kb_settings, embedder, tmp_path):
    a = llm_assistant(kb_settings, embedder, tmp_path, ["You have 45 days to open a dispute [1]."])
    answer = a.ask(QUESTION)
    assert answer.composer == "extractive" and "45" not in answer.text and "30" in answer.text
    a.close()


def test_missing_or_invalid_citations_fall_back(kb_settings, embedder, tmp_path):
    a = llm_assistant(kb_settings, embedder, tmp_path, ["You have 30 days.", "You have 30 days [9]."])
    assert a.ask(QUESTION).composer == "extractive"
    assert a.ask(QUESTION).composer == "extractive"
    a.close()


def test_model_is_never_asked_about_uncovered_questions(kb_settings, embedder, tmp_path):
    a = llm_assistant(kb_settings, embedder, tmp_path, ["The weather is sunny [1]."])
    answer = a.ask("what's the weather in Paris tomorrow?")
    assert not answer.grounded and "sunny" not in answer.text
    a.close()
