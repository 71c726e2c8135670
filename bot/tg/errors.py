"""Errors and secrets: apologise to the user, log the detail, never log the bot token."""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import traceback

from telegram import Update
from telegram.error import Conflict, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import ContextTypes

log = logging.getLogger(__name__)
APOLOGY = "Sorry, something went wrong on my side while answering. Please try again in a moment."


class RedactSecrets(logging.Filter):
    """Replaces secrets in every log record (message, arguments and traceback) before output."""

    def __init__(self, *secrets: str):
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[REDACTED]")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.clean(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = self.clean(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def install_redaction(*secrets: str) -> None:
    """Attach the filter to every handler of the root logger (filters on loggers do not
    apply to records from child loggers; filters on handlers do), and redact uncaught
    exceptions too: Python's own handler prints them without passing through logging, and
    PTB's InvalidToken message contains the token."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.WARNING)
    redactor = RedactSecrets(*secrets)
    for handler in root.handlers:
        handler.addFilter(redactor)

    def report(exc_type, exc, tb) -> None:
        if issubclass(exc_type, TelegramError):  # a Bot API problem: one line says it all
            text = f"The bot stopped: {exc_type.__name__}: {exc}\n"
        else:
            text = "".join(traceback.format_exception(exc_type, exc, tb))
        sys.stderr.write(redactor.clean(text))

    sys.excepthook = report
    threading.excepthook = lambda args: args.exc_type is SystemExit or report(args.exc_type, args.exc_value,
                                                                              args.exc_traceback)


def apology_for(update: object) -> str:
    """The apology names what failed: an admin whose upload failed should not read 'answering'."""
    message = update.effective_message if isinstance(update, Update) else None
    if message is not None and message.document is not None:
        return ("Sorry, something went wrong on my side while adding that document, so nothing was changed. "
                "Please try again in a moment.")
    if message is not None and (message.text or "").startswith("/reingest"):
        return ("Sorry, something went wrong on my side while re-reading the documents; the index in use "
                "was left as it was. Please try again in a moment.")
    return APOLOGY


async def error_handler(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the problem and give the user a short apology; the bot keeps running."""
    error = context.error
    if update is None and isinstance(error, TelegramError):  # run_polling's errors in fetching updates
        polling_error(error)
        return
    if isinstance(error, Forbidden):
        # The user blocked the bot or left the group: nothing to fix, and nobody to tell.
        log.info("Telegram refused a message to this chat (%s)", error)
        return
    if isinstance(error, TimedOut):
        # A timed-out send may still have been delivered: an apology could follow a good answer.
        log.warning("Bot API timed out (the message may have been delivered): %s", error)
        return
    if isinstance(error, (RetryAfter, NetworkError)):
        log.warning("Bot API problem (will carry on): %s", error)
    else:
        log.error("Error while handling an update", exc_info=error)
    if isinstance(update, Update) and update.effective_chat:
        with contextlib.suppress(Exception):  # the apology itself may hit the same outage
            await context.bot.send_message(update.effective_chat.id, apology_for(update))


def polling_error(error: TelegramError) -> None:
    """Errors while fetching updates (PTB retries them with a growing pause): one loud line
    each, not a traceback; a Conflict means a second instance polls with the same token."""
    if isinstance(error, Conflict):
        log.error("Another bot instance is polling with this token; only one can run (%s)", error)
    else:
        log.error("Could not fetch updates from Telegram, retrying: %s", error)
