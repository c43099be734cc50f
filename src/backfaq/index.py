"""The search index: BM25F term weighting, synonyms, typo tolerance, phrase similarity.

``Index(store).search(query, limit=3, topic=None)`` is the whole interface the
CLI sees. The score of a hit is 0..100 and is built from two readable parts:

* coverage (weight ``COVERAGE_SHARE``): how much of the query's meaning, each
  concept weighted by how rare it is (inverse document frequency), the entry
  contains; a concept found in a question counts fully, in the answer less;
* phrase (the rest): how close the query's wording is to one of the entry's
  questions: rapidfuzz token-sort similarity of the analyzed texts, averaged
  with the rarity-weighted share of the question that the query asks about.
"""

from __future__ import annotations

import heapq
import math
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import cached_property
from itertools import compress
from operator import itemgetter
from typing import Any, NamedTuple

from rapidfuzz import fuzz, process

from backfaq import analyzer
from backfaq.decision import Decision, Evidence, decide
from backfaq.model import Hit, Store
from backfaq.search.documents import Documents, _Analyser, _Doc
from backfaq.vocabulary import Alternative, Concept, Vocabulary

# BM25F parameters: field weights, length normalisation, saturation.
QUESTION_WEIGHT = 2.0
ANSWER_WEIGHT = 1.0
B = 0.75
K1 = 2.0
COVERAGE_SHARE = 0.8

LIGHT_FACTOR = 0.25  # weight of a generic word ("make", "get") against a content word
PARTIAL_PHRASE = 0.25  # a phrase found only in part counts this much of its share
SCATTERED_PHRASE = 0.6  # all words of a phrase present, but not side by side
# A word an entry uses only inside a synonym phrase ("shoulder" of "shoulder
# blade", "between" of "between the shoulder blades") counts this much.
BOUND_WORD = 0.25


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


# The evidence of a query with no content word at all.
_NOTHING = Evidence(0.0, 0.0, 0.0, 0.0)


# One question as the phrase part of the score takes it: its stems joined, the
# stems, each one's rarity, and their sum.
_Phrasing = tuple[str, tuple[str, ...], tuple[float, ...], float]
# Each stem's BM25F strength in an entry (0..1), and its question and answer shares.
_Strengths = dict[str, tuple[float, float, float]]
# An entry ready to score: its text (as _Doc and spaced), the strengths of its
# stems (of the query's only, for a pruned search, which unpacks an entry per
# query), the stems it holds, its questions and the words it only uses inside
# synonym phrases.
_Unpacked = tuple[
    _Doc, str, _Strengths, frozenset[str], tuple[_Phrasing, ...], frozenset[str],
]


class _Posting:
    """The entries holding one stem, in ascending order, with the stem's BM25F
    strength in each (what ``_match`` computes, 0..1) and whether a question
    holds it: enough to bound an entry's score without scoring it.

    (This and _Query are plain classes: a dataclass or NamedTuple costs the
    bundled store's every start-up about a millisecond to define.)
    """

    __slots__ = ("docs", "strengths", "in_question", "strength_sum", "asked")

    def __init__(
        self, docs: memoryview, strengths: memoryview, in_question: memoryview,
        strength_sum: float, asked: int,
    ) -> None:
        self.docs = docs
        self.strengths = strengths
        self.in_question = in_question
        self.strength_sum = strength_sum
        self.asked = asked  # how many entries hold the stem in a question

    def lookup(self, doc: int) -> float:
        """The stem's strength in entry ``doc`` (0 when it lacks the stem)."""
        i = bisect_left(self.docs, doc)
        if i < len(self.docs) and self.docs[i] == doc:
            return float(self.strengths[i])
        return 0.0


