"""Shared fixtures: every test gets its own DATA_DIR; the real embedding model is loaded once
and the bundled knowledge base is indexed once per session into a temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.embeddings import LocalEmbeddings
from bot.records import Records
from bot.service import Assistant
from bot.settings import Settings
from bot.store import KnowledgeStore

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path):
    """No test reads the developer's .env, data/ or a real Telegram token."""
    for name in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "ADMIN_USER_IDS", "LLM_MODEL", "CHROMA_HOST", "CHROMA_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KNOWLEDGE_DIR", str(KNOWLEDGE))
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def embedder() -> LocalEmbeddings:
    model = LocalEmbeddings()
    model.model  # load once, here, not inside a timed test
    return model


def make_settings(data_dir: Path, knowledge_dir: Path = KNOWLEDGE, **extra) -> Settings:
    return Settings(_env_file=None, data_dir=data_dir, knowledge_dir=knowledge_dir, **extra)


@pytest.fixture(scope="session")
def kb_settings(tmp_path_factory, embedder) -> Settings:
    """The bundled knowledge base, ingested once for the whole session."""
    settings = make_settings(tmp_path_factory.mktemp("kb-data"))
    assistant = Assistant(settings, embedder=embedder)
    assistant.ingest()
    assistant.close()
    return settings


@pytest.fixture
def assistant(kb_settings, embedder, tmp_path) -> Assistant:
    """An assistant on the shared index, with its own records database."""
    store = KnowledgeStore(kb_settings)
    a = Assistant(kb_settings, store=store, embedder=embedder, records=Records(tmp_path / "records.sqlite3"))
    yield a
    a.close()


@pytest.fixture
def knowledge_copy(tmp_path) -> Path:
    """A writable copy of the knowledge folder for tests that edit documents."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target)
    return target


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real Chroma server: the one .ci/run started (CHROMA_TEST_HOST/PORT), else our own."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    host, port = os.environ.get("CHROMA_TEST_HOST"), os.environ.get("CHROMA_TEST_PORT")
    proc = None
    if not host:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = str(s.getsockname()[1])
        host = "127.0.0.1"
        chroma = Path(sys.executable).parent / "chroma"
        proc = subprocess.Popen([str(chroma), "run", "--path", str(tmp_path_factory.mktemp("chroma-server")), "--host", host,
                                 "--port", port], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://{host}:{port}/api/v2/heartbeat", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"Chroma server at {host}:{port} did not come up")
            time.sleep(0.3)
    yield host, int(port)
    if proc:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(params=["embedded", "server"])
def backend(request):
    """Settings extras for each vector-store backend; the server gets a fresh database per test."""
    import uuid

    if request.param == "embedded":
        return {}
    host, port = request.getfixturevalue("chroma_server")
    return {"chroma_host": host, "chroma_port": port, "chroma_database": f"test_{uuid.uuid4().hex[:12]}"}


@pytest.fixture
def small_disk(tmp_path):
    """`small_disk(name, kilobytes)`: a real, size-limited file system (tmpfs) under tmp_path,
    so disk-full tests meet a genuine ENOSPC. Mounting needs root; elsewhere those tests skip."""
    import subprocess

    mounts = []

    def make(name: str, kilobytes: int) -> Path:
        point = tmp_path / name
        point.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kilobytes}k", "tmpfs", str(point)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.strip()}")
        mounts.append(point)
        return point

    yield make
    for point in mounts:
        subprocess.run(["umount", "-l", str(point)], check=False)


def fill_disk(folder: Path) -> None:
    """Use up every free byte of the file system holding `folder`."""
    with open(folder / "filler.bin", "wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 65536)
        except OSError:
            pass
        try:
            while True:
                out.write(b"\0" * 512)
        except OSError:
            pass
