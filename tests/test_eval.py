"""The quality line: the question set must meet the agreed thresholds (see bot/evaluation.py)."""

from pathlib import Path

from bot.evaluation import evaluate, format_result, load_items

QUESTIONS = Path(__file__).parent / "eval" / "questions.yaml"


def test_question_set_is_big_enough_and_well_formed():
    items = load_items(QUESTIONS)
    in_scope = [i for i in items if not i.out_of_scope]
    assert len(in_scope) >= 40 and len(items) - len(in_scope) >= 15
    docs = {p.stem for p in (Path(__file__).parent.parent / "knowledge").glob("*.md")}
    for item in in_scope:
        assert item.doc in docs and item.key_fact, item.question
        text = (Path(__file__).parent.parent / "knowledge" / f"{item.doc}.md").read_text().lower()
        assert item.key_fact.lower() in text, f"key fact {item.key_fact!r} is not in {item.doc}"


def test_quality_meets_the_thresholds(assistant):
    result = evaluate(assistant, load_items(QUESTIONS))
    print(format_result(result))
    assert result.passed, format_result(result)
