"""Beyond one process: real bot and ingest processes, killed and restarted, and a load test.

Everything here starts real processes (`python -m bot`, `python ingest.py`) against real
stores; nothing is mocked.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "987654:process-test-token"
BIG_DOC_SECTIONS = 600  # about 5 s of embedding on 2 cores: kills land mid-write


def env_for(data_dir: Path, knowledge: Path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "CHROMA_", "LLM_"))}
    return {**env, "DATA_DIR": str(data_dir), "KNOWLEDGE_DIR": str(knowledge), **extra}


def run(args, env, timeout=180, **kw):
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, **kw)


def ask(env, question="What does a card payment cost?") -> dict:
    result = run(["-m", "bot", "ask", question, "--json"], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def data_copy(kb_settings, tmp_path) -> Path:
    """A data folder holding a copy of the session's index (no embedding needed)."""
    data = tmp_path / "data"
    shutil.copytree(kb_settings.data_dir / "chroma", data / "chroma")
    return data


def start_console(env) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "bot", "chat", "--console"], cwd=ROOT, env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = ""
    while "Trade assistant (console)" not in line:
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
    return proc


def console_ask(proc, question: str) -> str:
    proc.stdin.write(question + "\n")
    proc.stdin.flush()
    lines = []
    while True:
        line = proc.stdout.readline()
        assert line, "console exited"
        lines.append(line)
        if line.strip().startswith("Sources:") or "can't answer" in line:
            return "".join(lines)


def test_standalone_ingest_is_refused_while_the_bot_runs(data_copy, knowledge_copy):
    env = env_for(data_copy, knowledge_copy)
    bot = start_console(env)
    try:
        started = time.monotonic()
        refused = run(["ingest.py", "--quiet"], env, timeout=60)
        assert refused.returncode == 3 and time.monotonic() - started < 60  # refused, not hung
        assert "/reingest" in refused.stderr and "Chroma server" in refused.stderr
        assert "%" in console_ask(bot, "What does a card payment cost?")  # the bot carries on
    finally:
        bot.stdin.close()
        bot.wait(timeout=30)
    assert run(["ingest.py", "--quiet"], env).returncode == 0  # and works once the bot is gone


def write_big_document(knowledge: Path, marker: str) -> None:
    """A document big enough that embedding it takes a few seconds."""
    sections = [f"## Zorblax shipping lane {i}\n\nZorblax lane {i} carries {marker} widgets between Ningbo and "
                f"Rotterdam in {2000 + i % 20}, and every lane {i} shipment is insured.\n" for i in range(BIG_DOC_SECTIONS)]
    (knowledge / "zorblax-lanes.md").write_text("---\ntitle: Zorblax lanes\nas_of: \"2020\"\n---\n# Zorblax lanes\n\n"
                                               + "\n".join(sections))


