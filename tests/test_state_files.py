"""Damaged state files (item 7 of issue 10): the records and the Telegram state in SQLite.

Each kind of damage is a real file on disk; what must hold is that the bot can start anyway,
keeps what can be read, and moves a file it cannot use aside instead of deleting it.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from pathlib import Path

import pytest

from bot.records import Records
from bot.tg.eligibility import STATE_KEY
from bot.tg.persistence import SQLitePersistence


def records_with_rows(path: Path, rows: int = 300) -> None:
    records = Records(path)
    for i in range(rows):
        records.record_question(chat_id="c", user_id="u", channel="cli", question=f"question {i} " + "x" * 300,
                                kind="answer", grounded=True, top_score=0.9, latency_ms=10.0)
    records.close()


def damage(path: Path, how: str) -> None:
    if how == "random bytes":
        path.write_bytes(os.urandom(40_000))
    elif how == "truncated":
        records_with_rows(path)
        for suffix in ("-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])
    elif how == "wrong schema":
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE questions (id INTEGER PRIMARY KEY, text TEXT)")
        db.execute("CREATE TABLE ptb_data (name TEXT)")
        db.commit()
        db.close()


@pytest.mark.parametrize("how", ["random bytes", "truncated", "wrong schema"])
def test_damaged_records_are_moved_aside_and_recording_goes_on(tmp_path, caplog, how):
    path = tmp_path / "records.sqlite3"
    damage(path, how)
    caplog.set_level(logging.ERROR)
    records = Records(path)
    question_id = records.record_question(chat_id="c", user_id="u", channel="cli", question="q", kind="answer",
                                          grounded=True, top_score=0.9, latency_ms=1.0)
    assert records.record_feedback(question_id, "u", 1) and records.stats()["questions"] == 1
    records.close()
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("records.sqlite3.damaged-")]
    assert len(aside) == 1
    assert "records.sqlite3" in caplog.text and aside[0].name in caplog.text


def test_healthy_records_are_kept(tmp_path):
    path = tmp_path / "records.sqlite3"
    records_with_rows(path, rows=3)
    assert Records(path).stats()["questions"] == 3
    assert not [p for p in tmp_path.iterdir() if ".damaged-" in p.name]


@pytest.mark.parametrize("how", ["random bytes", "truncated", "wrong schema"])
async def test_damaged_telegram_state_is_moved_aside(tmp_path, how):
    path = tmp_path / "telegram.sqlite3"
    if how == "truncated":
        persistence = SQLitePersistence(path)
        for user in range(300):
            await persistence.update_user_data(user, {"note": "y" * 400})
        persistence._db.close()
        for suffix in ("-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])
    else:
        damage(path, how)
    persistence = SQLitePersistence(path)
    assert await persistence.get_user_data() == {}
    await persistence.update_user_data(7, {"a": 1})
    assert await persistence.get_user_data() == {7: {"a": 1}}
    assert [p for p in tmp_path.iterdir() if p.name.startswith("telegram.sqlite3.damaged-")]


async def test_unreadable_rows_are_skipped_and_the_rest_is_kept(tmp_path, caplog):
    path = tmp_path / "telegram.sqlite3"
    persistence = SQLitePersistence(path)
    await persistence.update_user_data(7, {STATE_KEY: {"kind": "order", "answers": {}}})
    await persistence.update_conversation("eligibility", (7, 7), 1)
    db = persistence._db
    db.execute("INSERT INTO ptb_data VALUES ('user', '8', '{not json')")
    db.execute("INSERT INTO ptb_data VALUES ('user', 'nine', '{}')")
    db.execute("INSERT INTO ptb_data VALUES ('chat', '10', '[1, 2]')")
    db.execute("INSERT INTO ptb_data VALUES ('conversation:eligibility', '{broken', '1')")
    caplog.set_level(logging.WARNING)
    reopened = SQLitePersistence(path)
    assert await reopened.get_user_data() == {7: {STATE_KEY: {"kind": "order", "answers": {}}}}
    assert await reopened.get_chat_data() == {}
    assert await reopened.get_conversations("eligibility") == {(7, 7): 1}
    assert caplog.text.count("Skipped an unreadable") == 4
    assert json.loads(db.execute("SELECT value FROM ptb_data WHERE key = '7' AND kind = 'user'").fetchone()[0])
