"""Guided checks as a user meets them in the console: when a check starts, what a reply in
words means, asides mid-check, early stops, and results in plain language with their era."""

from __future__ import annotations

import re

import pytest

from bot.console import ConsoleChat
from bot.eligibility.flow import detect_intent, suggest_check


@pytest.fixture
def chat(assistant, tmp_path):
    said: list[str] = []
    return ConsoleChat(assistant, said.append, out_dir=tmp_path), said


def after(said: list[str], mark: int) -> str:
    return "\n".join(said[mark:])


@pytest.mark.parametrize("text, intent", [
    ("Can I still sign up for Pay Later today?", None),
    ("Can I still get Pay Later financing today?", None),
    ("Can we get a loan from MYbank?", None),
    ("Could I apply for Payment Terms credit?", None),
    ("check if I qualify for a loan", "financing"),
    ("Can I get a loan?", "financing"),
    ("is my order covered? I paid by card and it arrived damaged", "order"),
])
def test_a_check_starts_only_on_a_clear_request(text, intent):
    assert detect_intent(text) == intent


def test_a_question_about_a_product_is_answered_and_the_check_offered(chat):
    console, said = chat
    console.handle("Can I still sign up for Pay Later today?")
    assert said[0].startswith("\nAssistant:") and "Let's run" not in after(said, 0)  # no check started
    assert console.flow is None
    mark = len(said)
    console.handle("Is Pay Later still available?")
    assert "March 2020" in after(said, mark)  # answered: Pay Later ended in March 2020 ...
    assert "/eligibility financing" in said[-1]  # ... and the check is offered, not forced
    assert suggest_check("What does a card payment cost?") is None  # no offer on unrelated questions


def test_a_question_typed_mid_check_is_answered_then_the_step_is_asked_again(chat):
    console, said = chat
    console.handle("/eligibility financing")
    assert "which country" in said[-1]
    mark = len(said)
    console.handle("What does a card payment cost for a Trade Assurance order?")
    reply = after(said, mark)
    assert "%" in reply and "Sources:" in reply  # the question got an answer ...
    assert "Back to the check" in said[-1] and "which country" in said[-1]  # ... and the check resumed
    assert "String should have" not in reply and "Please answer yes or no" not in reply
    console.handle("China")
    assert "How many years" in said[-1]


def test_commands_mid_check_are_commands_and_never_reach_the_gap_log(chat, assistant):
    console, said = chat
    console.handle("/eligibility order")
    for command in ("/talkingpoints dispute deadlines", "/chart card fee", "/gaps", "/stats"):
        mark = len(said)
        console.handle(command)
        assert "can't answer" not in after(said, mark)
        assert "still open" in said[-1]
    assert "Talking points" in "\n".join(said) and "Wrote" in "\n".join(said) and "Questions:" in "\n".join(said)
    assert assistant.records.gaps() == [] and assistant.records.stats()["questions"] == 0
    console.handle("/nonsense")
    assert "don't know the command" in said[-1]


def test_an_answer_that_decides_the_order_check_ends_it_at_once(chat):
    console, said = chat
    console.handle("/eligibility order")
    mark = len(said)
    console.handle("no")  # paid the supplier directly
    result = after(said, mark)
    assert "not covered" in result and "How did you pay" not in result and "What went wrong" not in result
    assert "Trade Assurance rules in force since 8 December 2017" in result  # the era in the headline


def test_goods_that_never_arrived_skip_the_receipt_questions(chat):
    console, said = chat
    console.handle("/eligibility order")
    for reply in ("yes", "card"):
        console.handle(reply)
    mark = len(said)
    console.handle("never arrived")
    result = after(said, mark)
    assert "confirm receipt" not in result.split("Unclear")[0].lower() if "Unclear" in result else True
    assert "days ago did you confirm receipt" not in result and "buyer tier" not in result
    assert "unclear" in result.lower()
    assert "after confirmed receipt" not in result and "do not confirm receipt" in result


def test_results_speak_plainly_without_internal_codes(chat):
    console, said = chat
    console.handle("/eligibility order")
    mark = len(said)
    for reply in ("yes", "card", "Damaged in transit", "12", "Enterprise"):
        console.handle(reply)
    result = after(said, mark)
    assert "damaged in transit" in result
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", result), result  # no never_arrived, damaged_in_transit, ...
    console.handle("/eligibility financing")
    mark = len(said)
    for reply in ("Germany", "5", "6", "200000", "500000", "3 million", "yes"):
        console.handle(reply)
    result = after(said, mark)
    assert "one of cn" not in result and not re.search(r"\b[a-z]+_[a-z_]+\b", result), result
    headline = next(line for line in result.splitlines() if line.startswith("Under "))
    assert "your answer: Germany" in result and "Aliloans (2012)" in headline and "needs a closer look" in headline


def test_not_sure_is_unknown_and_leads_to_review_never_to_likely(chat):
    console, said = chat
    console.handle("/eligibility financing")
    for reply in ("China", "three", "6", "about 200k", "500000", "not sure"):
        console.handle(reply)
    assert "export services" in said[-1]  # "not sure" about sales was taken, not read as "no"
    console.handle("not sure")
    result = said[-1]
    assert "needs a closer look" in result and "would have qualified" not in result
    assert "Likely eligible" not in result


def test_numbers_in_words_are_understood(chat):
    console, said = chat
    console.handle("/eligibility order")
    for reply in ("yes", "card", "quality not as contracted"):
        console.handle(reply)
    console.handle("about two weeks")
    assert "buyer tier" in said[-1]  # 14 days taken
    console.handle("/cancel")
    console.handle("/eligibility financing")
    console.handle("China")
    console.handle("three")
    assert "export orders" in said[-1]


@pytest.mark.parametrize("reply", ["1e400", "inf", "nan", "-Infinity", "lots"])
def test_a_number_prompt_refuses_what_is_not_an_ordinary_number_clearly(chat, reply):
    console, said = chat
    console.handle("/eligibility financing")
    console.handle("China")
    console.handle(reply)
    assert said[-1].startswith("Please answer with a number") and "How many years" in said[-1]
    console.handle("4")
    assert "export orders" in said[-1]


def test_console_help_lists_every_command_it_knows(chat):
    console, said = chat
    console.handle("/help")
    for command in ("/eligibility", "/cancel", "/talkingpoints", "/chart", "/briefing", "/gaps", "/stats",
                    "/reingest", "/quit"):
        assert command in said[-1]


def test_console_reingest_does_what_the_standalone_refusal_says(chat):
    from bot.store import KnowledgeStore, StoreBusyError

    console, said = chat
    console.handle("/reingest")
    assert "Nothing changed" in said[-1]
    try:  # a standalone ingest beside the running console is refused, pointing at /reingest there
        KnowledgeStore(console.assistant.settings, exclusive=True).close()
    except StoreBusyError as exc:
        assert "/reingest in the running assistant (console or Telegram)" in str(exc)
