"""Time from an update arriving at the (fake) Bot API to the bot's reply being sent.

    .venv/bin/python bench/telegram_latency.py [--questions 50]

Runs the real Application against tests/fake_telegram.py over HTTP, one question at a time
(0.1 s apart, well under Telegram's rate limits), and prints the median and p95 of
update-queued → answer-sent, next to the bare service time (`Assistant.ask`) for the same
questions, so the Telegram overhead is visible.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from benchmark import pct, questions  # noqa: E402
from fake_telegram import FakeTelegram  # noqa: E402

PAUSE_SECONDS = 0.1


async def main(n: int) -> None:
    from bot.records import Records
    from bot.service import Assistant
    from bot.settings import Settings
    from bot.tg.app import build_application

    data = Path(tempfile.mkdtemp(prefix="tg-latency-"))
    with FakeTelegram() as tg:
        settings = Settings(_env_file=None, data_dir=data, telegram_bot_token="1:latency",
                            telegram_api_base_url=tg.base_url, rate_limit_per_minute=10_000)
        assistant = Assistant(settings)
        if not assistant.has_index():
            assistant.ingest()
        app = build_application(settings, assistant)
        await app.initialize()
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        qs = questions(n)
        latencies = []
        try:
            for i, q in enumerate([qs[0]] * 3 + qs):  # three warm-up questions
                mark = tg.mark()
                queued = time.time()
                tg.user_says(q, user_id=10 + i)
                call = await tg.wait_for_async(lambda c: c["method"] == "sendMessage" and not c["failed"], since=mark, timeout=30)
                if i >= 3:
                    latencies.append((call["time"] - queued) * 1000)
                # Paced like a busy chat, not a flood: back to back, answers would come faster
                # than Telegram's 30 messages a second and this would time the rate limiter.
                await asyncio.sleep(PAUSE_SECONDS)
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
        service = []
        assistant.records = Records(data / "direct.sqlite3")
        for q in qs:
            start = time.perf_counter()
            assistant.ask(q, "direct", "direct", "bench")
            service.append((time.perf_counter() - start) * 1000)
        assistant.close()
    print(f"Telegram update → reply sent, {n} questions: median {statistics.median(latencies):.1f} ms, "
          f"p95 {pct(latencies, 95):.1f} ms (service alone: median {statistics.median(service):.1f} ms, "
          f"p95 {pct(service, 95):.1f} ms)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=50)
    asyncio.run(main(parser.parse_args().questions))
