"""The key subject of a question, and whether our documents cover it.

Similarity alone lets "What are Amazon FBA fees?" through: it shares "fees" with a dozen
passages. So a question's words that the documents never use are sorted into:
- subjects: names that are not English words (Temu, FBA, Shopify), words capitalised inside the
  sentence (Amazon, Stripe), well-known names however typed (bot/brands.py: "stripe"), or English
  words that clearly belong to the trade domain by meaning: the question is about something we do
  not cover, and the decline names it;
- story words (cousin, chairs, and places such as Leeds or the UK, bot/places.py): words a long
  message carries around its question; they do not block an answer.
Whether a word belongs to the domain is measured with the embedding model: its similarity to
the nearest glossary term. A question about the world (not the user's own story) that asks about
a year the documents never speak of, or for live figures, is declined the same way.
"""

from __future__ import annotations

import re

import numpy as np

from bot.brands import ALIASES, names_in
from bot.places import place_words

# An ordinary English word the documents never use is a subject (not a story word) only when it
# is this close to a glossary term: single-word similarities are high for many plain words
# ("fight", "refreshed" reach 0.48, "bought" 0.6), so only words nearly synonymous with a term pass.
DOMAIN_SIMILARITY = 0.72
_WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*[A-Za-z]|[A-Za-z]")
# Words that say how something is asked, or are too general to be a subject.
STOP_WORDS = set(
    "a an the i me my mine we us our you your he him his she her it its they them their this that these those "
    "is are was were be been being am do does did done doing have has had having can could will would should "
    "shall may might must what which who whom whose when where why how if then than so and or but not no yes "
    "of in on at by for from with about into onto over under after before between through during to up down "
    "out off again just also only very too more most much many some any all each every both either neither "
    "there here now still already ever even get gets got getting go goes going went make made want wants need "
    "needs like know tell please thanks hi hello hey ok okay sure really actually anyone someone something "
    "anything thing things way ways kind sort lot lots bit able does doesn't don't can't won't isn't aren't "
    "cannot i'm i've i'd it's what's that's there's let let's say says said ask asked asking mean means one two three "
    "first last next new old good bad best better big small long short right wrong same other another own "
    "time times day days week weeks month months year years today yesterday tomorrow vs etc pls plz thx".split()
)


# Capitalised in English but never the subject of a question.
CALENDAR_WORDS = set("monday tuesday wednesday thursday friday saturday sunday january february march april may june "
                     "july august september october november december christmas easter".split())


_CONTRACTION = re.compile(r"(?:'s|'re|'ve|'ll|'d|'m|n't)$")


def content_words(text: str) -> list[str]:
    """The words of `text` that carry its topic: lower case, contractions cut ("we're" -> "we"),
    question and filler words dropped."""
    words = (_CONTRACTION.sub("", m.group(0).lower()) for m in _WORD.finditer(text))
    return [w for w in words if w not in STOP_WORDS and len(w) > 1]


_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")


def split_sentences(text: str) -> list[str]:
    """A message's sentences, as typed and trimmed (a break after . ! ? or at a new line)."""
    return [s.strip() for s in _SENTENCE_BREAK.split(text) if s and s.strip()]


SENTENCE_START = re.compile(r"(^|[.?!:;\n(]\s*)$")  # what comes before the first word of a sentence
_LONG_WORD = re.compile(r"(?<![\w'])[A-Za-z][a-z]{3,}\b")
TITLE_CASE_SHARE = 0.7


def in_title_case(text: str) -> bool:
    """Whether `text` is written like a headline, nearly every word capitalised ("How Is Ant
    Financial Closing the SME Finance Gap in China?"): its capitals then name nothing."""
    words = [m.group(0) for m in _LONG_WORD.finditer(text) if not SENTENCE_START.search(text[:m.start()])]
    return len(words) >= 3 and sum(w[0].isupper() for w in words) >= TITLE_CASE_SHARE * len(words)


