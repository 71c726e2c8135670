"""End to end: the real python-telegram-bot Application over HTTP against the fake Bot API.

Users send text, click buttons and upload files through FakeTelegram; the tests read what the
bot sent back. Nothing in the bot is patched.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from bot.records import Records
from bot.service import Assistant
from bot.tg.app import build_application
from bot.tg.errors import APOLOGY, install_redaction
from conftest import make_settings
from fake_telegram import FakeTelegram

TOKEN = "123456:SECRET-token-value"
ADMIN, USER = 42, 7
ROOT = Path(__file__).resolve().parent.parent


def bot_settings(tg, data_dir, knowledge_dir, **extra):
    return make_settings(data_dir, knowledge_dir, telegram_bot_token=TOKEN, telegram_api_base_url=tg.base_url,
                         admin_user_ids=frozenset({ADMIN}), **extra)


async def start_app(settings, assistant):
    app = build_application(settings, assistant)
    await app.initialize()
    await app.post_init(app)  # what run_polling() does after initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0.0, timeout=1, drop_pending_updates=False)
    return app


async def stop_app(app):
    if app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()


@pytest.fixture
def index_copy(kb_settings, tmp_path):
    """A private copy of the session's index, so admin tests may change it freely."""
    data = tmp_path / "bot-data"
    shutil.copytree(kb_settings.data_dir / "chroma", data / "chroma")
    return data


@pytest.fixture
async def bot(index_copy, knowledge_copy, embedder):
    """A running bot against a fresh fake Bot API; yields (fake, app, assistant, settings)."""
    with FakeTelegram() as tg:
        settings = bot_settings(tg, index_copy, knowledge_copy)
        assistant = Assistant(settings, embedder=embedder)
        app = await start_app(settings, assistant)
        yield tg, app, assistant, settings
        await stop_app(app)
        assistant.close()


def last_text_message(tg, chat_id):
    return [m for m in tg.messages(chat_id) if "text" in m][-1]


async def test_start_offers_examples_and_commands_are_registered(bot):
    tg, *_ = bot
    tg.user_says("/start", user_id=USER)
    reply = await tg.wait_for_message_async(USER, contains="Trade Assurance")
    buttons = [b["text"] for row in reply["reply_markup"]["inline_keyboard"] for b in row]
    assert "How long do I have to open a dispute?" in buttons
    assert {c["command"] for c in tg.commands()} >= {"start", "help", "eligibility", "talkingpoints", "chart"}
    tg.click(reply, "ex:0", user_id=USER)
    await tg.wait_for_message_async(USER, contains="30")


async def test_question_is_answered_with_citations_typing_and_feedback(bot):
    tg, _, assistant, _ = bot
    mark = tg.mark()
    tg.user_says("How long do I have to open a dispute?", user_id=USER)
    reply = await tg.wait_for_message_async(USER, contains="Sources", since=mark)
    assert "30" in reply["text"] and "[1]" in reply["text"]
    call = next(c for c in tg.sent("sendMessage") if c["result"] == reply)
    assert call["params"]["parse_mode"] == "HTML" and '<a href="http' in call["params"]["text"]
    assert any(c["params"]["action"] == "typing" for c in tg.sent("sendChatAction"))
    buttons = [b["callback_data"] for row in reply["reply_markup"]["inline_keyboard"] for b in row]
    assert len(buttons) == 2 and buttons[0].startswith("fb:")

    mark = tg.mark()
    tg.click(reply, buttons[0], user_id=USER)
    answered = await tg.wait_for_async(lambda c: c["method"] == "answerCallbackQuery", since=mark)
    assert "Thanks" in answered["params"]["text"]
    assert assistant.records.stats()["thumbs_up"] == 1


async def test_follow_up_uses_the_chat_context(bot):
    tg, *_ = bot
    tg.user_says("how many days do I have to ask for a refund?", user_id=USER)
    await tg.wait_for_message_async(USER, contains="30")
    mark = tg.mark()
    tg.user_says("and for Enterprise buyers?", user_id=USER)
    reply = await tg.wait_for_message_async(USER, contains="Sources", since=mark)
    assert "60 days" in reply["text"]


