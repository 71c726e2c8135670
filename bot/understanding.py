"""Query understanding: what a message asks, before anything is searched.

People write the way they type on a phone: a paragraph of story around one question, typos,
their own words for our terms, sometimes another language. From the message this module
works out:
- the language (other languages get a notice in that language, see `bot.language`);
- the focus: the question inside a long message, with the sentence before it when the
  question leans on it ("...the supplier does not reply. What can we do?"); and, to search with
  when the question alone matches nothing, the story sentence that names its topic ("...that
  Easy Return badge. [...] Will my order qualify?");
- the corrected text (typos fixed) that the gate and the search both see;
- the search text: the corrected text plus glossary synonyms (wire -> T/T -> bank transfer);
- the intent (exclusion, cost, time, procedure, eligibility, who, why, comparison, definition)
  and the audience (buyer or seller), which steer how the answer is composed;
- a glossary entry when the message asks what a term means ("what is T/T?").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.glossary import Glossary, GlossaryEntry
from bot.language import ENGLISH, detect_language
from bot.retrieval import stem_word
from bot.spelling import SpellingCorrector
from bot.subjects import content_words, split_sentences

LONG_MESSAGE_WORDS = 30
MAX_FOCUS_WORDS = 70
MIN_QUESTION_ROOM = 10  # a topic sentence is added only if this many words of the question still fit
MIN_TOPIC_WORDS = 2  # a question with fewer words of its own takes the sentence before it along
_QUESTION_START = re.compile(
    r"^(how|what|what's|whats|when|where|who|whom|whose|why|which|can|could|do|does|did|is|are|was|were|will|"
    r"would|should|shall|may|might|am|have|has|any|anyone|wat)\b", re.I)
_ASKING = re.compile(r"\b(i want to know|i'?d like to know|wondering|tell me|please advise|any idea|help me understand)\b", re.I)
_JUDGES = re.compile(r"^(which|who)(?:'s| is)? (one )?(is )?(correct|right)\b|^(is|was) (that|this|it|he|she|they) "
                     r"(true|right|correct|legit|normal)\b|^(true|right|correct)\b", re.I)
_POINTS_BACK = re.compile(r"\b(for|about|with|of|like) (this|that)\b|\b(this|that)[.!]?$", re.I)
_LEANS_BACK = re.compile(r"\b(it|its|that|this|those|these|they|them|there|so|then|now|we|us)\b", re.I)

INTENT_PATTERNS = {
    "exclusion": r"\bnot (be )?(covered|protected|included)|\b(isn't|aren't|doesn't|don't|won't|not) (cover|protect|include)|"
                 r"\bexclu(ded|des|sions?)\b|\bexceptions?\b|\bnot cover(ed)?\b|\bwhat (is|isn't|are|aren't) not\b|"
                 r"\bwhich .{0,30}\bnot\b|\boutside (of )?(the )?(cover|protection|trade assurance)",
    "cost": r"\bhow much\b(?! (can|could|may|will|would|do|does) (i|we|you|they|a buyer|buyers) (borrow|get|receive|claim))|\bcosts?\b|\bfees?\b|\bcharges?\b|\bcharged\b|\bprice\b|\bexpensive\b|\bcheap(er|est)?\b|"
            r"\bpercent(age)?\b|%|\bcommission\b|\bsurcharge\b|\bfree\b|\bpay extra\b|\bwhat (does|do) .{0,30} take\b|"
            r"\btake a (cut|percentage|share)\b|\b(interest )?rates?\b|\binterest\b",
    "amount": r"\bhow much\b.{0,40}\b(get|receive|claim|borrow|back|compensat\w*|refund\w*|paid out|covered)\b|"
              r"\bhow much (compensation|money|credit|cover)\b|\b(max|maximum|limit|cap|ceiling)\b",
    "time": r"\bhow long\b|\bhow many (days|hours|weeks|months)\b|\bwhen\b|\bdeadline\b|\btime ?(limit|frame)\b|\bhow (early|late)\b|\bby when\b|"
            r"\bhow (soon|fast|quickly)\b|\buntil\b|\bwithin\b|\bstill (open|claim|complain|ask|apply)|\btoo late\b|"
            r"\bwhat (year|date|day)\b",
    "procedure": r"\bhow (do|can|should|would) (i|we|you)\b|\bhow to\b|\bsteps?\b|\bprocess\b|\bwhere do (i|we)\b|"
                 r"\bwhat (do|should|can) (i|we) do\b|\bwhat now\b|\bwhat happens (now|next)\b|\bprocedure\b",
    "eligibility": r"\bqualify\b|\beligib(le|ility)\b|\bam i (covered|protected)\b|\bis my (order|purchase|payment) "
                   r"(covered|protected|safe)\b|\brequirements?\b|\bcriteria\b",
    "who": r"\bwho\b|\bwhich (company|companies|bank|banks|party|side|person|people|executive|official|firm|firms)\b",
    "why": r"\bwhy\b",
    "comparison": r"\bvs\.?\b|\bversus\b|\bcompared?\b|\bdifference\b|\bbetter\b|\bcheaper\b|\bfaster\b|"
                  r"\bor\b(?! (is|are) (there|it)\b| not\b| something\b| anything\b).{0,40}\?$|"
                  r"\b(fastest|cheapest|quickest|best|safest|slowest)\b",
}
_INTENTS = {name: re.compile(pattern, re.I) for name, pattern in INTENT_PATTERNS.items()}
_SELLER = re.compile(
    r"\b(as an? (seller|supplier|manufacturer|exporter|vendor|factory)|i'?m an? (seller|supplier|manufacturer|exporter|"
    r"vendor|factory)|i am an? (seller|supplier|manufacturer|exporter)|my (buyers?|customers?|clients?)|"
    r"(we'?re|we are|i'?m|i am) (the |a )?(seller|supplier|manufacturer|factory|vendor)s?|(seller|supplier) side|"
    r"our (buyers?|customers?)|"
    r"(sellers?|suppliers?|vendors?)'?s?'? (pay|are charged|fees?|costs?|charges?)|for (sellers|suppliers)|"
    r"charge (the )?(sellers?|suppliers?))\b", re.I)
_BUYER = re.compile(
    r"\b(as an? (buyer|importer|customer)|i'?m an? (buyer|importer)|i am an? (buyer|importer)|(me|us),? the buyers?|"
    r"buyers?'?s?'? (pay|are charged|fees?|costs?|charges?)|for buyers|my (supplier|seller|vendor|factory|manufacturer)|i (paid|bought|ordered)|"
    r"we (paid|bought|ordered)|charge (me|us|the buyers?))\b", re.I)
_DEFINITION = re.compile(
    r"^(?:what|wat)(?:'s| is| are| does| do)\s+(?:an?\s+|the\s+)?(?P<term>.{1,40}?)(?:\s+(?:mean|stand for|stands for))?\s*\??$|"
    r"^(?:define|meaning of|explain)\s+(?P<term2>.{1,40}?)\s*\??$", re.I)


# Words a passage that answers each intent uses, added to the lexical search: an exclusion
# question must find the exclusions even when it only says "what isn't covered".
INTENT_SEARCH_WORDS = {"exclusion": "not covered excluded exclusions outside", "cost": "fee fees cost",
                       "time": "days deadline within"}


def search_text_for(text: str, glossary: Glossary | None, intents: set[str]) -> str:
    """What the lexical search reads: the text, its glossary synonyms and the intent's words."""
    expanded = glossary.expand(text) if glossary else text
    extra = " ".join(INTENT_SEARCH_WORDS[i] for i in sorted(intents) if i in INTENT_SEARCH_WORDS)
    return f"{expanded} {extra}".strip()


