#!/usr/bin/env python3
"""Re-read the knowledge folder (KNOWLEDGE_DIR) into the assistant's index.

Prints what changed; exits non-zero, naming the file and the reason, when a document cannot
be used, and then leaves the index in use as it was. The pipeline lives in bot/ingest.py.
"""

import sys

from bot.cli import main

if __name__ == "__main__":
    sys.exit(main(["ingest", *sys.argv[1:]]))