async def test_uncovered_question_is_declined_and_shows_in_gaps(bot):
    tg, *_ = bot
    tg.user_says("who won the world cup?", user_id=USER)
    reply = await tg.wait_for_message_async(USER, contains="can't answer")
    assert "reply_markup" not in reply
    tg.user_says("/gaps", user_id=ADMIN)
    gaps = await tg.wait_for_message_async(ADMIN, contains="could not answer")
    assert "who won the world cup" in gaps["text"]


async def test_eligibility_flow_survives_a_restart(bot):
    tg, app, assistant, settings = bot
    tg.user_says("/eligibility", user_id=USER)
    menu = await tg.wait_for_message_async(USER, contains="Which check")
    tg.click(menu, "el:kind:financing", user_id=USER)
    await tg.wait_for_message_async(USER, contains="which country")
    tg.user_says("China", user_id=USER)
    await tg.wait_for_message_async(USER, contains="How many years")
    tg.user_says("lots", user_id=USER)  # not a number: re-asked, nothing lost
    await tg.wait_for_message_async(USER, contains="Please answer with a number")
    tg.user_says("3", user_id=USER)
    await tg.wait_for_message_async(USER, contains="export orders")

    await stop_app(app)  # the bot restarts half-way through the check
    app2 = await start_app(settings, assistant)
    try:
        for answer, next_prompt in [("5", "worth in total"), ("US$150,000", "12 months"), ("400k", "total sales"),
                                    ("RMB 3 million", "export services")]:
            mark = tg.mark()
            tg.user_says(answer, user_id=USER)
            prompt = await tg.wait_for_message_async(USER, contains=next_prompt, since=mark)
        mark = tg.mark()
        tg.click(prompt, "el:ans:yes", user_id=USER)
        decision = await tg.wait_for_message_async(USER, contains="would have qualified", since=mark, timeout=15)
        assert "RMB 400,000" in decision["text"] and "not a credit decision" in decision["text"]
    finally:
        await stop_app(app2)


async def test_free_text_eligibility_question_starts_a_prefilled_check(bot):
    tg, *_ = bot
    tg.user_says("Is my order protected? It arrived damaged in transit, I paid by card", user_id=USER)
    prompt = await tg.wait_for_message_async(USER, contains="days ago")
    tg.user_says("12", user_id=USER)
    tier = await tg.wait_for_message_async(USER, contains="buyer tier")
    tg.click(tier, "el:ans:standard", user_id=USER)
    decision = await tg.wait_for_message_async(USER, contains="unclear")
    assert "Freight and logistics" in decision["text"] and "within 18 more days" in decision["text"]
    assert prompt


async def test_a_stated_fact_that_decides_the_check_gives_the_result_at_once(bot):
    tg, *_ = bot
    tg.user_says("Is my order protected? It was a sample order with poor quality, I paid by card", user_id=USER)
    decision = await tg.wait_for_message_async(USER, contains="not covered")
    assert "sample orders" in decision["text"]
    assert not any("days ago" in m.get("text", "") for m in tg.messages(USER))


async def test_cancel_ends_a_check(bot):
    tg, *_ = bot
    tg.user_says("/eligibility order", user_id=USER)
    await tg.wait_for_message_async(USER, contains="Alibaba.com's checkout")
    tg.user_says("/cancel", user_id=USER)
    await tg.wait_for_message_async(USER, contains="cancelled")
    mark = tg.mark()
    tg.user_says("What does a card payment cost?", user_id=USER)
    reply = await tg.wait_for_message_async(USER, contains="Sources", since=mark)
    assert "%" in reply["text"]


