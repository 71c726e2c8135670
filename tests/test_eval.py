"""The quality line: both question sets must meet the agreed thresholds (see bot/evaluation.py).

The tuning set is what the system is developed against; the held-out set is never tuned on.
"""

import re
from pathlib import Path

import pytest

from bot.evaluation import evaluate, format_result, load_items

EVAL = Path(__file__).parent / "eval"
TUNING, HELDOUT = EVAL / "questions.yaml", EVAL / "heldout.yaml"


def test_question_sets_are_big_enough_and_well_formed():
    tuning = load_items(TUNING)
    assert sum(i.kind == "in_scope" for i in tuning) >= 40 and sum(i.kind == "out_of_scope" for i in tuning) >= 15
    heldout = load_items(HELDOUT)
    assert len(heldout) >= 120 and sum(i.kind == "out_of_scope" for i in heldout) >= 30
    for item in heldout:
        assert item.source, item.question
        if item.kind == "in_scope":
            assert item.fact and re.compile(item.fact), item.question
    assert not {i.question for i in tuning} & {i.question for i in heldout}, "a held-out question leaked into tuning"


@pytest.mark.parametrize("path", [TUNING, HELDOUT], ids=["tuning", "heldout"])
def test_quality_meets_the_thresholds(assistant, path):
    result = evaluate(assistant, load_items(path))
    print(format_result(result, title=path.name))
    assert result.passed, format_result(result, title=path.name)
