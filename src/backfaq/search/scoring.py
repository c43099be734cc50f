"""The score of an entry for a query: BM25F term weighting, synonyms, typo
tolerance, phrase similarity.

The score of a hit is 0..100 and is built from two readable parts:

* coverage (weight ``COVERAGE_SHARE``): how much of the query's meaning, each
  concept weighted by how rare it is (inverse document frequency), the entry
  contains; a concept found in a question counts fully, in the answer less;
* phrase (the rest): how close the query's wording is to one of the entry's
  questions: rapidfuzz token-sort similarity of the analyzed texts, averaged
  with the rarity-weighted share of the question that the query asks about.

Here too is what the decision reads about a hit (``_evidence``): the numbers
come out of the score's explanation, so the two cannot disagree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from backfaq import analyzer
from backfaq.decision import Evidence
from backfaq.model import Hit
from backfaq.search.compounds import rejoined, says_side_by_side
from backfaq.search.documents import _Doc
from backfaq.vocabulary import Alternative, Concept, Vocabulary

if TYPE_CHECKING:
    from backfaq.search.postings import _Posting

# BM25F parameters: field weights, length normalisation, saturation.
QUESTION_WEIGHT = 2.0
ANSWER_WEIGHT = 1.0
B = 0.75
K1 = 2.0
COVERAGE_SHARE = 0.8
# Entries looked at to see whether the store says two stems side by side
# (``compounds``): a store that says "Wi-Fi" says it in more than one entry
# or in the first few holding "fi"; a large store's common stems are not
# all read for one query's unknown word.
SIDE_BY_SIDE = 200

LIGHT_FACTOR = 0.25  # weight of a generic word ("make", "get") against a content word
PARTIAL_PHRASE = 0.25  # a phrase found only in part counts this much of its share
SCATTERED_PHRASE = 0.6  # all words of a phrase present, but not side by side
# A word an entry uses only inside a synonym phrase ("shoulder" of "shoulder
# blade", "between" of "between the shoulder blades") counts this much.
BOUND_WORD = 0.25


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
# The same without its _Doc, as the index of a scanned store saves it.
_ScanRow = tuple[str, _Strengths, frozenset[str], tuple[_Phrasing, ...], frozenset[str]]


class _Query:
    """What every entry is scored against for one query."""

    __slots__ = ("concepts", "weights", "total_weight", "text", "stems", "reach", "unit",
                 "unknown", "unknown_words", "clauses")

    def __init__(
        self, concepts: list[Concept], weights: list[float], total_weight: float, text: str,
        stems: set[str],
        reach: list[list[tuple[Alternative, frozenset[str]]]], unit: float,
        clauses: tuple[tuple[int, ...], ...] = (),
    ) -> None:
        self.concepts = concepts
        # Per clause of the query, the indexes of its concepts: a long
        # message's question is often one clause of many.
        self.clauses = clauses
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
        # The concepts no entry holds a word of: evidence of another subject
        # (a number is not: "I'm 50" says nothing about what is asked).
        unheld = [c for c, r in zip(range(len(concepts)), reach)
                  if all(a.related for a, _ in r)
                  and not any(ch.isdigit() for ch in concepts[c].typed)]
        self.unknown = sum(weights[c] for c in unheld) / unit
        self.unknown_words = tuple(concepts[c].typed for c in unheld)

    def part(self, positions: list[int]) -> _Query | None:
        """The query made of the concepts found at ``positions`` (a sentence's
        words, see ``analyzer.Query.sentences``), with the weights they have
        in the whole: a sentence is not analysed again. None when it holds no
        concept."""
        held = set(positions)
        inside = [i for i, c in enumerate(self.concepts) if not held.isdisjoint(c.positions)]
        if not inside:
            return None
        concepts = [self.concepts[i] for i in inside]
        weights = [self.weights[i] for i in inside]
        return _Query(
            concepts, weights, sum(weights),
            " ".join(s for c in concepts for s in c.alternatives[0].stems),
            {s for c in concepts for a in c.alternatives for s in a.stems},
            [self.reach[i] for i in inside], self.unit,
        )


class Scoring:
    """The part of the index that scores an entry for a prepared query: the
    store's field lengths for BM25F, and what it keeps between queries."""

    avg_question_len: float
    avg_answer_len: float
    # A term found once in a question of average length scores a full 1.0.
    _full: float
    # Every entry unpacked for scoring, for a scanned store (empty if pruned).
    _scan: list[_ScanRow]

    if TYPE_CHECKING:
        vocabulary: Vocabulary
        _prune: bool

        def _doc(self, i: int) -> _Doc: ...
        def idf(self, df: int) -> float: ...
        def _df(self, term: str) -> int: ...
        def rarity(self, term: str) -> float: ...
        def _holding_any(self, alts: Sequence[Alternative]) -> int: ...
        def _posting(self, term: str) -> _Posting | None: ...

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
        which is scanned whole on every query (from ``_scan``, made when the
        index is built and saved with it)."""
        return {i: (self._doc(i), *row) for i, row in enumerate(self._scan)}

    def _unpack(self, i: int) -> _ScanRow:
        """Entry ``i`` as a full scan scores it, without its ``_Doc`` (which
        the cache cannot save and is quick to remake)."""
        doc = self._doc(i)
        strengths = self._strengths(doc)
        return (doc.spaced(), strengths, frozenset(strengths), self._phrasings(doc),
                self._bound_words(doc))

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

    def _phrasings(self, doc: _Doc) -> tuple[_Phrasing, ...]:
        """The entry's questions ready for ``_phrase``."""
        out = []
        for stems in doc.phrasings:
            rarity = tuple(map(self.rarity, stems))
            out.append((" ".join(stems), stems, rarity, sum(rarity)))
        return tuple(out)

    def _prepare(self, query: str | analyzer.Query) -> _Query | None:
        analysed = analyzer.analyse(query)
        concepts = rejoined(self.vocabulary.concepts(analysed), self._df, self._side_by_side,
                            analysed.word_clauses(), analysed.asked)
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
                count = self._holding_any(alts)
            weights.append(self.idf(count) * (LIGHT_FACTOR if concept.light else 1.0))
        return _Query(
            concepts,
            weights,
            sum(weights),
            " ".join(s for c in concepts for s in c.alternatives[0].stems),
            {s for c in concepts for a in c.alternatives for s in a.stems},
            reach,
            self.idf(1),
            _clause_concepts(analysed, concepts),
        )

    def _side_by_side(self, first: str, second: str, first_stem: str, second_stem: str) -> bool:
        """Whether an entry says the word ``first`` right before one with
        ``second``'s stem, with nothing but a space or a hyphen between
        (``compounds.says_side_by_side``): looked for in the first
        SIDE_BY_SIDE entries holding the rarer of the two stems (the verb's,
        for a verb and its particle)."""
        found = self._posting(first_stem)
        if found is None:
            return False
        other: _Posting | None = None
        if second not in analyzer.STOP_WORDS:  # a particle ("log in") has no posting
            other = self._posting(second_stem)
            if other is None:
                return False
            found, other = sorted((found, other), key=lambda p: len(p.docs))
        for i in found.docs[:SIDE_BY_SIDE]:
            if other is None or other.lookup(i):
                entry = self._doc(i).entry
                text = "\n".join((*entry.phrasings, entry.answer)).lower()
                if says_side_by_side(text, first, second, second_stem):
                    return True
        return False

    def _score(self, i: int, q: _Query, *, explain: bool = True) -> Hit:
        """The full score of entry ``i``, with what the explain output shows
        (left out, with ``explain=False``, for entries that may not be shown)."""
        unpacked = self._unpacked.get(i)
        if unpacked is None:  # a pruned search unpacks an entry per query
            doc = self._doc(i)
            strengths = self._strengths(doc, q.stems)
            unpacked = (
                doc, doc.spaced(), strengths, frozenset(strengths),
                self._phrasings(doc), self._bound_words(doc),
            )
        doc, spaced, strengths, held, phrasings, bound = unpacked
        coverage = question = answer = 0.0
        matched: list[dict[str, Any]] = []
        # An entry with none of the query's words is scored on wording alone.
        concepts = zip(q.concepts, q.weights, q.reach) if not held.isdisjoint(q.stems) else ()
        for concept, weight, reach in concepts:
            # An entry holding no word of an alternative scores 0 for it.
            matches = [
                (_match(a, spaced, strengths, bound), a) for a, stems in reach
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
        phrase = max(_phrase(q.text, q.stems, p) for p in phrasings)
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


def _match(
    alt: Alternative, spaced: str, strengths: _Strengths, bound: frozenset[str]
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


def _phrase(query_text: str, query_stems: set[str], phrasing: _Phrasing) -> float:
    """0..100: the query's wording against one question, and how much of that
    question (weighted by rarity) the query asks about. The second part
    prefers "pain between shoulder blades" over a question that adds "neck".
    """
    text = phrasing[0]
    similarity = fuzz.token_sort_ratio(query_text, text)
    return (similarity + 100 * _asked(query_stems, phrasing)) / 2


def _asked(query_stems: set[str], phrasing: _Phrasing) -> float:
    """0..1: the rarity-weighted share of a question's stems the query holds."""
    _, stems, weights, total = phrasing
    if not total:
        return 0.0
    return sum(w for t, w in zip(stems, weights) if t in query_stems) / total


def _explain_term(
    concept: Concept, alt: Alternative, weight: float, match: tuple[float, float, float]
) -> dict[str, Any]:
    return {
        "query": concept.typed,
        "corrected": concept.corrected,
        "matched": alt.text,
        "stems": list(alt.stems),
        "synonym": alt.synonym,
        "related": alt.related,
        "weight": round(weight, 3),
        "strength": round(match[0], 3),
    }


# The evidence of a query with no content word at all.
_NOTHING = Evidence(0.0, 0.0, 0.0, 0.0, 0.0)


def _evidence(q: _Query, hit: Hit) -> Evidence:
    """What the decision reads about ``hit`` as the answer to ``q``."""
    why = hit.explain
    held = {t["query"]: t["weight"] * t["strength"] for t in why["terms"]}
    clause = 0.0
    for indexes in q.clauses:
        total = sum(q.weights[c] for c in indexes)
        found = sum(held.get(q.concepts[c].typed, 0.0) for c in indexes)
        clause = max(clause, found / total if total else 0.0)
    return Evidence(why["matched"], why["coverage"], round(q.unknown, 3), why["asked"],
                    round(min(clause, 1.0), 3), why.get("meaning"), q.unknown_words)


def _clause_concepts(
    query: analyzer.Query, concepts: list[Concept],
) -> tuple[tuple[int, ...], ...]:
    """For each clause of ``query`` holding a concept, the indexes of the
    concepts that start in it (a one-clause query's is all of it): by
    position, as ``_Query.part`` reads a sentence."""
    out = []
    for positions in query.clause_positions():
        held = set(positions)
        inside = tuple(i for i, c in enumerate(concepts) if not held.isdisjoint(c.positions))
        if inside:
            out.append(inside)
    return tuple(out)
