"""Admin reports on the command line, for admins without Telegram: `gaps` and `stats`."""

import os
import subprocess
import sys
from pathlib import Path

from bot.records import Records

ROOT = Path(__file__).resolve().parent.parent


def run(args, data_dir):
    env = {**os.environ, "DATA_DIR": str(data_dir), "KNOWLEDGE_DIR": str(ROOT / "knowledge")}
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


def test_gaps_and_stats_on_the_command_line(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    assert "No knowledge gaps" in run(["gaps"], data).stdout
    records = Records(data / "records.sqlite3")
    records.record_question(chat_id="c", user_id="u", channel="console", question="who won the world cup?",
                            kind="declined", grounded=False, top_score=0.1, latency_ms=12.0)
    records.record_question(chat_id="c", user_id="u", channel="console", question="what does a card payment cost?",
                            kind="answer", grounded=True, top_score=0.8, latency_ms=20.0)
    records.close()
    gaps = run(["gaps"], data)
    assert gaps.returncode == 0 and "1× who won the world cup?" in gaps.stdout
    stats = run(["stats"], data)
    assert stats.returncode == 0 and "Questions: 2 from 1 users" in stats.stdout and "declined (gaps): 1" in stats.stdout
