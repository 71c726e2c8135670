"""Uploads that replace documents: name clashes, a full disk, a kill -9 half-way (issue 10,
items 1-3), and warnings an admin should see at ingest.

Faults are real: a size-limited tmpfs for the full disk, a real process killed with SIGKILL.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time

import pytest

from bot.ingest import IngestError
from bot.records import Records
from bot.service import Assistant
from bot.uploads import UploadError
from conftest import KNOWLEDGE, make_settings
from fake_telegram import FakeTelegram
from test_processes import ROOT, TOKEN, data_copy, env_for, run, write_big_document  # noqa: F401 - fixture

PAYMENTS = "trade-assurance-payments.md"
NOTE = b"Zorblax widgets from Ningbo carry a 7.5% Freedonia duty since 2024, says this note.\n"


@pytest.fixture
def kb_assistant(kb_settings, knowledge_copy, embedder, tmp_path):
    """An assistant on a private copy of the index and a writable knowledge folder."""
    data = tmp_path / "upload-data"
    shutil.copytree(kb_settings.data_dir / "chroma", data / "chroma")
    assistant = Assistant(make_settings(data, knowledge_copy), embedder=embedder, records=Records(tmp_path / "r.sqlite3"))
    yield assistant
    assistant.close()


# --- item 1: two files, one document -----------------------------------------------------------

def test_an_upload_with_another_documents_name_is_refused(kb_assistant):
    folder = kb_assistant.settings.knowledge_dir
    version = kb_assistant.store.active().version
    with pytest.raises(UploadError, match=PAYMENTS):
        kb_assistant.add_document("trade-assurance-payments.txt", NOTE)
    assert not (folder / "trade-assurance-payments.txt").exists()
    assert kb_assistant.store.active().version == version
    assert "trade-assurance-payments" in kb_assistant.store.active().manifest


def test_two_files_that_are_one_document_stop_the_ingest(kb_assistant):
    folder = kb_assistant.settings.knowledge_dir
    version = kb_assistant.store.active().version
    (folder / "trade-assurance-payments.txt").write_bytes(NOTE)
    with pytest.raises(IngestError) as err:
        kb_assistant.ingest()
    assert PAYMENTS in str(err.value) and "trade-assurance-payments.txt" in str(err.value)
    assert kb_assistant.store.active().version == version


def test_duplicate_titles_are_warned_about(kb_assistant):
    folder = kb_assistant.settings.knowledge_dir
    title = (folder / PAYMENTS).read_text().split("title:")[1].splitlines()[0].strip()
    (folder / "payments-copy.md").write_text(f"---\ntitle: {title}\n---\n# Copy\n\n## Fees\n\n" + NOTE.decode())
    report = kb_assistant.ingest()
    assert "payments-copy.md" in report.summary() and PAYMENTS in report.summary()
    assert "same title" in report.summary()


# --- item 3: a full disk during a replace ------------------------------------------------------

def test_a_full_disk_during_a_replace_leaves_the_original_whole(kb_settings, embedder, small_disk, tmp_path):
    knowledge = small_disk("knowledge", 512)
    for path in KNOWLEDGE.iterdir():
        shutil.copy2(path, knowledge / path.name)
    data = tmp_path / "data"
    shutil.copytree(kb_settings.data_dir / "chroma", data / "chroma")
    assistant = Assistant(make_settings(data, knowledge), embedder=embedder, records=Records(tmp_path / "r.sqlite3"))
    try:
        original = (knowledge / PAYMENTS).read_bytes()
        before = assistant.ask("What does a card payment cost?").text
        (knowledge / "filler.bin").write_bytes(b"\0" * (shutil.disk_usage(knowledge).free - 40_000))  # 40 KB left
        replacement = original.replace(b"2.95%", b"3.25%") + b"\n## Appendix\n\n" + b"More widget notes. " * 5000
        with pytest.raises(UploadError, match="disk space"):
            assistant.add_document(PAYMENTS, replacement)
        assert (knowledge / PAYMENTS).read_bytes() == original
        assert assistant.ask("What does a card payment cost?").text == before
        assert not [p for p in (knowledge / ".uploads").iterdir()]  # no fragment left behind
    finally:
        assistant.close()


# --- item 2: kill -9 during an upload that replaces a document ---------------------------------

def test_kill_9_during_a_replacing_upload_restores_the_original(data_copy, knowledge_copy):
    """The bot is killed while the replacement is in the folder but not yet in the index: the
    next start puts the original back, and a later ingest never activates the unconfirmed file."""
    original = (knowledge_copy / PAYMENTS).read_bytes()
    big = knowledge_copy.parent / "big"  # a replacement whose ingest takes seconds: the kill lands in it
    big.mkdir()
    write_big_document(big, "violet")
    replacement = original.replace(b"2.95%", b"3.25%") + (big / "zorblax-lanes.md").read_bytes().split(b"---", 2)[2]
    with FakeTelegram() as tg:
        env = env_for(data_copy, knowledge_copy, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=tg.base_url,
                      ADMIN_USER_IDS="42")
        bot = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
        try:
            tg.user_says("What does a card payment cost?", user_id=42)
            tg.wait_for_message(42, contains="Sources", timeout=120)
            tg.upload(PAYMENTS, replacement, user_id=42)
            deadline = time.monotonic() + 120
            while (knowledge_copy / PAYMENTS).read_bytes() == original:  # the upload is in the folder...
                assert time.monotonic() < deadline, "the upload never reached the folder"
                time.sleep(0.01)
        finally:
            bot.send_signal(signal.SIGKILL)  # ...and its ingest has only just begun
            bot.wait()
    assert not any("Added" in m.get("text", "") for m in tg.messages(42))  # it was not confirmed

    answer = json.loads(run(["-m", "bot", "ask", "What does a card payment cost?", "--json"], env).stdout)
    assert "2.95%" in answer["answer"] and "3.25%" not in answer["answer"]
    assert (knowledge_copy / PAYMENTS).read_bytes() == original
    ingest = run(["ingest.py", "--quiet"], env)
    assert ingest.returncode == 0 and "Nothing changed" in ingest.stdout, ingest.stdout + ingest.stderr
    assert (knowledge_copy / PAYMENTS).read_bytes() == original


KILL_AFTER_INGEST = """
import os, signal, sys
from bot.service import Assistant
from bot.settings import Settings
import bot.service as service

real = service.ingest_locked
def ingest_then_die(*args, **kwargs):
    real(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)  # after the switch, before the upload is confirmed
service.ingest_locked = ingest_then_die
Assistant(Settings()).add_document(sys.argv[1], sys.stdin.buffer.read())
"""


def test_kill_9_after_the_ingest_keeps_the_upload(data_copy, knowledge_copy):
    """Killed after the new version was activated: the upload is what the index has, so it stays."""
    env = env_for(data_copy, knowledge_copy)
    original = (knowledge_copy / PAYMENTS).read_bytes()
    replacement = original.replace(b"2.95%", b"3.25%")
    killed = subprocess.run([sys.executable, "-c", KILL_AFTER_INGEST, PAYMENTS], cwd=ROOT, env=env, input=replacement,
                            capture_output=True, timeout=180)
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-2000:]
    assert (knowledge_copy / ".uploads" / "journal.json").exists()
    answer = json.loads(run(["-m", "bot", "ask", "What does a card payment cost?", "--json"], env).stdout)
    assert "3.25%" in answer["answer"]
    assert (knowledge_copy / PAYMENTS).read_bytes() == replacement
    assert not (knowledge_copy / ".uploads" / "journal.json").exists()
