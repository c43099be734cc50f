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
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cached_property
from itertools import compress, islice
from operator import itemgetter
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from backfaq.model import Hit, Store
from backfaq.search.documents import _Doc
from backfaq.search.postings import _Posting
from backfaq.search.scoring import COVERAGE_SHARE, _phrase, _Query

# When a query's stems are in this many entries in all (their postings
# summed), on a store of at least as many, its bounds are worked out in
# arrays (``backfaq.search.dense``): the loop would go through tens of
# thousands of postings, a Python step each. A store of fewer entries
# never imports numpy for a query.
DENSE_FROM = 20_000

PRUNE_FROM = 100
# How far down the entries by asked bound the search looks for entries to
# score first, when a query holds a common word.
SEEDS = 2000
WORDING_SAMPLE = 2000  # questions compared first, for a floor to compare all with
READ_AHEAD_FIRST = 16  # candidates whose entries are fetched together first
READ_AHEAD_MOST = 256
# Slack for float and 2-decimal rounding in bound comparisons: a bound must
# clear the threshold by this much before an entry is skipped.
_SLACK = 0.01
# No entry scores more: its coverage is at most 1 and its phrase part 100.
TOP_SCORE = 100.0
# What _top takes candidates as: an entry, its bound, its concepts' loose
# bound (before the phrase part is known) and tight one (None: worked out
# when needed).
_Candidate = tuple[int, float, float, float | None]


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

    def asked_bound(self, rarity: Callable[[str], float]) -> array[float]:
        """Per entry, how much of its questions a unit of query rarity can ask.

        The phrase part's second half (scoring._asked) is the summed rarity
        of a question's stems the query holds, over all of its stems': at
        most the query's summed rarity times the most any one stem repeats
        in the question, over its total. Per entry, the largest of repeats /
        total over its questions: a query of the commonest words is bounded
        by little, where a flat 10 points let thousands of entries through
        to an exact phrase score."""
        rarities = {s: rarity(s) for s in set(" ".join(self.sorted_phrasings).split())}
        bound = array("f", bytes(4 * len(self.shortest)))
        for line, i in zip(self.sorted_phrasings, self.owner):
            stems = line.split()
            total = sum(map(rarities.__getitem__, stems))
            if total:
                most = 1 if len(set(stems)) == len(stems) else max(Counter(stems).values())
                bound[i] = max(bound[i], most / total)
        return bound


