"""Handlers for admins (ADMIN_USER_IDS): /reingest, document upload, /gaps, /stats."""

from __future__ import annotations

import asyncio
import time

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.ingest import IngestError
from bot.store import StoreBusyError
from bot.tg.common import refuse_non_admin, services, typing
from bot.tg.render import text_parts
from bot.uploads import UploadError

# Telegram's Bot API lets a bot download files of up to 20 MB.
TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024


async def _send_text(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> None:
    for part in text_parts(text):
        await context.bot.send_message(update.effective_chat.id, part, parse_mode=ParseMode.HTML)


async def reingest_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/reingest: re-read the knowledge folder, without blocking other chats."""
    if await refuse_non_admin(update, context):
        return
    await update.effective_message.reply_text("Re-ingesting the knowledge folder…")
    try:
        async with typing(context, update.effective_chat.id):
            report = await asyncio.to_thread(services(context).assistant.ingest)
    except (IngestError, StoreBusyError) as exc:
        await _send_text(update, context, str(exc))
        return
    await _send_text(update, context, report.summary())


async def document_upload(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An admin sends a document: add or replace it in the knowledge folder and re-ingest."""
    if await refuse_non_admin(update, context):
        return
    document = update.effective_message.document
    limit = min(services(context).settings.max_document_bytes, TELEGRAM_DOWNLOAD_LIMIT)
    if document.file_size and document.file_size > limit:
        await update.effective_message.reply_text(
            f"That file is {document.file_size:,} bytes; the limit is {limit:,} bytes. Nothing was changed.")
        return
    async with typing(context, update.effective_chat.id):
        telegram_file = await document.get_file()
        data = bytes(await telegram_file.download_as_bytearray())
        try:
            name, report = await asyncio.to_thread(services(context).assistant.add_document, document.file_name or "", data)
        except (UploadError, IngestError, StoreBusyError) as exc:
            await _send_text(update, context, f"I could not add that document, so nothing was changed.\n\n{exc}")
            return
    await _send_text(update, context, f"Added {name} to the knowledge folder.\n\n{report.summary()}")


async def gaps_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/gaps: the questions the documents could not answer, most frequent first."""
    if await refuse_non_admin(update, context):
        return
    gaps = await asyncio.to_thread(services(context).assistant.records.gaps, 15)
    if not gaps:
        await update.effective_message.reply_text("No knowledge gaps recorded yet.")
        return
    lines = [f"{g.count}× {g.question} (last {time.strftime('%Y-%m-%d', time.gmtime(g.last_asked))})" for g in gaps]
    await _send_text(update, context, "Questions my documents could not answer:\n\n" + "\n".join(lines))


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stats: usage and feedback."""
    if await refuse_non_admin(update, context):
        return
    s = await asyncio.to_thread(services(context).assistant.records.stats)
    text = (f"<b>Usage</b>\nQuestions: {s['questions']} from {s['users']} users\n"
            f"Answered: {s['answered']}, declined (gaps): {s['declined']}\n"
            f"Feedback: {s['thumbs_up']} 👍, {s['thumbs_down']} 👎\n"
            f"Median answer time: {s['median_latency_ms']:.0f} ms")
    await update.effective_message.reply_html(text)
