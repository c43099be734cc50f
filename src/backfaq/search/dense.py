"""Dense bounds: the pruned search's bounds for a query of common words, in arrays.

A query whose words are each in tens of thousands of entries leaves the
pruned search (``pruning``) nothing to skip by postings alone: every entry
holding a word must be bounded, and a Python loop over those postings cost
a query of two words, each in most of 100,000 entries, 50 to 90 ms. Here
every bound is worked out over whole postings at once, in numpy arrays, with
the arithmetic of the loop it replaces (the stored single-precision
strengths read as doubles, summed in the same order), so an entry's bound is
the number the loop finds and the results stay those of the full scan.

The bounds are tighter than the loop's, for they cost nothing more here:
each concept's match is capped at 1 as the score caps it (``Pruning._bound``
for one entry), and the share of a question the query asks is bounded by
the rarity of the query stems each question really holds, common ones too.

numpy is imported here alone, and this module only by a query whose
stems are in ``pruning.DENSE_FROM`` entries or more (their postings
summed), on a store of at least as many: a small store never loads it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from array import array

    from backfaq.search.postings import _Posting

_FIRST_BLOCK = 64  # candidates sorted at first (see DenseBounds.candidates)


class DenseBounds:
    """Every entry's bounds for one query: ``tight`` (its concepts' points
    at most, each concept's match capped at 1), ``asked`` (the summed rarity
    of the query stems its questions hold) and who holds a query stem."""

    def __init__(
        self,
        size: int,
        concept_stems: Sequence[Sequence[tuple[str, _Posting, float]]],
        caps: Sequence[float],
        rarity: Callable[[str], float],
    ) -> None:
        self.tight = np.zeros(size)
        self.holding = np.zeros(size, dtype=bool)
        self.asked = np.zeros(size)
        in_question = np.zeros(size, dtype=bool)
        seen: set[str] = set()
        for cap, stems in zip(caps, concept_stems):
            mass = np.zeros(size)
            for stem, posting, factor in stems:
                docs = np.asarray(posting.docs)
                mass[docs] += factor * np.asarray(posting.strengths).astype(np.float64)
                self.holding[docs] = True
                if stem not in seen:
                    seen.add(stem)
                    asked = docs[np.asarray(posting.in_question).astype(bool)]
                    self.asked[asked] += rarity(stem)
                    in_question[asked] = True
            self.tight += cap * np.minimum(1.0, mass)
        self.in_question = in_question

    def seeds(self, count: int, asked_bound: array[float]) -> list[int]:
        """Entries to score first, for a threshold: the ``count`` best by
        their concepts, and the ``count`` whose question the query may ask
        most of."""
        by_asked = self.asked * np.asarray(asked_bound).astype(np.float64)
        return _best(self.tight, self.holding, count) + _best(by_asked, self.in_question, count)

    def candidates(
        self, threshold: float, text_size: int, shortest: array[int], longest: array[int],
        asked_bound: array[float],
    ) -> Iterator[tuple[int, float, float]]:
        """The entries whose whole bound (their concepts' points and the phrase
        part's bound, as ``Pruning._top`` bounds it) reaches ``threshold``,
        largest bound first (ties by entry within a block; the search takes
        any candidate whose bound ties the threshold, so their order across
        blocks changes nothing): each one's id, bound and concept bound.

        They come a block at a time, each block four times the last: the
        search stops at the first that cannot get in, most often within the
        first block, and a sort of every candidate (tens of thousands for
        a query of common words) cost more than the rest of the query."""
        found = np.flatnonzero(self.holding)
        low = np.asarray(shortest)[found].astype(np.int64)
        high = np.asarray(longest)[found].astype(np.int64)
        closest = np.minimum(np.maximum(text_size, low), high)
        phrase = 20 * np.minimum(text_size, closest) / (text_size + closest)
        share = self.asked[found] * np.asarray(asked_bound)[found].astype(np.float64)
        phrase = phrase + 10 * np.minimum(1.0, share)
        tight = self.tight[found]
        bound = tight + phrase
        left = np.flatnonzero(bound >= threshold)
        block = _FIRST_BLOCK
        while len(left):
            if len(left) > block:
                parted = np.argpartition(-bound[left], block - 1)
                head, left = np.sort(left[parted[:block]]), left[parted[block:]]
            else:
                head, left = left, left[:0]
            head = head[np.argsort(-bound[head], kind="stable")]
            yield from zip(found[head].tolist(), bound[head].tolist(), tight[head].tolist())
            block *= 4

    def held(self) -> set[int]:
        """The entries holding a query stem."""
        return set(np.flatnonzero(self.holding).tolist())


def _best(values: np.ndarray, mask: np.ndarray, count: int) -> list[int]:
    """The ``count`` entries of ``mask`` with the largest ``values``."""
    found = np.flatnonzero(mask)
    if len(found) > count:
        found = found[np.argpartition(-values[found], count - 1)[:count]]
    return found.tolist()
