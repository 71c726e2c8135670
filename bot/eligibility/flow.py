"""A guided eligibility check, one question at a time, for any chat front end.

The flow's whole state is a small JSON-serialisable dict, so a front end can persist it and
resume a half-finished check after a restart. Facts the user's first message states plainly
("3 years in business", "paid by card", "arrived damaged") are pre-filled and not asked again.
With a checker that offers `settled`/`relevant`, the flow stops as soon as the outcome is
decided and skips questions whose answer cannot change it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import ValidationError

from bot.eligibility.intent import detect_intent, offer_text, suggest_check
from bot.eligibility.models import CHECK_INPUTS, LABELS, field_errors
from bot.eligibility.replies import (
    ReplyError,
    is_not_received,
    is_unsure,
    looks_like_question,
    parse_amount,
    parse_yes_no,
)

__all__ = ["EligibilityFlow", "Question", "Reply", "detect_intent", "offer_text", "prefill", "suggest_check"]


@dataclass(frozen=True)
class Question:
    field: str
    prompt: str
    kind: str  # number | integer | yesno | choice | text | days
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    unit: str = ""  # years | days: "18 months" or "two weeks" are converted


def _choices(*values: str, **labels: str) -> tuple[tuple[str, str], ...]:
    return tuple((v, labels.get(v, LABELS[v][:1].upper() + LABELS[v][1:])) for v in values)


FINANCING_QUESTIONS = (
    Question("country", "In which country is your business registered?", "text"),
    Question("years_in_business", "How many years has your business been operating?", "number", unit="years"),
    Question("orders_last_6_months", "How many on-platform export orders did you complete in the last 6 months?", "integer"),
    Question("export_value_last_6_months_usd", "What were those orders worth in total, in US$?", "number"),
    Question("export_value_last_12_months_usd", "And your on-platform export value over the last 12 months, in US$?", "number"),
    Question("sales_last_12_months_rmb", "What were your total sales over the last 12 months, in RMB?", "number"),
    Question("uses_export_services", "Do you export through the platform's export services (OneTouch)?", "yesno",
             (("yes", "Yes"), ("no", "No"))),
)
ORDER_QUESTIONS = (
    Question("paid_through_alibaba", "Did you pay through Alibaba.com's checkout (not to the supplier directly)?", "yesno",
             (("yes", "Yes"), ("no", "No, paid the supplier directly"))),
    Question("payment_method", "How did you pay?", "choice", _choices(
        "card", "tt", "online_bank_payment", "apple_pay", "western_union", "pay_later", "payment_terms", "paypal",
        "direct_to_supplier", tt="Bank wire (T/T)", direct_to_supplier="Directly to the supplier")),
    Question("problem", "What went wrong?", "choice", _choices(
        "late_shipment", "quality_not_as_contracted", "quantity_short", "damaged_in_transit", "never_arrived",
        "changed_mind", "after_sales", "customs_costs", changed_mind="I changed my mind")),
    Question("days_since_receipt", "How many days ago did you confirm receipt of the goods? (type 'not yet' if they have not arrived)",
             "days", unit="days"),
    Question("buyer_tier", "Which buyer tier are you?", "choice", _choices("standard", "enterprise", "enterprise_pro")),
    Question("sample_order", "Was it a sample order?", "yesno", (("yes", "Yes"), ("no", "No"))),
    Question("agreed_to_delay", "Did you agree to a later shipping date?", "yesno", (("yes", "Yes"), ("no", "No"))),
)
QUESTIONS = {"financing": FINANCING_QUESTIONS, "order": ORDER_QUESTIONS}
_CHOICE_ALIASES = {"t/t": "tt", "wire": "tt", "bank wire": "tt", "bank transfer": "tt", "credit card": "card",
                   "debit card": "card", "visa": "card", "mastercard": "card", "directly": "direct_to_supplier",
                   "enterprise pro": "enterprise_pro", "late": "late_shipment", "damaged": "damaged_in_transit",
                   "lost": "never_arrived", "quality": "quality_not_as_contracted", "short": "quantity_short"}


@dataclass(frozen=True)
class Reply:
    """What became of a typed reply: accepted, to be asked again (`message` says how), or an
    aside: a question for the assistant, to answer before returning to the same step."""

    accepted: bool
    message: str = ""
    aside: bool = False


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
    def __init__(self, kind: str, answers: dict | None = None, checker=None):
        if kind not in QUESTIONS:
            raise ValueError(f"unknown check {kind!r}")
        self.kind = kind
        self.answers = dict(answers or {})
        self.checker = checker

    @classmethod
    def start(cls, kind: str, message: str = "", checker=None) -> EligibilityFlow:
        return cls(kind, prefill(kind, message), checker)

    @classmethod
    def from_state(cls, state: dict, checker=None) -> EligibilityFlow:
        return cls(state["kind"], state.get("answers"), checker)

    def state(self) -> dict:
        return {"kind": self.kind, "answers": dict(self.answers)}

    def _matters(self, name: str) -> bool:
        relevant = getattr(self.checker, "relevant", None)
        return relevant is None or relevant(self.kind, name, self.answers)

    def next_question(self) -> Question | None:
        settled = getattr(self.checker, "settled", None)
        if settled is not None and settled(self.kind, self.answers):
            return None  # an answer already decides the outcome
        for question in QUESTIONS[self.kind]:
            if question.field not in self.answers and self._matters(question.field):
                return question
        return None

    def answer(self, text: str) -> Reply:
        """Record the reply to the current question, or say why it was not taken."""
        question = self.next_question()
        if question is None:
            return Reply(True)
        text = text.strip()
        if question.kind == "text" and looks_like_question(text):
            return Reply(False, aside=True)
        try:
            value = _parse(question, text)
        except ReplyError as exc:
            if looks_like_question(text):
                return Reply(False, aside=True)
            return Reply(False, f"{exc} {question.prompt}")
        trial = {**self.answers, question.field: value}
        try:
            self._validate(trial)
        except ValidationError as exc:
            problem = field_errors(exc).get(question.field)
            if problem:
                return Reply(False, f"That answer {problem}. {question.prompt}")
        self.answers[question.field] = value
        return Reply(True)

    def _validate(self, answers: dict):
        model = CHECK_INPUTS[self.kind]
        # Questions not asked (skipped, or the check stopped early) count as not known.
        unasked = {name: None for name, info in model.model_fields.items() if info.is_required() and name not in answers}
        return model.model_validate({**unasked, **answers})

    def build(self):
        """The validated input; raises ValidationError (see field_errors) if something is off."""
        return self._validate(self.answers)


def _parse(question: Question, text: str):
    low = text.lower().rstrip(".!")
    if not low:
        raise ReplyError("Please type an answer (or 'not sure').")
    if question.kind == "days" and is_not_received(low):
        return None  # not received yet
    if is_unsure(low):
        if question.kind == "days":
            raise ReplyError("The date you confirmed receipt is on the order page; please give your best estimate in days.")
        return None
    if question.kind == "yesno":
        return parse_yes_no(low)
    if question.kind == "choice":
        for value, label in question.choices:
            if low in {value, label.lower(), LABELS.get(value, "").lower()}:
                return value
        alias = next((v for k, v in _CHOICE_ALIASES.items() if re.search(rf"\b{re.escape(k)}\b", low)), None)
        if alias and alias in {v for v, _ in question.choices}:
            return alias
        raise ReplyError("Please pick one of: " + ", ".join(label for _, label in question.choices) + ".")
    if question.kind in {"number", "integer", "days"}:
        number = parse_amount(text, question.unit)
        if question.kind in {"integer", "days"}:
            if question.kind == "integer" and number != int(number):
                raise ReplyError("Please answer with a whole number.")
            return int(round(number))
        return number
    if len(text) > 60:
        raise ReplyError("Please type just the country name, for example China.")
    return text
