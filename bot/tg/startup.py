"""Starting the bot against services that may not be up yet, and failing in one line if they stay down.

A supervisor often starts the bot together with a self-hosted Bot API server (or right after a
network blip): one failed attempt should not end the process with a long traceback. A rejected
token is different: it will not fix itself, so the bot stops at once, saying so without printing it.
"""

from __future__ import annotations

import asyncio
import logging
import time

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TimedOut
from telegram.request import HTTPXRequest

log = logging.getLogger(__name__)
FIRST_PAUSE, MAX_PAUSE = 1.0, 15.0


class StartupError(RuntimeError):
    """The bot cannot start; the message is one plain line without secrets."""


async def wait_for_bot_api(token: str, base_url: str | None, base_file_url: str | None, within_seconds: float) -> str:
    """The bot's @username once the Bot API accepts the token, retrying while it is unreachable."""
    kwargs = {"base_url": base_url, "base_file_url": base_file_url} if base_url else {}
    where = base_url.removesuffix("/bot") if base_url else "api.telegram.org"
    deadline = time.monotonic() + within_seconds
    pause = FIRST_PAUSE
    while True:
        try:
            async with Bot(token, request=HTTPXRequest(connection_pool_size=1), **kwargs) as bot:
                return bot.username
        except InvalidToken:
            raise StartupError("Telegram rejected the bot token (TELEGRAM_BOT_TOKEN): check it with @BotFather.") from None
        except (NetworkError, TimedOut) as exc:
            left = deadline - time.monotonic()
            if left <= 0:
                raise StartupError(f"Cannot reach the Telegram Bot API at {where} after {within_seconds:.0f} s ({exc}); "
                                   "check the network or TELEGRAM_API_BASE_URL.") from None
            log.warning("The Telegram Bot API at %s is not answering yet (%s); trying again in %.0f s", where, exc, min(pause, left))
            await asyncio.sleep(min(pause, left))
            pause = min(pause * 2, MAX_PAUSE)


class PollingRequest(HTTPXRequest):
    """The request used for getUpdates only. PTB stops polling for good on one 401 or 404 (it
    takes them for a revoked token) while the process lives on, so no supervisor restarts it.
    As a network error they go through PTB's retry loop instead: a growing pause (up to 30 s)
    and an error line each time, until Telegram accepts the token again."""

    async def do_request(self, *args, **kwargs) -> tuple[int, bytes]:
        code, payload = await super().do_request(*args, **kwargs)
        if code in (401, 404):
            raise NetworkError(f"Telegram answered {code} to getUpdates (token rejected or revoked?)")
        return code, payload
