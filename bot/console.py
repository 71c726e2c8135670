"""Console chat: the assistant in a terminal, for a machine with no Telegram token."""

from __future__ import annotations

from bot.formatting import answer_as_text
from bot.settings import Settings

WELCOME = """Trade assistant (console). Ask about Alibaba.com Trade Assurance, SME trade financing or
cross-border e-commerce trends. Type /help for examples, /quit to leave."""
EXAMPLES = """Examples:
  How long do I have to open a dispute?
  What does a card payment cost?
  Can I get financing from my trade record?
  How fast is China's cross-border e-commerce growing?"""


def run_console(settings: Settings, input_fn=input, output_fn=print) -> int:
    from bot.cli import open_assistant

    assistant = open_assistant(settings, announce=output_fn)
    output_fn(WELCOME)
    try:
        while True:
            try:
                line = input_fn("\nYou: ")
            except (EOFError, KeyboardInterrupt):
                output_fn("")
                return 0
            command = line.strip().lower()
            if command in {"/quit", "/exit", "quit", "exit"}:
                return 0
            if command == "/help":
                output_fn(EXAMPLES)
                continue
            answer = assistant.ask(line, chat_id="console", user_id="console", channel="console")
            output_fn("\nAssistant: " + answer_as_text(answer))
    finally:
        assistant.close()
