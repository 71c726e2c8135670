"""The update processor: one user's updates in order, different users side by side."""

from __future__ import annotations

import asyncio

from telegram import Chat, Message, Update, User

from bot.tg.ordering import PerConversationUpdateProcessor, conversation_key


def text_update(update_id: int, user_id: int, chat_id: int | None = None) -> Update:
    user = User(user_id, "Ann", is_bot=False)
    chat = Chat(chat_id if chat_id is not None else user_id, Chat.PRIVATE)
    return Update(update_id, message=Message(update_id, None, chat, from_user=user, text="hi"))


async def run_all(processor, updates, work):
    """Feed updates in arrival order, as Application does with concurrent updates."""
    async with processor:
        await asyncio.gather(*(processor.process_update(u, work(u)) for u in updates))


async def test_one_users_updates_run_in_arrival_order_and_never_overlap():
    processor = PerConversationUpdateProcessor(workers=8)
    started, running = [], set()

    async def work(update):
        key = conversation_key(update)
        assert key not in running, "two updates of one conversation overlapped"
        running.add(key)
        started.append(update.update_id)
        await asyncio.sleep(0.01 * (update.update_id % 3))  # later updates may finish sooner
        running.discard(key)

    await run_all(processor, [text_update(i, user_id=1) for i in range(1, 11)], work)
    assert started == list(range(1, 11))
    assert processor.conversations_in_progress == 0  # nothing kept once the queue drains


async def test_different_users_run_side_by_side_up_to_the_worker_limit():
    processor = PerConversationUpdateProcessor(workers=3)
    running, peak = 0, 0

    async def work(update):
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.02)
        running -= 1

    await run_all(processor, [text_update(i, user_id=i) for i in range(1, 10)], work)
    assert peak == 3


async def test_a_busy_user_does_not_hold_up_others():
    processor = PerConversationUpdateProcessor(workers=2)
    finished = []
    slow_user_free = asyncio.Event()

    async def work(update):
        if update.effective_user.id == 1:
            await slow_user_free.wait()
        finished.append(update.update_id)
        if update.update_id == 99:
            slow_user_free.set()

    # User 1 sends five messages that all wait; user 2's one message must still get through.
    updates = [text_update(i, user_id=1) for i in range(1, 6)] + [text_update(99, user_id=2)]
    await asyncio.wait_for(run_all(processor, updates, work), timeout=5)
    assert finished[0] == 99 and finished[1:] == [1, 2, 3, 4, 5]


def test_conversation_key_is_chat_and_user():
    assert conversation_key(text_update(1, user_id=7)) == (7, 7)
    assert conversation_key(text_update(2, user_id=7, chat_id=-100)) == (-100, 7)
    assert conversation_key(Update(3)) is None
    assert conversation_key("not an update") is None
