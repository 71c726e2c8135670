"""Handlers for SME owners: /start, /help, questions (private, /ask, group mentions), feedback."""

from __future__ import annotations

import asyncio
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, MessageEntity, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot.commands import TELEGRAM, commands_for
from bot.eligibility.intent import offer_text, suggest_check
from bot.tg.common import over_rate_limit, services, typing
from bot.tg.render import answer_parts, feedback_keyboard

EXAMPLES = (
    "How long do I have to open a dispute?",
    "What does a card payment cost?",
    "Are sample orders covered?",
    "How fast is China's cross-border e-commerce growing?",
)
START_TEXT = (
    "Hello! I answer questions about <b>Alibaba.com Trade Assurance</b> (coverage, disputes, refunds, "
    "payment methods and fees), <b>trade-data financing for small businesses</b> and the <b>cross-border "
    "e-commerce trends</b> of Alibaba's white paper (about 2017). Every answer cites its sources, and I say "
    "so when my documents do not cover a question.\n\n"
    "Ask in your own words, or tap an example. /eligibility checks whether you might qualify for "
    "financing or whether an order is protected. /help lists everything."
)
HELP_TEXT = "<b>Ask</b> a question in a message (in groups: mention me, reply to me, or use /ask).\n" + "\n".join(
    f"{c.usage()}: {c.help}" for c in commands_for(TELEGRAM) if not c.admin
) + "\nAdmins: " + ", ".join(f"/{c.name}" for c in commands_for(TELEGRAM) if c.admin) + ", or send a document to add it"
LINKS_OFF = LinkPreviewOptions(is_disabled=True)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Greet the user and offer example questions as buttons."""
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(q, callback_data=f"ex:{i}")] for i, q in enumerate(EXAMPLES)])
    await update.effective_message.reply_html(START_TEXT, reply_markup=keyboard)


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """List what the assistant can do."""
    await update.effective_message.reply_html(HELP_TEXT)


async def reply_with_answer(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str, offer: bool = False):
    """Answer `question` in the current chat, with citations and feedback buttons; returns the answer.
    With `offer`, an answer about financing or protection ends by offering the guided check."""
    if await over_rate_limit(update, context):
        return None
    chat, user = update.effective_chat, update.effective_user
    assistant = services(context).assistant
    async with typing(context, chat.id):
        # The work is CPU-bound: a thread keeps other chats responsive meanwhile.
        answer = await asyncio.to_thread(assistant.ask, question, str(chat.id), str(user.id), "telegram")
    if offer and answer.grounded and (kind := suggest_check(question)):
        answer.text += "\n\n" + offer_text(kind)  # in the same message: one question, one reply
    parts = answer_parts(answer)
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        markup = feedback_keyboard(answer.question_id) if last and answer.question_id and answer.grounded else None
        await context.bot.send_message(chat.id, part, parse_mode=ParseMode.HTML, reply_markup=markup,
                                       link_preview_options=LINKS_OFF)
    return answer


async def private_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A plain message in a private chat is a question; one about financing or protection is
    answered, then the check is offered (it starts only on a clear request)."""
    await reply_with_answer(update, context, update.effective_message.text, offer=True)


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ask QUESTION, in any chat."""
    question = " ".join(context.args or [])
    if not question:
        await update.effective_message.reply_text("Add your question after /ask, for example: /ask What does a card payment cost?")
        return
    await reply_with_answer(update, context, question)


def addressed_text(update: Update, bot_id: int, bot_username: str) -> str | None:
    """In a group, the question when the bot is mentioned or replied to; otherwise None."""
    message = update.effective_message
    text = message.text or ""
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        return text
    mention = f"@{bot_username}".lower()
    for entity, value in message.parse_entities([MessageEntity.MENTION]).items():
        if value.lower() == mention:
            return re.sub(re.escape(value), " ", text, flags=re.I).strip()
    return None


async def group_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In groups, answer only when mentioned or replied to."""
    question = addressed_text(update, context.bot.id, context.bot.username)
    if question is not None:
        await reply_with_answer(update, context, question)


async def example_clicked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """An example question button from /start."""
    query = update.callback_query
    if query.message is None:  # pressed in an inline message: there is no chat to answer in
        await query.answer("Open a chat with me and send /start to see the examples.")
        return
    await query.answer()
    try:
        question = EXAMPLES[int(query.data.split(":")[1])]
    except (ValueError, IndexError):
        return
    await context.bot.send_message(update.effective_chat.id, f"❓ {question}")
    await reply_with_answer(update, context, question)


# Callback data can be forged: accept only what feedback_keyboard makes (an id that fits 64 bits).
_FEEDBACK_DATA = re.compile(r"fb:([1-9][0-9]{0,17}):(1|-1)")


async def feedback_clicked(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Record a thumbs-up or thumbs-down on an answer."""
    query = update.callback_query
    match = _FEEDBACK_DATA.fullmatch(query.data or "")
    recorded = bool(match) and await asyncio.to_thread(
        services(context).assistant.feedback, int(match[1]), str(query.from_user.id), int(match[2]))
    await query.answer("Thanks for the feedback!" if recorded else "Sorry, I could not record that.")


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button no handler takes (a finished check's, or forged data): stop the spinner, say so."""
    await update.callback_query.answer("This button no longer works; send /start or /eligibility to begin again.")
