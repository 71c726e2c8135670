"""The eligibility rules file (knowledge/eligibility.toml): parsing and validation.

Thresholds live in data so admins change them without touching code. A file that does not
validate is refused as a whole, with a message naming the rule and the problem.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import Any

from bot.eligibility.models import CHECK_INPUTS, FinancingInput

OPS = {">=", ">", "<=", "<", "==", "!=", "in", "not_in", "is_true", "is_false"}
NUMERIC_OPS = {">=", ">", "<=", "<"}
IF_MISSING = {"pass", "skip", "review"}
OUTCOMES = {"financing": {"not_yet", "review"}, "order": {"not_covered", "unclear"}}


class RulesError(ValueError):
    pass


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any = None

    def holds(self, actual: Any) -> bool:
        if isinstance(actual, str) and not isinstance(self.value, (int, float)):
            actual = actual.lower()
        match self.op:
            case ">=":
                return actual >= self.value
            case ">":
                return actual > self.value
            case "<=":
                return actual <= self.value
            case "<":
                return actual < self.value
            case "==":
                return actual == self.value
            case "!=":
                return actual != self.value
            case "in":
                return actual in self.value
            case "not_in":
                return actual not in self.value
            case "is_true":
                return actual is True
            case "is_false":
                return actual is False
        raise RulesError(f"unknown operator {self.op}")

    def describe(self) -> str:
        return {"is_true": "yes", "is_false": "no"}.get(self.op, f"{self.op} {self.value}")


@dataclass(frozen=True)
class Rule(Condition):
    id: str = ""
    on_fail: str = ""
    wording: str = ""
    source: str = ""
    advice: str = ""
    if_missing: str = "review"
    when: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Step:
    id: str
    when: tuple[str, ...]
    text: str
    deadline: str
    source: str
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class FinancingLimit:
    basis_field: str
    rmb_per_usd_with_export_services: float
    rmb_per_usd_otherwise: float
    cap_rmb: float
    source: str


@dataclass(frozen=True)
class Rules:
    financing_rules: tuple[Rule, ...]
    financing_limit: FinancingLimit
    order_rules: tuple[Rule, ...]
    order_steps: tuple[Step, ...] = field(default=())
    # Whose criteria and of when, for the headline of every result ("Under the ... criteria, ...").
    financing_era: str = "the published criteria of the schemes in our documents"
    order_era: str = "the Trade Assurance rules in our documents"

    def sources(self) -> set[str]:
        docs = {r.source for r in self.financing_rules + self.order_rules} | {s.source for s in self.order_steps}
        return docs | {self.financing_limit.source}


def _require(table: dict, key: str, where: str, kind: type | tuple = str) -> Any:
    if key not in table:
        raise RulesError(f"{where}: '{key}' is missing")
    value = table[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, float, (int, float))):
        raise RulesError(f"{where}: '{key}' has the wrong type ({type(value).__name__})")
    if isinstance(value, str) and not value.strip():
        raise RulesError(f"{where}: '{key}' is empty")
    return value


def _condition(raw: dict, check: str, where: str) -> Condition:
    name = _require(raw, "field", where)
    if name not in CHECK_INPUTS[check].model_fields:
        raise RulesError(f"{where}: field '{name}' is not an input of the {check} check")
    op = _require(raw, "op", where)
    if op not in OPS:
        raise RulesError(f"{where}: operator '{op}' is not one of {sorted(OPS)}")
    value = raw.get("value")
    if op in NUMERIC_OPS and (not isinstance(value, (int, float)) or isinstance(value, bool)):
        raise RulesError(f"{where}: operator '{op}' needs a numeric 'value'")
    if op in NUMERIC_OPS and value < 0:
        raise RulesError(f"{where}: threshold {value} cannot be negative")
    if op in {"in", "not_in"} and not (isinstance(value, list) and value):
        raise RulesError(f"{where}: operator '{op}' needs a non-empty list 'value'")
    if op in {"==", "!="} and value is None:
        raise RulesError(f"{where}: operator '{op}' needs a 'value'")
    if isinstance(value, list):
        value = tuple(v.lower() if isinstance(v, str) else v for v in value)
    return Condition(name, op, value)


def _rules(raw_rules: Any, check: str) -> tuple[Rule, ...]:
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RulesError(f"[{check}] needs at least one [[{check}.rules]] entry")
    seen: set[str] = set()
    rules = []
    for index, raw in enumerate(raw_rules, start=1):
        where = f"{check} rule {raw.get('id', f'#{index}')}"
        rule_id = _require(raw, "id", where)
        if rule_id in seen:
            raise RulesError(f"{where}: duplicate id")
        seen.add(rule_id)
        cond = _condition(raw, check, where)
        on_fail = _require(raw, "on_fail", where)
        if on_fail not in OUTCOMES[check]:
            raise RulesError(f"{where}: on_fail '{on_fail}' is not one of {sorted(OUTCOMES[check])}")
        if_missing = raw.get("if_missing", "review")
        if if_missing not in IF_MISSING:
            raise RulesError(f"{where}: if_missing '{if_missing}' is not one of {sorted(IF_MISSING)}")
        when = tuple(_condition(c, check, f"{where} (when)") for c in raw.get("when", []))
        rules.append(Rule(cond.field, cond.op, cond.value, id=rule_id, on_fail=on_fail,
                          wording=_require(raw, "wording", where), source=_require(raw, "source", where),
                          advice=raw.get("advice", ""), if_missing=if_missing, when=when))
    return tuple(rules)


def parse_rules(text: str, known_documents: set[str] | None = None) -> Rules:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"not valid TOML ({exc})") from exc
    if data.get("schema") != 1:
        raise RulesError("'schema = 1' is missing or unsupported")
    financing = _require(data, "financing", "file", dict)
    order = _require(data, "order", "file", dict)
    raw_limit = _require(financing, "limit", "[financing]", dict)
    number = (int, float)
    limit = FinancingLimit(
        basis_field=_require(raw_limit, "basis_field", "[financing.limit]"),
        rmb_per_usd_with_export_services=float(_require(raw_limit, "rmb_per_usd_with_export_services", "[financing.limit]", number)),
        rmb_per_usd_otherwise=float(_require(raw_limit, "rmb_per_usd_otherwise", "[financing.limit]", number)),
        cap_rmb=float(_require(raw_limit, "cap_rmb", "[financing.limit]", number)),
        source=_require(raw_limit, "source", "[financing.limit]"),
    )
    if limit.basis_field not in FinancingInput.model_fields:
        raise RulesError(f"[financing.limit]: basis_field '{limit.basis_field}' is not a financing input")
    if min(limit.rmb_per_usd_with_export_services, limit.rmb_per_usd_otherwise, limit.cap_rmb) < 0:
        raise RulesError("[financing.limit]: rates and cap cannot be negative")
    steps = []
    for index, raw in enumerate(order.get("steps", []), start=1):
        where = f"order step {raw.get('id', f'#{index}')}"
        when = tuple(raw.get("when", []))
        if not when or not set(when) <= {"covered", "not_covered", "unclear"}:
            raise RulesError(f"{where}: 'when' must list covered, not_covered and/or unclear")
        steps.append(Step(_require(raw, "id", where), when, _require(raw, "text", where),
                          _require(raw, "deadline", where), _require(raw, "source", where), tuple(raw.get("problems", []))))
    eras = {}
    for name, table in (("financing", financing), ("order", order)):
        if "era" in table:
            eras[f"{name}_era"] = _require(table, "era", f"[{name}]")
    rules = Rules(_rules(financing.get("rules"), "financing"), limit, _rules(order.get("rules"), "order"), tuple(steps), **eras)
    if known_documents is not None:
        missing = sorted(rules.sources() - known_documents)
        if missing:
            raise RulesError(f"rules cite documents that are not in the knowledge folder: {', '.join(missing)}")
    return rules
