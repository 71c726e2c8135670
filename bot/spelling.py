"""Spelling correction of users' words, before the relevance gate and before search.

People type on phones: "wat hapens if suplier dosnt ship on tme, do i get mony bak?". Each word
that is neither an English word nor a word of our documents is replaced by the closest one
(SymSpell, with the English frequency list that ships in `symspellpy`), preferring the
documents' own words. Words that stay unknown are kept as typed: they may be names (Shopify,
Temu) that the gate must see.
"""

from __future__ import annotations

import os
import re
import threading

import Stemmer
from symspellpy import SymSpell, Verbosity

ENGLISH_WORDS = 40_000  # the most frequent English words are enough to recognise a typo
DOMAIN_COUNT = 10**9  # documents' words outrank ordinary English when a typo is equally close
# Chat spellings that are not typos of one word, so edit distance cannot fix them.
CHAT_WORDS = {
    "dosnt": "doesn't", "doesnt": "doesn't", "dose": "does", "dont": "don't", "cant": "can't", "wont": "won't", "isnt": "isn't",
    "didnt": "didn't", "wasnt": "wasn't", "arent": "aren't", "havent": "haven't", "im": "I'm", "ive": "I've",
    "wat": "what", "wats": "what's", "whats": "what's", "u": "you", "ur": "your", "r": "are", "pls": "please",
    "plz": "please", "thx": "thanks", "yrs": "years", "yr": "year", "hrs": "hours", "mins": "minutes",
    "tho": "though", "coz": "because", "cuz": "because", "bc": "because", "b4": "before", "2day": "today",
    "govt": "government", "amt": "amount", "qty": "quantity", "pcs": "pieces", "msg": "message",
    "cn": "can", "w/": "with", "min": "minimum", "max": "maximum", "exec": "executive", "execs": "executives", "biz": "business", "mgr": "manager", "info": "information",
    "approx": "approximately", "intl": "international", "acct": "account", "acc": "account",
    "msgd": "messaged", "msged": "messaged", "msgs": "messages", "wk": "week", "wks": "weeks", "diff": "different",
    "theres": "there's", "thats": "that's", "abt": "about", "pmt": "payment", "pymt": "payment",
    "ppl": "people", "thru": "through", "idk": "I don't know", "asap": "as soon as possible", "btw": "by the way",
    "shud": "should", "wud": "would", "cud": "could", "hv": "have", "recd": "received", "rcvd": "received",
    "tmrw": "tomorrow", "yday": "yesterday", "dunno": "don't know", "gonna": "going to", "wanna": "want to",
    "smth": "something", "sth": "something", "pics": "pictures", "pic": "picture", "convo": "conversation",
    "amex": "American Express",
}
_WORD = re.compile(r"[A-Za-z][A-Za-z']*")
_INFLECTION = re.compile(r"(?:ed|ing|s)$")
_stemmer = Stemmer.Stemmer("english")
COMMON_WORD_COUNT = 50_000_000  # about the 3,000 most frequent English words


def _omits_letters(typo: str, word: str) -> bool:
    """`typo` is `word` with letters left out ("tme" in "time")."""
    letters = iter(word)
    return len(word) > len(typo) and all(ch in letters for ch in typo)


def _english_dictionary_path() -> str:
    import symspellpy

    return os.path.join(os.path.dirname(symspellpy.__file__), "frequency_dictionary_en_82_765.txt")


class SpellingCorrector:
    def __init__(self, domain_words: set[str]):
        self.domain_words = {w.lower() for w in domain_words if w.isalpha()}
        self._symspell: SymSpell | None = None
        self._english: set[str] = set()
        self._english_stems: set[str] = set()
        self._lock = threading.Lock()
        self._cache: dict[str, str] = {}

    def _load(self) -> SymSpell:
        with self._lock:
            if self._symspell is None:
                symspell = SymSpell(max_dictionary_edit_distance=2, prefix_length=5)  # 5: a quarter of the memory of 7
                with open(_english_dictionary_path(), encoding="utf-8") as f:
                    for rank, line in enumerate(f):
                        if rank >= ENGLISH_WORDS:
                            break
                        word, count = line.split()
                        symspell.create_dictionary_entry(word, int(count))
                        self._english.add(word)
                self._english_stems = set(_stemmer.stemWords(list(self._english)))
                for word in self.domain_words:
                    if len(word) >= 3:
                        symspell.create_dictionary_entry(word, DOMAIN_COUNT)
                self._symspell = symspell
            return self._symspell

    def warm_up(self) -> None:
        self._load()

    def is_known(self, word: str) -> bool:
        self._load()
        w = word.lower()
        return w in self.domain_words or w in self._english

    def is_english(self, word: str) -> bool:
        """An ordinary English word (the frequency list), whether or not our documents use it; a
        compound of such words ("money-back", "value-added") is one too."""
        self._load()
        parts = [p for p in word.lower().split("-") if p]
        return bool(parts) and all(p in self._english or self._inflected_english(p) for p in parts)

    def is_short_typo(self, word: str) -> bool:
        """A four-letter word one slip from a common English or documents' word ("sayd", "ecom"):
        too ambiguous to correct, but a typo, not a name the user asks about."""
        lower = word.lower()
        if len(lower) != 4 or self.is_known(lower):
            return False
        suggestions = self._load().lookup(lower, Verbosity.CLOSEST, max_edit_distance=1)
        return any(s.count >= COMMON_WORD_COUNT for s in suggestions)

    def _inflected_english(self, word: str) -> bool:
        """An inflection the frequency list lacks ("scammed") of a word it has ("scam").
        Only these endings: a name such as "Payoneer" must not pass as English by its stem."""
        return bool(_INFLECTION.search(word)) and _stemmer.stemWord(word) in self._english_stems

    def correct_word(self, word: str) -> str:
        lower = word.lower()
        if lower in CHAT_WORDS:
            return CHAT_WORDS[lower]
        if len(lower) < 3 or self.is_known(lower) or "'" in lower or not lower.isalpha():
            return word
        fixed = self._cache.get(lower)
        if fixed is None:
            if len(self._cache) > 20_000:  # bounded under a flood of made-up words
                self._cache.clear()
            fixed = self._cache[lower] = self._best_correction(lower)
        return word if fixed == lower else fixed

    def _best_correction(self, lower: str) -> str:
        # Long words tolerate two slips, others one.
        distance = 2 if len(lower) >= 7 else 1
        suggestions = self._load().lookup(lower, Verbosity.CLOSEST, max_edit_distance=distance)
        if len(lower) <= 4:
            # Short words are close to many others, and short names ("Temu", "DHL") must survive:
            # only a word with letters left out ("tme" -> "time", "mony" -> "money") is fixed, and
            # only to one of our documents' words or a common English one.
            suggestions = [s for s in suggestions if _omits_letters(lower, s.term)
                           and (s.term in self.domain_words or s.count >= COMMON_WORD_COUNT)]
        else:
            # Phone typists mostly leave letters out: prefer a word the typo is a subsequence of.
            suggestions.sort(key=lambda s: (s.distance, not _omits_letters(lower, s.term)))
        return suggestions[0].term if suggestions else lower

    def correct(self, text: str) -> str:
        """`text` with misspelt words replaced; everything else (numbers, punctuation) kept."""
        return _WORD.sub(lambda m: self.correct_word(m.group(0)), text)
