"""Quality evaluation on several question sets, reported separately.

- Tuning sets (tests/eval/questions.yaml; seen_heldout_1.yaml and seen_heldout_2.yaml, the first
  two held-out sets, seen since; dev_4.yaml and dev_5.yaml, written like the held-out set to be
  tuned on): what the system is developed against; misses are printed.
- The held-out sets (tests/eval/heldout_3.yaml and heldout_6.yaml, any file named heldout*.yaml): questions the tuning
  never looks at, written before the code they measure; key facts are regular expressions on the
  fact (a figure, a claim). Only its figures are printed, so that running the evaluation does not
  turn it into a tuning set; `--show-misses` prints them anyway (and spends the set).

For each set: retrieval hit rate at 1 and 5 and mean reciprocal rank (items that name a
document), the share of answers stating the key fact, the share of out-of-scope questions
declined (and of those, naming the subject), of in-scope ones wrongly declined, and of questions
in other languages answered with the language notice. Exits non-zero below the thresholds, so
CI holds the line on every set.
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

# The targets (issue 9): every set must reach them; `make eval` reports against them.
THRESHOLDS = {"hit@5": 0.95, "key_fact": 0.90, "oos_declined": 0.95, "language_replies": 1.0}
MAX_FALSE_DECLINES = 0.05
# What each set measured last (2026-11-26, seventh session), less about one question, so that a
# last-digit difference in the adapter's fit on another machine cannot flip CI: CI fails on any
# fall below these while the targets are not yet met. Raise them as answers improve; never lower
# them to make CI pass. Knowingly lowered twice, with the reason in the commit: the tuning set's
# key fact 0.88 -> 0.87 (second session) and 0.93 -> 0.92 (fourth: the title field lost two of its
# literal-phrase questions while the two seen held-out sets gained five).
FLOORS = {
    "questions.yaml": {"hit@5": 0.95, "key_fact": 0.93, "oos_declined": 0.93, "false_declines": 0.01},
    "seen_heldout_1.yaml": {"key_fact": 0.89, "oos_declined": 0.94, "language_replies": 1.0, "false_declines": 0.01},
    "seen_heldout_2.yaml": {"key_fact": 0.79, "oos_declined": 0.92, "language_replies": 1.0, "false_declines": 0.07},
    "dev_4.yaml": {"key_fact": 0.87, "oos_declined": 0.93, "language_replies": 1.0, "false_declines": 0.05},
    "dev_5.yaml": {"key_fact": 0.87, "oos_declined": 0.72, "language_replies": 1.0, "false_declines": 0.05},
    "heldout_3.yaml": {"key_fact": 0.79, "oos_declined": 0.76, "language_replies": 1.0, "false_declines": 0.07},
    # Its baseline (code of d312be4, before any change it measures) was 73.7% / 79.0% / 10.5%.
    "heldout_6.yaml": {"key_fact": 0.78, "oos_declined": 0.79, "language_replies": 1.0, "false_declines": 0.06},
}
DEFAULT_SETS = ("tests/eval/questions.yaml", "tests/eval/seen_heldout_1.yaml", "tests/eval/seen_heldout_2.yaml",
                "tests/eval/dev_4.yaml", "tests/eval/dev_5.yaml", "tests/eval/heldout_3.yaml", "tests/eval/heldout_6.yaml")


def is_held_out(path: Path | str) -> bool:
    return Path(path).name.startswith("heldout")


@dataclass
class EvalItem:
    question: str
    doc: str | None = None
    key_fact: str | None = None  # tuning set: a literal that must appear in the answer
    fact: str | None = None  # held-out set: a regular expression for the fact
    history: list[str] = field(default_factory=list)
    out_of_scope: bool = False
    names: str | None = None  # out of scope: the decline should name the subject
    reply: str | None = None  # another language: the reply must match this
    source: str | None = None

    @property
    def kind(self) -> str:
        if self.reply:
            return "language"
        return "out_of_scope" if self.out_of_scope else "in_scope"

    def states_fact(self, answer: str) -> bool:
        if self.fact:
            return re.search(self.fact, answer, re.I) is not None
        fold = lambda s: re.sub(r"\s+", " ", s.lower())  # noqa: E731
        return bool(self.key_fact) and fold(self.key_fact) in fold(answer)


@dataclass
class EvalResult:
    metrics: dict[str, float]
    misses: list[str]
    counts: dict[str, int]

    @property
    def passed(self) -> bool:
        m = self.metrics
        return all(m[k] >= v for k, v in THRESHOLDS.items() if k in m) and m["false_declines"] <= MAX_FALSE_DECLINES


def holds_floor(result: EvalResult, set_name: str) -> list[str]:
    """The measures of `result` below the floor recorded for its set (empty when it holds)."""
    below = []
    for key, floor in FLOORS.get(set_name, {}).items():
        value = result.metrics.get(key)
        if value is None:
            continue
        if (value > floor) if key == "false_declines" else (value < floor):
            below.append(f"{key} {value:.1%} (floor {floor:.0%})")
    return below


def load_items(path: Path) -> list[EvalItem]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [EvalItem(**{k: v for k, v in item.items() if k in EvalItem.__dataclass_fields__}) for item in raw]


def _ask(assistant, item: EvalItem):
    chat = f"eval-{uuid.uuid4().hex[:8]}"
    for earlier in item.history:
        assistant.ask(earlier, chat_id=chat, user_id="eval", channel="eval")
    return assistant.ask(item.question, chat_id=chat, user_id="eval", channel="eval")


def evaluate(assistant, items: list[EvalItem]) -> EvalResult:
    by_kind = {k: [i for i in items if i.kind == k] for k in ("in_scope", "out_of_scope", "language")}
    hits1 = hits5 = ranked_items = facts = false_declines = 0
    rr = 0.0
    misses: list[str] = []
    for item in by_kind["in_scope"]:
        answer = _ask(assistant, item)
        if item.doc:
            ranked_items += 1
            docs = list(dict.fromkeys(answer.retrieved))
            rank = docs.index(item.doc) + 1 if item.doc in docs else None
            hits1 += rank == 1
            hits5 += rank is not None and rank <= 5
            rr += 1.0 / rank if rank else 0.0
            if rank is None:
                misses.append(f"NOT FOUND {item.question!r}: expected {item.doc}, got {docs[:5]}")
        if not answer.grounded:
            false_declines += 1
            misses.append(f"DECLINED  {item.question!r}")
        elif item.states_fact(answer.text):
            facts += 1
        else:
            misses.append(f"NO FACT   {item.question!r}: expected {item.fact or item.key_fact!r}; got {answer.text[:200]!r}")
    oos_declined = named = to_name = 0
    for item in by_kind["out_of_scope"]:
        answer = _ask(assistant, item)
        if answer.grounded:
            misses.append(f"ANSWERED  out-of-scope {item.question!r}: {answer.text[:120]!r}")
            continue
        oos_declined += 1
        if item.names:
            to_name += 1
            if re.search(item.names, answer.text, re.I):
                named += 1
            else:
                misses.append(f"UNNAMED   {item.question!r}: the decline does not name /{item.names}/")
    language_ok = 0
    for item in by_kind["language"]:
        answer = _ask(assistant, item)
        if not answer.grounded and re.search(item.reply, answer.text, re.I):
            language_ok += 1
        else:
            misses.append(f"LANGUAGE  {item.question!r}: {answer.text[:120]!r}")

    n = max(len(by_kind["in_scope"]), 1)
    metrics = {
        "key_fact": facts / n,
        "false_declines": false_declines / n,
        "oos_declined": oos_declined / max(len(by_kind["out_of_scope"]), 1),
    }
    if ranked_items:
        metrics.update({"hit@1": hits1 / ranked_items, "hit@5": hits5 / ranked_items, "mrr": rr / ranked_items})
    if to_name:
        metrics["oos_named"] = named / to_name
    if by_kind["language"]:
        metrics["language_replies"] = language_ok / len(by_kind["language"])
    counts = {k: len(v) for k, v in by_kind.items()}
    counts["follow_ups"] = sum(1 for i in by_kind["in_scope"] if i.history)
    return EvalResult(metrics, misses, counts)


def format_result(result: EvalResult, title: str = "", show_misses: bool = True) -> str:
    m, c = result.metrics, result.counts
    target = lambda key: f"   (target >= {THRESHOLDS[key]:.0%})" if key in THRESHOLDS else ""  # noqa: E731
    lines = [f"== {title}" if title else "",
             f"Questions: {c['in_scope']} in scope ({c['follow_ups']} follow-ups), {c['out_of_scope']} out of scope, "
             f"{c['language']} in other languages"]
    rows = [("hit@1", "retrieval hit@1"), ("hit@5", "retrieval hit@5"), ("key_fact", "key fact in answer"),
            ("oos_declined", "out-of-scope declined"), ("oos_named", "  ...naming the subject"),
            ("language_replies", "other-language notice")]
    for key, label in rows:
        if key in m:
            lines.append(f"  {label:<26}{m[key]:.1%}{target(key)}")
    if "mrr" in m:
        lines.append(f"  {'mean reciprocal rank':<26}{m['mrr']:.3f}")
    lines.append(f"  {'in-scope declined':<26}{m['false_declines']:.1%}   (target <= {MAX_FALSE_DECLINES:.0%})")
    if result.misses and show_misses:
        lines.append(f"Misses ({len(result.misses)}):")
        lines += [f"  {miss}" for miss in result.misses]
    elif result.misses:
        lines.append(f"Misses: {len(result.misses)}, not shown: a held-out set stays unseen (--show-misses spends it)")
    lines.append("PASS" if result.passed else "FAIL: below target")
    return "\n".join(line for line in lines if line)


def run_evaluation(settings: Settings, question_files: list[str] | None = None, verbose: bool = False,
                   show_misses: bool = False) -> int:
    from bot.cli import open_assistant

    assistant = open_assistant(settings, announce=lambda *a: print(*a, file=sys.stderr))
    # Evaluation questions must not show up in the real usage statistics or knowledge gaps.
    assistant.records.close()
    passed = True
    with tempfile.TemporaryDirectory() as tmp:
        assistant.records = Records(Path(tmp) / "eval.sqlite3")
        try:
            for path in question_files or DEFAULT_SETS:
                result = evaluate(assistant, load_items(Path(path)))
                print(format_result(result, title=path, show_misses=show_misses or not is_held_out(path)), end="\n\n")
                passed = passed and result.passed
        finally:
            assistant.close()
    return 0 if passed else 1
