"""Guided checks in Telegram as a user meets them (real Application, fake Bot API)."""

from __future__ import annotations

import re

from test_telegram_bot import USER, bot, index_copy  # noqa: F401 - fixtures


async def test_a_product_question_is_answered_and_the_check_offered_not_started(bot):  # noqa: F811
    tg, *_ = bot
    tg.user_says("Is Pay Later still available?", user_id=USER)
    await tg.wait_for_message_async(USER, contains="March 2020")
    await tg.wait_for_message_async(USER, contains="/eligibility financing")
    assert not any("Let's run" in m.get("text", "") for m in tg.messages(USER))


async def test_a_question_mid_check_is_answered_then_the_step_returns(bot):  # noqa: F811
    tg, *_ = bot
    tg.user_says("/eligibility financing", user_id=USER)
    await tg.wait_for_message_async(USER, contains="which country")
    mark = tg.mark()
    tg.user_says("What does a card payment cost for a Trade Assurance order?", user_id=USER)
    await tg.wait_for_message_async(USER, contains="Sources", since=mark)
    back = await tg.wait_for_message_async(USER, contains="Back to the check", since=mark)
    assert "which country" in back["text"]
    texts = [m.get("text", "") for m in tg.messages(USER)]
    assert not any("String should have" in t or "Please answer yes or no" in t for t in texts)
    tg.user_says("China", user_id=USER)
    await tg.wait_for_message_async(USER, contains="How many years", since=mark)
    mark = tg.mark()
    tg.user_says("1e400", user_id=USER)
    refusal = await tg.wait_for_message_async(USER, contains="Please answer with a number", since=mark)
    assert "How many years" in refusal["text"]


async def test_paying_the_supplier_directly_ends_the_order_check_at_once(bot):  # noqa: F811
    tg, *_ = bot
    tg.user_says("/eligibility order", user_id=USER)
    prompt = await tg.wait_for_message_async(USER, contains="Alibaba.com's checkout")
    assert "Not sure" in [b["text"] for row in prompt["reply_markup"]["inline_keyboard"] for b in row]
    mark = tg.mark()
    tg.click(prompt, "el:ans:no", user_id=USER)
    result = await tg.wait_for_message_async(USER, contains="not covered", since=mark)
    assert "since 8 December 2017" in result["text"]
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", result["text"])
    assert not any("How did you pay" in m.get("text", "") for m in tg.messages(USER))


async def test_help_lists_the_shared_command_set(bot):  # noqa: F811
    tg, *_ = bot
    tg.user_says("/help", user_id=USER)
    reply = await tg.wait_for_message_async(USER, contains="/briefing")
    assert "/gaps" in reply["text"] and "/eligibility" in reply["text"]
    assert {c["command"] for c in tg.commands()} >= {"briefing", "eligibility", "talkingpoints", "chart", "cancel"}
