"""The guided eligibility check as a persistent ConversationHandler.

The flow's state lives in user_data (persisted to SQLite) and is saved after every step, so a
check that is half-way through carries on after the bot restarts.
"""

from __future__ import annotations

import asyncio
import html
import warnings

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from telegram.warnings import PTBUserWarning

from bot.eligibility.flow import EligibilityFlow, Question, detect_intent
from bot.eligibility.formatting import format_decision
from bot.tg.common import services
from bot.tg.render import text_parts

CHOOSING, ASKING = range(2)
STATE_KEY = "eligibility"
KIND_NAMES = {"financing": "trade-data financing pre-check", "order": "Trade Assurance order-protection check"}


class EligibilityIntent(filters.MessageFilter):
    """Messages that ask whether the user qualifies ("can I get a loan?", "is my order covered?")."""

    def filter(self, message: Message) -> bool:
        return bool(message.text) and detect_intent(message.text) is not None


def _keyboard(question: Question) -> InlineKeyboardMarkup | None:
    if not question.choices:
        return None
    choices = question.choices + (("not sure", "Not sure"),)
    buttons = [InlineKeyboardButton(label, callback_data=f"el:ans:{value}") for value, label in choices]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


async def _save(context: ContextTypes.DEFAULT_TYPE, flow: EligibilityFlow | None) -> None:
    if flow is None:
        context.user_data.pop(STATE_KEY, None)
    else:
        context.user_data[STATE_KEY] = flow.state()
    await context.application.update_persistence()  # written now, not at the next interval


async def _ask_next(update: Update, context: ContextTypes.DEFAULT_TYPE, flow: EligibilityFlow) -> int:
    chat_id = update.effective_chat.id
    question = flow.next_question()
    if question is not None:
        await _save(context, flow)
        await context.bot.send_message(chat_id, question.prompt, reply_markup=_keyboard(question))
        return ASKING
    decision = await asyncio.to_thread(services(context).assistant.check_eligibility, flow)
    for part in text_parts(format_decision(decision)):
        await context.bot.send_message(chat_id, part, parse_mode=ParseMode.HTML)
    await _save(context, None)
    return ConversationHandler.END


async def _begin(update: Update, context: ContextTypes.DEFAULT_TYPE, kind: str, message: str) -> int:
    if services(context).assistant.eligibility_checker() is None:
        await context.bot.send_message(update.effective_chat.id, "The eligibility rules are not loaded yet; please try again later.")
        return ConversationHandler.END
    flow = EligibilityFlow.start(kind, message, services(context).assistant.eligibility_checker())
    await context.bot.send_message(update.effective_chat.id,
                                   f"Let's run a quick {KIND_NAMES[kind]}. 'Not sure' is a fine answer; "
                                   f"send /cancel to stop at any time.")
    return await _ask_next(update, context, flow)


async def eligibility_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/eligibility [financing|order]: start a check, asking which one if not given."""
    kind = (context.args or [""])[0].lower()
    if kind in KIND_NAMES:
        return await _begin(update, context, kind, "")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Financing pre-check", callback_data="el:kind:financing")],
                                     [InlineKeyboardButton("Is my order protected?", callback_data="el:kind:order")]])
    await update.effective_message.reply_text("Which check would you like?", reply_markup=keyboard)
    return CHOOSING


async def kind_chosen(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The user picked financing or order protection."""
    query = update.callback_query
    await query.answer()
    kind = query.data.rsplit(":", 1)[-1]
    await query.edit_message_reply_markup(None)
    return await _begin(update, context, kind, "")


async def intent_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A free-text eligibility question starts the same check, pre-filled from the message."""
    text = update.effective_message.text
    return await _begin(update, context, detect_intent(text), text)


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> int:
    state = context.user_data.get(STATE_KEY)
    if not state:
        await context.bot.send_message(update.effective_chat.id, "That check has expired; send /eligibility to start again.")
        return ConversationHandler.END
    try:
        flow = EligibilityFlow.from_state(state, services(context).assistant.eligibility_checker())
    except (KeyError, TypeError, ValueError):  # saved by another version, or damaged: start over
        await _save(context, None)
        await context.bot.send_message(update.effective_chat.id,
                                       "I could not resume your earlier check; send /eligibility to start again.")
        return ConversationHandler.END
    reply = flow.answer(text)
    if reply.aside:
        # A question typed mid-check: answer it, then return to the same step.
        from bot.tg.questions import reply_with_answer

        await reply_with_answer(update, context, text)
        question = flow.next_question()
        if question is not None:
            await context.bot.send_message(update.effective_chat.id, f"Back to the check: {question.prompt} (or /cancel to stop)",
                                           reply_markup=_keyboard(question))
        return ASKING
    if not reply.accepted:
        question = flow.next_question()
        await context.bot.send_message(update.effective_chat.id, reply.message,
                                       reply_markup=_keyboard(question) if question else None)
        return ASKING
    return await _ask_next(update, context, flow)


async def typed_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A typed answer to the current question."""
    return await _answer(update, context, update.effective_message.text)


async def button_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """A button answer to the current question."""
    query = update.callback_query
    await query.answer()
    await query.edit_message_reply_markup(None)
    label = next((b.text for row in query.message.reply_markup.inline_keyboard for b in row
                  if b.callback_data == query.data), None) if query.message and query.message.reply_markup else None
    if label:
        await context.bot.send_message(update.effective_chat.id, f"→ {html.escape(label)}", parse_mode=ParseMode.HTML)
    return await _answer(update, context, query.data.split(":", 2)[2])


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Stop the check."""
    await _save(context, None)
    await update.effective_message.reply_text("Check cancelled. Ask me anything, or /eligibility to start again.")
    return ConversationHandler.END


def eligibility_conversation() -> ConversationHandler:
    # The check is tracked per chat and user, not per message: the buttons of a question may be
    # pressed after typed answers. PTB warns about that combination; it is what we want here.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*per_message=False.*", category=PTBUserWarning)
        return _conversation()


def _conversation() -> ConversationHandler:
    return ConversationHandler(
        entry_points=[
            CommandHandler("eligibility", eligibility_command),
            MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND & EligibilityIntent(), intent_message),
        ],
        states={
            CHOOSING: [CallbackQueryHandler(kind_chosen, pattern=r"^el:kind:(financing|order)$")],
            ASKING: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, typed_answer),
                CallbackQueryHandler(button_answer, pattern=r"^el:ans:"),
            ],
        },
        fallbacks=[CommandHandler("cancel", cancel)],
        name="eligibility",
        persistent=True,
        allow_reentry=True,
        per_message=False,
    )
