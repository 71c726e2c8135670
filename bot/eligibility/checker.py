"""The eligibility checker: published criteria from the rules file applied to a user's facts.

Callers depend on the `EligibilityChecker` protocol only, so a lender's or Alibaba's live
service can replace `RulesEligibilityChecker` without touching them. The guided flow also uses
`settled` and `relevant`, when a checker offers them, to stop early and skip questions whose
answer cannot change the outcome.
"""

from __future__ import annotations

from typing import Protocol

from bot.eligibility.models import (
    BuyerTier,
    FinancingDecision,
    FinancingInput,
    NextStep,
    OrderDecision,
    OrderInput,
    Problem,
    RuleResult,
    label,
)
from bot.eligibility.rules import Condition, Rule, Rules

# The outcomes that end a check whatever the other answers are.
HARD_FAILS = {"financing": "not_yet", "order": "not_covered"}
_MISSING = object()  # a question not asked yet (None is an answer: "not sure" / "not received")


class EligibilityChecker(Protocol):
    def check_financing(self, data: FinancingInput) -> FinancingDecision: ...

    def check_order(self, data: OrderInput) -> OrderDecision: ...


def _money(value: float, unit: str) -> str:
    amount = f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
    return f"US${amount}" if unit == "usd" else f"RMB {amount}"


def _show(name: str, value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)) and name.endswith("_usd"):
        return _money(float(value), "usd")
    if isinstance(value, (int, float)) and name.endswith("_rmb"):
        return _money(float(value), "rmb")
    if isinstance(value, float) and value == int(value):
        return f"{int(value):,}"
    if isinstance(value, (int, float)):
        return f"{value:,}"
    return label(value)


_NEEDED = {">=": "at least", ">": "more than", "<=": "at most", "<": "less than"}


def _state(cond: Condition, answers) -> bool | None:
    """Whether a condition holds on the answers so far; None while its fact is unknown."""
    actual = _get(answers, cond.field)
    if actual is _MISSING or actual is None:
        return None
    return cond.holds(getattr(actual, "value", actual))


def _get(answers, name: str):
    if isinstance(answers, dict):
        return answers.get(name, _MISSING)
    return getattr(answers, name)


