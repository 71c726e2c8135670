"""Questions asked while ingests switch index versions (issue 10, item 10), and while a large
ingest embeds (item 11): every question gets a real answer, and in good time.

Real concurrency: threads asking while uploads run in this process, and, with a Chroma server,
`ingest.py` processes switching versions under a reader in another process.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time

from bot.ingest import run_ingest
from bot.records import Records
from bot.service import Assistant
from conftest import make_settings
from test_ingest import DOC, OTHER
from test_processes import ROOT, env_for

QUESTIONS = ["What does a card payment cost?", "How long do I have to open a dispute?", "Are sample orders covered?"]


class Askers:
    """Threads that keep asking until stopped, counting answers and failures."""

    def __init__(self, assistant, questions, users=3):
        self.assistant, self.questions = assistant, questions
        self.stop = threading.Event()
        self.answers, self.declined, self.failures = 0, 0, []
        self.threads = [threading.Thread(target=self._ask, args=(u,)) for u in range(users)]

    def _ask(self, user):
        i = 0
        while not self.stop.is_set():
            try:
                answer = self.assistant.ask(self.questions[(user + i) % len(self.questions)], chat_id=f"c{user}",
                                            user_id=f"u{user}", channel="test")
                if answer.grounded:
                    self.answers += 1
                else:
                    self.declined += 1
            except Exception as exc:  # noqa: BLE001 - what a user would get as an apology
                self.failures.append(repr(exc))
            i += 1

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(60)


def test_questions_during_uploads_get_answers_not_errors(kb_settings, knowledge_copy, embedder, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(kb_settings.data_dir / "chroma", data / "chroma")
    assistant = Assistant(make_settings(data, knowledge_copy), embedder=embedder, records=Records(tmp_path / "r.sqlite3"))
    try:
        with Askers(assistant, QUESTIONS) as askers:
            for n in range(6):
                assistant.add_document(f"note-{n}.md", f"# Note {n}\n\n## Zorblax {n}\n\nZorblax batch {n} ships "
                                                       f"from Ningbo in {2000 + n}.\n".encode())
        assert askers.failures == [], askers.failures[:3]
        assert askers.declined == 0 and askers.answers >= 6
    finally:
        assistant.close()


def test_questions_in_one_process_survive_ingests_in_another(tmp_path, embedder, chroma_server):
    """With a Chroma server, another process's ingest switches versions under this reader."""
    import uuid

    host, port = chroma_server
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "widget.md").write_text(DOC)
    (folder / "gadget.md").write_text(OTHER)
    for n in range(4):
        (folder / f"note-{n}.md").write_text(f"# Note {n}\n\n## Zorblax {n}\n\nZorblax batch {n} ships in {2000 + n}.\n")
    extra = {"chroma_host": host, "chroma_port": port, "chroma_database": f"switch_{uuid.uuid4().hex[:10]}"}
    settings = make_settings(tmp_path / "data", folder, **extra)
    assistant = Assistant(settings, embedder=embedder, records=Records(tmp_path / "r.sqlite3"))
    try:
        run_ingest(settings, assistant.store, lambda: embedder)
        env = env_for(tmp_path / "other-data", folder, CHROMA_HOST=host, CHROMA_PORT=str(port),
                      CHROMA_DATABASE=extra["chroma_database"])
        questions = ["what is the widget card fee?", "what was the gadget loan ceiling in 2014?"]
        with Askers(assistant, questions) as askers:
            for n in range(4):
                # Removing a document makes a new version without embedding: the other process
                # switches versions quickly, without loading a model.
                (folder / f"note-{n}.md").unlink()
                done = subprocess.run([sys.executable, "ingest.py", "--quiet"], cwd=ROOT, env=env, capture_output=True,
                                      text=True, timeout=180)
                assert done.returncode == 0, done.stderr
                time.sleep(1.5)  # readers notice the new version within a second
        assert askers.failures == [], askers.failures[:3]
        assert askers.declined == 0 and askers.answers >= 4
    finally:
        assistant.close()


class TrackedEmbedder:
    """The session's model, counting how many sentences the ingest has embedded so far."""

    def __init__(self, inner):
        self.inner, self.done, self.total = inner, 0, 0

    def encode(self, texts, progress=None):
        self.total = len(texts)

        def step(n):
            self.done += n
            if progress:
                progress(n)
        return self.inner.encode(texts, progress=step)


def test_questions_are_answered_while_a_large_ingest_embeds(kb_settings, knowledge_copy, embedder, tmp_path):
    """Item 11: the model was held for a whole ingest, so a question waited for all of it.
    Asserted by order, not by the clock: the answers arrive while the embedding is still going."""
    from test_processes import write_big_document

    data = tmp_path / "data"
    shutil.copytree(kb_settings.data_dir / "chroma", data / "chroma")
    settings = make_settings(data, knowledge_copy)
    assistant = Assistant(settings, embedder=embedder, records=Records(tmp_path / "r.sqlite3"))
    write_big_document(knowledge_copy, "teal")
    tracked = TrackedEmbedder(embedder)
    ingest = threading.Thread(target=run_ingest, args=(settings, assistant.store, lambda: tracked))
    try:
        ingest.start()
        while tracked.done == 0:
            assert ingest.is_alive(), "the ingest ended before embedding anything"
            time.sleep(0.01)
        seen = []
        for question in QUESTIONS:
            assert assistant.ask(question).grounded
            seen.append(tracked.done)
        assert seen[-1] < tracked.total, f"answers came only after the embedding: {seen} of {tracked.total}"
    finally:
        ingest.join(300)
        assistant.close()
