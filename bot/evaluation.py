"""Quality evaluation on the project's question set (tests/eval/questions.yaml).

Prints retrieval hit rate at 1 and 5, mean reciprocal rank, the share of answers stating the
expected key fact, the share of out-of-scope questions declined and of in-scope ones wrongly
declined, and every miss. Exits non-zero below the agreed thresholds, so CI holds the line.
"""

from __future__ import annotations

import re
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.records import Records
from bot.settings import Settings

THRESHOLDS = {"hit@5": 0.95, "key_fact": 0.90, "oos_declined": 0.95}
MAX_FALSE_DECLINES = 0.05


@dataclass
class EvalItem:
    question: str
    doc: str | None = None
    key_fact: str | None = None
    history: list[str] = field(default_factory=list)
    out_of_scope: bool = False


@dataclass
class EvalResult:
    metrics: dict[str, float]
    misses: list[str]
    counts: dict[str, int]

    @property
    def passed(self) -> bool:
        m = self.metrics
        return all(m[k] >= v for k, v in THRESHOLDS.items()) and m["false_declines"] <= MAX_FALSE_DECLINES


def load_items(path: Path) -> list[EvalItem]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [EvalItem(**{k: v for k, v in item.items() if k in EvalItem.__dataclass_fields__}) for item in raw]


def _contains(answer: str, fact: str) -> bool:
    fold = lambda s: re.sub(r"\s+", " ", s.lower())  # noqa: E731
    return fold(fact) in fold(answer)


def evaluate(assistant, items: list[EvalItem]) -> EvalResult:
    in_scope = [i for i in items if not i.out_of_scope]
    oos = [i for i in items if i.out_of_scope]
    hits1 = hits5 = facts = false_declines = 0
    rr = 0.0
    misses: list[str] = []
    for item in in_scope:
        chat = f"eval-{uuid.uuid4().hex[:8]}"
        for earlier in item.history:
            assistant.ask(earlier, chat_id=chat, user_id="eval", channel="eval")
        answer = assistant.ask(item.question, chat_id=chat, user_id="eval", channel="eval")
        docs = list(dict.fromkeys(answer.retrieved))
        rank = docs.index(item.doc) + 1 if item.doc in docs else None
        hits1 += rank == 1
        hits5 += rank is not None and rank <= 5
        rr += 1.0 / rank if rank else 0.0
        if not answer.grounded:
            false_declines += 1
            misses.append(f"DECLINED  {item.question!r} (expected {item.doc})")
        elif item.key_fact and _contains(answer.text, item.key_fact):
            facts += 1
        else:
            misses.append(f"NO FACT   {item.question!r}: expected {item.key_fact!r}; got {answer.text[:160]!r}")
        if rank is None:
            misses.append(f"NOT FOUND {item.question!r}: expected {item.doc}, got {docs[:5]}")
    oos_declined = 0
    for item in oos:
        answer = assistant.ask(item.question, chat_id=f"eval-{uuid.uuid4().hex[:8]}", user_id="eval", channel="eval")
        if answer.grounded:
            misses.append(f"ANSWERED  out-of-scope {item.question!r}: {answer.text[:120]!r}")
        else:
            oos_declined += 1
    n, m = max(len(in_scope), 1), max(len(oos), 1)
    metrics = {
        "hit@1": hits1 / n,
        "hit@5": hits5 / n,
        "mrr": rr / n,
        "key_fact": facts / n,
        "oos_declined": oos_declined / m,
        "false_declines": false_declines / n,
    }
    return EvalResult(metrics, misses, {"in_scope": len(in_scope), "out_of_scope": len(oos),
                                        "follow_ups": sum(1 for i in in_scope if i.history)})


def format_result(result: EvalResult) -> str:
    m, c = result.metrics, result.counts
    lines = [
        f"Questions: {c['in_scope']} in scope ({c['follow_ups']} follow-ups), {c['out_of_scope']} out of scope",
        f"  retrieval hit@1        {m['hit@1']:.1%}",
        f"  retrieval hit@5        {m['hit@5']:.1%}   (target >= {THRESHOLDS['hit@5']:.0%})",
        f"  mean reciprocal rank   {m['mrr']:.3f}",
        f"  key fact in answer     {m['key_fact']:.1%}   (target >= {THRESHOLDS['key_fact']:.0%})",
        f"  out-of-scope declined  {m['oos_declined']:.1%}   (target >= {THRESHOLDS['oos_declined']:.0%})",
        f"  in-scope declined      {m['false_declines']:.1%}   (target <= {MAX_FALSE_DECLINES:.0%})",
    ]
    if result.misses:
        lines.append(f"Misses ({len(result.misses)}):")
        lines += [f"  {miss}" for miss in result.misses]
    lines.append("PASS" if result.passed else "FAIL: below target")
    return "\n".join(lines)


def run_evaluation(settings: Settings, questions: str, verbose: bool = False) -> int:
    from bot.cli import open_assistant

    assistant = open_assistant(settings, announce=lambda *a: print(*a, file=sys.stderr))
    # Evaluation questions must not show up in the real usage statistics or knowledge gaps.
    assistant.records.close()
    with tempfile.TemporaryDirectory() as tmp:
        assistant.records = Records(Path(tmp) / "eval.sqlite3")
        try:
            result = evaluate(assistant, load_items(Path(questions)))
        finally:
            assistant.close()
    print(format_result(result))
    return 0 if result.passed else 1
