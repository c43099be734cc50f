"""Postings: for every stem, the entries holding it and its strength in each.

A store of 100,000 entries has millions of postings; they are laid end to end
in a few flat arrays (one run per stem, found by offset), which keeps them
small in memory and quick to save and load. From them come the document
frequencies and rarities the scoring weighs words by, the sets of entries
holding a stem, and (as ``_Posting``) what the pruned search needs to bound
an entry's score without scoring it.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

from backfaq.search.documents import _Doc
from backfaq.search.scoring import K1
from backfaq.vocabulary import Alternative


class _Posting:
    """The entries holding one stem, in ascending order, with the stem's BM25F
    strength in each (what ``_match`` computes, 0..1) and whether a question
    holds it: enough to bound an entry's score without scoring it.

    (This and scoring's _Query are plain classes: a dataclass or NamedTuple
    costs the bundled store's every start-up about a millisecond to define.)
    """

    __slots__ = ("docs", "strengths", "in_question", "asked")

    def __init__(
        self, docs: memoryview, strengths: memoryview, in_question: memoryview, asked: int,
    ) -> None:
        self.docs = docs
        self.strengths = strengths
        self.in_question = in_question
        self.asked = asked  # how many entries hold the stem in a question

    def holds(self, doc: int) -> bool:
        """Whether entry ``doc`` holds the stem."""
        i = bisect_left(self.docs, doc)
        return i < len(self.docs) and self.docs[i] == doc

    def lookup(self, doc: int) -> float:
        """The stem's strength in entry ``doc`` (0 when it lacks the stem)."""
        i = bisect_left(self.docs, doc)
        if i < len(self.docs) and self.docs[i] == doc:
            return float(self.strengths[i])
        return 0.0


class LaidOut(NamedTuple):
    """Postings laid end to end, as ``Postings`` keeps them (see its attributes)."""

    terms: dict[str, int]
    offsets: array[int]
    docs: array[int]
    strengths: array[float]
    asked: bytearray


class _RawPostings:
    """Postings as they are gathered, an entry at a time: per stem, its entries,
    strengths and whether a question holds it, in growable arrays."""

    def __init__(self, full: float) -> None:
        self.full = full
        self.lists: dict[str, tuple[array[int], array[float], bytearray]] = {}

    def add(self, i: int, doc: _Doc, weights: tuple[float, float]) -> None:
        """Entry ``i``'s postings, its fields weighted by ``weights`` (BM25F)."""
        raw = self.lists
        full = self.full
        question_tf, answer_tf = doc.term_counts()
        # As in Scoring._strengths, so that a stored strength is exactly what
        # scoring finds; written out here because the tuples _strengths makes
        # would cost a tenth of a large store's build.
        question_weight, answer_weight = weights
        for term in {*question_tf, *answer_tf}:
            q = question_weight * question_tf.get(term, 0)
            tf = q + answer_weight * answer_tf.get(term, 0)
            entry = raw.get(term)
            if entry is None:
                entry = raw[term] = (array("I"), array("d"), bytearray())
            entry[0].append(i)
            strength = (tf / (K1 + tf)) / full
            entry[1].append(strength if strength < 1.0 else 1.0)
            entry[2].append(q > 0)

    def laid_out(self) -> LaidOut:
        """The gathered postings end to end, each stem's own arrays freed as
        the flat ones grow."""
        lists = self.lists
        out = LaidOut({}, array("Q", [0]), array("I"), array("f"), bytearray())
        for term in list(lists):
            ids, strengths, asked = lists.pop(term)
            out.terms[term] = len(out.terms)
            out.docs.extend(ids)
            out.strengths.extend(array("f", strengths))
            out.asked.extend(asked)
            out.offsets.append(len(out.docs))
        return out


class Postings:
    """The part of the index that holds the postings, and looks stems up in them."""

    _terms: dict[str, int]  # each stem's run in the arrays below
    _offsets: array[int]
    _posting_docs: array[int]
    # Single precision is plenty for a bound (compared with pruning's _SLACK
    # to spare).
    _posting_strengths: array[float]
    _posting_asked: bytearray

    if TYPE_CHECKING:
        _prune: bool

        def __len__(self) -> int: ...

    def _keep_postings(self, laid_out: LaidOut) -> None:
        (self._terms, self._offsets, self._posting_docs, self._posting_strengths,
         self._posting_asked) = laid_out

    def _posting(self, term: str) -> _Posting | None:
        t = self._terms.get(term)
        if t is None:
            return None
        start, end = self._offsets[t], self._offsets[t + 1]
        asked = memoryview(self._posting_asked)[start:end]
        return _Posting(
            memoryview(self._posting_docs)[start:end],
            memoryview(self._posting_strengths)[start:end],
            asked,
            bytes(asked).count(1),
        )

    def idf(self, df: int) -> float:
        n = len(self)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def rarity(self, term: str) -> float:
        """The idf of ``term``, worked out once per index: the phrase part
        weighs every question word by it, and a long message on a large store
        bounds thousands of entries' questions."""
        found = self._rarities.get(term)
        if found is None:
            found = self._rarities[term] = self.idf(self._df(term))
        return found

    @cached_property
    def _rarities(self) -> dict[str, float]:
        return {}

    def _df(self, term: str) -> int:
        t = self._terms.get(term)
        return 0 if t is None else self._offsets[t + 1] - self._offsets[t]

    def _holding_any(self, alts: Sequence[Alternative]) -> int:
        """How many entries hold one of ``alts`` (every stem of it): the
        document frequency of a concept with its other words. The entries of
        the commonest one-word alternative are counted, not gathered: at
        100,000 entries, a set of a common word's took milliseconds a query."""
        whole = [(self._df(a.stems[0]), a) for a in alts if len(a.stems) == 1]
        df, widest = max(whole, key=lambda pair: pair[0], default=(0, None))
        posting = self._posting(widest.stems[0]) if widest is not None and df else None
        if posting is None:
            rest = set().union(*map(self._containing, alts))
            return len(rest)
        rest = set().union(*(self._containing(a) for a in alts if a is not widest))
        if 16 * len(rest) > df:  # as many lookups as that would cost more than the set
            return len(rest.union(posting.docs))
        return df + sum(1 for i in rest if not posting.holds(i))

    def _containing(self, alt: Alternative) -> set[int]:
        sets = [self._docs_with(s) for s in alt.stems]
        return set(sets[0]).intersection(*sets[1:]) if sets else set()

    def _docs_with(self, stem: str) -> frozenset[int]:
        """The entries holding ``stem``; kept for a scanned (small) store, where
        every query asks for the same few sets again."""
        docs = self._doc_sets.get(stem) if not self._prune else None
        if docs is None:
            posting = self._posting(stem)
            docs = frozenset(posting.docs) if posting is not None else frozenset()
            if not self._prune:
                self._doc_sets[stem] = docs
        return docs

    @cached_property
    def _doc_sets(self) -> dict[str, frozenset[int]]:
        return {}
