"""The bot as a real process (`python -m bot`) meeting faults at startup and while running:
a rejected token, services that come up late or never, polling errors, damaged state files.

Each test reproduces one problem of issue 10 and asserts what an operator sees: the bot comes
up once the service does, or stops with one clear line; never a traceback holding the token.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fake_telegram import FakeTelegram
from test_processes import ROOT, TOKEN, data_copy, env_for  # noqa: F401 - fixture

QUESTION = "What does a card payment cost?"
USER = 5


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args, env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen, timeout: float = 60) -> tuple[int, str, str]:
    """Wait for a process that should end by itself; kill it if it does not."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"the process did not stop within {timeout} s; stderr:\n{err[-3000:]}")
    return proc.returncode, out, err


def stop(proc: subprocess.Popen) -> str:
    proc.terminate()
    try:
        return proc.communicate(timeout=30)[1]
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()[1]


# --- startup: the token, the Bot API, the Chroma server -----------------------------------------

def test_a_rejected_token_stops_the_bot_in_one_line_without_printing_it(data_copy, knowledge_copy):
    """Item 4: InvalidToken's message holds the token; Python's handler printed it in full."""
    with FakeTelegram() as tg:
        tg.fail_next("getMe", status=401, times=50, description="Unauthorized")
        env = env_for(data_copy, knowledge_copy, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=tg.base_url)
        code, out, err = finish(start(["-m", "bot"], env))
    assert code != 0
    assert TOKEN not in out + err and TOKEN.split(":")[1] not in err
    assert "rejected the bot token" in err and "Traceback" not in err


def test_the_bot_waits_for_a_bot_api_that_is_not_up_yet(data_copy, knowledge_copy):
    """Item 8: two failed getMe calls at startup no longer end the process."""
    with FakeTelegram() as tg:
        tg.fail_next("getMe", status=502, times=2)
        env = env_for(data_copy, knowledge_copy, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=tg.base_url)
        bot = start(["-m", "bot"], env)
        try:
            tg.user_says(QUESTION, user_id=USER)
            assert "%" in tg.wait_for_message(USER, contains="Sources", timeout=120)["text"]
        finally:
            err = stop(bot)
    assert "Traceback" not in err and TOKEN not in err
    assert "not answering yet" in err  # it said what it was waiting for


def test_a_bot_api_that_never_comes_up_is_one_line(data_copy, knowledge_copy):
    """Item 8: after the retry window the bot says in one line what is wrong, and exits."""
    env = env_for(data_copy, knowledge_copy, TELEGRAM_BOT_TOKEN=TOKEN, STARTUP_RETRY_SECONDS="3",
                  TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{free_port()}")
    code, _, err = finish(start(["-m", "bot"], env))
    assert code != 0 and "Traceback" not in err and TOKEN not in err
    assert "Cannot reach the Telegram Bot API" in err.strip().splitlines()[-1]


def chroma_server(path: Path, port: int) -> subprocess.Popen:
    chroma = Path(sys.executable).parent / "chroma"
    return subprocess.Popen([str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_ask_waits_for_a_chroma_server_that_starts_late(data_copy, knowledge_copy, tmp_path):
    """Item 8: the Chroma server comes up a few seconds after the assistant starts."""
    port = free_port()
    served = tmp_path / "served"
    shutil.copytree(data_copy / "chroma", served)  # the server reads the embedded store's format
    env = env_for(tmp_path / "ask-data", knowledge_copy, CHROMA_HOST="127.0.0.1", CHROMA_PORT=str(port))
    asking = start(["-m", "bot", "ask", QUESTION, "--json"], env)
    time.sleep(4)
    server = chroma_server(served, port)
    try:
        code, out, err = finish(asking, timeout=120)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert code == 0, err
    assert '"grounded": true' in out and "Traceback" not in err


def test_a_chroma_server_that_never_comes_up_is_one_line(tmp_path, knowledge_copy):
    env = env_for(tmp_path / "data", knowledge_copy, CHROMA_HOST="127.0.0.1", CHROMA_PORT=str(free_port()),
                  STARTUP_RETRY_SECONDS="2")
    code, _, err = finish(start(["-m", "bot", "ask", QUESTION, "--json"], env))
    assert code != 0 and "Traceback" not in err
    assert "Cannot reach the Chroma server" in err.strip().splitlines()[-1]


# --- while running: polling errors and refused messages -----------------------------------------

def test_polling_survives_401_and_conflict_and_logs_one_line_each(data_copy, knowledge_copy):
    """Item 6: one 401 on getUpdates used to stop polling for good while the process lived on.
    Also: Conflict and Forbidden (a user blocked the bot) are one log line, not a traceback."""
    with FakeTelegram() as tg:
        env = env_for(data_copy, knowledge_copy, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=tg.base_url)
        bot = start(["-m", "bot"], env)
        try:
            tg.user_says(QUESTION, user_id=USER)
            tg.wait_for_message(USER, contains="Sources", timeout=120)
            for status, description in ((401, "Unauthorized"), (404, "Not Found"),
                                        (409, "Conflict: terminated by other getUpdates request; make sure that only "
                                              "one bot instance is running")):
                mark = tg.mark()
                tg.fail_next("getUpdates", status=status, description=description)
                tg.wait_for(lambda c: c["method"] == "getUpdates" and c["failed"], since=mark, timeout=30)
                tg.user_says(QUESTION, user_id=USER)
                tg.wait_for_message(USER, contains="Sources", timeout=60, since=mark)
            mark = tg.mark()
            tg.fail_next("sendMessage", status=403, times=5, description="Forbidden: bot was blocked by the user")
            tg.user_says(QUESTION, user_id=USER)
            tg.wait_for(lambda c: c["method"] == "sendMessage" and c["failed"], since=mark, timeout=30)
            time.sleep(1.0)
        finally:
            err = stop(bot)
    assert TOKEN not in err and "Traceback" not in err, err[-3000:]
    assert "Another bot instance is polling" in err


# --- damaged state files ---------------------------------------------------------------------

def test_damaged_state_files_are_moved_aside_and_the_bot_answers(data_copy, knowledge_copy):
    """Item 7: random bytes in records.sqlite3 and a truncated telegram.sqlite3 used to stop the
    bot with a traceback; now each is moved aside with a log line and the bot starts fresh."""
    (data_copy / "records.sqlite3").write_bytes(os.urandom(50_000))
    state = sqlite3.connect(data_copy / "telegram.sqlite3")
    state.execute("CREATE TABLE ptb_data (kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (kind, key))")
    state.executemany("INSERT INTO ptb_data VALUES ('user', ?, ?)", [(str(i), '{"x": "' + "y" * 500 + '"}') for i in range(400)])
    state.commit()
    state.close()
    path = data_copy / "telegram.sqlite3"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])
    with FakeTelegram() as tg:
        env = env_for(data_copy, knowledge_copy, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=tg.base_url)
        bot = start(["-m", "bot"], env)
        try:
            tg.user_says(QUESTION, user_id=USER)
            tg.wait_for_message(USER, contains="Sources", timeout=120)
        finally:
            err = stop(bot)
    assert "Traceback" not in err, err[-3000:]
    aside = sorted(p.name for p in data_copy.iterdir() if ".damaged-" in p.name)
    assert any(n.startswith("records.sqlite3.damaged-") for n in aside), aside
    assert any(n.startswith("telegram.sqlite3.damaged-") for n in aside), aside
    assert "records.sqlite3" in err and "moved" in err
