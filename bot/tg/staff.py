"""Handlers for HR and training staff: /talkingpoints, /chart and /briefing."""

from __future__ import annotations

import asyncio
import html
import re

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.presenting import NoFiguresError, chart_topics, load_figures, render_chart, talking_points, topic_problem
from bot.tg.common import over_rate_limit, services, typing
from bot.tg.questions import LINKS_OFF
from bot.tg.render import sources_html, split_paragraphs

# Topics are echoed in replies; a longer one could push a reply past Telegram's message limit.
MAX_TOPIC_CHARS = 200


async def topic_too_long(update: Update, topic: str) -> bool:
    """True (after a short reply) when `topic` is too long to be a topic."""
    if len(topic) <= MAX_TOPIC_CHARS:
        return False
    await update.effective_message.reply_text(
        f"That topic is {len(topic):,} characters long; please give a shorter topic "
        f"(up to {MAX_TOPIC_CHARS} characters), for example: card fee.")
    return True


async def talkingpoints_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/talkingpoints TOPIC: short, sourced bullets for a presentation."""
    topic = " ".join(context.args or [])
    if not topic:
        await update.effective_message.reply_text("Add a topic, for example: /talkingpoints SME financing")
        return
    if await topic_too_long(update, topic) or await over_rate_limit(update, context):
        return
    async with typing(context, update.effective_chat.id):
        result = await asyncio.to_thread(talking_points, services(context).assistant, topic)
    if not result.found:
        await update.effective_message.reply_text(f"My documents have no material on “{topic}”, so I have no talking points for it.")
        return
    paragraphs = [f"<b>Talking points: {html.escape(topic)}</b>"]
    paragraphs.append("\n".join(f"• {html.escape(point)}" for point in result.points))
    paragraphs.append(sources_html(result.citations))
    for part in split_paragraphs(paragraphs):
        await context.bot.send_message(update.effective_chat.id, part, parse_mode=ParseMode.HTML, link_preview_options=LINKS_OFF)


async def chart_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/chart TOPIC: a PNG chart of the knowledge base's key figures."""
    topic = " ".join(context.args or [])
    assistant = services(context).assistant
    figures = await asyncio.to_thread(load_figures, assistant)
    if not topic:
        await update.effective_message.reply_text("Add a topic, for example: /chart card fee. Topics with figures: "
                                                  + ", ".join(chart_topics(figures)))
        return
    if await topic_too_long(update, topic) or await over_rate_limit(update, context):
        return
    try:
        chart = await asyncio.to_thread(render_chart, figures, topic)
    except NoFiguresError as exc:
        await update.effective_message.reply_text(str(exc))
        return
    await context.bot.send_photo(update.effective_chat.id, photo=chart.png, caption=chart.caption[:1024],
                                 filename=f"{chart.topic}.png")


async def briefing_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/briefing TOPIC: a PowerPoint deck with talking points, a chart and sources."""
    from bot.briefing import build_briefing

    topic = " ".join(context.args or [])
    if problem := topic_problem(topic, "briefing"):
        await update.effective_message.reply_text(problem)
        return
    if await over_rate_limit(update, context):
        return
    async with typing(context, update.effective_chat.id):
        deck = await asyncio.to_thread(build_briefing, services(context).assistant, topic)
    if deck is None:
        await update.effective_message.reply_text(f"My documents have no material on “{topic}”, so I made no briefing.")
        return
    name = "briefing-" + ("-".join(re.findall(r"[a-z0-9]+", topic.lower()))[:40] or "topic") + ".pptx"
    await context.bot.send_document(update.effective_chat.id, document=deck.pptx, filename=name,
                                    caption=f"Briefing: {topic} ({deck.slide_count} slides)"[:1024])
