"""Telegram's flood limits for messages, without spending them on "typing…" indicators.

AIORateLimiter counts every request that names a chat, so under load each answer waits behind
its own typing indicator and the bot answers half as many questions a second as the limit
allows. Telegram's published limits are about messages; an indicator is cosmetic and the
typing helper already ignores its failures, so indicators go straight out.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import AIORateLimiter

UNLIMITED_ENDPOINTS = frozenset({"sendChatAction"})


class MessageRateLimiter(AIORateLimiter):
    """AIORateLimiter for everything except chat actions."""

    async def process_request(self, callback, args: Any, kwargs: dict[str, Any], endpoint: str,
                              data: dict[str, Any], rate_limit_args: int | None):
        if endpoint in UNLIMITED_ENDPOINTS:
            return await callback(*args, **kwargs)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
