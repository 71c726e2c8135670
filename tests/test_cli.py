"""The command-line contracts other tools rely on (design.md), run as real processes."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(args, data_dir, input_text=None, knowledge=None, timeout=180, **env_extra):
    env = {**os.environ, "DATA_DIR": str(data_dir), "KNOWLEDGE_DIR": str(knowledge or ROOT / "knowledge"), **env_extra}
    return subprocess.run([sys.executable, *args], input=input_text, capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=timeout)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """A data folder with the bundled knowledge ingested by `python ingest.py`."""
    folder = tmp_path_factory.mktemp("cli-data")
    result = run(["ingest.py", "--quiet"], folder)
    assert result.returncode == 0, result.stderr
    assert "10 added" in result.stdout and "Chunks:" in result.stdout
    return folder


def test_ask_json_prints_one_object_in_the_agreed_shape(data_dir):
    result = run(["-m", "bot", "ask", "What does a card payment cost?", "--json"], data_dir)
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload) == {"answer", "grounded", "sources"} and payload["grounded"] is True
    assert set(payload["sources"][0]) == {"title", "section", "source", "score"}
    assert isinstance(payload["sources"][0]["score"], float)


def test_ask_jsonl_answers_every_line_in_order(data_dir):
    questions = "how long do I have to open a dispute?\n\nwho won the world cup?\n\N{GRINNING FACE}\n"
    result = run(["-m", "bot", "ask", "--jsonl"], data_dir, input_text=questions)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["grounded"] for line in lines] == [True, False, False]


def test_reingest_unchanged_reports_nothing_changed_quickly(data_dir):
    started = time.perf_counter()
    result = run(["ingest.py", "--quiet"], data_dir)
    assert result.returncode == 0 and "Nothing changed" in result.stdout
    assert time.perf_counter() - started < 10  # process start included; the ingest itself reports its time


def test_ingest_of_a_broken_document_exits_nonzero_naming_it(data_dir, tmp_path):
    import shutil

    knowledge = tmp_path / "kb"
    shutil.copytree(ROOT / "knowledge", knowledge)
    (knowledge / "scan.pdf").write_bytes(b"%PDF-1.4 \x00\x01 broken")
    result = run(["ingest.py", "--quiet"], data_dir, knowledge=knowledge)
    assert result.returncode == 1
    assert "scan.pdf" in result.stderr and "left as it was" in result.stderr
    after = run(["-m", "bot", "ask", "What does a card payment cost?", "--json"], data_dir)
    assert json.loads(after.stdout)["grounded"] is True


def test_console_chat_runs_on_a_fresh_data_folder(tmp_path):
    """First run ingests the bundled knowledge, then answers typed questions."""
    result = run(["-m", "bot"], tmp_path / "fresh", input_text="/help\nwhat is the minimum trade assurance order?\n/quit\n")
    assert result.returncode == 0, result.stderr
    assert "First run" in result.stdout and "Examples:" in result.stdout
    assert "US$100" in result.stdout and "Sources:" in result.stdout


def test_ingest_and_ask_through_a_chroma_server(chroma_server, tmp_path):
    host, port = chroma_server
    server = {"CHROMA_HOST": host, "CHROMA_PORT": str(port), "CHROMA_DATABASE": "cli_test"}
    ingest = run(["ingest.py", "--quiet"], tmp_path / "a", **server)
    assert ingest.returncode == 0, ingest.stderr
    # Another process, with its own data folder, shares the server's index.
    again = run(["ingest.py", "--quiet"], tmp_path / "b", **server)
    assert "Nothing changed" in again.stdout
    answer = run(["-m", "bot", "ask", "What does a card payment cost?", "--json"], tmp_path / "c", **server)
    assert json.loads(answer.stdout)["grounded"] is True
