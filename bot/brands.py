"""Well-known names from e-commerce, payments, shipping and small-business finance, and topics
traders ask about that trade-rule documents rarely hold (share prices, exchange rates).

Many of them are also English words ("amazon", "stripe", "wish", "square") or are typed in lower
case, so neither the English word list nor a capital letter marks them as names. A question that
names one of them is about that company or service; when our documents never mention it, the
assistant declines by name instead of answering with Alibaba.com passages that share a word
("fees", "refund"). Names our documents do mention (PayPal, Kabbage, Visa) are checked as usual:
the answer must come from a passage that names them.

Add names here as users ask about them (`python -m bot gaps` lists declined questions).
"""

from __future__ import annotations

import re

KNOWN_NAMES = frozenset("""
amazon|amazon fba|fba|amazon seller central|seller central|ebay|etsy|shopify|walmart|temu|shein|wish|aliexpress|taobao
|tmall|1688|jd.com|pinduoduo|lazada|shopee|mercado libre|mercadolibre|rakuten|flipkart|made-in-china
|dhgate|global sources|indiamart|tradeindia|ec21|faire|zalando|allegro|cdiscount|jumia|coupang|tiktok shop|tiktok
|facebook marketplace|facebook|instagram|woocommerce|bigcommerce|wix|squarespace|magento|alibaba cloud|aliyun|youku
|singles day|double 11|dingtalk|trendyol|bol.com|costco|best buy|home depot|ikea
|paypal|stripe|square|transferwise|payoneer|skrill|venmo|zelle|cash app|revolut|klarna|afterpay|affirm|alipay
|wechat pay|wechat|google pay|samsung pay|worldfirst|airwallex|western union|moneygram|remitly|unionpay|jcb
|american express|amex|visa|mastercard|apple pay|sezzle|payeer
|dhl|fedex|ups|usps|tnt|maersk|cosco|msc|cma cgm|hapag-lloyd|flexport|freightos|royal mail|aramex
|sf express|yunexpress|4px|cainiao|yanwen|china post|ems|parcelforce|dpd|gls|purolator|canada post
|sba|sba loan|kabbage|lendingclub|lending club|fundbox|bluevine|ondeck|funding circle|iwoca|hsbc|jpmorgan
|barclays|santander|wells fargo|bank of america|citibank|lloyds|natwest|monzo|starling|mybank|ant group|ant financial
|bitcoin|ethereum|usdt|tether|binance|coinbase|quickbooks|xero|salesforce|hubspot|canva
|thomasnet|kompass|europages|jungle scout|helium 10|keepa|upwork|fiverr|linkedin|whatsapp|youtube|google
""".replace("\n", "").split("|")) - {""}
# Topics, declined by name like companies when the documents never mention them.
KNOWN_TOPICS = frozenset("share price|share prices|stock price|stock prices|stock market|earnings|quarterly results"
                         "|earnings call|market cap|market capitalisation|market capitalization|dividend|dividends"
                         "|exchange rate|exchange rates|income tax|corporate tax|sales tax|minimum wage|work visa"
                         "|business visa|visa application|tariff rate|tariff rates|section 301".split("|"))
KNOWN_NAMES = KNOWN_NAMES | KNOWN_TOPICS
# Names that are everyday words in a trader's sentence ("our target price", "chase the supplier"):
# they count as names only when written with a capital letter.
CAPITALISED_NAMES = frozenset("target|wish|discover|chase|wise|excel|sage|noon|otto|evergreen|hermes|affirm|square"
                              "|perfect money|faire|google".split("|"))


def _pattern(names) -> re.Pattern:
    longest_first = sorted(names, key=len, reverse=True)
    return re.compile(r"(?<![\w.-])(" + "|".join(re.escape(n) for n in longest_first) + r")(?:'s)?(?![\w-])", re.I)


_ANY_CASE = _pattern(KNOWN_NAMES - CAPITALISED_NAMES)
_CAPITALISED = _pattern(CAPITALISED_NAMES)


# Short forms of one company, named as our documents name it ("Amex" is "American Express").
ALIASES = {"amex": "american express", "lendingclub": "lending club", "mercadolibre": "mercado libre"}


def names_in(text: str) -> list[str]:
    """The known names in `text` as lower-case phrases, in order of use (the longest name wins),
    short forms given as the full name."""
    found = [(m.start(), m.group(1).lower()) for m in _ANY_CASE.finditer(text)]
    # ...or in the possessive: "wise's fees" is about the company.
    found += [(m.start(), m.group(1).lower()) for m in _CAPITALISED.finditer(text)
              if m.group(1)[0].isupper() or m.group(0).lower().endswith("'s")]
    return list(dict.fromkeys(ALIASES.get(name, name) for _, name in sorted(found)))
