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

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from backfaq.analyzer import terms
from backfaq.model import Entry, Hit, Store
from backfaq.vocabulary import Alternative, Concept, Vocabulary

# BM25F parameters: field weights, length normalisation, saturation.
QUESTION_WEIGHT = 2.0
ANSWER_WEIGHT = 1.0
B = 0.75
K1 = 2.0
COVERAGE_SHARE = 0.8

# The no-answer decision: an answer needs this score, and must stand this far
# above the average entry (off-topic queries match common words everywhere).
MIN_SCORE = 33.0
# A query that names the store's own subject (a concept found in at least
# ANCHOR_SHARE of the entries, such as "upper back" here) may be answered from
# ANCHORED_MIN_SCORE: its other words are more likely filler than another topic.
ANCHOR_SHARE = 0.5
ANCHORED_MIN_SCORE = 24.0
MIN_MARGIN = 12.0

LIGHT_FACTOR = 0.25  # weight of a generic word ("make", "get") against a content word
PARTIAL_PHRASE = 0.25  # a phrase found only in part counts this much of its share
SCATTERED_PHRASE = 0.6  # all words of a phrase present, but not side by side


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Ranked hits; when there are none, ``closest`` holds the nearest misses."""

    query: str
    hits: tuple[Hit, ...]
    closest: tuple[Hit, ...] = ()


@dataclass(frozen=True, slots=True)
class _Doc:
    entry: Entry
    phrasings: tuple[tuple[str, ...], ...]
    question_tf: dict[str, int]
    answer_tf: dict[str, int]
    question_len: float
    answer_len: int
    answer: tuple[str, ...]

    def has_sequence(self, stems: tuple[str, ...]) -> bool:
        """Whether the stems occur side by side in a question or the answer."""
        n = len(stems)
        return any(
            text[i : i + n] == stems
            for text in (*self.phrasings, self.answer)
            for i in range(len(text) - n + 1)
        )


class Index:
    """Ranks a store's entries for free-text queries."""

    def __init__(self, store: Store) -> None:
        self.store = store
        docs = []
        for entry in store.entries:
            phrasings = tuple(tuple(terms(p)) for p in entry.phrasings)
            question_tf: dict[str, int] = {}
            for phrasing in phrasings:
                for term in set(phrasing):
                    question_tf[term] = max(question_tf.get(term, 0), phrasing.count(term))
            answer = terms(entry.answer)
            answer_tf: dict[str, int] = defaultdict(int)
            for term in answer:
                answer_tf[term] += 1
            docs.append(
                _Doc(
                    entry,
                    phrasings,
                    question_tf,
                    dict(answer_tf),
                    sum(len(p) for p in phrasings) / len(phrasings),
                    len(answer),
                    tuple(answer),
                )
            )
        self.docs = docs
        self.postings: dict[str, set[int]] = defaultdict(set)
        for i, doc in enumerate(docs):
            for term in (*doc.question_tf, *doc.answer_tf):
                self.postings[term].add(i)
        n = len(docs)
        self.avg_question_len = sum(d.question_len for d in docs) / n or 1.0
        self.avg_answer_len = sum(d.answer_len for d in docs) / n or 1.0
        self.vocabulary = Vocabulary(
            [t for e in store.entries for t in (*e.phrasings, e.answer)], store.synonyms
        )
        # The rarity of each question word, for the phrase part of the score.
        self._phrasing_weights = [
            [tuple(self.idf(len(self.postings[t])) for t in p) for p in doc.phrasings]
            for doc in docs
        ]
        # A term found once in a question of average length scores a full 1.0.
        self._full = QUESTION_WEIGHT / (K1 + QUESTION_WEIGHT)

    def idf(self, df: int) -> float:
        n = len(self.docs)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def _containing(self, alt: Alternative) -> set[int]:
        sets = [self.postings.get(s, set()) for s in alt.stems]
        return set.intersection(*sets) if sets else set()

    def _fields(self, stem: str, doc: _Doc) -> tuple[float, float]:
        """BM25F pseudo term frequency of ``stem`` in each field of ``doc``."""
        q = doc.question_tf.get(stem, 0)
        a = doc.answer_tf.get(stem, 0)
        q_norm = 1 - B + B * doc.question_len / self.avg_question_len
        a_norm = 1 - B + B * doc.answer_len / self.avg_answer_len
        return QUESTION_WEIGHT * q / q_norm, ANSWER_WEIGHT * a / a_norm

    def _match(self, alt: Alternative, doc: _Doc) -> tuple[float, float, float]:
        """How fully ``doc`` contains ``alt`` (0..1), and its question/answer shares."""
        total = question = answer = 0.0
        missing = 0
        for stem in alt.stems:
            q, a = self._fields(stem, doc)
            tf = q + a
            if tf:
                strength = min(1.0, (tf / (K1 + tf)) / self._full)
                total += strength
                question += strength * q / tf
                answer += strength * a / tf
            else:
                missing += 1
        # A phrase is one idea: an entry with only some of its words, or with
        # all of them far apart, gets less ("back" alone is not "back to back
        # days"; "shoulder pull ... muscles" is not "pulled muscle").
        scale = alt.factor / len(alt.stems)
        if missing:
            scale *= PARTIAL_PHRASE
        elif len(alt.stems) > 1 and not doc.has_sequence(alt.stems):
            scale *= SCATTERED_PHRASE
        return total * scale, question * scale, answer * scale

    @staticmethod
    def _phrase(
        query_text: str,
        query_stems: set[str],
        phrasing: tuple[str, ...],
        weights: tuple[float, ...],
    ) -> float:
        """0..100: the query's wording against one question, and how much of that
        question (weighted by rarity) the query asks about. The second part
        prefers "pain between shoulder blades" over a question that adds "neck".
        """
        similarity = fuzz.token_sort_ratio(query_text, " ".join(phrasing))
        asked = sum(w for t, w in zip(phrasing, weights) if t in query_stems)
        precision = 100 * asked / sum(weights) if weights else 0.0
        return (similarity + precision) / 2

    def search(self, query: str, *, limit: int = 3, topic: str | None = None) -> SearchResult:
        """The best entries for ``query``, best first; no hits when nothing fits."""
        concepts = self.vocabulary.concepts(query)
        if not concepts:
            return SearchResult(query, ())
        weights = []
        anchored = False
        for concept in concepts:
            docs: set[int] = set()
            for alt in concept.alternatives:
                docs |= self._containing(alt)
            weights.append(self.idf(len(docs)) * (LIGHT_FACTOR if concept.light else 1.0))
            anchored |= not concept.light and len(docs) >= ANCHOR_SHARE * len(self.docs)
        total_weight = sum(weights)
        query_text = " ".join(s for c in concepts for s in c.alternatives[0].stems)
        query_stems = {s for c in concepts for a in c.alternatives for s in a.stems}
        scored = []
        for doc, phrasing_weights in zip(self.docs, self._phrasing_weights):
            coverage = question = answer = 0.0
            matched: list[dict[str, Any]] = []
            for concept, weight in zip(concepts, weights):
                matches = [(self._match(a, doc), a) for a in concept.alternatives]
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
                coverage += weight * best[0]
                question += weight * best[1]
                answer += weight * best[2]
                matched.append(_explain_term(concept, alt, weight, best))
            coverage /= total_weight
            phrase = max(
                self._phrase(query_text, query_stems, p, w)
                for p, w in zip(doc.phrasings, phrasing_weights)
            )
            score = 100 * COVERAGE_SHARE * coverage + (1 - COVERAGE_SHARE) * phrase
            scale = 100 * COVERAGE_SHARE / total_weight
            explain = {
                "coverage": round(coverage, 3),
                "fields": {
                    "question": round(question * scale, 2),
                    "answer": round(answer * scale, 2),
                    "phrase": round((1 - COVERAGE_SHARE) * phrase, 2),
                },
                "terms": matched,
            }
            scored.append(Hit(doc.entry, round(score, 2), explain))
        scored.sort(key=lambda h: (-h.score, h.entry.id))
        # Whether the query is answerable at all is decided over the whole
        # store, before the topic filter: a topic of one entry has no background.
        floor = ANCHORED_MIN_SCORE if anchored else MIN_SCORE
        if not self._answerable(scored, floor):
            return SearchResult(query, (), tuple(scored[:3]))
        in_scope = [h for h in scored if topic is None or h.entry.topic == topic]
        hits = tuple(h for h in in_scope if h.score >= floor)[:limit]
        return SearchResult(query, hits, () if hits else tuple(in_scope[:3]))

    @staticmethod
    def _answerable(scored: list[Hit], floor: float) -> bool:
        """The best must reach ``floor`` and stand MIN_MARGIN above the others' mean."""
        top, rest = scored[0].score, scored[1:]
        if top < floor:
            return False
        return not rest or top - sum(h.score for h in rest) / len(rest) >= MIN_MARGIN


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