class Pruning:
    """The part of the index that finds the best entries by MaxScore, and the
    questions' wording that it needs (empty for an index that scans)."""

    _wording: str  # every question with its stems sorted, one a line
    _phrasing_owner: array[int]  # the entry of each line
    _shortest: array[int]
    _longest: array[int]
    _most_phrasings: int
    _asked_bound: array[float]  # per entry: how much a unit of query rarity can be asked
    _by_asked_bound: array[int]  # the entries, largest asked bound first

    if TYPE_CHECKING:
        store: Store

        def _doc(self, i: int) -> _Doc: ...
        def _laid_out(self, i: int) -> str: ...
        def _read_ahead(self, positions: Sequence[int]) -> None: ...
        def _posting(self, term: str) -> _Posting | None: ...
        def _df(self, term: str) -> int: ...
        def rarity(self, term: str) -> float: ...
        def _score(self, i: int, q: _Query, *, explain: bool = True) -> Hit: ...

    def _keep_wording(self, raw: _RawWording, asked_bound: array[float]) -> None:
        """Keep the questions' wording and each entry's asked bound
        (``_RawWording.asked_bound``), with the entries in its order."""
        self._wording = "\n".join(raw.sorted_phrasings)
        self._phrasing_owner = raw.owner
        self._shortest = raw.shortest
        self._longest = raw.longest
        self._most_phrasings = raw.most_phrasings
        self._asked_bound = asked_bound
        self._by_asked_bound = array("I", sorted(range(len(asked_bound)),
                                                 key=asked_bound.__getitem__, reverse=True))

    @cached_property
    def _sorted_phrasings(self) -> list[str]:
        """Every question with its stems sorted, as rapidfuzz takes them (split
        only when a query needs them, which few do)."""
        return self._wording.split("\n")

    def _concept_stems(self, q: _Query) -> list[list[tuple[str, _Posting, float]]]:
        """Per concept, each stem with its posting and how much one unit of its
        strength can add to the concept's match (summed over the alternatives
        holding it)."""
        out = []
        for concept in q.concepts:
            factors: dict[str, float] = defaultdict(float)
            for alt in concept.alternatives:
                for stem in alt.stems:
                    factors[stem] += alt.factor / len(alt.stems)
            out.append([(s, p, f) for s, f in factors.items() if (p := self._posting(s))])
        return out

    def _top(self, q: _Query, k: int, topic: str | None) -> list[Hit]:
        """The ``k`` best entries (of ``topic``, if given), exactly as a full scan
        ranks them, scoring in full only those whose bound can still get in.

        Candidates are bounded (by ``_looped``, or by ``dense.DenseBounds``
        for a query whose stems are in DENSE_FROM entries or more in all)
        and taken in the order of their bound, each checked
        against a tight one (the exact phrase part) before the full score,
        until the bound falls below the k-th best.
        """
        entries = self.store.entries
        concept_stems = self._concept_stems(q)
        # Points a concept adds at most: its whole share of the coverage.
        caps = [100 * COVERAGE_SHARE * w / q.total_weight for w in q.weights]
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

        # The loop goes through the postings of the concepts it adds (all
        # of them, for a query that MaxScore cannot cut short): past
        # DENSE_FROM of them in all, arrays bound every entry for less.
        postings = sum(len(p.docs) for stems in concept_stems for _, p, _ in stems)
        if postings >= DENSE_FROM and len(entries) >= DENSE_FROM:
            from backfaq.search.dense import DenseBounds

            dense = DenseBounds(len(entries), concept_stems, caps, self.rarity)
            for i in dense.seeds(k, self._asked_bound):
                admit(i)
            candidates: Iterable[_Candidate] = (
                (i, bound, tight, tight) for i, bound, tight in dense.candidates(
                    kth() - _SLACK, len(q.text), self._shortest, self._longest,
                    self._asked_bound))
            held: Callable[[], set[int]] = dense.held
        else:
            candidates, held = self._looped(q, k, concept_stems, caps, admit, kth)
        last: tuple[int, str] = (-1, "")  # (hits scored, the k-th best's id) when all are tied
        for i, bound, loose, tight in self._read_ahead_of(candidates):
            threshold = kth()
            if bound + _SLACK < threshold:
                break  # candidates are in bound order: none after this can get in
            if i in found:
                continue
            if topic is not None and entries[i].topic != topic:
                continue
            if threshold >= TOP_SCORE:
                # The k best all have the highest score there is: an entry
                # gets in only as a tie with a smaller id (a store can hold
                # hundreds of questions the query says word for word).
                if last[0] != len(found):
                    tied = sorted(h.entry.id for h in found.values() if h.score >= TOP_SCORE)
                    last = (len(found), tied[k - 1])
                if entries[i].id > last[1]:
                    continue
            # The exact phrase part first: with the loose bound of the
            # concepts it often settles the entry before any posting lookup.
            phrase = self._phrase_part(i, q)
            if loose + phrase + _SLACK < threshold:
                continue
            if tight is None:
                tight = self._bound(i, concept_stems, caps)
            if tight + phrase + _SLACK >= threshold:
                admit(i)
        # Entries holding no query word still score by wording, up to 10 points.
        if kth() <= 10 + _SLACK:
            self._admit_by_wording(q, k, topic, held(), admit, kth)
        hits = sorted(found.values(), key=lambda h: (-h.score, h.entry.id))
        return hits[:k]

    def _read_ahead_of(self, candidates: Iterable[_Candidate]) -> Iterator[_Candidate]:
        """``candidates`` as they come, what scoring a block of them reads
        fetched first, all at once (``_read_ahead``), each block four times
        the last, up to READ_AHEAD_MOST: most queries stop within the first."""
        them = iter(candidates)
        block = READ_AHEAD_FIRST
        while chunk := list(islice(them, block)):
            self._read_ahead([c[0] for c in chunk])
            yield from chunk
            # At most READ_AHEAD_MOST at once: a query that checks thousands
            # would read far past where it stops, and past what is kept.
            block = min(4 * block, READ_AHEAD_MOST)

    def _looped(
        self, q: _Query, k: int, concept_stems: list[list[tuple[str, _Posting, float]]],
        caps: list[float], admit: Callable[[int], None], kth: Callable[[], float],
    ) -> tuple[Iterable[_Candidate], Callable[[], set[int]]]:
        """The candidates of ``_top`` by a loop over the postings, largest
        bound first, and who holds a query stem.

        MaxScore: concepts are added rarest (heaviest) first; once the ones
        left could not lift an entry that holds none of the added ones to the
        k-th best score so far, only entries holding an added concept are
        candidates, bounded by the concepts added (and ``rest_cap``, what
        the others could add) and by a cheap bound of the phrase part.
        """
        order = sorted(range(len(caps)), key=lambda c: -caps[c])
        entries = self.store.entries
        # Each entry's bound from the concepts added so far: a concept's
        # match is at most the summed strengths of its stems (and at most 1).
        sums: dict[int, float] = {}
        # Per entry with a query stem in a question, those stems' summed
        # rarity: what bounds how much of its question the query asks about.
        # A stem in a quarter of the entries or more is too common to be
        # worth the loop (its rarity is under 1.4, where a question's sums
        # to tens): it counts as held by every entry (``common``).
        asked: dict[int, float] = {}
        seen: set[str] = set()
        common = 0.0

        def add_asked(stem: str, posting: _Posting) -> None:
            nonlocal common
            if stem in seen:
                return
            seen.add(stem)
            rarity = self.rarity(stem)
            if 4 * len(posting.docs) >= len(entries):
                common += rarity
                return
            held = asked.get
            for i in compress(posting.docs, posting.in_question):
                asked[i] = held(i, 0.0) + rarity

        taken = 0
        while taken < len(order):
            c = order[taken]
            for stem, posting, factor in concept_stems[c]:
                weight = caps[c] * factor
                get = sums.get
                for i, strength in zip(posting.docs, posting.strengths):
                    sums[i] = get(i, 0.0) + weight * strength
                add_asked(stem, posting)
            taken += 1
            # Score the most promising so far, for a threshold to prune with.
            for i, _ in heapq.nlargest(2 * k, sums.items(), key=itemgetter(1)):
                admit(i)
            if sum(caps[c] for c in order[taken:]) + 20 + _SLACK < kth():
                break
        rest_cap = sum(caps[c] for c in order[taken:])
        shortest, longest, asked_bound = self._shortest, self._longest, self._asked_bound
        # The concepts not added cannot lift an entry they are not in by
        # their coverage (rest_cap says how much), but their stems may be in
        # its questions.
        for c in order[taken:]:
            for stem, posting, _ in concept_stems[c]:
                add_asked(stem, posting)
        held = asked.get
        # Entries whose question the query may ask most of are scored too,
        # for a higher threshold: those that hold its rarer words there, and
        # those whose questions are made of its commonest words.
        for i in heapq.nlargest(2 * k, asked, key=lambda i: asked[i] * asked_bound[i]):
            admit(i)
        if common:
            for i in [i for i in islice(self._by_asked_bound, SEEDS) if i in sums][: 2 * k]:
                admit(i)
        # Each candidate's bound: its concepts', and its phrase part's: a
        # tenth of the similarity, which the lengths bound, and a tenth of
        # the share of its question asked, which the rarity of the query
        # stems it holds there bounds. Taken in the order of that bound, the
        # search stops at the first that cannot get in: a query of common
        # words holds tens of thousands of candidates, few of them close.
        cut = kth() - rest_cap - _SLACK
        size = len(q.text)
        bounds: dict[int, float] = {}
        for i, bound in self._pool(sums, asked, common, kth()):
            if bound + 20 < cut:
                continue
            # Texts of lengths a and b have a similarity (rapidfuzz ratio)
            # of at most 200 min(a, b) / (a + b); its tenth is the bound.
            closest = min(max(size, shortest[i]), longest[i])
            bound += 20 * min(size, closest) / (size + closest)
            bound += 10 * min(1.0, (held(i, 0.0) + common) * asked_bound[i])
            if bound >= cut:
                bounds[i] = bound
        candidates = ((i, bounds[i] + rest_cap, sums[i] + rest_cap, None)
                      for i in sorted(bounds, key=bounds.__getitem__, reverse=True))
        return candidates, lambda: set(sums)

    def _pool(self, sums: dict[int, float], asked: dict[int, float], common: float,
              threshold: float) -> Iterable[tuple[int, float]]:
        """The candidates (of ``sums``, with their concepts' bound) that can
        reach ``threshold``. Any entry scores at most the whole coverage
        (80 points), a tenth of a similarity (10) and its asked share; an
        entry with no rarer query word in a question asks only its common
        ones (``common``: their summed rarity). Past 90 points, only entries
        holding a rarer word there or with a large enough asked bound can
        reach the threshold: the others are never looked at."""
        need = threshold - 100 * COVERAGE_SHARE - 10 - _SLACK
        if need <= 0:
            return sums.items()
        pool = [i for i in asked if i in sums]
        if common:
            least = need / (10 * common)
            bound = self._asked_bound
            for i in self._by_asked_bound:
                if bound[i] < least:
                    break
                if i in sums and i not in asked:
                    pool.append(i)
        return [(i, sums[i]) for i in pool]

    def _phrase_part(self, i: int, q: _Query) -> float:
        """Entry ``i``'s exact phrase part for ``q`` (its points of the score).

        A query of common words checks a thousand entries or more this way:
        their questions are read straight from the laid-out text (a line
        each, its stems joined by spaces: the text ``_phrase`` compares),
        the answer never split, each question weighed as ``_phrasings``
        weighs it, so the number is the full score's to the bit."""
        rarity = self.rarity
        best = 0.0
        for line in self._laid_out(i).partition("\t")[0].split("\n"):
            stems = tuple(line.split())
            weights = tuple(map(rarity, stems))
            best = max(best, _phrase(q.text, q.stems, (line, stems, weights, sum(weights))))
        return (1 - COVERAGE_SHARE) * best

    def _bound(
        self, i: int, concept_stems: list[list[tuple[str, _Posting, float]]], caps: list[float],
    ) -> float:
        """A tight bound of entry ``i``'s concept points: each concept's summed
        strengths (at most 1), without the full score's cost."""
        bound = 0.0
        for cap, stems in zip(caps, concept_stems):
            mass = 0.0
            for _, posting, factor in stems:
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
        phrasings = self._sorted_phrasings
        if math.isfinite(threshold):
            cutoff = max(0.0, 10 * (threshold - _SLACK) - _SLACK)
            found = process.extract(text, phrasings, scorer=fuzz.ratio, processor=None,
                                    score_cutoff=cutoff, limit=None)
        else:
            # No threshold yet: the best few by wording give one, then every
            # entry that ties with them after rounding comes in too. The
            # as-many-th best of a sample of the questions is no better than
            # that of all of them: one pass over all, cut there, finds them.
            enough = (k + len(holding)) * self._most_phrasings
            sample = phrasings[:: max(1, len(phrasings) // WORDING_SAMPLE)]
            floor = 0.0
            if len(sample) > enough:
                floor = process.extract(text, sample, scorer=fuzz.ratio, processor=None,
                                        limit=enough)[-1][1]
            found = process.extract(text, phrasings, scorer=fuzz.ratio, processor=None,
                                    score_cutoff=max(0.0, floor - 0.1), limit=None)
            top = found[:enough]
            cutoff = max(0.0, top[-1][1] - 0.1) if top else 0.0
        for _, score, j in found:
            if score < cutoff:
                break  # best first: none after this is as close
            i = self._phrasing_owner[j]
            if i not in holding:
                admit(i)