@dataclass
class Query:
    original: str
    language: str = ENGLISH
    focus: str = ""
    text: str = ""  # the focus with typos corrected: what is embedded and gated
    search_text: str = ""  # the corrected focus plus glossary synonyms: what BM25 searches
    intents: set[str] = field(default_factory=set)
    audience: str | None = None  # "buyer" | "seller" | None
    definition: GlossaryEntry | None = None
    with_topic: str = ""  # the text with the story sentence that names the topic, when the question names none


def extract_focus(message: str) -> str:
    """The question inside a long message; short messages are their own focus."""
    words = message.split()
    if len(words) <= LONG_MESSAGE_WORDS:
        return message
    sentences = split_sentences(message)
    asking = [i for i, s in enumerate(sentences) if is_asking(s)]
    if not asking:
        return " ".join(words[-MAX_FOCUS_WORDS:])
    last = asking[-1]
    # A closing question that only asks to judge what came before ("which is correct?", "is that
    # true?") is about the question it judges: the one asked before it.
    if _JUDGES.search(sentences[last]) and len(asking) > 1 and \
            len(" ".join(sentences[asking[-2]:last + 1]).split()) <= MAX_FOCUS_WORDS:
        return " ".join(sentences[asking[-2]:last + 1])
    # Questions asked together at the end ("Is it covered? How long do I have?") stay together.
    first = last
    while first - 1 in asking and len(" ".join(sentences[first - 1:last + 1]).split()) <= MAX_FOCUS_WORDS:
        first -= 1
    focus = sentences[first:last + 1]
    # A short question, one that points back ("what can we do about it?") or one that names no
    # topic ("what can i do and how long have i got?") needs its context.
    if first > 0 and (len(" ".join(focus).split()) < 10 or _LEANS_BACK.search(focus[0])
                      or len(content_words(" ".join(focus))) < MIN_TOPIC_WORDS):
        focus.insert(0, sentences[first - 1])
        # ...and the sentence that one points back to ("...takes a cut from us sellers for this.").
        if first > 1 and _POINTS_BACK.search(focus[0]) and len(" ".join([sentences[first - 2], *focus]).split()) <= MAX_FOCUS_WORDS:
            focus.insert(0, sentences[first - 2])
    text = " ".join(focus)
    return " ".join(text.split()[-MAX_FOCUS_WORDS:])


