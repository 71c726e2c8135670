"""End-to-end: a real python-telegram-bot Application polling the fake Bot API server."""

from __future__ import annotations

import contextlib
import json
import logging
import struct
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, MessageEntity, Update
from telegram.constants import ParseMode
from telegram.ext import (AIORateLimiter, Application, ApplicationBuilder, CallbackQueryHandler,
                          CommandHandler, ContextTypes, MessageHandler, filters)

try:  # tests/ as a package or as a plain folder on sys.path
    from tests.fake_telegram import BOT_USER, FakeTelegram
except ImportError:
    from fake_telegram import BOT_USER, FakeTelegram  # type: ignore[no-redef]

logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines carry the bot token
TOKEN = "123:ABC"
KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Yes", callback_data="yes"),
                                  InlineKeyboardButton("No", callback_data="no")]])


def tiny_png() -> bytes:
    """A valid 3x2 PNG, so the photo path sees real image bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 3 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 3, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


async def start_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet in HTML, as the real bot does."""
    await update.message.reply_text("<b>Welcome</b>, Ann &amp; co", parse_mode=ParseMode.HTML)


async def chart_cmd(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send a picture."""
    await update.message.reply_photo(tiny_png(), caption="Key figures")


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echo the text with a yes/no keyboard."""
    await update.message.chat.send_action("typing")
    await update.message.reply_text(f"echo: {update.message.text}", reply_markup=KEYBOARD)


async def group_echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Answer in groups only when mentioned or replied to."""
    replied = update.message.reply_to_message
    to_bot = bool(replied and replied.from_user.id == context.bot.id)
    await update.message.reply_text(f"group: {update.message.text} (reply to me: {to_bot})")


async def on_click(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Acknowledge the button and rewrite the message."""
    await update.callback_query.answer("Noted")
    await update.callback_query.edit_message_text(f"You chose {update.callback_query.data}")


async def on_document(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Download the file, report its size, and send it back."""
    document = update.message.document
    data = bytes(await (await document.get_file()).download_as_bytearray())
    await update.message.reply_text(f"got {document.file_name}: {len(data)} bytes")
    await update.message.reply_document(data[::-1], filename="reversed.bin")


@contextlib.asynccontextmanager
async def running_bot(fake: FakeTelegram, rate_limiter: AIORateLimiter | None = None,
                      ) -> AsyncIterator[Application]:
    builder = ApplicationBuilder().token(TOKEN).base_url(fake.base_url)
    builder = builder.base_file_url(fake.base_file_url)
    if rate_limiter is not None:
        builder = builder.rate_limiter(rate_limiter)
    app = builder.build()
    app.bot_data["errors"] = []

    async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        context.bot_data["errors"].append(context.error)

    app.add_handler(CommandHandler("start", start_cmd))
    app.add_handler(CommandHandler("chart", chart_cmd))
    addressed = filters.Entity(MessageEntity.MENTION) | filters.REPLY
    group_filter = filters.ChatType.GROUPS & addressed
    app.add_handler(MessageHandler(filters.TEXT & group_filter, group_echo))
    private_text = filters.TEXT & filters.ChatType.PRIVATE & ~filters.COMMAND
    app.add_handler(MessageHandler(private_text, echo))
    app.add_handler(CallbackQueryHandler(on_click))
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    app.add_error_handler(on_error)
    await app.initialize()
    await app.start()
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


@pytest.fixture
def fake():
    with FakeTelegram() as server:
        yield server


@pytest.mark.asyncio
async def test_echo_command_and_token(fake: FakeTelegram) -> None:
    async with running_bot(fake) as app:
        await app.bot.set_my_commands([("start", "Say hello"), ("chart", "Show figures")])
        fake.user_says("/start")
        welcome = await fake.wait_for_message_async(chat_id=1, contains="Welcome")
        fake.user_says("hello there", first_name="Ann", username="ann_sme")
        reply = await fake.wait_for_message_async(chat_id=1, contains="echo: hello there")
    assert fake.token == TOKEN
    assert welcome["text"] == "Welcome, Ann & co"  # HTML rendered like Telegram does
    assert fake.sent("sendMessage")[0]["params"]["parse_mode"] == "HTML"
    assert reply["from"]["id"] == BOT_USER["id"] and reply["chat"]["type"] == "private"
    assert reply["reply_markup"]["inline_keyboard"][0][1]["callback_data"] == "no"
    params = fake.sent("sendMessage")[-1]["params"]
    assert params["chat_id"] == 1 and isinstance(params["reply_markup"], dict)
    assert fake.sent("sendChatAction")[0]["params"]["action"] == "typing"
    assert [c["command"] for c in fake.commands()] == ["start", "chart"]
    assert {c["method"] for c in fake.sent()} >= {"getMe", "deleteWebhook", "setMyCommands"}
    assert fake.updates_confirmed()
    assert [m["message_id"] for m in fake.messages(chat_id=1)] == [2, 4]  # users' messages 1, 3


@pytest.mark.asyncio
async def test_click_answers_and_edits(fake: FakeTelegram) -> None:
    async with running_bot(fake):
        fake.user_says("pick one", user_id=7)
        question = await fake.wait_for_message_async(chat_id=7, contains="echo: pick one")
        update = fake.click(question, "yes", user_id=7)
        edited = await fake.wait_for_message_async(chat_id=7, contains="You chose yes")
    answer = fake.sent("answerCallbackQuery")[0]["params"]
    assert answer == {"callback_query_id": update["callback_query"]["id"], "text": "Noted"}
    assert edited["message_id"] == question["message_id"] and "edit_date" in edited
    assert "reply_markup" not in edited  # an edit without a keyboard drops it, as in Telegram
    with pytest.raises(AssertionError, match="no button"):
        fake.click(question, "no")


@pytest.mark.asyncio
async def test_document_download_and_upload(fake: FakeTelegram) -> None:
    payload = b"line one\r\n--not-a-boundary\r\n\x00\xff\xfe binary tail"
    async with running_bot(fake):
        fake.upload("orders.csv", payload, user_id=5)
        await fake.wait_for_message_async(chat_id=5, contains=f"orders.csv: {len(payload)} bytes")
        call = await fake.wait_for_async(lambda c: c["method"] == "sendDocument")
        fake.user_says("/chart", user_id=5)
        photo = await fake.wait_for_message_async(chat_id=5, contains="Key figures")
    assert fake.sent("getFile")[0]["params"]["file_id"] == "file-1"
    assert fake.tokens == [TOKEN]  # the file download's %3A-quoted token is the same token
    assert call["params"]["document"]["data"] == payload[::-1]
    assert call["params"]["document"]["file_name"] == "reversed.bin"
    assert call["result"]["document"]["file_size"] == len(payload)
    assert fake.sent("sendPhoto")[0]["params"]["photo"]["data"] == tiny_png()
    assert (photo["photo"][0]["width"], photo["photo"][0]["height"]) == (3, 2)


@pytest.mark.asyncio
async def test_group_mentions_and_replies(fake: FakeTelegram) -> None:
    group = -1001000000001
    async with running_bot(fake):
        fake.user_says("nobody asked me", chat_type="supergroup")
        update = fake.user_says("@trade_helper_bot what is covered?", chat_type="supergroup")
        first = await fake.wait_for_message_async(chat_id=group, contains="what is covered")
        fake.user_says("and refunds?", chat_type="supergroup", reply_to=first, user_id=2)
        second = await fake.wait_for_message_async(chat_id=group, contains="and refunds")
    assert update["message"]["entities"] == [{"type": "mention", "offset": 0, "length": 17}]
    assert "(reply to me: True)" in second["text"]
    assert len(fake.messages(chat_id=group)) == 2  # the unaddressed message got no answer


@pytest.mark.asyncio
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")  # PTB's RetryAfter
async def test_rate_limit_is_retried_by_aioratelimiter(fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", status=429, retry_after=1)
    async with running_bot(fake, AIORateLimiter(max_retries=2)) as app:
        fake.user_says("are you there?")
        await fake.wait_for_message_async(chat_id=1, contains="echo: are you there?")
    failed, succeeded = fake.sent("sendMessage")
    assert failed["failed"] and failed["error"] == "Too Many Requests: retry after 1"
    assert succeeded["time"] - failed["time"] >= 1.0
    assert app.bot_data["errors"] == []


@pytest.mark.asyncio
async def test_errors_and_dropped_connections_do_not_stop_the_bot(fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", status=500)
    async with running_bot(fake) as app:
        fake.user_says("first")
        await fake.wait_for_async(lambda c: c["method"] == "sendMessage" and c["failed"])
        fake.drop_next("sendMessage")
        fake.drop_next("getUpdates")
        fake.user_says("second")
        fake.user_says("third")
        await fake.wait_for_message_async(chat_id=1, contains="echo: third")
    texts = [c["params"]["text"] for c in fake.sent("sendMessage")]
    assert texts[0] == "echo: first" and "echo: third" in texts
    assert [c.get("error") for c in fake.sent("sendMessage") if c["failed"]] == [
        "Internal Server Error", "connection dropped"]
    assert len(app.bot_data["errors"]) == 2  # the 500 and the dropped connection reached on_error


def post(fake: FakeTelegram, method: str, params: dict) -> tuple[int, dict]:
    """Call the fake directly, the way PTB encodes a form."""
    body = urllib.parse.urlencode(
        {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}).encode()
    request = urllib.request.Request(f"{fake.base_url}{TOKEN}/{method}", data=body, headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def test_fake_api_rules_without_ptb(fake: FakeTelegram) -> None:
    status, body = post(fake, "sendMessage", {"chat_id": 1, "text": "a<br>", "parse_mode": "HTML"})
    assert status == 400 and "Unsupported start tag" in body["description"]
    assert post(fake, "sendMessage", {"chat_id": 1, "text": "x" * 4097})[0] == 400
    status, body = post(fake, "sendMessage", {"chat_id": 1, "text": "hi", "reply_markup": {
        "inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}})
    assert status == 200 and body["result"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "A"
    message_id = body["result"]["message_id"]
    status, body = post(fake, "editMessageText", {"chat_id": 1, "message_id": message_id,
                                                  "text": "hi",
                                                  "reply_markup": body["result"]["reply_markup"]})
    assert status == 400 and "not modified" in body["description"]
    fake.user_says("one")
    last = fake.user_says("two")
    updates = post(fake, "getUpdates", {"timeout": 0})[1]["result"]
    assert [u["update_id"] for u in updates] == [1, 2]
    assert not fake.updates_confirmed()
    started = time.monotonic()
    confirm = post(fake, "getUpdates", {"offset": last["update_id"] + 1, "timeout": 30})
    assert confirm[1]["result"] == [] and time.monotonic() - started < 2  # long poll capped
    assert fake.updates_confirmed()
    assert post(fake, "someFutureMethod", {"x": 1}) == (200, {"ok": True, "result": True})
    with pytest.raises(AssertionError, match="someFutureMethod"):
        fake.wait_for(lambda c: c["method"] == "nothing", timeout=0.1)


def test_file_url_serves_registered_bytes(fake: FakeTelegram) -> None:
    meta = fake.register_file(b"%PDF-1.4 tiny", "policy.pdf", "application/pdf")
    status, body = post(fake, "getFile", {"file_id": meta["file_id"]})
    assert status == 200 and body["result"]["file_path"].endswith(".pdf")
    with urllib.request.urlopen(f"{fake.base_file_url}{TOKEN}/{body['result']['file_path']}") as r:
        assert r.read() == b"%PDF-1.4 tiny"

