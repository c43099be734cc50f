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

Everyday English says much with a verb and its particle, and a store may say
a thing in two words: the table also leads from a phrasal verb ("sign up",
keyed ``sign_up``; see ``PARTICLES``) to the words of its sense ("join"), and
from a word to a compound a store holds both words of ("scapula" to
``shoulder_blade``, matched as the phrase "shoulder blade").
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping

from backfaq.analyzer import LIGHT_WORDS, stem

# How much a related word counts, against the query's own word (1.0), by the
# kind of relation: same sense, same word in another part of speech, a
# broader or a narrower sense. Chosen on backfaq's labelled queries
# (``benchmarks/quality.py``), measured per kind.
FACTORS = {"syn": 0.6, "form": 0.7, "broader": 0.4, "narrower": 0.4}
KINDS = ("syn", "form", "broader", "narrower")  # the table's columns, in order
# The particles of the phrasal verbs the table knows ("sign up", "bring back"):
# a query's verb followed by one is looked up with it too.
PARTICLES = frozenset(("up", "out", "off", "on", "over", "in", "down", "away", "back", "through"))

TABLE = os.path.join(os.path.dirname(__file__), "data", "related.tsv")

# From this many stems on, a store's relations are found in one pass over the
# table rather than by a binary search per stem (which costs a few
# microseconds each: a large store has tens of thousands of stems).
READ_ALL_FROM = 5_000

# A related stem the store uses: (its stems, the store's words for it, factor);
# two of each for a compound ("shoulder blade").
Related = tuple[tuple[str, ...], str, float]


def relations_for(shown: Mapping[str, str], table: str = TABLE) -> str:
    """The relations that lead to one of a store's stems, as sorted lines
    ``query stem<TAB>stem word factor<TAB>...`` for ``lookup``.

    ``shown`` maps each of the store's stems to its most frequent word in
    the store, which shows a related stem. A missing or unreadable table
    gives no relations; the index works without them. The table is sorted,
    so each of a small store's stems finds its line, and the compounds it
    starts, by binary search: it reads a few thousand of the 80,000 lines.
    """
    try:
        with open(table, encoding="ascii") as file:
            text = file.read()
    except (OSError, UnicodeDecodeError):
        return ""
    stems = frozenset(shown)
    # A generic word ("get", "make") is no better a match for being related.
    generic = {stem(w) for w in LIGHT_WORDS}
    kept = stems - generic
    leading: dict[str, str] = {}
    if len(kept) >= READ_ALL_FROM:  # a large store: one pass over every line
        # Lines end at a newline only, as ``_lines_from`` reads them
        # (``splitlines`` would also end one at a stray form feed).
        for line in text.split("\n"):
            key, _, columns = line.partition("\t")
            if _leads_to(key, kept):
                leading[key] = columns
    else:  # each stem's line, and the compounds it starts, by binary search
        for target in kept:
            for key, columns in _lines_from(text, _first_line(text, target)):
                if key != target and not key.startswith(target + "_"):
                    break
                if _leads_to(key, kept):
                    leading[key] = columns
    found: dict[str, list[str]] = {}
    for target in sorted(leading):
        word = "_".join(shown.get(part, part) for part in target.split("_"))
        for kind, sources in zip(KINDS, leading[target].split("\t")):
            for source in sources.split():
                found.setdefault(source, []).append(f"{target} {word} {FACTORS[kind]}")
    return "\n".join(source + "\t" + "\t".join(r) for source, r in sorted(found.items()))


def _leads_to(key: str, stems: frozenset[str]) -> bool:
    """Whether a line's key is a store's stem, or a compound ("shoulder_blade")
    of which the store holds every word."""
    return key in stems or "_" in key and all(part in stems for part in key.split("_"))


def lookup(relations: str, key: str) -> tuple[Related, ...]:
    """The relations of ``key`` (a stem, or a verb's stem and its particle:
    "sign_up") in ``relations_for``'s text: a binary search over its sorted
    lines, a few microseconds without building anything."""
    for line_key, fields in _lines_from(relations, _first_line(relations, key)):
        if line_key == key:
            return tuple(_related(r) for r in fields.split("\t"))
        break
    return ()


def _first_line(text: str, key: str) -> int:
    """Where the first line of sorted ``text`` whose key (what comes before
    its first tab) is ``key`` or after it starts; ``len(text)`` if none."""
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi) // 2
        start = text.rfind("\n", 0, mid) + 1
        end = text.find("\n", start)
        if end < 0:
            end = len(text)
        tab = text.find("\t", start, end)
        if text[start : tab if tab >= 0 else end] < key:
            lo = end + 1
        else:
            hi = start
    return min(lo, len(text))  # past a last line without its newline


def _lines_from(text: str, at: int) -> Iterator[tuple[str, str]]:
    """The lines of ``text`` from offset ``at`` on, as (key, the rest)."""
    while at < len(text):
        end = text.find("\n", at)
        if end < 0:
            end = len(text)
        key, _, rest = text[at:end].partition("\t")
        yield key, rest
        at = end + 1


def _related(field: str) -> Related:
    target, word, factor = field.split(" ")
    return tuple(target.split("_")), word.replace("_", " "), float(factor)
