"""Briefing packs: a PowerPoint deck a trainer can present, in-process and through Telegram."""

from __future__ import annotations

import io
import time

from pptx import Presentation

from bot.briefing import build_briefing
from test_telegram_bot import USER, bot, index_copy  # noqa: F401 - fixtures


def slide_texts(pptx: bytes) -> list[str]:
    prs = Presentation(io.BytesIO(pptx))
    return ["\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame) for slide in prs.slides]


def test_a_deck_has_title_points_chart_and_sources_with_eras(assistant):
    build_briefing(assistant, "card fee")  # warm: the model and the index are loaded once per process
    started = time.perf_counter()
    deck = build_briefing(assistant, "card fee")
    seconds = time.perf_counter() - started
    texts = slide_texts(deck.pptx)
    assert texts[0].startswith("Briefing: card fee")
    points = "\n".join(t for t in texts if t.startswith("Talking points"))
    assert "2.95%" in points and "current rule, since 2018" in points and "historical" in points
    prs = Presentation(io.BytesIO(deck.pptx))
    pictures = [s for s in prs.slides if any(shape.shape_type == 13 for shape in s.shapes)]
    assert deck.has_chart and len(pictures) == 1
    assert texts[-1].startswith("Sources and eras") and "as of" in texts[-1] and "service.alibaba.com" in texts[-1]
    assert prs.slide_width > prs.slide_height  # a wide (16:9) deck
    assert seconds < 15 and len(deck.pptx) < 1_000_000


def test_no_material_means_no_deck(assistant):
    assert build_briefing(assistant, "who won the world cup") is None


async def test_briefing_in_telegram_sends_a_deck_and_refuses_an_overlong_topic(bot):  # noqa: F811
    tg, *_ = bot
    tg.user_says("/briefing card fee", user_id=USER)
    sent = await tg.wait_for_async(lambda c: c["method"] == "sendDocument", timeout=60)
    document = sent["result"]["document"]
    assert document["file_name"].endswith(".pptx")
    assert "2.95%" in "\n".join(slide_texts(tg._files[document["file_id"]]["data"]))

    mark = tg.mark()
    tg.user_says("/briefing " + "trade " * 700, user_id=USER)
    reply = await tg.wait_for_message_async(USER, contains="characters long", since=mark)
    assert len(reply["text"]) < 200
