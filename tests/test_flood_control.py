"""Flood control: answers keep Telegram's message limit, typing indicators never queue behind it."""

from __future__ import annotations

import asyncio

import pytest

from bot.tg.flood_control import MessageRateLimiter


async def test_typing_indicators_are_not_held_by_the_message_limit():
    limiter = MessageRateLimiter(overall_max_rate=1, overall_time_period=60, max_retries=0)
    sent: list[str] = []

    async def post(endpoint, data):
        sent.append(endpoint)
        return True

    def request(endpoint):
        data = {"chat_id": 5}
        return limiter.process_request(post, (endpoint, data), {}, endpoint, data, None)

    await limiter.initialize()
    await request("sendMessage")  # uses the one message the limit allows this minute
    await asyncio.wait_for(asyncio.gather(*(request("sendChatAction") for _ in range(20))), timeout=5)
    with pytest.raises(asyncio.TimeoutError):  # the next message waits for the limit
        await asyncio.wait_for(request("sendMessage"), timeout=0.3)
    await limiter.shutdown()
    assert sent == ["sendMessage"] + ["sendChatAction"] * 20
