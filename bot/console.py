"""Console chat: the assistant in a terminal, for a machine with no Telegram token.

It knows the same commands as the Telegram bot (bot/commands.py); files it makes (charts,
briefing decks) are written to the current folder. Commands never reach the question log.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.commands import CONSOLE, commands_for
from bot.eligibility.flow import EligibilityFlow, Question, detect_intent, offer_text, suggest_check
from bot.eligibility.formatting import format_decision
from bot.formatting import answer_as_text
from bot.settings import Settings

WELCOME = """Trade assistant (console). Ask about Alibaba.com Trade Assurance, SME trade financing or
cross-border e-commerce trends. Type /help for commands and examples, /quit to leave."""
EXAMPLES = """Examples:
  How long do I have to open a dispute?
  What does a card payment cost?
  Can I get financing from my trade record?
  Is my order protected?
  How fast is China's cross-border e-commerce growing?"""
KIND_NAMES = {"financing": "trade-data financing pre-check", "order": "Trade Assurance order-protection check"}


def help_text() -> str:
    width = max(len(c.usage()) for c in commands_for(CONSOLE))
    lines = [EXAMPLES, "", "Commands:"]
    lines += [f"  {c.usage():<{width}}  {c.help}" for c in commands_for(CONSOLE)]
    return "\n".join(lines)


def _prompt(question: Question) -> str:
    if question.choices:
        return f"{question.prompt} [{' / '.join(label for _, label in question.choices)} / Not sure]"
    return question.prompt