def _is_known(word: str, vocabulary: set[str], stems: set[str], stem) -> bool:
    if word in vocabulary or word.rstrip("s") in vocabulary or word.rstrip("'s") in vocabulary:
        return True
    parts = [p for p in word.split("-") if p]
    if len(parts) > 1:  # "money-back" is known when "money" and "back" are
        return all(_is_known(p, vocabulary, stems, stem) for p in parts)
    return stem(word) in stems


class SubjectChecker:
    """Finds the words of a question that name something our documents do not cover."""

    def __init__(self, vocabulary: set[str], stems: set[str], stem, is_english_word, embed, anchor_texts: list[str],
                 document_text: str = "", is_short_typo=lambda word: False, names_our_term=lambda text: False):
        self.vocabulary = vocabulary  # lower-case surface words of documents and glossary
        self.covered_names = set(names_in(document_text))  # well-known names the documents mention
        self.years = set(_YEAR.findall(re.sub(r"https?://\S+", " ", document_text)))  # years the documents speak of
        self.stems = stems  # the search index's stemmed terms
        self.stem = stem
        self.is_english_word = is_english_word
        self.is_short_typo = is_short_typo  # "sayd": a slip of the thumb, not a name
        self.names_our_term = names_our_term  # whether a text names one of our glossary terms ("310")
        self.embed = embed  # list[str] -> np.ndarray of unit vectors
        self.anchor_texts = anchor_texts
        self._anchors: np.ndarray | None = None
        self._closeness: dict[str, float] = {}

    def unknown_words(self, text: str) -> list[str]:
        return list(dict.fromkeys(w for w in content_words(text)
                                  if not w.isdigit() and not _is_known(w, self.vocabulary, self.stems, self.stem)))

    def _domain_closeness(self, words: list[str]) -> dict[str, float]:
        missing = [w for w in words if w not in self._closeness]
        if missing:
            if self._anchors is None:
                self._anchors = np.asarray(self.embed(self.anchor_texts), dtype=np.float32)
            if len(self._closeness) > 50_000:
                self._closeness.clear()
            vectors = np.asarray(self.embed(missing), dtype=np.float32)
            for word, sims in zip(missing, vectors @ self._anchors.T):
                self._closeness[word] = float(sims.max())
        return {w: self._closeness[w] for w in words}

    def third_party_aside(self, text: str, original: str = "") -> str | None:
        """The name of a company our documents mention only for its part in Alibaba.com trade
        (Visa, Western Union, MYbank), when the question asks about that company's own business
        instead: nothing in it speaks of trade or Alibaba.com, and it uses a word our documents
        never do ("PayPal fees for friends and family", "the CEO of Lending Club")."""
        names = [n for n in names_in(original or text) if n in self.covered_names]
        if not names:
            return None
        # The name itself is no context ("Lending Club" is not about lending on Alibaba.com).
        rest = re.sub("|".join(re.escape(n) for n in names), " ", text, flags=re.I)
        if _TRADE_CONTEXT.search(rest) or self.names_our_term(rest):  # "MYbank's 310 thing" is ours
            return None
        places = place_words()
        if not [w for w in self.unknown_words(rest) if w not in places]:
            return None
        typed = re.search(re.escape(names[0]), original or text, re.I)
        return typed.group(0) if typed else names[0]

    def uncovered_subjects(self, text: str, original: str = "") -> list[str]:
        """Words of `text` that name a subject the documents never mention (`original`: as typed)."""
        # A well-known company or service the documents never mention, however it is typed ("stripe").
        outside = [word for name in names_in(original or text) if name not in self.covered_names
                   for word in name.split()]
        # Where the user is or ships from is part of the story ("a small UK importer", "Leeds").
        # A short form of a name the documents use ("amex") is known too.
        unknown = [w for w in self.unknown_words(text) if ALIASES.get(w) not in self.covered_names]
        if unknown:
            places = place_words()
            unknown = [w for w in unknown if w not in places]
        if not unknown:
            return list(dict.fromkeys(outside))
        # A short unknown word is a typo ("tme", "bak") unless written in capitals ("FBA", "DHL").
        capitals = {m.group(0).lower() for m in _WORD.finditer(original or text) if m.group(0).isupper()}
        unknown = [w for w in unknown if "'" not in w]
        names = [w for w in unknown if not self.is_english_word(w) and (len(w) >= 4 or w in capitals)
                 and (w in capitals or not self.is_short_typo(w))]
        # A capitalised word inside the sentence is a name even when it is also a word ("Stripe").
        inside = set() if in_title_case(original or text) else \
            {m.group(0).lower() for m in re.finditer(r"(?<=[a-z,] )[A-Z][a-z]+", original or text)}
        names += [w for w in unknown if w in inside and w not in names and w.rstrip("s") not in CALENDAR_WORDS]
        english = [w for w in unknown if self.is_english_word(w) and w not in names]
        if english and self.anchor_texts:
            closeness = self._domain_closeness(english)
            names += [w for w in english if closeness[w] >= DOMAIN_SIMILARITY]
        return list(dict.fromkeys(outside + [w for w in unknown if w in names]))


