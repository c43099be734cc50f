"""General English word knowledge: which words mean nearly the same.

A store's own ``synonyms`` know its subject; a store a user brings has none,
and a query that says "kid" cannot find an entry that says "child", or
"penalty" one that says "fine". This module reads a table of related words
derived from WordNet 3.0 (``data/related.tsv``, built by
``tools/build_lexicon.py``; WordNet's licence is ``data/WORDNET-LICENSE``) and
keeps, for one store, the relations that lead to a word the store uses.

That runs once, when an index is built (a few tens of milliseconds), and what
it keeps is saved with the index as one sorted text: loading a string costs
nothing, where a dictionary of ten thousand words would cost every query's
start-up milliseconds. A query looks its words up by binary search.
A related word is weaker evidence than the word itself, and weaker the
further the relation: ``FACTORS``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from backfaq.analyzer import LIGHT_WORDS, stem

# How much a related word counts, against the query's own word (1.0), by the
# kind of relation: same sense, same word in another part of speech, a
# broader or a narrower sense. Chosen on backfaq's labelled queries
# (``benchmarks/quality.py``), measured per kind.
FACTORS = {"syn": 0.6, "form": 0.7, "broader": 0.4, "narrower": 0.4}
KINDS = ("syn", "form", "broader", "narrower")  # the table's columns, in order

TABLE = os.path.join(os.path.dirname(__file__), "data", "related.tsv")

# A related stem the store uses: (stem, a word of the store with it, factor).
Related = tuple[str, str, float]


def relations_for(stems: frozenset[str], counts: Mapping[str, int], table: str = TABLE) -> str:
    """The relations that lead to one of ``stems`` (a store's), as sorted lines
    ``query stem<TAB>stem word factor<TAB>...`` for ``lookup``.

    ``counts`` are the store's words and how often each occurs: a related
    stem is shown as its most frequent word. A missing or unreadable table
    gives no relations; the index works without them.
    """
    try:
        with open(table, encoding="ascii") as file:
            text = file.read()
    except (OSError, UnicodeDecodeError):
        return ""
    leading = dict(line.split("\t", 1) for line in text.splitlines() if line[:1] != "#")
    shown = _shown_words(counts)
    found: dict[str, list[str]] = {}
    # A generic word ("get", "make") is no better a match for being related.
    generic = {stem(w) for w in LIGHT_WORDS}
    for target in sorted((stems & leading.keys()) - generic):
        word = shown.get(target, target)
        for kind, sources in zip(KINDS, leading[target].split("\t")):
            for source in sources.split():
                found.setdefault(source, []).append(f"{target} {word} {FACTORS[kind]}")
    return "\n".join(source + "\t" + "\t".join(r) for source, r in sorted(found.items()))


def lookup(relations: str, key: str) -> tuple[Related, ...]:
    """The relations of ``key`` in ``relations_for``'s text: a binary search
    over its sorted lines, a few microseconds without building anything."""
    lo, hi = 0, len(relations)
    while lo < hi:
        mid = (lo + hi) // 2
        start = relations.rfind("\n", 0, mid) + 1
        end = relations.find("\n", start)
        if end < 0:
            end = len(relations)
        tab = relations.find("\t", start, end)
        line_key = relations[start:tab]
        if line_key == key:
            return tuple(_related(r) for r in relations[tab + 1 : end].split("\t"))
        if line_key < key:
            lo = end + 1
        else:
            hi = start
    return ()


def _related(field: str) -> Related:
    target, word, factor = field.split(" ")
    return target, word, float(factor)


def _shown_words(counts: Mapping[str, int]) -> dict[str, str]:
    """Each stem's most frequent word in the store (ties: the first in order)."""
    best: dict[str, tuple[int, str]] = {}
    for word, count in counts.items():
        key = stem(word)
        if key not in best or count > best[key][0]:
            best[key] = (count, word)
    return {key: word for key, (_, word) in best.items()}