_CLAUSE_BREAK = re.compile(
    r"\s*[?;]\s*|\s*,\s*(?=(?:and |but |so |or )?(?:what|wat|how|can|could|do|does|is|are|will|when|who|why|its|it's)\b)|"
    r"\s+and\s+(?=(?:is|are|can|could|do|does|what|how|will|would)\b)", re.I)
MIN_CLAUSE_WORDS = 4


def split_clauses(text: str) -> list[str]:
    """The parts of a message that asks two things at once ("can I pay in euros by bank transfer
    and is it still protected"), each long enough to stand alone; [] for a single question."""
    if len(text.split()) < 10:
        return []
    parts = [p.strip(" ,.!") for p in _CLAUSE_BREAK.split(text) if p and p.strip(" ,.!")]
    parts = [p for p in parts if len(p.split()) >= MIN_CLAUSE_WORDS]
    return parts[:3] if len(parts) > 1 else []


def is_asking(sentence: str) -> bool:
    return sentence.endswith("?") or bool(_QUESTION_START.match(sentence) or _ASKING.search(sentence))


def _asking_part(text: str) -> str:
    """The sentences of a focus that ask: its intent is what they ask, not what the story around
    them mentions ("...send them back at my cost. can Alibaba help me get money back?" is no cost
    question)."""
    sentences = split_sentences(text)
    asking = [s for s in sentences if is_asking(s)]
    return " ".join(asking) if asking else text


def detect_intents(text: str) -> set[str]:
    return {name for name, pattern in _INTENTS.items() if pattern.search(text)}


def detect_audience(text: str) -> str | None:
    seller, buyer = bool(_SELLER.search(text)), bool(_BUYER.search(text))
    if seller == buyer:
        return None
    return "seller" if seller else "buyer"


def definition_entry(text: str, glossary: Glossary | None) -> GlossaryEntry | None:
    """The glossary entry when the message asks what a term is ("what is T/T?", "define FOB")."""
    if glossary is None:
        return None
    match = _DEFINITION.match(text.strip())
    if not match:
        return None
    return glossary.find(match.group("term") or match.group("term2") or "")


def with_topic(message: str, focus: str, glossary: Glossary | None, names_topic) -> str | None:
    """The focus of a long message with the story sentence that says what it is about, when the
    question names none of our terms ("...a supplier whose listing has that Easy Return badge on
    it. [...] Will my order qualify at that size?"): from the nearest sentence before the focus
    that names a term few sections use (`names_topic`: "Easy Return", not "supplier"). None
    when the question names a term or no sentence before it does."""
    if glossary is None or names_topic is None or focus == message or glossary.mentions(focus):
        return None
    whole = " ".join(message.split())
    start = whole.rfind(focus)
    if start <= 0:
        return None
    story = split_sentences(whole[:start])
    for i in range(len(story) - 1, -1, -1):
        if names_topic(story[i]):
            # The story from that sentence on, when it fits ("...the Guaranteed delivery badge. [...]
            # The boxes came a week after that date. [...] What am I owed?"); else that sentence alone.
            span = " ".join([*story[i:], focus])
            if len(span.split()) <= MAX_FOCUS_WORDS:
                return span
            room = MAX_FOCUS_WORDS - len(story[i].split())
            return " ".join([story[i], *focus.split()[-room:]]) if room >= MIN_QUESTION_ROOM else None
    return None


def understand(message: str, glossary: Glossary | None, speller: SpellingCorrector | None,
               known_words: frozenset[str] | set[str] = frozenset(), names_topic=None) -> Query:
    """`names_topic(text)`: whether a text names a glossary term few sections use (see
    `Grounding.names_specific_term`); without it, no topic sentence is picked out of a long message."""
    query = Query(original=message, language=detect_language(message, known_words))
    if query.language != ENGLISH:
        return query
    query.focus = extract_focus(message)
    corrected = speller.correct(query.focus) if speller else query.focus
    query.text = glossary.spell_out(corrected) if glossary else corrected
    topical = with_topic(message, query.focus, glossary, names_topic)
    if topical:
        topical = speller.correct(topical) if speller else topical
        query.with_topic = glossary.spell_out(topical) if glossary else topical
    query.intents = detect_intents(_asking_part(query.text))
    query.search_text = search_text_for(query.text, glossary, query.intents)
    query.audience = detect_audience(query.text)
    query.definition = definition_entry(corrected, glossary)
    if query.definition:
        query.intents.add("definition")
    return query


# Things done in one's own account ("check", "modify", "delete"): our documents state rules, so a
# question asking how to do one of these is answered only by a passage that speaks of doing it.
OPERATION_VERBS = set("check modify change edit delete remove track update verify reset login log unlock rename".split())
_HOW_TO = re.compile(r"\b(?:how (?:do|can|should|would|could) (?:i|we|you)|how to|where (?:do|can) (?:i|we))\s+"
                     r"(?:easily |actually |still |quickly )?([a-z]+)", re.I)


def asked_operation(text: str) -> str | None:
    """The account operation a how-to question asks about, as an index term ("modify"), if any."""
    match = _HOW_TO.search(_asking_part(text))
    if not match or match.group(1).lower() not in OPERATION_VERBS:
        return None
    return stem_word(match.group(1).lower())
