"""Plain-text rendering of eligibility decisions (console; Telegram escapes the same text)."""

from __future__ import annotations

from bot.eligibility.models import FinancingDecision, OrderDecision, RuleResult

_MARK = {True: "✓", False: "✗", None: "?"}


def _rule_line(result: RuleResult) -> str:
    return f"{_MARK[result.passed]} {result.wording} ({result.detail}) [source: {result.source_title or result.source}]"


def format_financing(decision: FinancingDecision) -> str:
    lines = [decision.summary]
    if decision.indicative_limit_rmb:
        lines.append(f"Indicative limit: RMB {decision.indicative_limit_rmb:,.0f} ({decision.limit_basis}).")
    lines.append("")
    lines.append("Criteria:")
    lines += [f"  {_rule_line(r)}" for r in decision.rules]
    if decision.what_would_change:
        lines.append("")
        lines.append("What would change the outcome:")
        lines += [f"  - {c}" for c in decision.what_would_change]
    lines += ["", decision.disclaimer]
    return "\n".join(lines)


def format_order(decision: OrderDecision) -> str:
    lines = [decision.summary, "", "Why:"]
    lines += [f"  {_rule_line(r)}" for r in decision.reasons]
    if decision.next_steps:
        lines.append("")
        lines.append("Next steps:")
        lines += [f"  {i}. {s.step} Deadline: {s.deadline}." for i, s in enumerate(decision.next_steps, start=1)]
    lines += ["", decision.disclaimer]
    return "\n".join(lines)


def format_decision(decision) -> str:
    return format_financing(decision) if isinstance(decision, FinancingDecision) else format_order(decision)
