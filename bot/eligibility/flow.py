"""A guided eligibility check, one question at a time, for any chat front end.

The flow's whole state is a small JSON-serialisable dict, so a front end can persist it and
resume a half-finished check after a restart. Facts the user's first message states plainly
("3 years in business", "paid by card", "arrived damaged") are pre-filled and not asked again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import ValidationError

from bot.eligibility.models import CHECK_INPUTS, field_errors
_YES = {"yes", "y", "yeah", "yep", "true", "1", "sure", "correct", "i do", "we do"}
_NO = {"no", "n", "nope", "false", "0", "not", "don't", "do not", "we don't"}
_NOT_YET = {"not yet", "no", "not received", "n/a", "-", "none", "haven't", "not arrived"}


@dataclass(frozen=True)
class Question:
    field: str
    prompt: str
    kind: str  # number | integer | yesno | choice | text | days
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)


FINANCING_QUESTIONS = (
    Question("country", "In which country is your business registered?", "text"),
    Question("years_in_business", "How many years has your business been operating?", "number"),
    Question("orders_last_6_months", "How many on-platform export orders did you complete in the last 6 months?", "integer"),
    Question("export_value_last_6_months_usd", "What were those orders worth in total, in US$?", "number"),
    Question("export_value_last_12_months_usd", "And your on-platform export value over the last 12 months, in US$?", "number"),
    Question("uses_export_services", "Do you export through the platform's export services (OneTouch)?", "yesno",
             (("yes", "Yes"), ("no", "No"))),
)
ORDER_QUESTIONS = (
    Question("paid_through_alibaba", "Did you pay through Alibaba.com's checkout (not to the supplier directly)?", "yesno",
             (("yes", "Yes"), ("no", "No, paid the supplier directly"))),
    Question("payment_method", "How did you pay?", "choice", (
        ("card", "Card"), ("tt", "Bank wire (T/T)"), ("online_bank_payment", "Online bank payment"),
        ("apple_pay", "Apple Pay"), ("western_union", "Western Union"), ("pay_later", "Pay Later"),
        ("payment_terms", "Payment Terms"), ("paypal", "PayPal"), ("direct_to_supplier", "Directly to the supplier"))),
    Question("problem", "What went wrong?", "choice", (
        ("late_shipment", "Shipped late"), ("quality_not_as_contracted", "Quality not as contracted"),
        ("quantity_short", "Quantity short"), ("damaged_in_transit", "Damaged in transit"),
        ("never_arrived", "Never arrived"), ("changed_mind", "I changed my mind"),
        ("after_sales", "After-sales service"), ("customs_costs", "Customs or port costs"))),
    Question("days_since_receipt", "How many days ago did you confirm receipt of the goods? (type 'not yet' if they have not arrived)", "days"),
    Question("buyer_tier", "Which buyer tier are you?", "choice",
             (("standard", "Standard"), ("enterprise", "Enterprise"), ("enterprise_pro", "Enterprise Pro"))),
    Question("sample_order", "Was it a sample order?", "yesno", (("yes", "Yes"), ("no", "No"))),
    Question("agreed_to_delay", "Did you agree to a later shipping date?", "yesno", (("yes", "Yes"), ("no", "No"))),
)
QUESTIONS = {"financing": FINANCING_QUESTIONS, "order": ORDER_QUESTIONS}

_FINANCING_INTENT = re.compile(
    r"\b(can|could|would|will|do|am|are|may)\s+(i|we)\b.*\b(loan|loans|financ\w*|credit|borrow\w*|qualif\w*|eligib\w*)\b"
    r"|\b(am i|are we)\s+eligible\b|\bmy trade (record|data|history)\b.*\b(loan|financ\w*|credit)\b", re.I)
_ORDER_INTENT = re.compile(
    r"\b(is|are)\s+my\s+(order|goods|purchase|shipment|payment)s?\b.*\b(protected|covered|eligible)\b"
    r"|\b(am|are)\s+(i|we)\s+(still\s+)?(protected|covered)\b"
    r"|\bcan\s+(i|we)\s+(get|claim)\s+(a\s+)?refund\b", re.I)


_INFORMATIONAL = re.compile(r"(how|what|when|which|why|where|who)\b", re.I)


def detect_intent(text: str) -> str | None:
    """'financing' or 'order' when the user asks whether they qualify; None for plain questions."""
    if _ORDER_INTENT.search(text):
        return "order"
    # "How do I qualify for the 2014 loans?" asks about a scheme, not about the user's case.
    if _FINANCING_INTENT.search(text) and not _INFORMATIONAL.match(text.strip()):
        return "financing"
    return None


def prefill(kind: str, text: str) -> dict:
    """Facts the message states plainly; anything doubtful is left for a question."""
    t = text.lower()
    found: dict = {}
    if kind == "financing":
        if m := re.search(r"(\d+(?:\.\d+)?)\s*(?:years?|yrs?)\b", t):
            found["years_in_business"] = float(m.group(1))
        if re.search(r"\b(china|chinese|shenzhen|guangzhou|zhejiang|shanghai)\b", t):
            found["country"] = "China"
        elif m := re.search(r"\b(?:in|from|based in)\s+(the\s+)?(uk|us|usa|germany|india|france|italy|spain|vietnam|brazil|canada|australia|mexico|turkey)\b", t):
            found["country"] = m.group(2).upper() if len(m.group(2)) <= 3 else m.group(2).title()
        if re.search(r"\b(onetouch|one touch|export services?)\b", t):
            found["uses_export_services"] = not re.search(
                r"\b(no|don't|do not|not|never|without)\s+(use\s+|using\s+)?(onetouch|one touch|export services?)", t)
    else:
        if re.search(r"\b(paid|pay|paying)\b.*\b(directly|outside alibaba|off[- ]platform)\b|\bdirectly to (the )?supplier\b", t):
            found.update(paid_through_alibaba=False, payment_method="direct_to_supplier")
        elif re.search(r"\b(credit card|debit card|card|visa|mastercard)\b", t):
            found.update(paid_through_alibaba=True, payment_method="card")
        elif re.search(r"\b(t/t|wire|bank transfer)\b", t):
            found["payment_method"] = "tt"
        elif re.search(r"\bapple pay\b", t):
            found["payment_method"] = "apple_pay"
        problems = [
            ("damaged_in_transit", r"damaged (in|during) (transit|shipping)|arrived (damaged|broken)"),
            ("never_arrived", r"never (arrived|came)|lost in (transit|shipping)"),
            ("late_shipment", r"\b(late|delayed|not (yet )?shipped|hasn't shipped)\b"),
            ("quality_not_as_contracted", r"\b(quality|defect\w*|wrong material|not as (described|contracted)|faulty)\b"),
            ("quantity_short", r"\b(short|missing items|fewer)\b"),
            ("changed_mind", r"changed? my mind|don't want"),
            ("customs_costs", r"\b(customs|import duty|port charges?)\b"),
            ("after_sales", r"after[- ]sales"),
        ]
        for value, pattern in problems:
            if re.search(pattern, t):
                found["problem"] = value
                break
        received = re.search(r"\b(received|arrived|got (it|them|the goods)|delivered)\b[^.?!]{0,30}?\b(\d+)\s+days?\s+ago", t)
        if received:
            found["days_since_receipt"] = int(received.group(3))
        if "enterprise pro" in t:
            found["buyer_tier"] = "enterprise_pro"
        elif "enterprise" in t:
            found["buyer_tier"] = "enterprise"
        if re.search(r"\bsamples?\b", t):
            found["sample_order"] = True
    return found


class EligibilityFlow:
    def __init__(self, kind: str, answers: dict | None = None):
        if kind not in QUESTIONS:
            raise ValueError(f"unknown check {kind!r}")
        self.kind = kind
        self.answers = dict(answers or {})

    @classmethod
    def start(cls, kind: str, message: str = "") -> EligibilityFlow:
        return cls(kind, prefill(kind, message))

    @classmethod
    def from_state(cls, state: dict) -> EligibilityFlow:
        return cls(state["kind"], state.get("answers"))

    def state(self) -> dict:
        return {"kind": self.kind, "answers": dict(self.answers)}

    def next_question(self) -> Question | None:
        for question in QUESTIONS[self.kind]:
            if question.field not in self.answers:
                return question
        return None

    def answer(self, text: str) -> str | None:
        """Record the answer to the current question; return a re-ask message if it is not valid."""
        question = self.next_question()
        if question is None:
            return None
        try:
            value = _parse(question, text.strip())
        except ValueError as exc:
            return f"{exc} {question.prompt}"
        trial = {**self.answers, question.field: value}
        try:
            CHECK_INPUTS[self.kind].model_validate(trial)
        except ValidationError as exc:
            problem = field_errors(exc).get(question.field)
            if problem:
                return f"That answer {problem}. {question.prompt}"
        self.answers[question.field] = value
        return None

    def build(self):
        """The validated input; raises ValidationError (see field_errors) if something is off."""
        return CHECK_INPUTS[self.kind].model_validate(self.answers)


def _parse(question: Question, text: str):
    low = text.lower().rstrip(".!")
    if question.kind == "yesno":
        if low in _YES or low.startswith("yes"):
            return True
        if low in _NO or low.startswith("no"):
            return False
        raise ValueError("Please answer yes or no.")
    if question.kind == "choice":
        for value, label in question.choices:
            if low in {value, label.lower()}:
                return value
        raise ValueError("Please pick one of: " + ", ".join(label for _, label in question.choices) + ".")
    if question.kind == "days" and (low in _NOT_YET or low.startswith("not")):
        return None
    if question.kind in {"number", "integer", "days"}:
        cleaned = re.sub(r"(?i)us\$|\$|rmb|usd|,|\s", "", text)
        multiplier = 1
        if m := re.fullmatch(r"(?i)([\d.]+)(k|m|million|thousand)", cleaned):
            cleaned, unit = m.group(1), m.group(2).lower()
            multiplier = 1_000 if unit in {"k", "thousand"} else 1_000_000
        try:
            number = float(cleaned) * multiplier
        except ValueError:
            raise ValueError("Please answer with a number.") from None
        if question.kind in {"integer", "days"}:
            if number != int(number):
                raise ValueError("Please answer with a whole number.")
            return int(number)
        return number
    if not text:
        raise ValueError("Please type an answer.")
    return text