def active_state(data_dir: Path) -> tuple[str, list[str]]:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.PersistentClient(path=str(data_dir / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
    active = client.get_collection("kb_registry").get(ids=["active"])["metadatas"][0]["collection"]
    ids = client.get_collection(active).get(include=[])["ids"]
    names = [c.name for c in client.list_collections()]
    return active, ids, names


def test_ingest_killed_at_any_point_leaves_the_previous_index(data_copy, knowledge_copy):
    env = env_for(data_copy, knowledge_copy)
    before = ask(env)
    version_before, _, _ = active_state(data_copy)
    card_fee = (knowledge_copy / "trade-assurance-payments.md")
    card_fee.write_text(card_fee.read_text().replace("2.95%", "3.25%"))
    write_big_document(knowledge_copy, "blue")

    killed_before_switch = 0
    for delay in (1.0, 4.0, 6.0, 8.0, 10.0, 12.0):
        proc = subprocess.Popen([sys.executable, "ingest.py", "--quiet"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        active, ids, _ = active_state(data_copy)
        if active != version_before:
            # Killed after the switch: the new version is complete and in use.
            assert len(ids) == len(set(ids)) and "3.25%" in ask(env)["answer"]
            break
        killed_before_switch += 1
        assert ask(env) == before, f"answer changed after a kill at {delay}s"
    assert killed_before_switch >= 2

    done = run(["ingest.py", "--quiet"], env)
    assert done.returncode == 0, done.stderr
    active, ids, names = active_state(data_copy)
    assert active != version_before
    assert len(ids) == len(set(ids))  # no duplicates
    # Leftovers of the killed ingests are dropped; the replaced version stays a while for readers.
    assert sorted(n for n in names if n.startswith("kb_v")) == sorted([active, version_before])
    fresh = ask(env)
    assert "3.25%" in fresh["answer"] and "2.95%" not in fresh["answer"]
    assert "blue" in ask(env, "What do Zorblax lanes carry?")["answer"]


def test_two_ingests_at_once_one_is_refused(data_copy, knowledge_copy):
    env = env_for(data_copy, knowledge_copy)
    write_big_document(knowledge_copy, "green")
    first = subprocess.Popen([sys.executable, "ingest.py", "--quiet"], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2.0)
    second = run(["ingest.py", "--quiet"], env, timeout=60)
    out, err = first.communicate(timeout=180)
    assert first.returncode == 0, err
    assert second.returncode == 3 and "Another ingest is already running" in second.stderr


def start_bot(env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def test_records_and_half_finished_checks_survive_kill_9(data_copy, knowledge_copy):
    with FakeTelegram() as tg:
        env = env_for(data_copy, knowledge_copy, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=tg.base_url)
        bot = start_bot(env)
        try:
            tg.user_says("What does a card payment cost?", user_id=5)
            answer = tg.wait_for_message(5, contains="Sources", timeout=90)
            tg.click(answer, next(b["callback_data"] for row in answer["reply_markup"]["inline_keyboard"] for b in row), user_id=5)
            tg.wait_for(lambda c: c["method"] == "answerCallbackQuery", timeout=30)
            tg.user_says("who won the world cup?", user_id=5)
            tg.wait_for_message(5, contains="can't answer", timeout=30)
            tg.user_says("/eligibility order", user_id=6)
            tg.wait_for_message(6, contains="checkout", timeout=30)
            mark = tg.mark()
            tg.user_says("yes", user_id=6)
            tg.wait_for_message(6, contains="How did you pay", timeout=30, since=mark)
        finally:
            bot.send_signal(signal.SIGKILL)  # no shutdown, no flush
            bot.wait()

        db = sqlite3.connect(data_copy / "records.sqlite3")
        kinds = sorted(k for (k,) in db.execute("SELECT kind FROM questions"))
        assert kinds == ["answer", "declined"]
        assert db.execute("SELECT value FROM feedback").fetchall() == [(1,)]

        bot = start_bot(env)  # restart: the check carries on where it stopped
        try:
            mark = tg.mark()
            tg.user_says("card", user_id=6)
            tg.wait_for_message(6, contains="What went wrong", timeout=90, since=mark)
        finally:
            bot.terminate()
            bot.wait(timeout=30)


def test_load_1000_messages_from_200_users(data_copy, knowledge_copy):
    """1,000 messages from 200 users over a few seconds: all answered once, memory flat."""
    questions = ["What does a card payment cost?", "How long do I have to open a dispute?", "Are sample orders covered?",
                 "What is the eWTP?", "who won the world cup?", "How big was China's cross-border e-commerce in 2015?",
                 "What is MYbank's 310 model?", "What is the minimum Trade Assurance order?"]
    users = [1000 + u for u in range(200)]
    with FakeTelegram() as tg:
        env = env_for(data_copy, knowledge_copy, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=tg.base_url)
        bot = start_bot(env)
        try:
            tg.user_says("What does a card payment cost?", user_id=1)  # warm up
            tg.wait_for_message(1, contains="Sources", timeout=90)
            baseline = rss_mb(bot.pid)

            def answered() -> dict[int, int]:
                counts: dict[int, int] = {}
                for m in tg.messages():
                    if m["chat"]["id"] in counts or m["chat"]["id"] in users_set:
                        counts[m["chat"]["id"]] = counts.get(m["chat"]["id"], 0) + 1
                return counts

            users_set = set(users)
            rounds = []
            for round_no in range(2):
                started = time.monotonic()
                for i in range(500):  # 500 a round, arriving over about 2.5 s
                    user = users[(round_no * 500 + i) % 200]
                    tg.user_says(questions[(i + round_no) % len(questions)], user_id=user)
                    if i % 50 == 49:
                        time.sleep(0.25)
                expected = (round_no + 1) * 500
                while sum(answered().values()) < expected and time.monotonic() - started < 300:
                    time.sleep(0.2)
                rounds.append((time.monotonic() - started, rss_mb(bot.pid)))
            counts = answered()
        finally:
            bot.terminate()
            _, err = bot.communicate(timeout=30)
    assert sum(counts.values()) == 1000 and set(counts.values()) == {5}, "every message answered exactly once"
    assert TOKEN not in err
    growth = rounds[1][1] - rounds[0][1]
    print(f"\nload: round 1 {rounds[0][0]:.1f} s, round 2 {rounds[1][0]:.1f} s; RSS warm {baseline:.0f} MB, "
          f"after 500 {rounds[0][1]:.0f} MB, after 1000 {rounds[1][1]:.0f} MB (growth {growth:+.0f} MB)")
    assert growth < 40, f"memory grew {growth:.0f} MB over the second 500 messages"


CHROMADB_IMPORTED = """
import runpy, sys
sys.argv = ["ingest.py", "--quiet"]
try:
    runpy.run_path("ingest.py", run_name="__main__")
finally:
    print("chromadb imported:", "chromadb" in sys.modules)
"""


def test_an_unchanged_reingest_skips_the_store_and_a_change_does_not(data_copy, knowledge_copy):
    """Also (issue 10): an unchanged re-ingest answered without importing chromadb (about a
    second of the command's two); any change to the documents still goes through the index."""
    env = env_for(data_copy, knowledge_copy)
    first = run(["ingest.py", "--quiet"], env)
    assert first.returncode == 0 and "Nothing changed" in first.stdout, first.stderr
    second = run(["-c", CHROMADB_IMPORTED], env)
    assert "Nothing changed" in second.stdout and "chromadb imported: False" in second.stdout, second.stderr
    assert second.stdout.split("\n")[0] == first.stdout.split("\n")[0]  # the same counts

    payments = knowledge_copy / "trade-assurance-payments.md"
    payments.write_text(payments.read_text().replace("2.95%", "3.25%"))
    changed = run(["-c", CHROMADB_IMPORTED], env)
    assert "1 updated" in changed.stdout and "chromadb imported: True" in changed.stdout, changed.stderr
    assert "3.25%" in ask(env)["answer"]
    assert "Nothing changed" in run(["ingest.py", "--quiet"], env).stdout

    from bot.ingest_state import unchanged_report
    from conftest import make_settings

    settings = make_settings(data_copy, knowledge_copy)
    assert unchanged_report(settings) is not None
    shutil.rmtree(data_copy / "chroma")  # the index is gone: the shortcut must not claim it is up to date
    assert unchanged_report(settings) is None
