"""Errors and secrets: apologise to the user, log the detail, never log the bot token."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ContextTypes

log = logging.getLogger(__name__)
APOLOGY = "Sorry, something went wrong on my side while answering. Please try again in a moment."


class RedactSecrets(logging.Filter):
    """Replaces secrets in every log record (message, arguments and traceback) before output."""

    def __init__(self, *secrets: str):
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def _clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[REDACTED]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._clean(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = self._clean(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def install_redaction(*secrets: str) -> None:
    """Attach the filter to every handler of the root logger (filters on loggers do not
    apply to records from child loggers; filters on handlers do)."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.WARNING)
    redactor = RedactSecrets(*secrets)
    for handler in root.handlers:
        handler.addFilter(redactor)


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the problem and give the user a short apology; the bot keeps running."""
    error = context.error
    if isinstance(error, (RetryAfter, TimedOut, NetworkError)):
        log.warning("Bot API problem (will carry on): %s", error)
    else:
        log.error("Error while handling an update", exc_info=error)
    if isinstance(update, Update) and update.effective_chat and not isinstance(error, Forbidden):
        with contextlib.suppress(Exception):  # the apology itself may hit the same outage
            await context.bot.send_message(update.effective_chat.id, APOLOGY)
