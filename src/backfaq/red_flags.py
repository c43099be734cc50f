"""Warning signs in a query: which of the store's red flags a question names.

A person who types "sharp chest pain and pain between my shoulder blades"
must be told first that this can be serious; one who asks about exercises
must not be alarmed. Queries are read the way the search reads them (folded,
stemmed, typos corrected towards a vocabulary that includes the signs'
words), and a sign matches when every content word of one of its phrases
occurs close together in the query, in any order.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from backfaq.analyzer import STOP_WORDS, Query, analyse, stem, terms, words
from backfaq.model import RedFlag, Store
from backfaq.search.compounds import LONGEST, SHORTEST
from backfaq.vocabulary import Vocabulary

# How far apart the words of one phrase may be, in content words beyond the
# phrase's own: "pain in my chest" and "my chest feels tight" match, while
# "chest stretches for upper back pain" does not.
SLACK = 2

class _Token(NamedTuple):
    stem: str
    stop: bool


class _Phrase(NamedTuple):
    """How a phrase is recognised: its content stems anywhere close together,
    or, when dropping stop words would leave one word of a longer phrase
    ("can't breathe", "hit by"), all of its words side by side."""

    stems: tuple[str, ...]
    exact: bool


def _phrase(text: str) -> _Phrase:
    content = tuple(terms(text))
    every = tuple(stem(w) for w in words(text))
    if len(content) < 2 and len(every) > 1:
        return _Phrase(every, exact=True)
    return _Phrase(content, exact=False)


class RedFlags:
    """A store's warning signs, ready to be looked for in queries."""

    def __init__(self, store: Store, vocabulary: Vocabulary | None = None) -> None:
        """``vocabulary`` is the store's own (the search index has it); without
        it one is built from the store's text."""
        self.flags = store.red_flags
        self._terms = [tuple(_phrase(t) for t in f.terms) for f in self.flags]
        self._exceptions = [tuple(_phrase(t) for t in f.exceptions) for f in self.flags]
        # The signs' own words must be correctable ("chset pain"), and the
        # store's words known ("fewer" is not a typo of "fever"): a word is
        # corrected towards whichever vocabulary holds a closer word.
        if vocabulary is None and self.flags:
            vocabulary = Vocabulary([t for e in store.entries for t in (*e.phrasings, e.answer)],
                                    ())
        self._store_words = vocabulary
        signs = [t for f in self.flags for t in (*f.terms, *f.exceptions)]
        self._sign_words = Vocabulary(signs, ()) if self.flags else None
        # Stems side by side in a sign's phrase: a query that runs them
        # together ("chestpain") names the sign as the search reads it
        # (``search.compounds`` splits such a word the same way).
        self._side_by_side = {pair for text in signs for pair in _neighbours(text)}
        # Correcting a word searches the whole vocabulary; batch mode asks the
        # same words again and again.
        self._token = lru_cache(maxsize=8192)(self._read_word)

    def _read_word(self, word: str) -> tuple[_Token, ...]:
        """A query word as the signs read it: its stem, corrected towards the
        closer vocabulary, or the two stems of a sign it runs together."""
        if word in STOP_WORDS or self._sign_words is None or self._store_words is None:
            return (_Token(stem(word), stop=True),)
        if self._sign_words.knows(stem(word)) or self._store_words.knows(stem(word)):
            return (_Token(stem(word), stop=False),)
        halves = self._halves(word)
        if halves:
            return tuple(_Token(half, stop=False) for half in halves)
        store_word, store_edits = self._store_words.correct(word)
        sign_word, sign_edits = self._sign_words.correct(word)
        if sign_edits and (not store_edits or sign_edits < store_edits):
            return (_Token(stem(sign_word), stop=False),)
        return (_Token(stem(store_word), stop=False),)

    def _halves(self, word: str) -> tuple[str, str] | None:
        """The stems of two words side by side in a sign that ``word`` runs
        together ("chestpains": chest, pain), if any."""
        if not SHORTEST <= len(word) <= LONGEST:
            return None
        for cut in range(2, len(word) - 1):
            pair = (stem(word[:cut]), stem(word[cut:]))
            if pair in self._side_by_side:
                return pair
        return None

    def find(self, query: str | Query) -> tuple[RedFlag, ...]:
        """The signs ``query`` names, in the store's order; none when it denies them
        ("no chest pain", "without numbness": see ``Query.denied_view``)."""
        if self._sign_words is None:
            return ()
        return tuple(self._named(analyse(query).denied_view()))

    def denied_stems(self, query: Query, named: Sequence[RedFlag]) -> frozenset[str]:
        """The stems of the signs ``query`` names only to deny them ("chest"
        and "pain" of "no chest pain, just a sore back"): those it names with
        every word read, less ``named``, the ones ``find`` gave. The search
        leaves them out, since what is denied is not what is asked."""
        if self._sign_words is None:
            return frozenset()
        every = [w for clause in query.clauses for w in clause]
        denied = [phrases for flag, phrases in self._named(every).items() if flag not in named]
        return frozenset(stem for phrases in denied for p in phrases for stem in p.stems)

    def _named(self, words: list[str]) -> dict[RedFlag, list[_Phrase]]:
        """The signs ``words`` name, in the store's order, each with its
        phrases found there."""
        tokens = [t for w in words for t in self._token(w)]
        present = {t.stem for t in tokens}
        found: dict[RedFlag, list[_Phrase]] = {}
        for flag, phrases, exceptions in zip(self.flags, self._terms, self._exceptions):
            candidates = [p for p in phrases if present.issuperset(p.stems)]
            if not candidates:  # most queries name no sign: skip the windows
                continue
            skip = {i for p in exceptions for i in _positions(p, tokens)}
            kept = [t for i, t in enumerate(tokens) if i not in skip]
            matched = [p for p in candidates if _positions(p, kept)]
            if matched:
                found[flag] = matched
        return found


def _neighbours(text: str) -> list[tuple[str, str]]:
    """Each two stems side by side in ``text``."""
    stems = [stem(w) for w in words(text)]
    return list(zip(stems, stems[1:]))


def _positions(phrase: _Phrase, tokens: list[_Token]) -> set[int]:
    """The indexes of ``tokens`` that make up ``phrase``; empty when it is not there."""
    if not phrase.stems:
        return set()
    if phrase.exact:
        n = len(phrase.stems)
        for i in range(len(tokens) - n + 1):
            if tuple(t.stem for t in tokens[i : i + n]) == phrase.stems:
                return set(range(i, i + n))
        return set()
    content = [i for i, t in enumerate(tokens) if not t.stop]
    wanted = set(phrase.stems)
    width = len(wanted) + SLACK
    for start in range(len(content)):
        # One position per stem, its first in the window: "fell asleep"
        # must not take the second "fell" of "then I fell down the stairs".
        hits: dict[str, int] = {}
        for i in content[start : start + width]:
            if tokens[i].stem in wanted:
                hits.setdefault(tokens[i].stem, i)
        if len(hits) == len(wanted):
            return set(hits.values())
    return set()