async def test_a_fast_typist_is_answered_in_order(bot):
    """Several messages from one user in one getUpdates batch are handled one after another:
    a check's answer is not mistaken for a question, and a follow-up sees the question before it."""
    tg, *_ = bot
    with tg.burst():
        tg.user_says("/eligibility order", user_id=USER)
        tg.user_says("yes", user_id=USER)
    await tg.wait_for_message_async(USER, contains="How did you pay")
    assert not any("can't answer" in m.get("text", "") for m in tg.messages(USER))

    sent_before = len(tg.sent("sendMessage", chat_id=USER))
    with tg.burst():
        tg.user_says("/cancel", user_id=USER)
        tg.user_says("how many days do I have to ask for a refund?", user_id=USER)
        tg.user_says("and for Enterprise buyers?", user_id=USER)
    replies = (await sent_texts_async(tg, USER, sent_before + 3))[sent_before:]
    assert "cancelled" in replies[0]
    assert re.search(r"30 (calendar )?days", replies[1]) and "Sources" in replies[1]
    first_sentence = replies[2].split(". ")[0]
    assert "Enterprise" in first_sentence and "60 days" in first_sentence


async def sent_texts_async(tg, chat_id, count, timeout=15.0):
    """The texts of the messages the bot sent to a chat, once there are at least ``count``."""
    deadline = time.monotonic() + timeout
    while len(texts := [c["params"]["text"] for c in tg.sent("sendMessage", chat_id=chat_id)]) < count:
        assert time.monotonic() < deadline, f"only {len(texts)} of {count} messages arrived: {texts}"
        await asyncio.sleep(0.05)
    return texts


async def test_talking_points_are_short_sourced_bullets(bot):
    tg, *_ = bot
    tg.user_says("/talkingpoints SME financing from trade data", user_id=USER)
    reply = await tg.wait_for_message_async(USER, contains="Talking points")
    bullets = [line for line in reply["text"].splitlines() if line.startswith("• ")]
    assert 3 <= len(bullets) <= 6 and "Sources" in reply["text"]
    assert sum(any(ch.isdigit() for ch in b.split("[")[0]) for b in bullets) >= 2


async def test_chart_is_a_valid_png_and_unknown_topics_get_a_clear_reply(bot):
    tg, *_ = bot
    tg.user_says("/chart card fee", user_id=USER)
    photo = await tg.wait_for_async(lambda c: c["method"] == "sendPhoto")
    data = photo["params"]["photo"]["data"]
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5_000
    assert "Source:" in photo["params"]["caption"] and "%" in photo["params"]["caption"]
    tg.user_says("/chart football scores", user_id=USER)
    await tg.wait_for_message_async(USER, contains="no figures")


async def test_admin_reingest_and_refusal(bot):
    tg, _, assistant, _ = bot
    version = assistant.store.active().version
    tg.user_says("/reingest", user_id=USER)
    await tg.wait_for_message_async(USER, contains="only the assistant's admins")
    tg.user_says("/reingest", user_id=ADMIN)
    await tg.wait_for_message_async(ADMIN, contains="Nothing changed", timeout=30)
    assert assistant.store.active().version == version


async def test_admin_upload_adds_a_document_with_a_safe_name(bot):
    tg, _, assistant, settings = bot
    doc = b"---\ntitle: Widget export notes\n---\n# Widget export notes\n\n## Widget duty\n\nThe zorblax widget duty rate in Freedonia is 7.5% from 2024.\n"
    tg.upload("../../etc/zorblax notes.md", doc, user_id=USER)
    await tg.wait_for_message_async(USER, contains="only the assistant's admins")
    assert not (settings.knowledge_dir / "zorblax-notes.md").exists()

    tg.upload("../../etc/zorblax notes.md", doc, user_id=ADMIN)
    await tg.wait_for_message_async(ADMIN, contains="Added zorblax-notes.md", timeout=60)
    assert (settings.knowledge_dir / "zorblax-notes.md").exists()
    assert not (settings.knowledge_dir.parent.parent / "etc").exists()
    mark = tg.mark()
    tg.user_says("what is the zorblax widget duty rate in Freedonia?", user_id=USER)
    reply = await tg.wait_for_message_async(USER, contains="Sources", since=mark)
    assert "7.5%" in reply["text"]

    before = sorted(p.name for p in settings.knowledge_dir.iterdir())
    tg.upload("broken.pdf", b"%PDF-1.4 not really", user_id=ADMIN)
    refusal = await tg.wait_for_message_async(ADMIN, contains="nothing was changed")
    assert "broken.pdf" in refusal["text"]
    tg.upload("tool.exe", b"MZ\x90\x00", user_id=ADMIN)
    await tg.wait_for_message_async(ADMIN, contains="not a supported document")
    assert sorted(p.name for p in settings.knowledge_dir.iterdir()) == before


