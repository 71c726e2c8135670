"""Typed inputs and decisions of the eligibility checks.

Inputs reject missing, negative or absurd values with a message that names each field.
Numbers and yes/no answers are strict: `true` is not the number 1 and `"12"` is not 12, since a
caller who sends them has most likely mixed up two fields. `null` is an allowed value for most
fields and means "not sure"; unknowns lead to "needs review", never to a positive result.
"""

from __future__ import annotations

import json
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DISCLAIMER = (
    "This is an indicative pre-check against published criteria from our documents, not a "
    "credit decision, a claim decision or financial advice. The lender or Alibaba.com decides."
)


class Strict(BaseModel):
    # NaN and infinity are never a count, an amount or a number of years.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


class FinancingInput(Strict):
    country: str | None = Field(min_length=2, max_length=60, description="Country where the business is registered")
    years_in_business: float | None = Field(ge=0, le=200, strict=True, description="Years the business has operated")
    orders_last_6_months: int | None = Field(ge=0, le=1_000_000, strict=True, description="Completed on-platform export orders in the last 6 months")
    export_value_last_6_months_usd: float | None = Field(ge=0, le=10_000_000_000, strict=True, description="Value of those orders, US$")
    export_value_last_12_months_usd: float | None = Field(ge=0, le=20_000_000_000, strict=True, description="Value of on-platform export orders in the last 12 months, US$")
    uses_export_services: bool | None = Field(strict=True, description="Exports through the platform's export services (OneTouch)")
    sales_last_12_months_rmb: float | None = Field(default=None, ge=0, le=100_000_000_000, strict=True, description="Total sales in the last 12 months, RMB")

    @field_validator("export_value_last_12_months_usd")
    @classmethod
    def _twelve_covers_six(cls, value: float | None, info) -> float | None:
        six = info.data.get("export_value_last_6_months_usd")
        if six is not None and value is not None and value < six:
            raise ValueError("must be at least the 6-month value, since 12 months include those 6")
        return value


class PaymentMethod(str, Enum):
    tt = "tt"  # bank wire to the account shown on the order
    card = "card"
    online_bank_payment = "online_bank_payment"
    western_union = "western_union"
    apple_pay = "apple_pay"
    boleto = "boleto"
    pay_later = "pay_later"
    payment_terms = "payment_terms"
    paypal = "paypal"
    direct_to_supplier = "direct_to_supplier"  # paid outside Alibaba.com


class Problem(str, Enum):
    late_shipment = "late_shipment"
    quality_not_as_contracted = "quality_not_as_contracted"
    quantity_short = "quantity_short"
    damaged_in_transit = "damaged_in_transit"
    never_arrived = "never_arrived"
    changed_mind = "changed_mind"
    after_sales = "after_sales"
    customs_costs = "customs_costs"


class BuyerTier(str, Enum):
    standard = "standard"
    enterprise = "enterprise"
    enterprise_pro = "enterprise_pro"


class OrderInput(Strict):
    paid_through_alibaba: bool | None = Field(strict=True, description="The order was paid through Alibaba.com checkout")
    payment_method: PaymentMethod | None = Field(description="How the order was paid")
    problem: Problem | None = Field(description="What went wrong")
    days_since_receipt: int | None = Field(default=None, ge=0, le=3650, strict=True, description="Days since you confirmed receipt (null or left out: not received yet)")
    buyer_tier: BuyerTier | None = Field(default=BuyerTier.standard, description="Your buyer membership tier")
    sample_order: bool | None = Field(default=False, strict=True, description="The order was a sample order")
    agreed_to_delay: bool | None = Field(default=False, strict=True, description="You agreed to a later shipping date")


CHECK_INPUTS: dict[str, type[Strict]] = {"financing": FinancingInput, "order": OrderInput}