class _Query:
    """What every entry is scored against for one query."""

    __slots__ = ("concepts", "weights", "total_weight", "text", "stems", "reach", "unit",
                 "unknown", "unknown_words")

    def __init__(
        self, concepts: list[Concept], weights: list[float], total_weight: float, text: str,
        stems: set[str],
        reach: list[list[tuple[Alternative, frozenset[str]]]], unit: float,
    ) -> None:
        self.concepts = concepts
        # Per concept, the alternatives the store holds a word of: one it
        # holds none of scores 0 everywhere, so it is never matched.
        self.reach = reach
        self.weights = weights
        self.total_weight = total_weight
        self.text = text
        self.stems = stems
        # The weight of a word found in one entry: the unit of the decision's
        # absolute evidence, so that it reads the same on any store's size.
        self.unit = unit
        # The concepts no entry holds a word of: evidence of another subject.
        unheld = [c for c, r in zip(range(len(concepts)), reach) if not r]
        self.unknown = sum(weights[c] for c in unheld) / unit
        self.unknown_words = tuple(concepts[c].typed for c in unheld)


class Index(Documents):
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
    def _phrase_lengths(self) -> dict[str, tuple[int, ...]]:
        """For each first stem of a vocabulary phrase of two or more words, the
        lengths of the phrases it starts, longest first."""
        lengths: dict[str, set[int]] = defaultdict(set)
        for key in self.vocabulary.phrase_groups:
            if len(key) > 1:
                lengths[key[0]].add(len(key))
        return {first: tuple(sorted(sizes, reverse=True)) for first, sizes in lengths.items()}

    def _bound_words(self, doc: _Doc) -> frozenset[str]:
        """The words an entry uses only inside its synonym phrases."""
        phrases = self.vocabulary.phrase_groups
        lengths = self._phrase_lengths
        inside: dict[str, bool] = {}
        for text in (*doc.phrasings, doc.answer):
            covered = [False] * len(text)
            for start, first in enumerate(text):
                for size in lengths.get(first, ()):
                    if start + size <= len(text) and text[start : start + size] in phrases:
                        covered[start : start + size] = [True] * size
                        break
            for stem, is_covered in zip(text, covered):
                inside[stem] = inside.get(stem, True) and is_covered
        return frozenset(s for s, only in inside.items() if only)

    @cached_property
    def _unpacked(self) -> dict[int, _Unpacked]:
        """Entries unpacked for scoring, with each question word's rarity for
        the phrase part and the words bound to phrases: kept for a small store,
        which is scanned whole on every query."""
        return {}

    @cached_property
    def _sorted_phrasings(self) -> list[str]:
        """Every question with its stems sorted, as rapidfuzz takes them (split
        only when a query needs them, which few do)."""
        return self._wording.split("\n")

    def _build_postings(self) -> None:
        """Every stem's posting, laid end to end in a few flat arrays: a store of
        100,000 entries has millions of postings, and flat arrays keep them small
        in memory and quick to save and load. Entries are unpacked one at a time
        for it, so the whole store's tuples never sit in memory at once."""
        raw: dict[str, tuple[array[int], array[float], bytearray]] = {}
        full = self._full
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
            question_tf, answer_tf = doc.term_counts()
            # As in _strengths, so that a stored strength is exactly what scoring
            # finds; written out here because the tuples _strengths makes would
            # cost a tenth of a large store's build.
            question_weight, answer_weight = self._field_weights(doc)
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
        self._terms: dict[str, int] = {}
        self._offsets = array("Q", [0])
        self._posting_docs = array("I")
        # Single precision is plenty for a bound (compared with _SLACK to spare).
        self._posting_strengths = array("f")
        self._posting_asked = bytearray()
        self._strength_sums = array("d")
        for term in list(raw):
            ids, strengths, asked = raw.pop(term)  # freed as the flat arrays grow
            self._terms[term] = len(self._terms)
            self._posting_docs.extend(ids)
            self._posting_strengths.extend(array("f", strengths))
            self._posting_asked.extend(asked)
            self._offsets.append(len(self._posting_docs))
            self._strength_sums.append(sum(strengths))

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
            self._strength_sums[t],
            bytes(asked).count(1),
        )

    def idf(self, df: int) -> float:
        n = len(self)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def _df(self, term: str) -> int:
        t = self._terms.get(term)
        return 0 if t is None else self._offsets[t + 1] - self._offsets[t]

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

    def _field_weights(self, doc: _Doc) -> tuple[float, float]:
        """BM25F: each field's weight over its length normalisation, for ``doc``."""
        q_norm = 1 - B + B * doc.question_len / self.avg_question_len
        a_norm = 1 - B + B * len(doc.answer) / self.avg_answer_len
        return QUESTION_WEIGHT / q_norm, ANSWER_WEIGHT / a_norm

    def _strengths(self, doc: _Doc, stems: Iterable[str] | None = None) -> _Strengths:
        """The BM25F strength of each of the entry's stems (or of ``stems``
        it holds), with the question's and the answer's shares of it."""
        question_tf, answer_tf = doc.term_counts()
        question_weight, answer_weight = self._field_weights(doc)
        full = self._full
        out = {}
        for stem in {*question_tf, *answer_tf} if stems is None else stems:
            # BM25F pseudo term frequency of the stem in each field.
            q = question_weight * question_tf.get(stem, 0)
            a = answer_weight * answer_tf.get(stem, 0)
            tf = q + a
            if tf:
                strength = min(1.0, (tf / (K1 + tf)) / full)
                out[stem] = (strength, strength * q / tf, strength * a / tf)
        return out

    def _match(
        self, alt: Alternative, spaced: str, strengths: _Strengths, bound: frozenset[str]
    ) -> tuple[float, float, float]:
        """How fully an entry (its ``spaced`` text, stems' strengths and bound
        words) contains ``alt`` (0..1), and its question/answer shares."""
        total = question = answer = 0.0
        missing = 0
        for stem in alt.stems:
            found = strengths.get(stem)
            if found is None:
                missing += 1
            else:
                total += found[0]
                question += found[1]
                answer += found[2]
        # A phrase is one idea: an entry with only some of its words, or with
        # all of them far apart, gets less ("back" alone is not "back to back
        # days"; "shoulder pull ... muscles" is not "pulled muscle").
        scale = alt.factor / len(alt.stems)
        if len(alt.stems) == 1 and alt.stems[0] in bound:
            # The entry says the word only inside a phrase with its own
            # meaning: "shoulder" of "shoulder blade" is not the shoulder.
            scale *= BOUND_WORD
        if missing:
            scale *= PARTIAL_PHRASE
        elif len(alt.stems) > 1 and f" {' '.join(alt.stems)} " not in spaced:
            scale *= SCATTERED_PHRASE
        return total * scale, question * scale, answer * scale

    @staticmethod
    def _phrase(query_text: str, query_stems: set[str], phrasing: _Phrasing) -> float:
        """0..100: the query's wording against one question, and how much of that
        question (weighted by rarity) the query asks about. The second part
        prefers "pain between shoulder blades" over a question that adds "neck".
        """
        text = phrasing[0]
        similarity = fuzz.token_sort_ratio(query_text, text)
        return (similarity + 100 * _asked(query_stems, phrasing)) / 2

    def _phrasings(self, doc: _Doc) -> tuple[_Phrasing, ...]:
        """The entry's questions ready for ``_phrase``."""
        out = []
        for stems in doc.phrasings:
            rarity = tuple(self.idf(self._df(t)) for t in stems)
            out.append((" ".join(stems), stems, rarity, sum(rarity)))
        return tuple(out)

    def _prepare(self, query: str | analyzer.Query) -> _Query | None:
        concepts = self.vocabulary.concepts(query)
        if not concepts:
            return None
        weights = []
        reach = []
        for concept in concepts:
            alts = concept.alternatives
            reach.append([(a, frozenset(a.stems)) for a in alts
                          if any(self._df(s) for s in a.stems)])
            if len(alts) == 1 and len(alts[0].stems) == 1:
                count = self._df(alts[0].stems[0])  # no set needed for one word
            else:
                docs: set[int] = set()
                for alt in alts:
                    docs |= self._containing(alt)
                count = len(docs)
            weights.append(self.idf(count) * (LIGHT_FACTOR if concept.light else 1.0))
        return _Query(
            concepts,
            weights,
            sum(weights),
            " ".join(s for c in concepts for s in c.alternatives[0].stems),
            {s for c in concepts for a in c.alternatives for s in a.stems},
            reach,
            self.idf(1),
        )

    def _score(self, i: int, q: _Query, *, explain: bool = True) -> Hit:
        """The full score of entry ``i``, with what the explain output shows
        (left out, with ``explain=False``, for entries that may not be shown)."""
        unpacked = self._unpacked.get(i)
        if unpacked is None:
            doc = self._doc(i)
            strengths = self._strengths(doc, q.stems if self._prune else None)
            unpacked = (
                doc, doc.spaced(), strengths, frozenset(strengths),
                self._phrasings(doc), self._bound_words(doc),
            )
            if not self._prune:
                self._unpacked[i] = unpacked
        doc, spaced, strengths, held, phrasings, bound = unpacked
        coverage = question = answer = 0.0
        matched: list[dict[str, Any]] = []
        # An entry with none of the query's words is scored on wording alone.
        concepts = zip(q.concepts, q.weights, q.reach) if not held.isdisjoint(q.stems) else ()
        for concept, weight, reach in concepts:
            # An entry holding no word of an alternative scores 0 for it.
            matches = [
                (self._match(a, spaced, strengths, bound), a) for a, stems in reach
                if not held.isdisjoint(stems)
            ]
            if not matches:
                continue
            best, alt = max(matches, key=lambda pair: pair[0][0])
            if best[0] <= 0:
                continue
            # Several phrasings of one idea in an entry are more evidence
            # than one: combine them as independent signals (noisy-or).
            missed = 1.0
            for m, _ in matches:
                missed *= 1.0 - m[0]
            share = (1.0 - missed) / best[0]
            best = (best[0] * share, best[1] * share, best[2] * share)
            if concept.light:
                # A generic word ("take", "make") counts where the question
                # itself says it; in an answer it is everywhere and means little.
                best = (best[1], best[1], 0.0)
            coverage += weight * best[0]
            question += weight * best[1]
            answer += weight * best[2]
            if explain:
                matched.append(_explain_term(concept, alt, weight, best))
        coverage /= q.total_weight
        phrase = max(self._phrase(q.text, q.stems, p) for p in phrasings)
        score = 100 * COVERAGE_SHARE * coverage + (1 - COVERAGE_SHARE) * phrase
        if not explain:
            return Hit(doc.entry, round(score, 2))
        scale = 100 * COVERAGE_SHARE / q.total_weight
        asked = max(_asked(q.stems, p) for p in phrasings)
        why = {
            "coverage": round(coverage, 3),
            "matched": round(coverage * q.total_weight / q.unit, 3),
            "asked": round(asked, 3),
            "fields": {
                "question": round(question * scale, 2),
                "answer": round(answer * scale, 2),
                "phrase": round((1 - COVERAGE_SHARE) * phrase, 2),
            },
            "terms": matched,
        }
        return Hit(doc.entry, round(score, 2), why)

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
        verdict = decide(self._evidence(q, best[0]))
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
                     if h is best[0] or decide(self._evidence(q, h)).answer)[:limit]
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

    @staticmethod
    def _evidence(q: _Query, hit: Hit) -> Evidence:
        """What the decision reads about ``hit`` as the answer to ``q``."""
        why = hit.explain
        return Evidence(why["matched"], why["coverage"], round(q.unknown, 3), why["asked"],
                        q.unknown_words)

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
        phrase = max(self._phrase(q.text, q.stems, p) for p in self._phrasings(self._doc(i)))
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


def _asked(query_stems: set[str], phrasing: _Phrasing) -> float:
    """0..1: the rarity-weighted share of a question's stems the query holds."""
    _, stems, weights, total = phrasing
    if not total:
        return 0.0
    return sum(w for t, w in zip(stems, weights) if t in query_stems) / total


def _length_bound(a: int, b: int) -> float:
    """The highest similarity (rapidfuzz ratio) texts of lengths ``a`` and ``b`` can have."""
    return 200 * min(a, b) / (a + b) if a + b else 100.0


def _explain_term(
    concept: Concept, alt: Alternative, weight: float, match: tuple[float, float, float]
) -> dict[str, Any]:
    return {
        "query": concept.typed,
        "corrected": concept.corrected,
        "matched": alt.text,
        "stems": list(alt.stems),
        "synonym": alt.synonym,
        "weight": round(weight, 3),
        "strength": round(match[0], 3),
    }
