"""Admin reports as plain text: knowledge gaps and usage (console and command line)."""

from __future__ import annotations

import time

from bot.records import Records


def gaps_text(records: Records, limit: int = 15) -> str:
    gaps = records.gaps(limit)
    if not gaps:
        return "No knowledge gaps recorded yet."
    lines = [f"{g.count}× {g.question} (last {time.strftime('%Y-%m-%d', time.gmtime(g.last_asked))})" for g in gaps]
    return "Questions my documents could not answer:\n\n" + "\n".join(lines)


def stats_text(records: Records) -> str:
    s = records.stats()
    return (f"Questions: {s['questions']} from {s['users']} users\n"
            f"Answered: {s['answered']}, declined (gaps): {s['declined']}\n"
            f"Feedback: {s['thumbs_up']} thumbs up, {s['thumbs_down']} thumbs down\n"
            f"Median answer time: {s['median_latency_ms']:.0f} ms")
