"""Telegram's flood limits for messages, without spending them on "typing…" indicators.

AIORateLimiter counts every request that names a chat, so under load each answer waits behind
its own typing indicator and the bot answers half as many questions a second as the limit
allows. Telegram's published limits are about messages; an indicator is cosmetic and the
typing helper already ignores its failures, so indicators go straight out.

The limiter wraps every request, so it is also where a message that failed on the way is sent
again (bot/tg/delivery.py).
"""

from __future__ import annotations

from typing import Any

from telegram.ext import AIORateLimiter

from bot.tg.delivery import with_retries

UNLIMITED_ENDPOINTS = frozenset({"sendChatAction"})


class MessageRateLimiter(AIORateLimiter):
    """AIORateLimiter for everything except chat actions; messages lost on the way are resent."""

    async def process_request(self, callback, args: Any, kwargs: dict[str, Any], endpoint: str,
                              data: dict[str, Any], rate_limit_args: int | None):
        if endpoint in UNLIMITED_ENDPOINTS:
            return await callback(*args, **kwargs)
        # Each attempt waits for the flood limit again: a retry is one more message sent.
        return await with_retries(endpoint, lambda: super(MessageRateLimiter, self).process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args))
