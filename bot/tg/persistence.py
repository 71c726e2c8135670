"""python-telegram-bot persistence in SQLite (WAL), beside the assistant's other records.

Half-finished conversations (the guided eligibility check) and per-user data are written as
JSON, so they survive a restart or a crash of the bot.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from pathlib import Path

from telegram.ext import BasePersistence, PersistenceInput

from bot.sqlite_files import open_database

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS ptb_data (
    kind TEXT NOT NULL,   -- user | chat | bot | conversation:<name>
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);
"""


def _id_and_dict(key: str, value: object) -> bool:
    return key.lstrip("-").isdigit() and isinstance(value, dict)


def _conversation_key(key: str, value: object) -> bool:
    parsed = json.loads(key)
    return isinstance(parsed, list) and all(isinstance(part, int) for part in parsed)


class SQLitePersistence(BasePersistence):
    def __init__(self, path: Path, update_interval: float = 5.0):
        super().__init__(store_data=PersistenceInput(bot_data=False, chat_data=True, user_data=True, callback_data=False),
                         update_interval=update_interval)
        self._db = open_database(path, SCHEMA, "The Telegram state file")
        self._lock = threading.Lock()

    def _load(self, kind: str, valid=lambda key, value: True) -> dict[str, object]:
        """Rows of one kind; a row that cannot be read is skipped (and logged), not fatal: one
        user's lost check must not keep the bot from starting for everyone."""
        with self._lock:
            rows = self._db.execute("SELECT key, value FROM ptb_data WHERE kind = ?", (kind,)).fetchall()
        loaded = {}
        for key, value in rows:
            try:
                data = json.loads(value)
                if not valid(key, data):
                    raise ValueError("unexpected shape")
            except (ValueError, TypeError) as exc:
                log.warning("Skipped an unreadable %s entry %r in the Telegram state file (%s)", kind, key[:40], exc)
                continue
            loaded[key] = data
        return loaded

    def _save(self, kind: str, key: str, value: object) -> None:
        try:
            self._write(kind, key, value)
        except sqlite3.OperationalError as exc:  # a full disk: the state stays in memory for now
            log.warning("Could not save the Telegram state (%s); it is kept in memory", exc)

    def _write(self, kind: str, key: str, value: object) -> None:
        with self._lock:
            if value in (None, {}):
                self._db.execute("DELETE FROM ptb_data WHERE kind = ? AND key = ?", (kind, key))
            else:
                self._db.execute(
                    "INSERT INTO ptb_data (kind, key, value) VALUES (?, ?, ?)"
                    " ON CONFLICT(kind, key) DO UPDATE SET value = excluded.value",
                    (kind, key, json.dumps(value)),
                )

    async def get_user_data(self) -> dict[int, dict]:
        return {int(k): v for k, v in self._load("user", _id_and_dict).items()}

    async def get_chat_data(self) -> dict[int, dict]:
        return {int(k): v for k, v in self._load("chat", _id_and_dict).items()}

    async def get_bot_data(self) -> dict:
        return {}

    async def get_callback_data(self):
        return None

    async def get_conversations(self, name: str) -> dict:
        return {tuple(json.loads(k)): v for k, v in self._load(f"conversation:{name}", _conversation_key).items()}

    async def update_conversation(self, name: str, key: tuple, new_state: object | None) -> None:
        self._save(f"conversation:{name}", json.dumps(list(key)), new_state)

    async def update_user_data(self, user_id: int, data: dict) -> None:
        self._save("user", str(user_id), data)

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        self._save("chat", str(chat_id), data)

    async def update_bot_data(self, data: dict) -> None:
        return None

    async def update_callback_data(self, data) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        self._save("chat", str(chat_id), None)

    async def drop_user_data(self, user_id: int) -> None:
        self._save("user", str(user_id), None)

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict) -> None:
        return None

    async def flush(self) -> None:
        with self._lock:
            try:
                self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.OperationalError as exc:  # a full disk must not fail the shutdown
                log.warning("Could not checkpoint the Telegram state (%s)", exc)