# Words that put a question inside what our documents are about: trading on Alibaba.com, paying
# for it, and small-business trade finance ("can I use my Amex corporate card" is about paying).
_TRADE_CONTEXT = re.compile(
    r"\b(alibaba(\.com)?|trade assurance|ta|orders?|ordered|suppliers?|sellers?|buyers?|factory|factories|"
    r"manufacturers?|disputes?|refunds?|platform|checkout|deposit|balance|smes?|small business(es)?|"
    r"exporters?|importers?|loans?|lend\w*|borrow\w*|credit line|financ\w*|trade|e-?commerce|cross-border|businesses|"
    r"goods|shipment|shipping|purchase|sourcing|pay|paying|paid|payments?|use|using|cards?)\b", re.I)


_YEAR = re.compile(r"(?<![\d$.,])((?:19|20)\d\d)(?![\d%])")
_LIVE = re.compile(r"\b(today|today's|tonight|right now|this week|at the moment|live|real[- ]time|these days|nowadays)\b", re.I)
_PERSONAL = re.compile(r"\b(i|i'm|i've|we|we're|my|our|me|us)\b", re.I)


def _about_the_world(focus: str) -> list[str]:
    """The sentences of a message that ask about the world, not the user's own story: "what is
    the share price in 2023?" counts, "I ordered in March 2023, ..." does not."""
    return [s for s in split_sentences(focus) if not _PERSONAL.search(s)]


def outside_documents_time(focus: str, years: set[str]) -> str | None:
    """What a question asks about that the documents cannot hold, as a phrase for the decline (a
    year they never speak of, live figures), or None."""
    asked = " ".join(_about_the_world(focus))
    if _LIVE.search(asked):
        return "live figures such as today's rates or prices"
    unknown = [y for y in _YEAR.findall(asked) if y not in years]
    return f"anything about {unknown[0]}" if unknown else None


def later_than_passages(focus: str, passages: list[str]) -> str | None:
    """A year the question asks about that is later than every year the answer's passages speak
    of ("MYbank's rate in 2024" answered with its 2019 figures), as a phrase for the decline."""
    asked = [int(y) for y in _YEAR.findall(" ".join(_about_the_world(focus)))]
    if not asked:
        return None
    known = [int(y) for text in passages for y in _YEAR.findall(re.sub(r"https?://\S+", " ", text))]
    later = [y for y in asked if not known or y > max(known)]
    return f"figures for {later[0]}" if later else None


def subject_phrase(words: list[str], original: str) -> str:
    """The subject as the user wrote it, with its neighbours that are also unknown ("Amazon FBA")."""
    tokens = [m.group(0) for m in _WORD.finditer(original)]
    lowered = [t.lower() for t in tokens]
    wanted = set(words)
    phrases: list[str] = []
    i = 0
    while i < len(tokens):
        if lowered[i] in wanted:
            j = i
            while j + 1 < len(tokens) and lowered[j + 1] in wanted:
                j += 1
            phrases.append(" ".join(tokens[i:j + 1]))
            i = j + 1
        else:
            i += 1
    phrases = list(dict.fromkeys(phrases)) or words
    return " and ".join(phrases[:2])
