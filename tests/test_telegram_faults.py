"""Faults and forged input on Telegram, end to end: the real Application against the fake Bot API.

Each test reproduces one problem an adversarial pass found (issue 10) and asserts what the user
sees: an answer arrives, the spinner stops, no apology, a short clear reply.
"""

from __future__ import annotations

import asyncio
import logging
import shutil

import pytest

from bot.records import Records
from bot.service import Assistant
from conftest import fill_disk
from fake_telegram import FakeTelegram
from test_telegram_bot import ADMIN, USER, bot, bot_settings, index_copy, start_app, stop_app  # noqa: F401 - fixtures

OTHER_USER = 8
QUESTION = "What does a card payment cost?"


def answers_with_sources(tg, chat_id):
    return [m for m in tg.messages(chat_id) if "Sources" in m.get("text", "")]


def apologies(tg, chat_id):
    return [m for m in tg.messages(chat_id) if m.get("text", "").startswith("Sorry, something went wrong")]


async def callback_answer(tg, since):
    return (await tg.wait_for_async(lambda c: c["method"] == "answerCallbackQuery", since=since))["params"]


# --- forged and unusual callbacks -------------------------------------------------------------

async def test_feedback_counts_only_the_askers_vote_and_only_up_or_down(bot):
    """Item 5: feedback is tied to the asker; `fb:<id>:5` is not a thumbs-up."""
    tg, _, assistant, _ = bot
    tg.user_says(QUESTION, user_id=USER)
    reply = await tg.wait_for_message_async(USER, contains="Sources")
    question_id = int(reply["reply_markup"]["inline_keyboard"][0][0]["callback_data"].split(":")[1])

    for data, voter in ((f"fb:{question_id}:5", USER), (f"fb:{question_id}:1", OTHER_USER),
                        (f"fb:{question_id + 1}:1", USER)):
        mark = tg.mark()
        tg.forge_click(data, user_id=voter, message=reply)
        assert "could not record" in (await callback_answer(tg, mark))["text"]
    assert assistant.records.stats()["thumbs_up"] == 0

    mark = tg.mark()
    tg.click(reply, f"fb:{question_id}:1", user_id=USER)
    assert "Thanks" in (await callback_answer(tg, mark))["text"]
    assert assistant.records.stats()["thumbs_up"] == 1


async def test_huge_callback_id_stops_the_spinner(bot):
    """Item 12: an id past 64 bits is refused politely instead of raising OverflowError."""
    tg, *_ = bot
    tg.user_says(QUESTION, user_id=USER)
    reply = await tg.wait_for_message_async(USER, contains="Sources")
    mark = tg.mark()
    tg.forge_click("fb:9223372036854775808:1", user_id=USER, message=reply)
    assert "could not record" in (await callback_answer(tg, mark))["text"]
    await asyncio.sleep(0.3)
    assert not apologies(tg, USER)


async def test_button_press_without_a_message_is_answered_quietly(bot, caplog):
    """Also: a callback from an inline message (no message attached) logs no AttributeError."""
    tg, *_ = bot
    caplog.set_level(logging.WARNING)
    for data in ("ex:0", "fb:1:1", "el:kind:financing", "zz:unknown"):
        mark = tg.mark()
        tg.forge_click(data, user_id=USER)
        await callback_answer(tg, mark)  # the spinner stops
    await asyncio.sleep(0.5)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


# --- long input that used to break replies ------------------------------------------------------

@pytest.mark.parametrize("command", ["/chart", "/talkingpoints"])
async def test_a_very_long_topic_gets_a_short_clear_reply(bot, command):
    """Item 16: a 4,000-character topic is not echoed into a reply Telegram refuses."""
    tg, *_ = bot
    tg.user_says(f"{command} " + "card fee " * 444, user_id=USER)
    reply = await tg.wait_for_message_async(USER, contains="topic")
    assert len(reply["text"]) < 500 and "shorter" in reply["text"]
    assert not apologies(tg, USER)


async def test_very_long_title_and_source_keep_their_sources(index_copy, knowledge_copy, embedder, tmp_path):
    """Item 17: a citation longer than a message is never split inside its <a> tag."""
    title = "Zorblax " * 700
    url = "https://example.com/" + "a" * 5000
    (knowledge_copy / "zorblax.md").write_text(
        f"---\ntitle: {title}\nsources:\n  - {url}\n---\n# Zorblax\n\n## Zorblax widget duty\n\n"
        "The zorblax widget duty rate in Freedonia is 7.5% from 2024.\n")
    with FakeTelegram() as tg:
        settings = bot_settings(tg, index_copy, knowledge_copy)
        assistant = Assistant(settings, embedder=embedder, records=Records(tmp_path / "r.sqlite3"))
        assistant.ingest()
        app = await start_app(settings, assistant)
        try:
            tg.user_says("What is the zorblax widget duty rate in Freedonia?", user_id=USER)
            reply = await tg.wait_for_message_async(USER, contains="Sources", timeout=15)
            assert "Zorblax" in reply["text"]
            assert not [c for c in tg.sent("sendMessage") if c["failed"]]
        finally:
            await stop_app(app)
            assistant.close()


# --- sending that fails on the way ------------------------------------------------------------

