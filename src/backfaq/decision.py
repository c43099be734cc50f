"""Answer or not: whether the best entry a search found really answers the query.

The ranking always has a best entry; this module decides whether it is an
answer or only the least bad of many wrong ones. The decision reads a few
numbers about the query and that entry (``Evidence``), each chosen so that it
keeps its meaning when a message grows long or the store changes:

* ``matched``: the query's concept weight the entry holds, in absolute terms
  (inverse document frequency, in units of the weight of a word found in one
  entry of the store). A long message that names "chin tucks" among twenty
  words of situation keeps all of it; a share of the query would shrink.
* ``coverage``: the share of the query's weight the entry holds. It still
  matters for short queries, where one unmatched word is half the question.
* ``unknown``: the weight of the query's content words that the store never
  uses (after typo correction), same unit as ``matched``. A word no entry
  holds is evidence of another subject ("descale my kettle").
* ``asked``: how much of the entry's own question (rarity weighted) the
  query asks about, the best of its phrasings.
* ``meaning``: how near the query is to the entry's question in general
  English (``backfaq.meaning``), a cosine: "can I use one of your PCs" is
  near "Can I use a computer?" with no word in common. Of another subject
  it says little ("descale my kettle" is near "How often should I
  descale?"): the words the store never uses say more.
* ``clause``: the best clause's coverage: the share of the concept weight
  of one clause of the query that the entry holds. A long message tells its
  situation in some clauses and asks in one; that one, fully answered, is
  evidence however long the rest is. For a query of one clause it is its
  ``coverage``.

They are combined by a logistic model (matched and unknown weight on a log
scale, ``LOG_SCALED``) whose weights were fitted on backfaq's
own labelled queries (``benchmarks/queries.jsonl`` over the bundled store, with
and without its synonyms, and the library store in ``benchmarks/stores``) by
``tools/fit_decision.py`` and then rounded; ``benchmarks/quality.py``
measures them per kind of query. The model is monotone where it should be:
more matched weight, coverage, question asked or meaning never turns an
answer into a rejection, more unknown weight never turns a rejection into an
answer. That is what lets the pruned search decide from its best entry alone.
"""

from __future__ import annotations

import math
from typing import NamedTuple

# The fitted models: logit = bias + sum of weight * input. See the module
# docstring for where the numbers come from; THRESHOLD is the probability an
# answer needs. WORDS_ALONE decides when there is no meaning to read (no
# table, or no word of the query or entry in it): fitted without it, rather
# than reading its absence as "far".
Model = tuple[dict[str, float], float]  # the weights, the bias
WITH_MEANING: Model = (
    {"matched": 2.45, "coverage": 0.15, "unknown": -1.4, "asked": 0.5, "clause": 3.8,
     "meaning": 2.9},
    -2.9,
)
WORDS_ALONE: Model = (
    {"matched": 2.95, "coverage": 0.5, "unknown": -1.6, "asked": 1.3, "clause": 3.75},
    -2.3,
)
THRESHOLD = 0.5
# Weights read on a log scale: each more unit says less than the one before.
# A long message tells its situation in words the store never uses; ten of
# them are not ten times the evidence of another subject that one is, and
# an answer matching a message's every concept needs no more weight for it.
LOG_SCALED = frozenset({"matched", "unknown"})


class Evidence(NamedTuple):
    """What the decision reads about a query and its best entry (see the module doc)."""

    matched: float
    coverage: float
    unknown: float
    asked: float
    clause: float = 0.0
    meaning: float | None = None  # None: nothing to read it from
    unknown_words: tuple[str, ...] = ()


class Decision(NamedTuple):
    """The verdict on a query, with the numbers behind it for ``--explain``."""

    answer: bool
    confidence: float  # 0..1, the model's probability that the best entry answers
    evidence: Evidence

    def reasons(self) -> list[str]:
        """Why the query was (or was not) answered, in words a person can check."""
        e = self.evidence
        lines = [
            f"confidence {self.confidence:.2f} (an answer needs {THRESHOLD:.2f})",
            f"matched weight {e.matched:.2f}, {e.coverage:.0%} of the query"
            f" ({e.clause:.0%} of its best clause); {e.asked:.0%} of the best question asked"
            + (f"; meaning {e.meaning:.2f}" if e.meaning is not None else ""),
        ]
        if e.unknown_words:
            words = ", ".join(e.unknown_words[:8])
            lines.append(f"words the store never uses: {words} (weight {e.unknown:.2f})")
        if not self.answer:
            lines.append(_main_reason(e))
        return lines


def model(evidence: Evidence) -> Model:
    """The model that decides on ``evidence``: with meaning when it has one."""
    return WORDS_ALONE if evidence.meaning is None else WITH_MEANING


def inputs(evidence: Evidence) -> dict[str, float]:
    """The inputs of ``evidence``'s model, LOG_SCALED weights as log(1 + w)."""
    values = {name: getattr(evidence, name) for name in model(evidence)[0]}
    return {name: math.log1p(max(0.0, v)) if name in LOG_SCALED else v
            for name, v in values.items()}


def confidence(evidence: Evidence) -> float:
    """The model's probability that the entry behind ``evidence`` answers the query."""
    weights, bias = model(evidence)
    logit = bias + sum(weights[name] * value for name, value in inputs(evidence).items())
    return 1.0 / (1.0 + math.exp(-logit))


def decide(evidence: Evidence) -> Decision:
    p = confidence(evidence)
    return Decision(p >= THRESHOLD, round(p, 3), evidence)


def _main_reason(e: Evidence) -> str:
    """The single biggest reason for a rejection."""
    if e.matched == 0:
        return "rejected: no entry holds any of the query's words"
    if e.unknown > e.matched:
        return "rejected: more of the query is about things the store never mentions"
    return "rejected: too little of the query is found in any one entry"