class RulesEligibilityChecker:
    """Applies `Rules`; `titles` maps knowledge document ids to titles for citations."""

    def __init__(self, rules: Rules, titles: dict[str, str] | None = None):
        self.rules = rules
        self.titles = titles or {}

    def _rules(self, kind: str) -> tuple[Rule, ...]:
        return self.rules.financing_rules if kind == "financing" else self.rules.order_rules

    # --- for the guided flow ----------------------------------------------------------------

    def settled(self, kind: str, answers: dict) -> bool:
        """True once an answer already fails a rule that decides the outcome on its own."""
        for rule in self._rules(kind):
            value = _get(answers, rule.field)
            if rule.on_fail != HARD_FAILS[kind] or value is _MISSING or value is None:
                continue
            if all(_state(c, answers) is True for c in rule.when) and not rule.holds(getattr(value, "value", value)):
                return True
        return False

    def relevant(self, kind: str, name: str, answers: dict) -> bool:
        """Whether the answer to `name` could still change the outcome, given the answers so far."""
        if self.settled(kind, answers):
            return False
        for rule in self._rules(kind):
            if any(_state(c, answers) is False for c in rule.when):
                continue  # the rule cannot apply to this case
            if rule.field == name:
                return True
            if any(c.field == name for c in rule.when):
                tested = _get(answers, rule.field)
                if tested is None and rule.if_missing != "review":
                    continue  # e.g. no receipt date: the window rule passes whatever the tier
                return True
        return kind == "financing" and name in {self.rules.financing_limit.basis_field, "uses_export_services"}

    # --- shared ----------------------------------------------------------------------------

    def _evaluate(self, rule: Rule, data) -> RuleResult | None:
        """None when the rule does not apply to these facts (its `when` is not met)."""
        states = [_state(c, data) for c in rule.when]
        if any(s is False for s in states):
            return None
        value = getattr(data, rule.field)
        if value is None:
            if rule.if_missing == "skip":
                return None
            passed = True if rule.if_missing == "pass" else None
            detail = "not known: no answer given" if passed is None else "does not apply yet"
        else:
            plain = getattr(value, "value", value)
            passed = rule.holds(plain)
            if not passed and None in states:
                passed = None  # fails only if an unknown fact (e.g. the buyer tier) makes it apply
            detail = f"your answer: {_show(rule.field, value)}"
            if rule.op in _NEEDED:
                detail += f"; needed: {_NEEDED[rule.op]} {_show(rule.field, float(rule.value))}"
        return RuleResult(rule=rule.id, passed=passed, wording=rule.wording, detail=detail,
                          source=rule.source, source_title=self.titles.get(rule.source, rule.source))

    def _results(self, kind: str, data) -> list[tuple[Rule, RuleResult]]:
        pairs = [(rule, self._evaluate(rule, data)) for rule in self._rules(kind)]
        return [(rule, res) for rule, res in pairs if res is not None]

    # --- financing -------------------------------------------------------------------------

    def check_financing(self, data: FinancingInput) -> FinancingDecision:
        pairs = self._results("financing", data)
        failed = [(rule, res) for rule, res in pairs if res.passed is False]
        unknown = [(rule, res) for rule, res in pairs if res.passed is None]
        hard = [(rule, res) for rule, res in failed if rule.on_fail == "not_yet"]
        if hard:
            decision = "not_yet_eligible"
        elif failed or unknown:
            decision = "needs_review"
        else:
            decision = "likely_eligible"

        lim = self.rules.financing_limit
        basis = getattr(data, lim.basis_field)
        rate = lim.rmb_per_usd_with_export_services if data.uses_export_services else lim.rmb_per_usd_otherwise
        potential = min(float(basis) * rate, lim.cap_rmb) if basis is not None else 0.0
        capped = basis is not None and float(basis) * rate > lim.cap_rmb
        basis_text = (f"RMB {rate:g} per US$1 of on-platform exports in the last 12 months "
                      f"({_money(float(basis), 'usd') if basis is not None else 'not known'}), capped at {_money(lim.cap_rmb, 'rmb')}")
        changes = [f"{rule.advice or rule.wording} ({res.detail})" for rule, res in failed]
        changes += [f"Find out: {rule.wording}" for rule, _ in unknown if decision != "not_yet_eligible"]
        if data.uses_export_services is False and basis is not None and lim.rmb_per_usd_with_export_services > lim.rmb_per_usd_otherwise:
            better = min(float(basis) * lim.rmb_per_usd_with_export_services, lim.cap_rmb)
            changes.append(f"Exporting through the platform's export services raised the rate from RMB "
                           f"{lim.rmb_per_usd_otherwise:g} to RMB {lim.rmb_per_usd_with_export_services:g} per US$1 "
                           f"(indicative limit {_money(better, 'rmb')}).")
        if capped:
            changes.append(f"The limit is at the {_money(lim.cap_rmb, 'rmb')} cap; more exports would not raise it.")
        era = self.rules.financing_era
        if decision == "likely_eligible":
            summary = (f"Under {era}, your trade record would have qualified: it meets every one of those criteria. "
                       f"These are past schemes, not an offer today; a lender now sets its own terms. "
                       f"Indicative limit under the 2014 terms: {_money(potential, 'rmb')}.")
        elif decision == "not_yet_eligible":
            summary = f"Under {era}, your trade record would not have qualified yet. " + " ".join(r.wording for _, r in hard)
        else:
            why = " ".join(r.wording for _, r in failed)
            if unknown:
                why += (" " if why else "") + f"{len(unknown)} of the criteria could not be checked, because an answer was not known."
            summary = f"Under {era}, this needs a closer look by the lender: {why}"
        shown = [res for _, res in pairs if not (decision == "not_yet_eligible" and res.passed is None)]
        return FinancingDecision(
            decision=decision,
            summary=summary,
            indicative_limit_rmb=0.0 if decision == "not_yet_eligible" else potential,
            limit_basis=basis_text,
            rules=shown,
            what_would_change=changes,
        )

    # --- order protection ------------------------------------------------------------------

    def _refund_window(self, data: OrderInput) -> str:
        windows = {int(rule.value) for rule in self.rules.order_rules
                   if rule.field == "days_since_receipt" and all(_state(c, data) is not False for c in rule.when)}
        if data.problem is not None and data.problem.value == Problem.never_arrived.value:
            return ("now: the window that runs from confirmed receipt has not started, so do not confirm receipt "
                    "of goods that never arrived")
        if len(windows) != 1:
            known = sorted(int(r.value) for r in self.rules.order_rules if r.field == "days_since_receipt")
            shown = " or ".join(str(w) for w in known) or "30"
            return f"no later than {shown} days after you confirm receipt, depending on your buyer tier"
        window = windows.pop()
        if data.days_since_receipt is None:
            return f"no later than {window} days after you confirm receipt"
        left = window - data.days_since_receipt
        return (f"within {left} more day{'s' if left != 1 else ''} (day {window} after confirmed receipt)"
                if left >= 0 else f"the {window}-day window has passed")

    def check_order(self, data: OrderInput) -> OrderDecision:
        pairs = self._results("order", data)
        failed = [(rule, res) for rule, res in pairs if res.passed is False]
        unknown = [(rule, res) for rule, res in pairs if res.passed is None]
        hard = [(rule, res) for rule, res in failed if rule.on_fail == "not_covered"]
        if hard:
            decision, reasons = "not_covered", [res for _, res in hard]
        elif failed or unknown:
            decision, reasons = "unclear", [res for _, res in failed + unknown]
        else:
            decision, reasons = "covered", [res for _, res in pairs]

        refund_deadline = self._refund_window(data)
        problem = data.problem.value if data.problem is not None else None
        steps = [
            NextStep(step=step.text, deadline=step.deadline.format(refund_deadline=refund_deadline), source=step.source)
            for step in self.rules.order_steps
            if decision in step.when and (not step.problems or problem in step.problems)
        ]
        tier = ""
        if data.buyer_tier not in (None, BuyerTier.standard):
            tier = f" ({label(data.buyer_tier)} buyer)"
        era = self.rules.order_era
        if decision == "covered":
            summary = f"Under {era}: covered. On these facts the order is within Trade Assurance protection{tier}."
        elif decision == "not_covered":
            summary = f"Under {era}: not covered. " + " ".join(r.wording for _, r in hard)
        else:
            why = " ".join(r.wording for _, r in failed)
            if unknown:
                why += (" " if why else "") + "Some facts were not known, so not every rule could be checked."
            summary = f"Under {era}: unclear. {why}"
        return OrderDecision(decision=decision, summary=summary, reasons=reasons, next_steps=steps)
