"""Retrying messages that failed on the way, without sending anything twice on purpose.

A 5xx, a dropped connection or an answer that is not JSON (a proxy's error page) means the
Bot API most likely did not carry the message out, and losing an answer is worse than the rare
duplicate, so such sends are tried again after a short pause. A timeout is not retried: the
message may well have been delivered (Telegram was only slow to say so). Errors that retrying
cannot fix (bad request, blocked by the user) go straight to the caller.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut

log = logging.getLogger(__name__)
T = TypeVar("T")

# Endpoints whose loss the user would notice; polling has PTB's own retry loop.
SEND_ENDPOINTS = frozenset({"sendMessage", "sendPhoto", "sendDocument", "editMessageText", "answerCallbackQuery"})
RETRY_PAUSES = (0.5, 2.0)  # seconds before the second and third attempt


def is_transient(error: Exception) -> bool:
    """A failure on the way that a second attempt can fix."""
    if isinstance(error, (BadRequest, TimedOut)):
        return False
    if isinstance(error, NetworkError):  # 5xx, 502, dropped connection, connection refused
        return True
    # PTB raises a plain TelegramError when the answer is not JSON.
    return type(error) is TelegramError and "Invalid server response" in str(error)


async def with_retries(endpoint: str, send: Callable[[], Awaitable[T]]) -> T:
    """`send()`, tried again after a transient failure when `endpoint` delivers to a user."""
    pauses = RETRY_PAUSES if endpoint in SEND_ENDPOINTS else ()
    for pause in pauses:
        try:
            return await send()
        except TelegramError as error:
            if not is_transient(error):
                raise
            log.warning("%s failed on the way (%s); trying again in %.1f s", endpoint, error, pause)
        await asyncio.sleep(pause)
    return await send()
