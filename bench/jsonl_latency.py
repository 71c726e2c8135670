"""`python -m bot ask --jsonl` as another tool would use it: cold start and warm per-question time.

    .venv/bin/python bench/jsonl_latency.py [--questions 100] [--data-dir DIR]

All questions are written to stdin at once; the time between consecutive answer lines is
the time one warm question takes. Cold start is process start to the first answer line.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).parent))

from benchmark import pct, questions  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--data-dir", default=os.environ.get("DATA_DIR", "data"))
    args = parser.parse_args()
    qs = questions(args.questions + 1)
    env = {**os.environ, "DATA_DIR": args.data_dir}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "ask", "--jsonl"], cwd=ROOT, env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    proc.stdin.write("\n".join(qs) + "\n")
    proc.stdin.close()
    stamps = [time.perf_counter() for _ in iter(proc.stdout.readline, "")]
    proc.wait()
    gaps = [(b - a) * 1000 for a, b in zip(stamps, stamps[1:])]
    print(f"ask --jsonl: cold start to first answer {stamps[0] - started:.2f} s; warm, {len(gaps)} questions: "
          f"median {statistics.median(gaps):.1f} ms, p95 {pct(gaps, 95):.1f} ms")


if __name__ == "__main__":
    main()