# What people read instead of the codes above.
LABELS = {
    "tt": "bank wire (T/T)", "card": "card", "online_bank_payment": "online bank payment",
    "western_union": "Western Union", "apple_pay": "Apple Pay", "boleto": "Boleto", "pay_later": "Pay Later",
    "payment_terms": "Payment Terms", "paypal": "PayPal", "direct_to_supplier": "paid the supplier directly",
    "late_shipment": "shipped late", "quality_not_as_contracted": "quality not as contracted",
    "quantity_short": "quantity short", "damaged_in_transit": "damaged in transit", "never_arrived": "never arrived",
    "changed_mind": "changed my mind", "after_sales": "after-sales service", "customs_costs": "customs or port costs",
    "standard": "Standard", "enterprise": "Enterprise", "enterprise_pro": "Enterprise Pro",
}


def label(value) -> str:
    value = getattr(value, "value", value)
    return LABELS.get(value, str(value)) if isinstance(value, str) else str(value)


def field_reference() -> list[tuple[str, str, str, str]]:
    """(check, field, allowed values, meaning) for every input: the README and --help print it."""
    rows = []
    for check, model in CHECK_INPUTS.items():
        for name, info in model.model_fields.items():
            annotation = info.annotation
            args = [a for a in getattr(annotation, "__args__", (annotation,)) if a is not type(None)]
            kind = args[0]
            if isinstance(kind, type) and issubclass(kind, Enum):
                allowed = " | ".join(f'"{m.value}"' for m in kind)
            else:
                allowed = {bool: "true | false", int: "whole number", float: "number", str: "text"}[kind]
                bounds = [m for m in info.metadata if hasattr(m, "ge") or hasattr(m, "le") or hasattr(m, "max_length")]
                limits = [f">= {m.ge:,}" for m in bounds if getattr(m, "ge", None) is not None]
                limits += [f"<= {m.le:,}" for m in bounds if getattr(m, "le", None) is not None]
                limits += [f"2-{m.max_length} characters" for m in bounds if getattr(m, "max_length", None) is not None]
                allowed += f" ({', '.join(limits)})" if limits else ""
            if type(None) in getattr(annotation, "__args__", ()):
                allowed += " | null (not sure)" if name != "days_since_receipt" else " | null (not received yet)"
            default = "" if info.is_required() else f"; optional, default {json.dumps(getattr(info.default, 'value', info.default))}"
            rows.append((check, name, allowed, f"{info.description}{default}"))
    return rows


def field_errors(error: ValidationError) -> dict[str, str]:
    """One plain message per field: {"years_in_business": "must be at least 0"}."""
    messages: dict[str, str] = {}
    for item in error.errors():
        name = ".".join(str(p) for p in item["loc"]) or "input"
        text = item["msg"]
        if item["type"] == "missing":
            text = "is required"
        elif item["type"] == "extra_forbidden":
            text = "is not a field of this check"
        elif item["type"] in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
            text = text.replace("Input should be", "must be")
        elif item["type"] == "finite_number":
            text = "must be a finite number (not NaN or infinity)"
        elif item["type"] in {"float_type", "int_type", "bool_type", "string_type", "enum"}:
            text = text.replace("Input should be", "must be") + f" (got {type(item['input']).__name__} {item['input']!r:.40})"
        elif item["type"] == "string_too_long":
            text = "is too long: " + text.replace("String should have", "at most").replace(" characters", " characters")
        messages.setdefault(name, text.replace("Value error, ", ""))
    return messages


class RuleResult(BaseModel):
    rule: str
    passed: bool | None  # None: not checked (input missing, or the rule does not apply)
    wording: str
    detail: str
    source: str  # knowledge document id
    source_title: str = ""


class FinancingDecision(BaseModel):
    decision: str  # likely_eligible | not_yet_eligible | needs_review
    summary: str
    indicative_limit_rmb: float
    limit_basis: str
    rules: list[RuleResult]
    what_would_change: list[str]
    disclaimer: str = DISCLAIMER


class NextStep(BaseModel):
    step: str
    deadline: str
    source: str


class OrderDecision(BaseModel):
    decision: str  # covered | not_covered | unclear
    summary: str
    reasons: list[RuleResult]
    next_steps: list[NextStep]
    disclaimer: str = DISCLAIMER
