"""`python -m bot talkingpoints TOPIC`, `chart TOPIC --out FILE.png`, `briefing TOPIC --out FILE.pptx`."""

from __future__ import annotations

import sys
import time
from pathlib import Path


def add_presenting_parsers(sub) -> None:
    points = sub.add_parser("talkingpoints", help="3-6 sourced talking points on a topic")
    points.add_argument("topic", nargs="+")
    points.set_defaults(func=cmd_talkingpoints)
    chart = sub.add_parser("chart", help="a PNG chart of the key figures on a topic")
    chart.add_argument("topic", nargs="+")
    chart.add_argument("--out", required=True, type=Path, help="where to write the PNG")
    chart.set_defaults(func=cmd_chart)
    briefing = sub.add_parser("briefing", help="a PowerPoint deck on a topic: talking points, chart, sources")
    briefing.add_argument("topic", nargs="+")
    briefing.add_argument("--out", required=True, type=Path, help="where to write the .pptx")
    briefing.set_defaults(func=cmd_briefing)


def _assistant(settings):
    from bot.cli import open_assistant

    return open_assistant(settings, announce=lambda *a: print(*a, file=sys.stderr))


def _topic(args, command: str) -> str | None:
    from bot.presenting import topic_problem

    topic = " ".join(args.topic)
    if problem := topic_problem(topic, command):
        print(problem, file=sys.stderr)
        return None
    return topic


def cmd_talkingpoints(args, settings) -> int:
    from bot.presenting import talking_points, talking_points_text

    if (topic := _topic(args, "talkingpoints")) is None:
        return 2
    assistant = _assistant(settings)
    try:
        result = talking_points(assistant, topic)
    finally:
        assistant.close()
    print(talking_points_text(result), file=sys.stdout if result.found else sys.stderr)
    return 0 if result.found else 1


def cmd_chart(args, settings) -> int:
    from bot.presenting import NoFiguresError, load_figures, render_chart

    if (topic := _topic(args, "chart")) is None:
        return 2
    assistant = _assistant(settings)
    try:
        figures = load_figures(assistant)
    finally:
        assistant.close()
    try:
        chart = render_chart(figures, topic)
    except NoFiguresError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    args.out.write_bytes(chart.png)
    print(f"Wrote {args.out} ({len(chart.png):,} bytes): {chart.caption}")
    return 0


def cmd_briefing(args, settings) -> int:
    from bot.briefing import build_briefing

    if (topic := _topic(args, "briefing")) is None:
        return 2
    assistant = _assistant(settings)
    try:
        started = time.perf_counter()
        deck = build_briefing(assistant, topic)
        seconds = time.perf_counter() - started
    finally:
        assistant.close()
    if deck is None:
        print(f"My documents have no material on '{topic}', so I made no briefing.", file=sys.stderr)
        return 1
    args.out.write_bytes(deck.pptx)
    chart = "with a chart" if deck.has_chart else "no chart (no figures fit the topic)"
    print(f"Wrote {args.out}: {deck.slide_count} slides, {chart}, {len(deck.pptx):,} bytes, built in {seconds:.2f} s.")
    return 0