async def test_stats_for_admins_only(bot):
    tg, *_ = bot
    tg.user_says("/stats", user_id=USER)
    await tg.wait_for_message_async(USER, contains="only the assistant's admins")
    tg.user_says("/stats", user_id=ADMIN)
    await tg.wait_for_message_async(ADMIN, contains="Questions:")


async def test_group_chat_answers_only_when_addressed(bot):
    tg, *_ = bot
    group = -100123
    tg.user_says("what does a card payment cost?", user_id=USER, chat_id=group, chat_type="supergroup")
    tg.user_says("@trade_helper_bot what does a card payment cost?", user_id=USER, chat_id=group, chat_type="supergroup")
    first = await tg.wait_for_message_async(group, contains="Sources")
    await asyncio.sleep(0.5)
    assert len([m for m in tg.messages(group) if "Sources" in m.get("text", "")]) == 1
    mark = tg.mark()
    tg.user_says("and with Apple Pay?", user_id=USER, chat_id=group, chat_type="supergroup", reply_to=first)
    await tg.wait_for_message_async(group, contains="Sources", since=mark)
    mark = tg.mark()
    tg.user_says("/ask how long do I have to open a dispute?", user_id=USER, chat_id=group, chat_type="supergroup")
    await tg.wait_for_message_async(group, contains="30", since=mark)


async def test_long_answer_is_split_into_valid_parts(index_copy, knowledge_copy, embedder, tmp_path):
    paragraph = ("Trade Assurance protects orders that are paid through Alibaba.com, and the buyer should keep "
                 "every message with the supplier on the platform as evidence [1]. ") * 12
    long_text = "\n\n".join([paragraph] * 6)
    with FakeTelegram() as tg:
        settings = bot_settings(tg, index_copy, knowledge_copy)
        assistant = Assistant(settings, embedder=embedder, chat_model=FakeListChatModel(responses=[long_text]),
                              records=Records(tmp_path / "r.sqlite3"))
        app = await start_app(settings, assistant)
        try:
            tg.user_says("How does Trade Assurance protect my payment?", user_id=USER)
            await tg.wait_for_message_async(USER, contains="Sources", timeout=15)
            parts = [c for c in tg.sent("sendMessage") if not c["failed"] and c["params"].get("parse_mode") == "HTML"]
            assert len(parts) >= 2
            assert all(len(c["params"]["text"]) <= 4096 for c in parts)
            assert "reply_markup" in parts[-1]["params"] and "reply_markup" not in parts[0]["params"]
        finally:
            await stop_app(app)
            assistant.close()


async def test_bot_api_429_and_500_are_survived(bot):
    tg, *_ = bot
    tg.fail_next("sendMessage", status=429, retry_after=1)
    tg.user_says("What does a card payment cost?", user_id=USER)
    await tg.wait_for_message_async(USER, contains="Sources", timeout=15)
    assert any(c["failed"] and "Too Many Requests" in str(c["error"]) for c in tg.sent("sendMessage"))

    mark = tg.mark()
    tg.fail_next("sendMessage", status=500, times=3)  # more than the retries of a send
    tg.user_says("How long do I have to open a dispute?", user_id=USER)
    await tg.wait_for_message_async(USER, contains="Sorry, something went wrong", since=mark, timeout=15)
    mark = tg.mark()
    tg.drop_next("getUpdates")
    tg.user_says("Are sample orders covered?", user_id=USER)
    await tg.wait_for_message_async(USER, contains="Sources", since=mark, timeout=15)


