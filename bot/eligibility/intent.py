"""Whether a message asks for a guided check, or is a question to answer (perhaps offering one).

A check starts only on a clear request about the user's own case: "check if I qualify", "can we
get a loan from our trade record?", "is my order covered?". A question about a product or a
scheme ("Can I still sign up for Pay Later today?", "How did Aliloans work?") is answered from
the documents; when it touches financing or protection the front end offers the check after it.
"""

from __future__ import annotations

import re

_FINANCING_WORDS = r"(loan|loans|financ\w*|credit|borrow\w*|qualif\w*|eligib\w*)"
_FINANCING_INTENT = re.compile(
    rf"\b(can|could|would|will|do|am|are|may)\s+(i|we)\b.*\b{_FINANCING_WORDS}\b"
    r"|\b(am i|are we)\s+eligible\b|\bmy trade (record|data|history)\b.*\b(loan|financ\w*|credit)\b"
    r"|\b(check|see|find out)\s+(if|whether)\s+(i|we)\b", re.I)
_ORDER_INTENT = re.compile(
    r"\b(is|are)\s+my\s+(order|goods|purchase|shipment|payment)s?\b.*\b(protected|covered|eligible)\b"
    r"|\b(am|are)\s+(i|we)\s+(still\s+)?(protected|covered)\b"
    r"|\bcan\s+(i|we)\s+(get|claim)\s+(a\s+)?refund\b"
    r"|\b(check|see|find out)\s+(if|whether)\s+my\s+(order|goods|purchase|shipment)\b", re.I)
_ORDER_WORDS = re.compile(r"\b(order|goods|purchase|shipment|refund|protected|covered|dispute)\b", re.I)
# Named products and schemes, and words about today's availability: a question about those is
# about the product, and the check (built on 2012-2014 criteria) would not answer it.
_ABOUT_A_PRODUCT = re.compile(
    r"\b(pay later|payment terms|e-?credit line|kabbage|lending club|mybank|310|aliloans?|ali-loans?|e-loans?|"
    r"seven[- ]bank|onetouch loans?|star plan|sign(ing)? up|still|today|any ?more|currently|right now|these days)\b", re.I)
_INFORMATIONAL = re.compile(r"(how|what|when|which|why|where|who)\b", re.I)
_TOPIC_FINANCING = re.compile(rf"\b{_FINANCING_WORDS}\b|\b(pay later|payment terms|mybank|aliloans?)\b", re.I)
_TOPIC_ORDER = re.compile(r"\b(protected|protection|covered|refund\w*|dispute\w*)\b", re.I)


def detect_intent(text: str) -> str | None:
    """'financing' or 'order' when the user clearly asks to check their own case; else None."""
    text = text.strip()
    if _ORDER_INTENT.search(text):
        return "order"
    if _FINANCING_INTENT.search(text) and not _INFORMATIONAL.match(text) and not _ABOUT_A_PRODUCT.search(text):
        # "check if we qualify" with order words is about an order.
        return "order" if re.search(r"\b(check|see|find out)\b", text, re.I) and _ORDER_WORDS.search(text) else "financing"
    return None


def suggest_check(text: str) -> str | None:
    """The check worth offering after answering a question that touches financing or protection."""
    if detect_intent(text):
        return None
    if _TOPIC_FINANCING.search(text):
        return "financing"
    if _TOPIC_ORDER.search(text):
        return "order"
    return None


def offer_text(kind: str) -> str:
    what = "whether your business might qualify for trade-data financing" if kind == "financing" else \
        "whether your own order is protected"
    return f"Want to check {what}? Send /eligibility {kind}."