@pytest.mark.parametrize("fault", ["500", "502", "dropped", "garbled"])
async def test_an_answer_survives_one_failed_send(bot, fault):
    """Item 18: one transient failure of sendMessage is retried; no apology, no lost answer."""
    tg, *_ = bot
    {"500": lambda: tg.fail_next("sendMessage", status=500),
     "502": lambda: tg.fail_next("sendMessage", status=502),
     "dropped": lambda: tg.drop_next("sendMessage"),
     "garbled": lambda: tg.garble_next("sendMessage")}[fault]()
    tg.user_says(QUESTION, user_id=USER)
    await tg.wait_for_message_async(USER, contains="Sources", timeout=15)
    assert any(c["failed"] for c in tg.sent("sendMessage"))  # the fault did happen
    await asyncio.sleep(0.3)
    assert not apologies(tg, USER)


async def test_a_slow_send_is_not_followed_by_an_apology(bot):
    """Item 18: a send that takes 8 s is delivered once, and no apology follows it."""
    tg, *_ = bot
    tg.delay_next("sendMessage", 8.0)
    tg.user_says(QUESTION, user_id=USER)
    await tg.wait_for_message_async(USER, contains="Sources", timeout=15)
    await asyncio.sleep(9.0)  # past the slow answer and past any timeout the client had
    assert len(answers_with_sources(tg, USER)) == 1
    assert not apologies(tg, USER)


# --- floods and failures the user is told about -----------------------------------------------

async def test_a_flooding_user_is_told_once_per_window(index_copy, knowledge_copy, embedder, tmp_path):
    """Item 19: 12 messages over a limit of 2 a minute: 2 answers and a single 'please wait'."""
    with FakeTelegram() as tg:
        settings = bot_settings(tg, index_copy, knowledge_copy, rate_limit_per_minute=2)
        assistant = Assistant(settings, embedder=embedder, records=Records(tmp_path / "r.sqlite3"))
        app = await start_app(settings, assistant)
        try:
            for _ in range(12):
                tg.user_says(QUESTION, user_id=USER)
            await tg.wait_for_message_async(USER, contains="faster than I can answer", timeout=15)
            while len(answers_with_sources(tg, USER)) < 2:
                await asyncio.sleep(0.05)
            await asyncio.sleep(1.0)
            notices = [m for m in tg.messages(USER) if "faster than I can answer" in m.get("text", "")]
            assert len(notices) == 1 and len(answers_with_sources(tg, USER)) == 2
        finally:
            await stop_app(app)
            assistant.close()


async def test_a_failed_upload_says_what_failed(bot):
    """Item 19: an upload that fails unexpectedly does not say 'while answering'."""
    tg, *_ = bot
    tg.fail_next("getFile", status=500, times=5)
    tg.upload("notes.md", b"# Notes\n\nZorblax widgets ship from Ningbo in 2024.\n", user_id=ADMIN)
    reply = await tg.wait_for_message_async(ADMIN, contains="Sorry", timeout=15)
    assert "while answering" not in reply["text"] and "document" in reply["text"]


async def test_answers_still_arrive_when_the_data_disk_is_full(kb_settings, knowledge_copy, embedder, small_disk):
    """Item 9: with DATA_DIR on a full file system, the usage record fails, not the answer."""
    data = small_disk("data", 24 * 1024)  # the index (about 8 MB) and room to fill
    shutil.copytree(kb_settings.data_dir / "chroma", data / "chroma")
    with FakeTelegram() as tg:
        settings = bot_settings(tg, data, knowledge_copy)
        assistant = Assistant(settings, embedder=embedder)
        app = await start_app(settings, assistant)
        try:
            tg.user_says(QUESTION, user_id=USER)  # warm: everything opened before the disk fills
            await tg.wait_for_message_async(USER, contains="Sources", timeout=15)
            fill_disk(data)
            for question in ("How long do I have to open a dispute?", "Are sample orders covered?", QUESTION):
                mark = tg.mark()
                tg.user_says(question, user_id=USER)
                await tg.wait_for_message_async(USER, contains="Sources", since=mark, timeout=15)
            assert not apologies(tg, USER)
        finally:
            await stop_app(app)
            assistant.close()


async def test_a_saved_check_of_an_unknown_kind_is_not_fatal(index_copy, knowledge_copy, embedder, tmp_path):
    """Item 7: a saved check the bot cannot resume (an unknown kind) gets a plain reply."""
    from bot.tg.persistence import SQLitePersistence

    state = SQLitePersistence(index_copy / "telegram.sqlite3")
    await state.update_user_data(USER, {"eligibility": {"kind": "mortgage", "answers": {"country": "China"}}})
    await state.update_conversation("eligibility", (USER, USER), 1)
    state._db.close()
    with FakeTelegram() as tg:
        settings = bot_settings(tg, index_copy, knowledge_copy)
        assistant = Assistant(settings, embedder=embedder, records=Records(tmp_path / "r.sqlite3"))
        app = await start_app(settings, assistant)
        try:
            tg.user_says("yes", user_id=USER)
            reply = await tg.wait_for_message_async(USER, contains="/eligibility", timeout=15)
            assert not apologies(tg, USER) and "start again" in reply["text"]
            mark = tg.mark()
            tg.user_says(QUESTION, user_id=USER)  # and the user is out of the broken check
            await tg.wait_for_message_async(USER, contains="Sources", since=mark, timeout=15)
        finally:
            await stop_app(app)
            assistant.close()
