"""The search index: pruning, and the search that ties the parts together.

``Index(store).search(query, limit=3, topic=None)`` is the whole interface the
CLI sees. How an entry is scored for a query is ``backfaq.search.scoring``;
the entries holding each stem, ``backfaq.search.postings``; the entries'
analysed text, ``backfaq.search.documents``.
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
from typing import NamedTuple

from rapidfuzz import fuzz, process

from backfaq import analyzer
from backfaq.decision import Decision, decide
from backfaq.model import Hit, Store
from backfaq.search.documents import Documents, _Analyser
from backfaq.search.postings import Postings, _Posting, _RawPostings
from backfaq.search.scoring import (
    _NOTHING,
    COVERAGE_SHARE,
    K1,
    QUESTION_WEIGHT,
    Scoring,
    _evidence,
    _phrase,
    _Query,
)
from backfaq.vocabulary import Vocabulary

# Pruning: a store of at least PRUNE_FROM entries scores in full only the
# entries that can still reach the results (the same results; see ``_top``).
# Smaller stores, the bundled one among them, take the plain full scan: it
# costs them about a millisecond (pruning: 0.6 ms on the bundled store).
PRUNE_FROM = 100
# Slack for float and 2-decimal rounding in bound comparisons: a bound must
# clear the threshold by this much before an entry is skipped.
_SLACK = 0.01


class SearchResult(NamedTuple):
    """Ranked hits; when there are none, ``closest`` holds the nearest misses.
    ``decision`` says why the query was answered or not."""

    query: str
    hits: tuple[Hit, ...]
    closest: tuple[Hit, ...] = ()
    decision: Decision | None = None
    best: Hit | None = None  # the best answer in the whole store, whatever the topic


class Index(Documents, Postings, Scoring):
    """Ranks a store's entries for free-text queries.

    ``prune`` (default: for stores of PRUNE_FROM entries or more) skips the
    entries whose score bound cannot reach the results; the results are the
    same either way, which the tests check on the bundled store.
    """

    def __init__(self, store: Store, *, prune: bool | None = None) -> None:
        self.store = store
        analyse = _Analyser()
        question_lens, answer_lens = self._lay_out(analyse)
        n = len(question_lens)
        self.avg_question_len = sum(question_lens) / n or 1.0
        self.avg_answer_len = sum(answer_lens) / n or 1.0
        # A term found once in a question of average length scores a full 1.0.
        self._full = QUESTION_WEIGHT / (K1 + QUESTION_WEIGHT)
        self._prune = n >= PRUNE_FROM if prune is None else prune
        self._build_postings()
        self.vocabulary = Vocabulary([], store.synonyms, counts=analyse.words)

    @property
    def prune(self) -> bool:
        """Whether search prunes; fixed when the index is built, which prepares
        what that search needs (and, for a full scan, keeps entries unpacked)."""
        return self._prune

    @cached_property
    def _sorted_phrasings(self) -> list[str]:
        """Every question with its stems sorted, as rapidfuzz takes them (split
        only when a query needs them, which few do)."""
        return self._wording.split("\n")

    def _build_postings(self) -> None:
        """Every stem's posting and, for a pruned search, every question's
        wording, in one pass: entries are unpacked one at a time for it, so the
        whole store's tuples never sit in memory at once."""
        postings = _RawPostings(self._full)
        # Every question with its stems sorted (token-sort similarity is plain
        # similarity of sorted texts), for finding the entries that match no
        # query word but are still the closest by wording; and each entry's
        # shortest and longest question, to bound its similarity to a query.
        sorted_phrasings = []
        self._phrasing_owner = array("I")
        self._shortest = array("I")  # each entry's shortest question, in letters
        self._longest = array("I")
        self._most_phrasings = 1
        for i in range(len(self)):
            doc = self._doc(i)
            postings.add(i, doc, self._field_weights(doc))
            if not self._prune:
                continue
            for phrasing in doc.phrasings:
                sorted_phrasings.append(" ".join(sorted(phrasing)))
                self._phrasing_owner.append(i)
            sizes = [len(" ".join(p)) for p in doc.phrasings]
            self._shortest.append(min(sizes))
            self._longest.append(max(sizes))
            self._most_phrasings = max(self._most_phrasings, len(doc.phrasings))
        self._wording = "\n".join(sorted_phrasings)
        self._keep_postings(postings)

    def search(
        self, query: str | analyzer.Query, *, limit: int = 3, topic: str | None = None,
        explain: bool = True,
    ) -> SearchResult:
        """The best entries for ``query``, best first; no hits when nothing fits.

        Whether the query is answerable at all is decided on the best entry of
        the whole store, before the topic filter (a topic of one entry has no
        background), by ``decision.decide``; every hit shown must pass it too.
        ``explain`` is accepted for callers that will not read explanations;
        the decision reads them, so hits carry them either way."""
        analysed = analyzer.analyse(query)
        query = analysed.text
        q = self._prepare(analysed)
        if q is None:
            return SearchResult(query, (), decision=decide(_NOTHING))
        wanted = max(limit, 3)
        if self._prune:
            best = self._top(q, 3 if topic else wanted, None)
        else:
            best = self._ranked(q, None, 3 if topic else wanted)
        verdict = decide(_evidence(q, best[0]))
        if not verdict.answer:
            return SearchResult(query, (), tuple(best[:3]), verdict)
        if topic is None:
            in_scope = best
        elif self._prune:
            in_scope = self._top(q, wanted, topic)
        else:
            in_scope = self._ranked(q, topic, wanted)
        # The best entry has passed already; each other hit must pass too.
        hits = tuple(h for h in in_scope
                     if h is best[0] or decide(_evidence(q, h)).answer)[:limit]
        return SearchResult(query, hits, () if hits else tuple(in_scope[:3]), verdict, best[0])

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {e.id: i for i, e in enumerate(self.store.entries)}

    def _ranked(self, q: _Query, topic: str | None, k: int) -> list[Hit]:
        """The ``k`` best entries (of ``topic``) by a full scan, the reference the
        pruned search must agree with: every entry is scored without its
        explanation, then the ``k`` shown are scored again with it."""
        scored = [self._score(i, q, explain=False) for i in range(len(self))
                  if topic is None or self.store.entries[i].topic == topic]
        scored.sort(key=lambda h: (-h.score, h.entry.id))
        return [self._score(self._positions[h.entry.id], q) for h in scored[:k]]

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
            if self._bound(i, q, concept_stems, caps) + _SLACK >= threshold:
                admit(i)
        # Entries holding no query word still score by wording, up to 10 points.
        if kth() <= 10 + _SLACK:
            self._admit_by_wording(q, k, topic, set(sums), admit, kth)
        hits = sorted(found.values(), key=lambda h: (-h.score, h.entry.id))
        return hits[:k]

    def _bound(
        self, i: int, q: _Query, concept_stems: list[list[tuple[_Posting, float]]],
        caps: list[float],
    ) -> float:
        """A tight bound of entry ``i``'s score: each concept's summed strengths
        (at most 1) and the exact phrase part, without the full score's cost."""
        bound = 0.0
        for cap, stems in zip(caps, concept_stems):
            mass = 0.0
            for posting, factor in stems:
                mass += factor * posting.lookup(i)
            bound += cap * min(1.0, mass)
        phrase = max(_phrase(q.text, q.stems, p) for p in self._phrasings(self._doc(i)))
        return bound + (1 - COVERAGE_SHARE) * phrase

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


