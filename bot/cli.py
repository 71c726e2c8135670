"""Command line: `python -m bot` (console chat, or Telegram with a token), `ask`, `ingest`, `eval`,
admin reports (`gaps`, `stats`), eligibility checks and presentation material."""

from __future__ import annotations

import argparse
import json
import logging
import sys

from bot.settings import Settings


def _configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # httpx logs request URLs, which carry the bot token, at INFO.
    for noisy in ("httpx", "httpcore", "chromadb", "sentence_transformers", "transformers", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def open_assistant(settings: Settings, announce=print):
    """The assistant with an index: the bundled knowledge is ingested on first run."""
    from bot.ingest import IngestError
    from bot.service import Assistant
    from bot.store import StoreBusyError

    try:
        assistant = Assistant(settings)
    except StoreBusyError as exc:
        raise SystemExit(str(exc)) from None
    if not assistant.has_index():
        announce("First run: building the knowledge index from", settings.knowledge_dir, "...")
        try:
            report = assistant.ingest(progress=True)
        except IngestError as exc:
            raise SystemExit(str(exc)) from None
        announce(report.summary())
    return assistant


def cmd_ask(args, settings: Settings) -> int:
    from bot.formatting import answer_as_text

    def to_stderr(*parts):
        print(*parts, file=sys.stderr)

    assistant = open_assistant(settings, announce=to_stderr)
    try:
        if args.jsonl:
            for line in sys.stdin:
                if not line.strip():
                    continue
                answer = assistant.ask(line.rstrip("\n"))
                sys.stdout.write(json.dumps(answer.to_json(), ensure_ascii=False) + "\n")
                sys.stdout.flush()
            return 0
        if args.question is None:
            print("Give a question, or use --jsonl to read questions from standard input.", file=sys.stderr)
            return 2
        answer = assistant.ask(args.question)
        if args.json:
            print(json.dumps(answer.to_json(), ensure_ascii=False))
        else:
            print(answer_as_text(answer))
        return 0
    finally:
        assistant.close()


def cmd_ingest(args, settings: Settings) -> int:
    if not settings.uses_chroma_server and (report := _unchanged_report(settings)) is not None:
        print(report.summary())
        return 0
    from bot.ingest import IngestError, run_ingest
    from bot.store import KnowledgeStore, StoreBusyError

    try:
        # A standalone ingest needs the embedded store to itself (one writer only).
        store = KnowledgeStore(settings, exclusive=not settings.uses_chroma_server)
    except StoreBusyError as exc:
        print(f"Ingest refused: {exc}", file=sys.stderr)
        return 3

    def embedder():
        from bot.embeddings import LocalEmbeddings

        return LocalEmbeddings()

    try:
        report = run_ingest(settings, store, embedder, progress=not args.quiet)
    except IngestError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    finally:
        store.close()
    print(report.summary())
    return 0


def _unchanged_report(settings: Settings):
    """The summary of an ingest that would change nothing, found without importing the store
    (bot/ingest_state.py); None when an ingest must run, or someone else holds the locks."""
    import fcntl
    import os
    import time

    from bot.ingest_state import unchanged_report
    from bot.locks import lock_file

    started = time.perf_counter()
    locks = [lock_file(settings.data_dir / "store.lock", fcntl.LOCK_EX), lock_file(settings.ingest_lock_path, fcntl.LOCK_EX)]
    try:
        report = unchanged_report(settings) if None not in locks else None
    finally:
        for fd in locks:
            if fd is not None:
                os.close(fd)
    if report is not None:
        report.seconds = time.perf_counter() - started
    return report


def cmd_chat(args, settings: Settings) -> int:
    if settings.telegram_bot_token and not args.console:
        from bot.tg.app import run_telegram

        return run_telegram(settings)
    from bot.console import run_console

    return run_console(settings)


def cmd_gaps(args, settings: Settings) -> int:
    from bot.records import Records
    from bot.reports import gaps_text

    records = Records(settings.records_path)  # the records only: no index or model to load
    try:
        print(gaps_text(records, args.limit))
    finally:
        records.close()
    return 0


def cmd_stats(args, settings: Settings) -> int:
    from bot.records import Records
    from bot.reports import stats_text

    records = Records(settings.records_path)
    try:
        print(stats_text(records))
    finally:
        records.close()
    return 0


def cmd_eval(args, settings: Settings) -> int:
    from bot.evaluation import run_evaluation

    return run_evaluation(settings, args.questions, verbose=args.verbose, show_misses=args.show_misses)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Trade assistant for SMEs.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command")

    chat = sub.add_parser("chat", help="console chat, or the Telegram bot when TELEGRAM_BOT_TOKEN is set (default)")
    chat.add_argument("--console", action="store_true", help="console chat even when a token is set")
    chat.set_defaults(func=cmd_chat)

    ask = sub.add_parser("ask", help="answer one question (or one per line with --jsonl)")
    ask.add_argument("question", nargs="?")
    mode = ask.add_mutually_exclusive_group()
    mode.add_argument("--json", action="store_true", help="print one JSON object")
    mode.add_argument("--jsonl", action="store_true", help="read questions from stdin, print one JSON object per line")
    ask.set_defaults(func=cmd_ask)

    ingest = sub.add_parser("ingest", help="re-read the knowledge folder into the index")
    ingest.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    ingest.set_defaults(func=cmd_ingest)

    gaps = sub.add_parser("gaps", help="questions the documents could not answer, most frequent first")
    gaps.add_argument("--limit", type=int, default=15)
    gaps.set_defaults(func=cmd_gaps)

    stats = sub.add_parser("stats", help="usage and feedback")
    stats.set_defaults(func=cmd_stats)

    evaluate = sub.add_parser("eval", help="measure answers on the tuning sets and the held-out set, separately")
    evaluate.add_argument("--questions", action="append", metavar="FILE",
                          help="a question set (repeatable); default: every set under tests/eval "
                               "(DEFAULT_SETS in bot/evaluation.py)")
    evaluate.add_argument("--show-misses", action="store_true",
                          help="also print the held-out set's misses (this makes it a tuning set)")
    evaluate.add_argument("--verbose", action="store_true", help="print every question")
    evaluate.set_defaults(func=cmd_eval)

    from bot.eligibility.cli import add_eligibility_parser
    from bot.presenting_cli import add_presenting_parsers

    add_eligibility_parser(sub)
    add_presenting_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    try:
        settings = Settings()
    except ValueError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command is None:  # plain `python -m bot`: chat
        args.func, args.console = cmd_chat, False
    return args.func(args, settings)
