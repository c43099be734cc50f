"""Pruning: the best entries of a large store without scoring every entry.

A store of at least PRUNE_FROM entries scores in full only the entries that
can still reach the results, and finds the same results as scoring them all
(``_top``; the tests check it against the full scan). Smaller stores, the
bundled one among them, take the plain full scan: it costs them about a
millisecond (pruning: 0.6 ms on the bundled store).

The bounds come from the postings (a stem's strength in each entry) and from
the length of each entry's questions (the phrase part of the score); entries
that hold no query word are found by their wording alone, with rapidfuzz over
every question, which this part keeps for a pruned index.
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections import defaultdict
from collections.abc import Callable
from functools import cached_property
from itertools import compress
from operator import itemgetter
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from backfaq.model import Hit, Store
from backfaq.search.documents import _Doc
from backfaq.search.postings import _Posting
from backfaq.search.scoring import COVERAGE_SHARE, _phrase, _Phrasing, _Query

PRUNE_FROM = 100
# Slack for float and 2-decimal rounding in bound comparisons: a bound must
# clear the threshold by this much before an entry is skipped.
_SLACK = 0.01


class _RawWording:
    """What the wording bounds need, gathered an entry at a time: every question
    with its stems sorted (token-sort similarity is plain similarity of sorted
    texts), for finding the entries that match no query word but are still
    the closest by wording; and each entry's shortest and longest question, to
    bound its similarity to a query."""

    def __init__(self) -> None:
        self.sorted_phrasings: list[str] = []
        self.owner = array("I")
        self.shortest = array("I")  # each entry's shortest question, in letters
        self.longest = array("I")
        self.most_phrasings = 1

    def add(self, i: int, doc: _Doc) -> None:
        for phrasing in doc.phrasings:
            self.sorted_phrasings.append(" ".join(sorted(phrasing)))
            self.owner.append(i)
        sizes = [len(" ".join(p)) for p in doc.phrasings]
        self.shortest.append(min(sizes))
        self.longest.append(max(sizes))
        self.most_phrasings = max(self.most_phrasings, len(doc.phrasings))


class Pruning:
    """The part of the index that finds the best entries by MaxScore, and the
    questions' wording that it needs (empty for an index that scans)."""

    _wording: str  # every question with its stems sorted, one a line
    _phrasing_owner: array[int]  # the entry of each line
    _shortest: array[int]
    _longest: array[int]
    _most_phrasings: int

    if TYPE_CHECKING:
        store: Store

        def _doc(self, i: int) -> _Doc: ...
        def _posting(self, term: str) -> _Posting | None: ...
        def _phrasings(self, doc: _Doc) -> tuple[_Phrasing, ...]: ...
        def _score(self, i: int, q: _Query, *, explain: bool = True) -> Hit: ...

    def _keep_wording(self, raw: _RawWording) -> None:
        self._wording = "\n".join(raw.sorted_phrasings)
        self._phrasing_owner = raw.owner
        self._shortest = raw.shortest
        self._longest = raw.longest
        self._most_phrasings = raw.most_phrasings

    @cached_property
    def _sorted_phrasings(self) -> list[str]:
        """Every question with its stems sorted, as rapidfuzz takes them (split
        only when a query needs them, which few do)."""
        return self._wording.split("\n")

    def _concept_stems(self, q: _Query) -> list[list[tuple[_Posting, float]]]:
        """Per concept, each stem's posting and how much one unit of its strength
        can add to the concept's match (summed over the alternatives holding it)."""
        out = []
        for concept in q.concepts:
            factors: dict[str, float] = defaultdict(float)
            for alt in concept.alternatives:
                for stem in alt.stems:
                    factors[stem] += alt.factor / len(alt.stems)
            out.append([(p, f) for s, f in factors.items() if (p := self._posting(s))])
        return out

    def _top(self, q: _Query, k: int, topic: str | None) -> list[Hit]:
        """The ``k`` best entries (of ``topic``, if given), exactly as a full scan
        ranks them, scoring in full only those whose bound can still get in.

        MaxScore: concepts are added rarest (heaviest) first; once the ones
        left could not lift an entry that holds none of the added ones to the
        k-th best score so far, only entries holding an added concept are
        candidates. Candidates are taken in the order of a cheap bound, then
        checked against a tight one (the exact phrase part) before the full
        score, until the cheap bound falls below the k-th best.
        """
        entries = self.store.entries
        concept_stems = self._concept_stems(q)
        # Points a concept adds at most: its whole share of the coverage.
        caps = [100 * COVERAGE_SHARE * w / q.total_weight for w in q.weights]
        order = sorted(range(len(caps)), key=lambda c: -caps[c])
        found: dict[int, Hit] = {}
        best: list[float] = []  # a min-heap of the k best scores so far

        def kth() -> float:
            return best[0] if len(best) == k else -math.inf

        def admit(i: int) -> None:
            if i in found or (topic is not None and entries[i].topic != topic):
                return
            hit = found[i] = self._score(i, q)
            heapq.heappush(best, hit.score)
            if len(best) > k:
                heapq.heappop(best)

        # Each entry's bound from the concepts added so far: a concept's
        # match is at most the summed strengths of its stems (and at most 1).
        sums: dict[int, float] = {}
        asked: set[int] = set()  # entries with a query word in a question
        taken = 0
        while taken < len(order):
            c = order[taken]
            for posting, factor in concept_stems[c]:
                weight = caps[c] * factor
                get = sums.get
                for i, strength in zip(posting.docs, posting.strengths):
                    sums[i] = get(i, 0.0) + weight * strength
                asked.update(compress(posting.docs, posting.in_question))
            taken += 1
            # Score the most promising so far, for a threshold to prune with.
            for i, _ in heapq.nlargest(2 * k, sums.items(), key=itemgetter(1)):
                admit(i)
            if sum(caps[c] for c in order[taken:]) + 20 + _SLACK < kth():
                break
        rest_cap = sum(caps[c] for c in order[taken:])
        every_concept = taken == len(order)
        cut = kth() - rest_cap - 20 - _SLACK
        candidates = [i for i, bound in sums.items() if bound >= cut]
        candidates.sort(key=lambda i: -sums[i])
        size = len(q.text)
        shortest, longest = self._shortest, self._longest
        for i in candidates:
            threshold = kth()
            if sums[i] + rest_cap + 20 + _SLACK < threshold:
                break  # candidates are in bound order: none after this can get in
            # The phrase part: a tenth of the similarity, which the lengths
            # bound, and a tenth of the precision, 0 unless a question holds
            # a query word.
            closest = min(max(size, shortest[i]), longest[i])
            phrase_cap = _length_bound(size, closest) / 10
            if not every_concept or i in asked:
                phrase_cap += 10
            if sums[i] + rest_cap + phrase_cap + _SLACK < threshold or i in found:
                continue
            if topic is not None and entries[i].topic != topic:
                continue
            # The exact phrase part first: with the loose bound of the
            # concepts it often settles the entry before any posting lookup.
            phrase = self._phrase_part(i, q)
            if sums[i] + rest_cap + phrase + _SLACK < threshold:
                continue
            if self._bound(i, concept_stems, caps) + phrase + _SLACK >= threshold:
                admit(i)
        # Entries holding no query word still score by wording, up to 10 points.
        if kth() <= 10 + _SLACK:
            self._admit_by_wording(q, k, topic, set(sums), admit, kth)
        hits = sorted(found.values(), key=lambda h: (-h.score, h.entry.id))
        return hits[:k]

    def _phrase_part(self, i: int, q: _Query) -> float:
        """Entry ``i``'s exact phrase part for ``q`` (its points of the score)."""
        return (1 - COVERAGE_SHARE) * max(
            _phrase(q.text, q.stems, p) for p in self._phrasings(self._doc(i))
        )

    def _bound(
        self, i: int, concept_stems: list[list[tuple[_Posting, float]]], caps: list[float],
    ) -> float:
        """A tight bound of entry ``i``'s concept points: each concept's summed
        strengths (at most 1), without the full score's cost."""
        bound = 0.0
        for cap, stems in zip(caps, concept_stems):
            mass = 0.0
            for posting, factor in stems:
                mass += factor * posting.lookup(i)
            bound += cap * min(1.0, mass)
        return bound

    def _admit_by_wording(
        self,
        q: _Query,
        k: int,
        topic: str | None,
        holding: set[int],
        admit: Callable[[int], None],
        kth: Callable[[], float],
    ) -> None:
        """Score the entries that hold no query word but whose wording alone could
        reach the results (their score is a tenth of the token-sort similarity)."""
        threshold = kth()
        if topic is not None and not math.isfinite(threshold):
            for i, entry in enumerate(self.store.entries):
                if entry.topic == topic and i not in holding:
                    admit(i)
            return
        text = " ".join(sorted(q.text.split()))
        if math.isfinite(threshold):
            cutoff = max(0.0, 10 * (threshold - _SLACK) - _SLACK)
        else:
            # No threshold yet: the best few by wording give one, then every
            # entry that ties with them after rounding comes in too.
            enough = (k + len(holding)) * self._most_phrasings
            first = process.extract(
                text, self._sorted_phrasings, scorer=fuzz.ratio, processor=None, limit=enough
            )
            cutoff = max(0.0, min(score for _, score, _ in first) - 0.1) if first else 0.0
        for _, _, j in process.extract(
            text, self._sorted_phrasings, scorer=fuzz.ratio, processor=None,
            score_cutoff=cutoff, limit=None,
        ):
            i = self._phrasing_owner[j]
            if i not in holding:
                admit(i)


def _length_bound(a: int, b: int) -> float:
    """The highest similarity (rapidfuzz ratio) texts of lengths ``a`` and ``b`` can have."""
    return 200 * min(a, b) / (a + b) if a + b else 100.0
