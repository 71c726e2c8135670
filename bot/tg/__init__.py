"""Telegram front end (python-telegram-bot v22); the only place that imports `telegram`."""

import os

# Opt in to PTB's coming timedelta `retry_after`, which silences its deprecation warning on 429s.
os.environ.setdefault("PTB_TIMEDELTA", "1")
