"""Usage, knowledge gaps, feedback and recent conversation, in SQLite (WAL) under DATA_DIR.

One small database file: it survives restarts, and WAL with synchronous=NORMAL keeps each
write well under a millisecond without losing committed rows when the process dies.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bot.sqlite_files import open_database

SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    chat_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    question TEXT NOT NULL,
    normalized TEXT NOT NULL,
    kind TEXT NOT NULL,
    grounded INTEGER NOT NULL,
    top_score REAL NOT NULL,
    latency_ms REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS questions_chat ON questions(chat_id, id);
CREATE INDEX IF NOT EXISTS questions_gaps ON questions(grounded, normalized);
CREATE TABLE IF NOT EXISTS feedback (
    question_id INTEGER NOT NULL REFERENCES questions(id),
    user_id TEXT NOT NULL,
    value INTEGER NOT NULL CHECK (value IN (-1, 1)),
    ts REAL NOT NULL,
    PRIMARY KEY (question_id, user_id)
);
"""
HISTORY_SECONDS = 30 * 60  # a follow-up refers to questions asked in the last half hour


def normalize_question(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


@dataclass
class Gap:
    question: str
    count: int
    last_asked: float


class Records:
    def __init__(self, path: Path):
        self._db = open_database(path, SCHEMA, "The records file")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def record_question(self, *, chat_id: str, user_id: str, channel: str, question: str, kind: str,
                        grounded: bool, top_score: float, latency_ms: float) -> int:
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO questions (ts, chat_id, user_id, channel, question, normalized, kind, grounded, top_score, latency_ms)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (time.time(), chat_id, user_id, channel, question[:2000], normalize_question(question)[:500], kind,
                 int(grounded), top_score, latency_ms),
            )
            return int(cur.lastrowid)

    def recent_questions(self, chat_id: str, limit: int = 3) -> list[str]:
        """The chat's last answered questions, oldest first, for follow-up understanding."""
        with self._lock:
            rows = self._db.execute(
                "SELECT question FROM questions WHERE chat_id = ? AND kind = 'answer' AND ts > ? ORDER BY id DESC LIMIT ?",
                (chat_id, time.time() - HISTORY_SECONDS, limit),
            ).fetchall()
        return [r[0] for r in reversed(rows)]

    def record_feedback(self, question_id: int, user_id: str, value: int) -> bool:
        """Store (or change) the asker's vote on their answer. False, and nothing stored, when the
        answer is unknown, was asked by someone else, or the vote is not +1 or -1: callback data
        can be forged, so only the person who asked may rate an answer."""
        if value not in (1, -1) or not 0 < question_id < 2**63:
            return False
        with self._lock:
            if not self._db.execute("SELECT 1 FROM questions WHERE id = ? AND user_id = ?",
                                    (question_id, user_id)).fetchone():
                return False
            self._db.execute(
                "INSERT INTO feedback (question_id, user_id, value, ts) VALUES (?, ?, ?, ?)"
                " ON CONFLICT(question_id, user_id) DO UPDATE SET value = excluded.value, ts = excluded.ts",
                (question_id, user_id, value, time.time()),
            )
            return True

    def gaps(self, limit: int = 10) -> list[Gap]:
        with self._lock:
            rows = self._db.execute(
                "SELECT MIN(question), COUNT(*), MAX(ts) FROM questions WHERE kind = 'declined'"
                " GROUP BY normalized ORDER BY COUNT(*) DESC, MAX(ts) DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [Gap(q, n, ts) for q, n, ts in rows]

    def stats(self) -> dict:
        with self._lock:
            q = self._db.execute(
                "SELECT COUNT(*), COUNT(DISTINCT user_id), COALESCE(SUM(kind = 'answer'), 0),"
                " COALESCE(SUM(kind = 'declined'), 0) FROM questions"
            ).fetchone()
            f = self._db.execute(
                "SELECT COALESCE(SUM(value = 1), 0), COALESCE(SUM(value = -1), 0) FROM feedback"
            ).fetchone()
            latency = [r[0] for r in self._db.execute(
                "SELECT latency_ms FROM questions WHERE kind IN ('answer', 'declined') ORDER BY id DESC LIMIT 1000")]
        latency.sort()
        return {
            "questions": q[0], "users": q[1], "answered": q[2], "declined": q[3],
            "thumbs_up": f[0], "thumbs_down": f[1],
            "median_latency_ms": latency[len(latency) // 2] if latency else 0.0,
        }
