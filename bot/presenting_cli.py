"""`python -m bot talkingpoints TOPIC` and `python -m bot chart TOPIC --out FILE.png`."""

from __future__ import annotations

import sys
from pathlib import Path


def add_presenting_parsers(sub) -> None:
    points = sub.add_parser("talkingpoints", help="3-6 sourced talking points on a topic")
    points.add_argument("topic", nargs="+")
    points.set_defaults(func=cmd_talkingpoints)
    chart = sub.add_parser("chart", help="a PNG chart of the key figures on a topic")
    chart.add_argument("topic", nargs="+")
    chart.add_argument("--out", required=True, type=Path, help="where to write the PNG")
    chart.set_defaults(func=cmd_chart)


def _assistant(settings):
    from bot.cli import open_assistant

    return open_assistant(settings, announce=lambda *a: print(*a, file=sys.stderr))


def cmd_talkingpoints(args, settings) -> int:
    from bot.presenting import talking_points

    assistant = _assistant(settings)
    try:
        result = talking_points(assistant, " ".join(args.topic))
    finally:
        assistant.close()
    if not result.found:
        print(f"My documents have no material on '{' '.join(args.topic)}'.", file=sys.stderr)
        return 1
    print(f"Talking points: {result.topic}")
    for point in result.points:
        print(f"  • {point}")
    print("Sources:")
    for c in result.citations:
        print(f"  {c.label()}\n      {c.source}")
    return 0


def cmd_chart(args, settings) -> int:
    from bot.presenting import NoFiguresError, load_figures, render_chart

    assistant = _assistant(settings)
    try:
        figures = load_figures(assistant)
    finally:
        assistant.close()
    try:
        chart = render_chart(figures, " ".join(args.topic))
    except NoFiguresError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    args.out.write_bytes(chart.png)
    print(f"Wrote {args.out} ({len(chart.png):,} bytes): {chart.caption}")
    return 0