async def test_rate_limit_gives_a_friendly_message(index_copy, knowledge_copy, embedder):
    with FakeTelegram() as tg:
        settings = bot_settings(tg, index_copy, knowledge_copy, rate_limit_per_minute=2)
        assistant = Assistant(settings, embedder=embedder)
        app = await start_app(settings, assistant)
        try:
            for _ in range(3):
                tg.user_says("What does a card payment cost?", user_id=USER)
            await tg.wait_for_message_async(USER, contains="faster than I can answer", timeout=15)
        finally:
            await stop_app(app)
            assistant.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_webhook_mode_rejects_a_wrong_secret(bot):
    tg, app, assistant, settings = bot
    await app.updater.stop()
    port = free_port()
    await app.updater.start_webhook(listen="127.0.0.1", port=port, url_path="telegram",
                                    webhook_url="https://bot.example/telegram", secret_token="right-secret")
    assert any(c["params"].get("secret_token") == "right-secret" for c in tg.sent("setWebhook"))
    update = {"update_id": 900001, "message": {"message_id": 1, "date": int(time.time()), "text": "What does a card payment cost?",
                                               "chat": {"id": USER, "type": "private"},
                                               "from": {"id": USER, "is_bot": False, "first_name": "Ann"}}}

    def post(secret):
        request = urllib.request.Request(f"http://127.0.0.1:{port}/telegram", data=json.dumps(update).encode(),
                                         headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret})
        try:
            return urllib.request.urlopen(request, timeout=10).status
        except urllib.error.HTTPError as err:
            return err.code

    mark = tg.mark()
    assert await asyncio.to_thread(post, "wrong-secret") == 403
    await asyncio.sleep(0.5)
    assert not [m for m in tg.messages(USER) if "Sources" in m.get("text", "")]
    assert await asyncio.to_thread(post, "right-secret") == 200
    await tg.wait_for_message_async(USER, contains="Sources", since=mark, timeout=15)


async def test_token_never_reaches_logs_or_replies(bot, caplog):
    tg, *_ = bot
    caplog.set_level(logging.DEBUG)
    install_redaction(TOKEN)
    tg.fail_next("sendMessage", status=500, times=3)  # more than the retries of a send
    tg.user_says("What does a card payment cost?", user_id=USER)
    await tg.wait_for_message_async(USER, contains=APOLOGY[:20], timeout=15)
    assert tg.token == TOKEN  # the bot really used it
    assert "getUpdates" in caplog.text or "sendMessage" in caplog.text  # requests were logged...
    assert TOKEN not in caplog.text  # ...without the token
    assert all(TOKEN not in json.dumps(m) for m in tg.messages())


def test_real_process_runs_the_bot_without_leaking_the_token(kb_settings, tmp_path):
    """`python -m bot` with a token starts the Telegram bot; its verbose logs hold no token."""
    data = tmp_path / "proc-data"
    shutil.copytree(kb_settings.data_dir / "chroma", data / "chroma")
    with FakeTelegram() as tg:
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": tg.base_url,
               "DATA_DIR": str(data), "KNOWLEDGE_DIR": str(ROOT / "knowledge")}
        proc = subprocess.Popen([sys.executable, "-m", "bot", "-v"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            tg.user_says("What does a card payment cost?", user_id=USER)
            reply = tg.wait_for_message(USER, contains="Sources", timeout=90)
            assert "%" in reply["text"]
        finally:
            proc.terminate()
            out, err = proc.communicate(timeout=30)
    assert tg.token == TOKEN
    assert TOKEN not in out + err
    assert "Application started" in err or "HTTP Request" in err or err  # it did log at INFO
