"""Eligibility checks: every rule boundary, citations, the cap, and rules that are data."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.eligibility import FinancingInput, OrderInput, RulesEligibilityChecker, RulesError, parse_rules
from bot.eligibility.flow import EligibilityFlow, detect_intent, prefill
from bot.eligibility.models import field_errors

ROOT = Path(__file__).resolve().parent.parent
RULES_TEXT = (ROOT / "knowledge" / "eligibility.toml").read_text()
DOCS = {p.stem for p in (ROOT / "knowledge").glob("*.md")}


@pytest.fixture(scope="module")
def checker():
    return RulesEligibilityChecker(parse_rules(RULES_TEXT, DOCS))


def financing(**changes):
    base = dict(country="China", years_in_business=3, orders_last_6_months=4, export_value_last_6_months_usd=150_000,
                export_value_last_12_months_usd=300_000, uses_export_services=True, sales_last_12_months_rmb=3_000_000)
    return FinancingInput(**{**base, **changes})


def order(**changes):
    base = dict(paid_through_alibaba=True, payment_method="card", problem="quality_not_as_contracted",
                days_since_receipt=10, buyer_tier="standard", sample_order=False, agreed_to_delay=False)
    return OrderInput(**{**base, **changes})


@pytest.mark.parametrize("changes, decision, failed_rule", [
    ({}, "likely_eligible", None),
    ({"years_in_business": 2}, "likely_eligible", None),                   # exactly 2 years passes
    ({"years_in_business": 1.9}, "not_yet_eligible", "years_in_business"),
    ({"orders_last_6_months": 3}, "likely_eligible", None),                 # exactly 3 deals passes
    ({"orders_last_6_months": 2}, "not_yet_eligible", "recent_export_orders"),
    ({"export_value_last_6_months_usd": 100_000}, "not_yet_eligible", "recent_export_value"),  # "more than"
    ({"export_value_last_6_months_usd": 100_001}, "likely_eligible", None),
    ({"sales_last_12_months_rmb": 2_000_000}, "likely_eligible", None),
    ({"sales_last_12_months_rmb": 1_999_999}, "not_yet_eligible", "annual_sales"),
    ({"country": "Germany"}, "needs_review", "registered_in_china"),
    ({"country": "cn"}, "likely_eligible", None),
    ({"sales_last_12_months_rmb": None}, "needs_review", None),           # never "likely" with a criterion unknown
    ({"years_in_business": None}, "needs_review", None),                  # "not sure"
])
def test_financing_rule_boundaries(checker, changes, decision, failed_rule):
    result = checker.check_financing(financing(**changes))
    assert result.decision == decision
    failed = [r.rule for r in result.rules if r.passed is False]
    assert failed == ([failed_rule] if failed_rule else [])
    assert all(r.source == "sme-financing-china" and r.source_title for r in result.rules)
    assert "not a credit decision" in result.disclaimer


@pytest.mark.parametrize("exports_12m, uses_services, expected_limit", [
    (300_000, True, 300_000),            # RMB 1 per US$1 through the export services
    (300_000, False, 240_000),           # RMB 0.8 otherwise
    (10_000_000, True, 10_000_000),      # exactly at the cap
    (25_000_000, True, 10_000_000),      # never above the RMB 10 million cap
    (25_000_000, False, 10_000_000),
])
def test_limit_follows_exports_and_never_exceeds_the_cap(checker, exports_12m, uses_services, expected_limit):
    result = checker.check_financing(financing(export_value_last_12_months_usd=exports_12m, uses_export_services=uses_services))
    assert result.indicative_limit_rmb == pytest.approx(expected_limit)
    assert result.indicative_limit_rmb <= 10_000_000


def test_not_yet_eligible_says_what_would_change(checker):
    result = checker.check_financing(financing(orders_last_6_months=1, uses_export_services=False))
    assert result.indicative_limit_rmb == 0
    assert any("export orders" in c and "your answer: 1; needed: at least 3" in c for c in result.what_would_change)
    assert any("export services" in c for c in result.what_would_change)


@pytest.mark.parametrize("changes, decision, failed_rule", [
    ({}, "covered", None),
    ({"days_since_receipt": 30}, "covered", None),                                    # day 30 still covered
    ({"days_since_receipt": 31}, "not_covered", "refund_window_standard"),            # day 31 is not
    ({"days_since_receipt": 60, "buyer_tier": "enterprise"}, "covered", None),        # Enterprise day 60
    ({"days_since_receipt": 61, "buyer_tier": "enterprise_pro"}, "not_covered", "refund_window_enterprise"),
    ({"days_since_receipt": None, "problem": "late_shipment"}, "covered", None),      # not received yet
    ({"paid_through_alibaba": False}, "not_covered", "paid_on_platform"),              # off-platform payment
    ({"payment_method": "direct_to_supplier"}, "not_covered", "payment_method_on_platform"),
    ({"sample_order": True}, "not_covered", "sample_quality"),                        # sample order, quality claim
    ({"sample_order": True, "problem": "late_shipment"}, "covered", None),            # samples still ship on time
    ({"problem": "late_shipment", "agreed_to_delay": True}, "not_covered", "accepted_delay"),
    ({"problem": "changed_mind"}, "not_covered", "problem_excluded"),
    ({"problem": "customs_costs"}, "not_covered", "problem_excluded"),
    ({"problem": "after_sales"}, "not_covered", "problem_excluded"),
    ({"problem": "damaged_in_transit"}, "unclear", "problem_logistics"),
    ({"problem": "never_arrived"}, "unclear", "problem_logistics"),
    ({"payment_method": "paypal"}, "unclear", "paypal_unconfirmed"),
])
def test_order_protection_rule_boundaries(checker, changes, decision, failed_rule):
    result = checker.check_order(order(**changes))
    assert result.decision == decision
    failed = [r.rule for r in result.reasons if r.passed is False]
    assert (failed_rule in failed) if failed_rule else failed == []
    assert all(r.source in DOCS for r in result.reasons)
    assert all(step.source in DOCS for step in result.next_steps)


def test_covered_order_gets_next_steps_with_deadlines(checker):
    result = checker.check_order(order(days_since_receipt=12))
    steps = {s.step.split()[0]: s.deadline for s in result.next_steps}
    assert "within 18 more days" in result.next_steps[0].deadline and "Apply for refund" in result.next_steps[0].step
    assert any("3 days" in s.step for s in result.next_steps)
    assert any("day 4" in s.deadline for s in result.next_steps)
    assert any("SGS" in s.step for s in result.next_steps)  # quality problem: inspection step
    late = checker.check_order(order(problem="late_shipment"))
    assert not any("SGS" in s.step for s in late.next_steps)
    assert steps


def test_not_covered_order_points_to_the_offline_complaint(checker):
    result = checker.check_order(order(paid_through_alibaba=False, payment_method="direct_to_supplier"))
    assert [s.deadline for s in result.next_steps] == ["within 90 days of the agreed payment or delivery date, whichever is later"]


@pytest.mark.parametrize("bad, fields", [
    ({"years_in_business": -1}, {"years_in_business"}),
    ({"orders_last_6_months": 10**9}, {"orders_last_6_months"}),
    ({"export_value_last_12_months_usd": 50_000}, {"export_value_last_12_months_usd"}),  # less than 6 months
    ({"country": ""}, {"country"}),
    ({"surprise": 1}, {"surprise"}),
])
def test_absurd_inputs_are_rejected_naming_each_field(bad, fields):
    base = dict(country="China", years_in_business=3, orders_last_6_months=4, export_value_last_6_months_usd=150_000,
                export_value_last_12_months_usd=300_000, uses_export_services=True)
    with pytest.raises(ValidationError) as err:
        FinancingInput(**{**base, **bad})
    assert set(field_errors(err.value)) == fields


def test_missing_fields_are_each_named():
    with pytest.raises(ValidationError) as err:
        OrderInput(paid_through_alibaba=True)
    assert set(field_errors(err.value)) == {"payment_method", "problem"}


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("value = 2\n", "value = -2\n", 1), "cannot be negative"),
    (lambda t: t.replace('op = ">="', 'op = "≈"', 1), "operator"),
    (lambda t: t.replace('field = "years_in_business"', 'field = "age_of_ceo"', 1), "not an input"),
    (lambda t: t.replace('source = "sme-financing-china"', 'source = "no-such-doc"', 1), "no-such-doc"),
    (lambda t: t + "\n[[[broken", "not valid TOML"),
    (lambda t: t.replace("schema = 1", "schema = 9"), "schema"),
])
def test_broken_rules_files_are_refused_with_a_clear_message(edit, message):
    with pytest.raises(RulesError, match=message):
        parse_rules(edit(RULES_TEXT), DOCS)


def test_threshold_change_and_reingest_changes_the_decision(knowledge_copy, tmp_path, embedder):
    from bot.ingest import IngestError
    from bot.service import Assistant
    from conftest import make_settings

    assistant = Assistant(make_settings(tmp_path / "data", knowledge_copy), embedder=embedder)
    assistant.ingest()
    facts = financing(orders_last_6_months=3)
    assert assistant.eligibility_checker().check_financing(facts).decision == "likely_eligible"

    rules = knowledge_copy / "eligibility.toml"
    rules.write_text(RULES_TEXT.replace("op = \">=\"\nvalue = 3\n", "op = \">=\"\nvalue = 5\n"))
    report = assistant.ingest()
    assert report.data_files_changed == ["eligibility.toml"] and report.sentences_embedded == 0
    assert assistant.eligibility_checker().check_financing(facts).decision == "not_yet_eligible"

    rules.write_text("schema = 1\n[financing]\n")  # broken: the rules in force stay
    with pytest.raises(IngestError, match="eligibility.toml"):
        assistant.ingest()
    assert assistant.eligibility_checker().check_financing(facts).decision == "not_yet_eligible"
    assistant.close()


@pytest.mark.parametrize("text, intent", [
    ("Can I get a loan?", "financing"),
    ("could we qualify for financing from our trade record?", "financing"),
    ("am I eligible?", "financing"),
    ("Is my order protected?", "order"),
    ("supplier wants me to pay him directly, am i still protected?", "order"),
    ("how do i qualify for the 2014 seven bank loans", None),
    ("what does a card payment cost?", None),
])
def test_eligibility_questions_are_recognised(text, intent):
    assert detect_intent(text) == intent


def test_guided_flow_prefills_validates_and_resumes_from_its_state(checker):
    flow = EligibilityFlow.start("financing", "Can we get a loan? Chinese exporter, 4 years in business, we use OneTouch", checker)
    assert flow.answers == {"country": "China", "years_in_business": 4.0, "uses_export_services": True}
    assert flow.next_question().field == "orders_last_6_months"
    assert "whole number" in flow.answer("2.5").message
    assert flow.answer("5").accepted
    resumed = EligibilityFlow.from_state(json.loads(json.dumps(flow.state())), checker)  # e.g. after a restart
    assert resumed.answer("US$150,000").accepted
    assert "at least the 6-month value" in resumed.answer("100k").message
    assert resumed.answer("1.2m").accepted
    assert resumed.answer("RMB 3 million").accepted
    assert resumed.next_question() is None
    assert checker.check_financing(resumed.build()).decision == "likely_eligible"


def test_order_prefill_reads_plain_statements():
    found = prefill("order", "Is my order protected? It arrived damaged in transit, paid by card, received 12 days ago. Enterprise buyer.")
    assert found == {"paid_through_alibaba": True, "payment_method": "card", "problem": "damaged_in_transit",
                     "days_since_receipt": 12, "buyer_tier": "enterprise"}


def test_cli_prints_the_decision_as_json(kb_settings):
    env = {"DATA_DIR": str(kb_settings.data_dir), "KNOWLEDGE_DIR": str(kb_settings.knowledge_dir), "PATH": "/usr/bin:/bin"}
    facts = {"paid_through_alibaba": True, "payment_method": "tt", "problem": "late_shipment", "days_since_receipt": 31}
    ok = subprocess.run([sys.executable, "-m", "bot", "eligibility", "order", "--json", json.dumps(facts)],
                        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert ok.returncode == 0, ok.stderr
    payload = json.loads(ok.stdout)
    assert payload["decision"] == "not_covered" and payload["reasons"][0]["source"] == "trade-assurance-disputes"
    bad = subprocess.run([sys.executable, "-m", "bot", "eligibility", "financing", "--json", '{"years_in_business": -3}'],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert bad.returncode == 2
    assert "years_in_business" in json.loads(bad.stderr)["fields"]


def test_console_chat_runs_a_guided_check_from_a_plain_question(assistant):
    from bot.console import ConsoleChat

    said: list[str] = []
    chat = ConsoleChat(assistant, said.append)
    chat.handle("Can I get a loan? We're a Chinese exporter, 5 years in business, no OneTouch")
    assert "financing pre-check" in said[-2] and "export orders" in said[-1]
    for answer in ("6", "lots", "200000", "500000"):
        chat.handle(answer)
    assert "Please answer with a number" in said[-3]
    chat.handle("5 million")  # total sales, RMB
    assert "would have qualified" in said[-1] and "RMB 400,000" in said[-1]  # RMB 0.8 per US$1 without OneTouch
    chat.handle("/eligibility order")
    chat.handle("/cancel")
    assert said[-1] == "Check cancelled."
    chat.handle("What does a card payment cost?")
    assert "Sources:" in said[-1]
