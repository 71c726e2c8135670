"""Concurrent updates across chats, strict order within one user's conversation.

python-telegram-bot's plain ``concurrent_updates(n)`` runs any n updates at once, including two
from the same user. A fast typist then races themselves: the answer to a guided check's first
question is handled before the check has recorded its state (and is taken for a question), and
a follow-up is answered before the question it follows. This processor queues updates per
(chat, user), the key a ConversationHandler uses, and runs different users side by side.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Hashable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# Updates admitted at once, waiting ones included; only bounds memory under a flood.
MAX_ADMITTED = 1024


def conversation_key(update: object) -> Hashable | None:
    """(chat id, user id) of an update, or None for updates that belong to no conversation."""
    if not isinstance(update, Update):
        return None
    chat, user = update.effective_chat, update.effective_user
    if chat is None and user is None:
        return None
    return (chat.id if chat else None, user.id if user else None)


class PerConversationUpdateProcessor(BaseUpdateProcessor):
    """Runs up to ``workers`` updates at once, never two of the same conversation."""

    def __init__(self, workers: int) -> None:
        super().__init__(MAX_ADMITTED)
        self._workers = asyncio.Semaphore(workers)
        # key -> (lock, number of updates holding or waiting for it); dropped at zero.
        self._queues: dict[Hashable, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = conversation_key(update)
        if key is None:
            async with self._workers:
                await coroutine
            return
        lock, waiting = self._queues.get(key) or (asyncio.Lock(), 0)
        self._queues[key] = (lock, waiting + 1)
        try:
            # asyncio.Lock wakes waiters first come, first served, so arrival order is kept;
            # the worker slot is taken only once it is this update's turn.
            async with lock, self._workers:
                await coroutine
        finally:
            lock, waiting = self._queues[key]
            if waiting == 1:
                del self._queues[key]
            else:
                self._queues[key] = (lock, waiting - 1)

    @property
    def conversations_in_progress(self) -> int:
        return len(self._queues)

    async def initialize(self) -> None:
        """Nothing to set up: the locks are made on demand."""

    async def shutdown(self) -> None:
        """Nothing to free: the locks go with the updates that hold them."""
