"""Typed inputs and decisions of the eligibility checks.

Inputs reject missing, negative or absurd values with a message that names each field.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DISCLAIMER = (
    "This is an indicative pre-check against published criteria from our documents, not a "
    "credit decision, a claim decision or financial advice. The lender or Alibaba.com decides."
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FinancingInput(Strict):
    country: str = Field(min_length=2, max_length=60, description="Country where the business is registered")
    years_in_business: float = Field(ge=0, le=200, description="Years the business has operated")
    orders_last_6_months: int = Field(ge=0, le=1_000_000, description="Completed on-platform export orders in the last 6 months")
    export_value_last_6_months_usd: float = Field(ge=0, le=10_000_000_000, description="Value of those orders, US$")
    export_value_last_12_months_usd: float = Field(ge=0, le=20_000_000_000, description="Value of on-platform export orders in the last 12 months, US$")
    uses_export_services: bool = Field(description="Exports through the platform's export services (OneTouch)")
    sales_last_12_months_rmb: float | None = Field(default=None, ge=0, le=100_000_000_000, description="Total sales in the last 12 months, RMB (optional)")

    @field_validator("export_value_last_12_months_usd")
    @classmethod
    def _twelve_covers_six(cls, value: float, info) -> float:
        six = info.data.get("export_value_last_6_months_usd")
        if six is not None and value < six:
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
    paid_through_alibaba: bool = Field(description="The order was paid through Alibaba.com checkout")
    payment_method: PaymentMethod = Field(description="How the order was paid")
    problem: Problem = Field(description="What went wrong")
    days_since_receipt: int | None = Field(default=None, ge=0, le=3650, description="Days since you confirmed receipt (empty if not received)")
    buyer_tier: BuyerTier = Field(default=BuyerTier.standard, description="Your buyer membership tier")
    sample_order: bool = Field(default=False, description="The order was a sample order")
    agreed_to_delay: bool = Field(default=False, description="You agreed to a later shipping date")


CHECK_INPUTS: dict[str, type[Strict]] = {"financing": FinancingInput, "order": OrderInput}


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
