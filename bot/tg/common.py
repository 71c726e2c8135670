"""What the Telegram handlers share: the services, the typing indicator, admin and rate checks."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from telegram import Update
from telegram.constants import ChatAction
from telegram.ext import ContextTypes

from bot.ratelimit import SlidingWindowLimiter
from bot.service import Assistant
from bot.settings import Settings

TYPING_REPEAT_SECONDS = 4.5  # Telegram shows "typing" for 5 s


@dataclass
class Services:
    assistant: Assistant
    settings: Settings
    limiter: SlidingWindowLimiter


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data["services"]


def is_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    user = update.effective_user
    return user is not None and user.id in services(context).settings.admin_user_ids


async def refuse_non_admin(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """True (after a polite reply) when the sender is not an admin; nothing else happens."""
    if is_admin(update, context):
        return False
    await update.effective_message.reply_text("Sorry, only the assistant's admins can do that.")
    return True


async def over_rate_limit(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """True when the user is sending faster than the limit allows; the first refused message
    gets a friendly reply, the rest of the flood is dropped quietly."""
    limiter, key = services(context).limiter, str(update.effective_user.id)
    wait = limiter.retry_after(key)
    if wait <= 0:
        return False
    if not limiter.first_refusal(key):
        return True
    await update.effective_message.reply_text(
        f"You're sending questions faster than I can answer them. Please wait {max(1, round(wait))} seconds and try again."
    )
    return True


@contextlib.asynccontextmanager
async def typing(context: ContextTypes.DEFAULT_TYPE, chat_id: int):
    """Show "typing…" for as long as the work inside takes."""
    done = asyncio.Event()

    async def keep_typing():
        while not done.is_set():
            with contextlib.suppress(Exception):  # a failed indicator must not fail the answer
                await context.bot.send_chat_action(chat_id, ChatAction.TYPING)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(done.wait(), TYPING_REPEAT_SECONDS)

    # Stopped by an event, not by cancelling: a request cancelled half-way through can leave
    # the HTTP connection pool or the rate limiter in a bad state.
    task = asyncio.create_task(keep_typing())
    try:
        yield
    finally:
        done.set()
        await task
