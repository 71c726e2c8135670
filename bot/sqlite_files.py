"""Opening the bot's own SQLite files (records, Telegram state) so that a damaged one never
stops the bot: it is moved aside, with a log line naming where, and a fresh one is started.

Losing usage records or half-finished checks is a nuisance; an assistant that will not start
is an outage. The damaged file is kept for whoever wants to look at it or recover rows.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

log = logging.getLogger(__name__)

# Error codes that mean "this file is not a usable database", as opposed to "busy" or "disk full",
# which say nothing about the file and must never get it moved aside.
_DAMAGE = {"SQLITE_NOTADB", "SQLITE_CORRUPT"}


class SchemaMismatch(sqlite3.DatabaseError):
    """The file is a database, but its tables are not the ones this program writes."""


def open_database(path: Path, schema: str, what: str) -> sqlite3.Connection:
    """A connection to `path` (WAL, created with `schema` if new); a damaged file is moved aside."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return _open(path, schema)
    except sqlite3.DatabaseError as exc:
        if not _is_damage(exc):
            raise
        aside = _move_aside(path)
        log.error("%s %s is damaged (%s); moved it to %s and started a new one", what, path.name, exc, aside.name)
        return _open(path, schema)


def _is_damage(exc: sqlite3.DatabaseError) -> bool:
    return isinstance(exc, SchemaMismatch) or getattr(exc, "sqlite_errorname", "") in _DAMAGE


def _open(path: Path, schema: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    try:
        db.execute("PRAGMA busy_timeout=5000")
        db.execute("PRAGMA journal_mode=WAL")
        problem = db.execute("PRAGMA quick_check").fetchone()[0]
        if problem != "ok":
            raise SchemaMismatch(f"integrity check: {problem}")
        _check_tables(db, schema)
        db.executescript(schema)
    except BaseException:
        db.close()
        raise
    return db


def _columns(db: sqlite3.Connection) -> dict[str, set[str]]:
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return {t: {r[1] for r in db.execute(f'PRAGMA table_info("{t}")')} for t in tables}


def _check_tables(db: sqlite3.Connection, schema: str) -> None:
    """Tables this program uses that exist with other columns make the file unusable here."""
    expected = sqlite3.connect(":memory:")
    expected.executescript(schema)
    wanted = _columns(expected)
    expected.close()
    for table, columns in _columns(db).items():
        missing = wanted.get(table, columns) - columns
        if missing:
            raise SchemaMismatch(f"table {table} lacks {', '.join(sorted(missing))}")


def _move_aside(path: Path) -> Path:
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    for suffix in ("", "-wal", "-shm"):  # the journal files belong to the damaged file
        part = Path(str(path) + suffix)
        if part.exists():
            part.replace(Path(str(aside) + suffix))
    return aside
