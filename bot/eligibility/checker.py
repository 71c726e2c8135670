"""The eligibility checker: published criteria from the rules file applied to a user's facts.

Callers depend on the `EligibilityChecker` protocol only, so a lender's or Alibaba's live
service can replace `RulesEligibilityChecker` without touching them.
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
    RuleResult,
)
from bot.eligibility.rules import Rule, Rules


class EligibilityChecker(Protocol):
    def check_financing(self, data: FinancingInput) -> FinancingDecision: ...

    def check_order(self, data: OrderInput) -> OrderDecision: ...


def _money(value: float, unit: str) -> str:
    amount = f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"
    return f"US${amount}" if unit == "usd" else f"RMB {amount}"


def _show(name: str, value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and name.endswith("_usd"):
        return _money(value, "usd")
    if isinstance(value, float) and name.endswith("_rmb"):
        return _money(value, "rmb")
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(getattr(value, "value", value))


def _requirement(rule: Rule) -> str:
    if rule.op in {">=", ">", "<=", "<"}:
        return f"{rule.op} {_show(rule.field, float(rule.value))}"
    if rule.op == "in":
        return "one of " + ", ".join(map(str, rule.value))
    if rule.op == "not_in":
        return "not " + " / ".join(map(str, rule.value))
    return rule.describe()


class RulesEligibilityChecker:
    """Applies `Rules`; `titles` maps knowledge document ids to titles for citations."""

    def __init__(self, rules: Rules, titles: dict[str, str] | None = None):
        self.rules = rules
        self.titles = titles or {}

    # --- shared ----------------------------------------------------------------------------

    def _evaluate(self, rule: Rule, data) -> RuleResult | None:
        """None when the rule does not apply to these facts (its `when` is not met)."""
        if not all(c.holds(getattr(data, c.field)) for c in rule.when):
            return None
        value = getattr(data, rule.field)
        required = f"required: {_requirement(rule)}"
        if value is None:
            passed = True if rule.if_missing == "pass" else None
            detail = f"not given ({required})"
        else:
            value = getattr(value, "value", value)
            passed = rule.holds(value)
            detail = f"yours: {_show(rule.field, getattr(data, rule.field))}; {required}"
        return RuleResult(rule=rule.id, passed=passed, wording=rule.wording, detail=detail,
                          source=rule.source, source_title=self.titles.get(rule.source, rule.source))

    # --- financing -------------------------------------------------------------------------

    def check_financing(self, data: FinancingInput) -> FinancingDecision:
        pairs = [(rule, self._evaluate(rule, data)) for rule in self.rules.financing_rules]
        pairs = [(rule, res) for rule, res in pairs if res is not None]
        failed = [(rule, res) for rule, res in pairs if res.passed is False]
        unknown = [(rule, res) for rule, res in pairs if res.passed is None and rule.if_missing == "review"]
        if any(rule.on_fail == "not_yet" for rule, _ in failed):
            decision = "not_yet_eligible"
        elif failed or unknown:
            decision = "needs_review"
        else:
            decision = "likely_eligible"

        lim = self.rules.financing_limit
        basis = float(getattr(data, lim.basis_field) or 0.0)
        rate = lim.rmb_per_usd_with_export_services if data.uses_export_services else lim.rmb_per_usd_otherwise
        potential = min(basis * rate, lim.cap_rmb)
        capped = basis * rate > lim.cap_rmb
        basis_text = (f"RMB {rate:g} per US$1 of on-platform exports in the last 12 months "
                      f"({_money(basis, 'usd')}), capped at {_money(lim.cap_rmb, 'rmb')}")
        changes = [f"{rule.advice or rule.wording} ({res.detail})" for rule, res in failed]
        changes += [f"Provide '{rule.field}' so it can be checked: {rule.wording}" for rule, _ in unknown]
        if not data.uses_export_services and lim.rmb_per_usd_with_export_services > lim.rmb_per_usd_otherwise:
            better = min(basis * lim.rmb_per_usd_with_export_services, lim.cap_rmb)
            changes.append(f"Exporting through the platform's export services raises the rate from RMB "
                           f"{lim.rmb_per_usd_otherwise:g} to RMB {lim.rmb_per_usd_with_export_services:g} per US$1 "
                           f"(indicative limit {_money(better, 'rmb')}).")
        if capped:
            changes.append(f"The limit is at the {_money(lim.cap_rmb, 'rmb')} cap; more exports will not raise it.")
        summaries = {
            "likely_eligible": f"Likely eligible: your trade record meets every published criterion. Indicative limit {_money(potential, 'rmb')}.",
            "needs_review": "Needs review: your record meets the hard criteria, but some could not be checked or the published schemes do not clearly apply to you.",
            "not_yet_eligible": "Not yet eligible: your trade record does not meet every published criterion yet.",
        }
        return FinancingDecision(
            decision=decision,
            summary=summaries[decision],
            indicative_limit_rmb=0.0 if decision == "not_yet_eligible" else potential,
            limit_basis=basis_text,
            rules=[res for _, res in pairs],
            what_would_change=changes,
        )

    # --- order protection ------------------------------------------------------------------

    def _refund_window(self, data: OrderInput) -> int:
        for rule in self.rules.order_rules:
            if rule.field == "days_since_receipt" and all(c.holds(getattr(data, c.field)) for c in rule.when):
                return int(rule.value)
        return 30

    def check_order(self, data: OrderInput) -> OrderDecision:
        pairs = [(rule, self._evaluate(rule, data)) for rule in self.rules.order_rules]
        pairs = [(rule, res) for rule, res in pairs if res is not None]
        failed = [(rule, res) for rule, res in pairs if res.passed is False]
        if any(rule.on_fail == "not_covered" for rule, _ in failed):
            decision = "not_covered"
        elif failed or any(res.passed is None for _, res in pairs):
            decision = "unclear"
        else:
            decision = "covered"
        reasons = [res for rule, res in failed] if failed else [res for _, res in pairs]

        window = self._refund_window(data)
        if data.days_since_receipt is None:
            refund_deadline = f"no later than {window} days after you confirm receipt"
        else:
            left = window - data.days_since_receipt
            refund_deadline = (f"within {left} more day{'s' if left != 1 else ''} (day {window} after confirmed receipt)"
                               if left >= 0 else f"the {window}-day window has passed")
        steps = [
            NextStep(step=step.text, deadline=step.deadline.format(refund_deadline=refund_deadline), source=step.source)
            for step in self.rules.order_steps
            if decision in step.when and (not step.problems or data.problem.value in step.problems)
        ]
        tier = "" if data.buyer_tier == BuyerTier.standard else f" ({data.buyer_tier.value.replace('_', ' ')} buyer: {window} days)"
        summaries = {
            "covered": f"Covered: on these facts the order is within Trade Assurance protection{tier}.",
            "not_covered": "Not covered: " + " ".join(res.wording for _, res in failed if _.on_fail == "not_covered"),
            "unclear": "Unclear: " + " ".join(res.wording for _, res in failed) if failed else
                       "Unclear: some facts could not be checked.",
        }
        return OrderDecision(decision=decision, summary=summaries[decision], reasons=reasons, next_steps=steps)
