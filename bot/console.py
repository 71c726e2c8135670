"""Console chat: the assistant in a terminal, for a machine with no Telegram token."""

from __future__ import annotations

from bot.eligibility.flow import EligibilityFlow, Question, detect_intent
from bot.eligibility.formatting import format_decision
from bot.formatting import answer_as_text
from bot.settings import Settings

WELCOME = """Trade assistant (console). Ask about Alibaba.com Trade Assurance, SME trade financing or
cross-border e-commerce trends. Type /help for examples, /check to see if you qualify, /quit to leave."""
EXAMPLES = """Examples:
  How long do I have to open a dispute?
  What does a card payment cost?
  Can I get financing from my trade record?
  Is my order protected?
  How fast is China's cross-border e-commerce growing?
Checks: /check financing, /check order; /cancel stops a check."""


def _prompt(question: Question) -> str:
    if question.choices:
        return f"{question.prompt} [{' / '.join(label for _, label in question.choices)}]"
    return question.prompt


class ConsoleChat:
    """One console conversation: questions go to the assistant, checks run step by step."""

    def __init__(self, assistant, output_fn=print):
        self.assistant = assistant
        self.say = output_fn
        self.flow: EligibilityFlow | None = None

    def handle(self, line: str) -> None:
        command = line.strip().lower()
        if command == "/help":
            self.say(EXAMPLES)
        elif command == "/cancel":
            self.say("Check cancelled." if self.flow else "There is no check to cancel.")
            self.flow = None
        elif command.startswith("/check"):
            kind = command.removeprefix("/check").strip() or "financing"
            if kind not in {"financing", "order"}:
                self.say("Use /check financing or /check order.")
            else:
                self._start(kind, "")
        elif self.flow is not None:
            self._continue(line)
        elif kind := detect_intent(line):
            self._start(kind, line)
        else:
            answer = self.assistant.ask(line, chat_id="console", user_id="console", channel="console")
            self.say("\nAssistant: " + answer_as_text(answer))

    def _start(self, kind: str, message: str) -> None:
        if self.assistant.eligibility_checker() is None:
            self.say("The eligibility rules are not loaded; an admin needs to add knowledge/eligibility.toml and re-ingest.")
            return
        self.flow = EligibilityFlow.start(kind, message)
        what = "trade-data financing pre-check" if kind == "financing" else "Trade Assurance order-protection check"
        self.say(f"\nLet's run a quick {what} (/cancel to stop).")
        self._ask_or_finish()

    def _continue(self, line: str) -> None:
        problem = self.flow.answer(line)
        if problem:
            self.say(problem)
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