def _slug(topic: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", topic.lower()).strip("-")[:40] or "topic"


class ConsoleChat:
    """One console conversation: questions go to the assistant, checks run step by step."""

    def __init__(self, assistant, output_fn=print, out_dir: Path | None = None):
        self.assistant = assistant
        self.say = output_fn
        self.out_dir = out_dir or Path.cwd()
        self.flow: EligibilityFlow | None = None

    def handle(self, line: str) -> None:
        text = line.strip()
        if text.startswith("/"):
            self._command(text)
        elif self.flow is not None:
            self._continue(text)
        elif kind := detect_intent(text):
            self._start(kind, text)
        else:
            self._answer(text)

    # --- commands ------------------------------------------------------------------------

    def _command(self, text: str) -> None:
        name, _, arg = text[1:].partition(" ")
        name, arg = name.lower(), arg.strip()
        handler = getattr(self, f"_cmd_{name}", None)
        if name == "check":  # the console's old name for /eligibility
            handler = self._cmd_eligibility
        if handler is None or name not in {c.name for c in commands_for(CONSOLE)} | {"check"}:
            self.say(f"I don't know the command /{name}. Type /help for the list.")
            return
        handler(arg)
        if self.flow is not None and name not in {"eligibility", "check", "cancel"}:
            question = self.flow.next_question()
            if question is not None:
                self.say(f"\n(Your check is still open: {_prompt(question)} Or /cancel to stop it.)")

    def _cmd_help(self, arg: str) -> None:
        self.say(help_text())

    def _cmd_cancel(self, arg: str) -> None:
        self.say("Check cancelled." if self.flow else "There is no check to cancel.")
        self.flow = None

    def _cmd_eligibility(self, arg: str) -> None:
        kind = arg.lower() or "financing"
        if kind not in KIND_NAMES:
            self.say("Use /eligibility financing or /eligibility order.")
        else:
            self._start(kind, "")

    def _cmd_talkingpoints(self, arg: str) -> None:
        from bot.presenting import talking_points, talking_points_text

        if not self._topic_ok(arg, "talkingpoints"):
            return
        self.say("\n" + talking_points_text(talking_points(self.assistant, arg)))

    def _cmd_chart(self, arg: str) -> None:
        from bot.presenting import NoFiguresError, load_figures, render_chart

        if not self._topic_ok(arg, "chart"):
            return
        try:
            chart = render_chart(load_figures(self.assistant), arg)
        except NoFiguresError as exc:
            self.say(str(exc))
            return
        path = self.out_dir / f"chart-{chart.topic}.png"
        path.write_bytes(chart.png)
        self.say(f"Wrote {path}: {chart.caption}")

    def _cmd_briefing(self, arg: str) -> None:
        from bot.briefing import build_briefing

        if not self._topic_ok(arg, "briefing"):
            return
        deck = build_briefing(self.assistant, arg)
        if deck is None:
            self.say(f"My documents have no material on '{arg}', so I made no briefing.")
            return
        path = self.out_dir / f"briefing-{_slug(arg)}.pptx"
        path.write_bytes(deck.pptx)
        self.say(f"Wrote {path} ({deck.slide_count} slides, {len(deck.pptx):,} bytes).")

    def _cmd_reingest(self, arg: str) -> None:
        from bot.ingest import IngestError
        from bot.store import StoreBusyError

        self.say("Re-ingesting the knowledge folder…")
        try:
            self.say(self.assistant.ingest().summary())
        except (IngestError, StoreBusyError) as exc:
            self.say(str(exc))

    def _cmd_gaps(self, arg: str) -> None:
        from bot.reports import gaps_text

        self.say(gaps_text(self.assistant.records))

    def _cmd_stats(self, arg: str) -> None:
        from bot.reports import stats_text

        self.say(stats_text(self.assistant.records))

    def _cmd_quit(self, arg: str) -> None:  # run_console leaves before this is reached
        pass

    def _topic_ok(self, topic: str, command: str) -> bool:
        from bot.presenting import MAX_TOPIC_CHARS

        if not topic:
            self.say(f"Add a topic, for example: /{command} SME financing")
            return False
        if len(topic) > MAX_TOPIC_CHARS:
            self.say(f"That topic is {len(topic):,} characters long; please use a few words (under {MAX_TOPIC_CHARS}).")
            return False
        return True

    # --- questions and checks --------------------------------------------------------------

    def _answer(self, text: str) -> None:
        answer = self.assistant.ask(text, chat_id="console", user_id="console", channel="console")
        self.say("\nAssistant: " + answer_as_text(answer))
        if answer.grounded and (kind := suggest_check(text)):
            self.say(offer_text(kind))

    def _start(self, kind: str, message: str) -> None:
        checker = self.assistant.eligibility_checker()
        if checker is None:
            self.say("The eligibility rules are not loaded; an admin needs to add knowledge/eligibility.toml and re-ingest.")
            return
        self.flow = EligibilityFlow.start(kind, message, checker)
        self.say(f"\nLet's run a quick {KIND_NAMES[kind]} (/cancel to stop; 'not sure' is a fine answer).")
        self._ask_or_finish()

    def _continue(self, line: str) -> None:
        reply = self.flow.answer(line)
        if reply.aside:
            self._answer(line)
            question = self.flow.next_question()
            if question is not None:
                self.say(f"\nBack to the check: {_prompt(question)} (or /cancel to stop)")
        elif not reply.accepted:
            self.say(reply.message)
        else:
            self._ask_or_finish()

    def _ask_or_finish(self) -> None:
        question = self.flow.next_question()
        if question is not None:
            self.say(_prompt(question))
            return
        decision = self.assistant.check_eligibility(self.flow)
        self.flow = None
        self.say("\n" + format_decision(decision))


def run_console(settings: Settings, input_fn=input, output_fn=print) -> int:
    from bot.cli import open_assistant

    assistant = open_assistant(settings, announce=output_fn)
    chat = ConsoleChat(assistant, output_fn)
    output_fn(WELCOME)
    try:
        while True:
            try:
                line = input_fn("\nYou: ")
            except (EOFError, KeyboardInterrupt):
                output_fn("")
                return 0
            if line.strip().lower() in {"/quit", "/exit", "quit", "exit"}:
                return 0
            chat.handle(line)
    finally:
        assistant.close()
