"""Questions asked while the index changes (issue 10, items 10 and 11).

    .venv/bin/python bench/ingest_faults.py [--uploads 12] [--sections 2000]

1. Index switches: the real Application against tests/fake_telegram.py; 3 users keep asking
   (each waits for its reply, then asks again) while an admin uploads documents one after
   another. Prints the replies and how many were apologies.
2. A large ingest: question latency (`Assistant.ask`) while an ingest embeds a document of
   SECTIONS sentences, against the latency of the same questions when idle.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from benchmark import pct, questions  # noqa: E402
from fake_telegram import FakeTelegram  # noqa: E402

ADMIN, USERS = 42, (101, 102, 103)
APOLOGY_START = "Sorry, something went wrong"


async def index_switches(data: Path, knowledge: Path, uploads: int) -> None:
    from bot.service import Assistant
    from bot.settings import Settings
    from bot.tg.app import build_application

    with FakeTelegram() as tg:
        settings = Settings(_env_file=None, data_dir=data, knowledge_dir=knowledge, telegram_bot_token="1:switch",
                            telegram_api_base_url=tg.base_url, admin_user_ids=frozenset({ADMIN}),
                            rate_limit_per_minute=10_000)
        assistant = Assistant(settings)
        app = build_application(settings, assistant)
        await app.initialize()
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        qs = questions(30)
        stop = asyncio.Event()

        async def user(user_id: int) -> None:
            i = 0
            while not stop.is_set():
                mark = tg.mark()
                tg.user_says(qs[(i + user_id) % len(qs)], user_id=user_id)
                await tg.wait_for_async(lambda c: c["method"] == "sendMessage" and not c["failed"]
                                        and c["params"].get("chat_id") == user_id, since=mark, timeout=60)
                i += 1

        try:
            askers = [asyncio.create_task(user(u)) for u in USERS]
            started = time.monotonic()
            for n in range(uploads):
                mark = tg.mark()
                doc = f"# Bench note {n}\n\n## Zorblax batch {n}\n\nZorblax batch {n} ships from Ningbo in {2000 + n}.\n"
                tg.upload(f"bench-note-{n}.md", doc.encode(), user_id=ADMIN)
                await tg.wait_for_message_async(ADMIN, contains="bench-note", since=mark, timeout=120)
            seconds = time.monotonic() - started
            stop.set()
            await asyncio.gather(*askers)
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
            assistant.close()
        replies = [m for u in USERS for m in tg.messages(u) if "text" in m]
        apologies = [m for m in replies if m["text"].startswith(APOLOGY_START)]
        admin = [m["text"].split("\n")[0] for m in tg.messages(ADMIN)]
        print(f"index switches: {uploads} uploads in {seconds:.1f} s, 3 users asking: "
              f"{len(replies)} replies, {len(apologies)} apologies; uploads confirmed: "
              f"{sum(t.startswith('Added') for t in admin)} of {uploads}")


def latency_during_ingest(data: Path, knowledge: Path, sections: int) -> None:
    from bot.ingest import run_ingest
    from bot.service import Assistant
    from bot.settings import Settings

    settings = Settings(_env_file=None, data_dir=data, knowledge_dir=knowledge)
    assistant = Assistant(settings)
    qs = questions(30)
    for q in qs[:3]:
        assistant.ask(q)  # warm

    def timed(q: str) -> float:
        started = time.perf_counter()
        assistant.ask(q)
        return (time.perf_counter() - started) * 1000

    idle = [timed(q) for q in qs]
    lines = [f"## Bench lane {i}\n\nBench lane {i} carries crimson widgets between Ningbo and Rotterdam in "
             f"{2000 + i % 20}, and every lane {i} shipment is insured.\n" for i in range(sections)]
    (knowledge / "bench-lanes.md").write_text("---\ntitle: Bench lanes\n---\n# Bench lanes\n\n" + "\n".join(lines))
    result: dict = {}
    ingest = threading.Thread(target=lambda: result.update(report=run_ingest(settings, assistant.store, lambda: assistant.embedder)))
    started = time.monotonic()
    ingest.start()
    busy, i = [], 0
    while ingest.is_alive():
        busy.append(timed(qs[i % len(qs)]))
        i += 1
        time.sleep(0.05)
    ingest_seconds = time.monotonic() - started
    assistant.close()
    report = result.get("report")

    def line(name, values):
        return (f"{name}: {len(values)} questions, median {statistics.median(values):.0f} ms, "
                f"p95 {pct(values, 95):.0f} ms, max {max(values):.0f} ms")

    print(f"large ingest: {report.sentences_embedded if report else '?'} sentences in {ingest_seconds:.1f} s")
    print("  " + line("idle", idle))
    print("  " + line("during the ingest", busy))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--uploads", type=int, default=12)
    parser.add_argument("--sections", type=int, default=2000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ingest-faults-"))
    knowledge = work / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge)
    from bot.service import Assistant
    from bot.settings import Settings

    first = Assistant(Settings(_env_file=None, data_dir=work / "data", knowledge_dir=knowledge))
    first.ingest()
    first.close()
    try:
        asyncio.run(index_switches(work / "data", knowledge, args.uploads))
        latency_during_ingest(work / "data", knowledge, args.sections)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
