"""Wiring the Telegram bot: one Application, its handlers, and how it runs (polling or webhook)."""

from __future__ import annotations

import logging

from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.commands import TELEGRAM, commands_for
from bot.ratelimit import SlidingWindowLimiter
from bot.service import Assistant
from bot.settings import Settings
from bot.tg import admin, questions, staff
from bot.tg.common import Services
from bot.tg.eligibility import eligibility_conversation
from bot.tg.errors import error_handler, install_redaction
from bot.tg.flood_control import MessageRateLimiter
from bot.tg.ordering import PerConversationUpdateProcessor
from bot.tg.persistence import SQLitePersistence
from bot.tg.startup import PollingRequest, StartupError, wait_for_bot_api

log = logging.getLogger(__name__)
# Seconds to wait for the Bot API's answer to a message: a slow answer is still an answer, and a
# timed-out send cannot be retried safely (it may have been delivered).
SEND_READ_TIMEOUT = 30.0

# Telegram's menu shows what everyone may use; admin commands are listed in /help.
COMMANDS = [BotCommand(c.name, c.help) for c in commands_for(TELEGRAM) if not c.admin]


def api_urls(base: str | None) -> tuple[str, str] | None:
    """(base_url, base_file_url) for a self-hosted Bot API server given as http://host:port."""
    if not base:
        return None
    base = base.rstrip("/").removesuffix("/bot")
    return f"{base}/bot", f"{base}/file/bot"


def build_application(settings: Settings, assistant: Assistant) -> Application:
    token = settings.telegram_bot_token.get_secret_value()
    builder = (
        ApplicationBuilder()
        .token(token)
        .persistence(SQLitePersistence(settings.data_dir / "telegram.sqlite3"))
        .rate_limiter(MessageRateLimiter(max_retries=3))
        .concurrent_updates(PerConversationUpdateProcessor(workers=8))
        .read_timeout(SEND_READ_TIMEOUT)
        .get_updates_request(PollingRequest(connection_pool_size=1))
        .post_init(_register_commands)
    )
    if urls := api_urls(settings.telegram_api_base_url):
        builder = builder.base_url(urls[0]).base_file_url(urls[1])
    app = builder.build()
    app.bot_data["services"] = Services(assistant, settings, SlidingWindowLimiter(settings.rate_limit_per_minute, 60.0))

    private = filters.ChatType.PRIVATE
    app.add_handler(eligibility_conversation())
    app.add_handler(CommandHandler("start", questions.start))
    app.add_handler(CommandHandler("help", questions.help_command))
    app.add_handler(CommandHandler("ask", questions.ask_command))
    app.add_handler(CommandHandler("talkingpoints", staff.talkingpoints_command))
    app.add_handler(CommandHandler("chart", staff.chart_command))
    app.add_handler(CommandHandler("briefing", staff.briefing_command))
    app.add_handler(CommandHandler("reingest", admin.reingest_command))
    app.add_handler(CommandHandler("gaps", admin.gaps_command))
    app.add_handler(CommandHandler("stats", admin.stats_command))
    app.add_handler(MessageHandler(private & filters.Document.ALL, admin.document_upload))
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, questions.private_question))
    app.add_handler(MessageHandler(filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND, questions.group_message))
    app.add_handler(CallbackQueryHandler(questions.feedback_clicked, pattern=r"^fb:"))
    app.add_handler(CallbackQueryHandler(questions.example_clicked, pattern=r"^ex:"))
    app.add_handler(CallbackQueryHandler(questions.stale_button))  # last: any other button
    app.add_error_handler(error_handler)
    return app


async def _register_commands(app: Application) -> None:
    """Show the commands in Telegram's menu."""
    await app.bot.set_my_commands(COMMANDS)


def run_telegram(settings: Settings) -> int:
    """Run until stopped: long polling, or a webhook when TELEGRAM_WEBHOOK_URL is set. Startup
    problems end the process with one line (exit 1), never a traceback with the token in it."""
    import asyncio

    from bot.cli import open_assistant

    token = settings.telegram_bot_token.get_secret_value()
    install_redaction(token, settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else "")
    if settings.telegram_webhook_url and not settings.telegram_webhook_secret:
        raise SystemExit("TELEGRAM_WEBHOOK_SECRET is required in webhook mode, so forged updates are rejected.")
    urls = api_urls(settings.telegram_api_base_url) or (None, None)
    try:
        asyncio.run(wait_for_bot_api(token, *urls, settings.startup_retry_seconds))
    except StartupError as exc:
        raise SystemExit(str(exc)) from None
    assistant = open_assistant(settings, announce=lambda *a: log.warning(" ".join(map(str, a))))
    app = build_application(settings, assistant)
    try:
        if settings.telegram_webhook_url:
            app.run_webhook(listen="0.0.0.0", port=settings.telegram_webhook_port, url_path="telegram",
                            webhook_url=settings.telegram_webhook_url,
                            secret_token=settings.telegram_webhook_secret.get_secret_value(),
                            allowed_updates=Update.ALL_TYPES)
        else:
            app.run_polling(allowed_updates=Update.ALL_TYPES)
    finally:
        assistant.close()
    return 0
