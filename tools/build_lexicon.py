"""Build backfaq's table of related English words from WordNet 3.0.

    python tools/build_lexicon.py WORDNET_DICT_DIR > src/backfaq/data/related.tsv

WORDNET_DICT_DIR holds WordNet's database files (``index.noun``,
``data.noun``..., ``index.sense``), as Princeton distributes them. The table
gives, for each stem of an English word, the stems of the words WordNet
relates to it through one of their common senses, by kind (read each line as
"a query saying one of these words may mean this one"):

* ``syn``: the same sense (synset), and similar adjectives: kid -> child;
* ``form``: the same word in another part of speech: ache -> achy;
* ``broader``: the sense's hypernyms: ache -> pain, fine -> penalty;
* ``narrower``: its hyponyms: coffee -> espresso.

Besides single words, a line may lead from a phrasal verb, keyed by its
verb's stem and particle (``sign_up`` -> join, ``bring_back`` -> return; only
its own and broader senses: the narrower ways to "wake up" include "call"),
and its key may be a compound whose two words a store holds
(``shoulder_blade`` <- scapula).

A sense is kept when it is the word's first or is tagged in WordNet's sense
corpus at least half as often as its first: "kid" is a child and a
tease, not a young goat. That share was measured on backfaq's labelled
queries (``benchmarks/quality.py``, in-domain top-1 of all three setups)
against 0, 0.1, 0.25, 0.75 and the first sense alone: keeping rarer senses
brings more wrong relations than right ones, keeping fewer loses right ones;
0.5 is best or level on each. Stems are backfaq's own (``analyzer.stem``), so the
table joins the forms a store and a query use. A line starts with the stem a
store may hold, which is how the index picks the lines it keeps. Lines are
sorted and stable, so a rebuild is diffable.
"""

from __future__ import annotations

import os
import re
import sys
from collections import defaultdict

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

from backfaq.analyzer import STOP_WORDS, stem  # noqa: E402
from backfaq.lexicon import PARTICLES  # noqa: E402

DATA = {"n": ("data.noun",), "v": ("data.verb",), "a": ("data.adj",), "r": ("data.adv",)}
INDEX = {"n": "index.noun", "v": "index.verb", "a": "index.adj", "r": "index.adv"}
SENSE_POS = {"1": "n", "2": "v", "3": "a", "4": "r", "5": "a"}
KINDS = ("syn", "form", "broader", "narrower")  # the order of a line's columns
COMMON_SENSE = 0.5  # a sense tagged this share as often as the first is kept
WORD = re.compile(r"[a-z]{2,}")
# Besides single words: a verb with its particle as what a query says ("sign
# up" -> join, "bring back" -> return: everyday English says it so), and a
# compound of two words as what a store says (scapula -> "shoulder blade").
PHRASAL = re.compile(r"([a-z]{2,})_(" + "|".join(sorted(PARTICLES)) + ")")
COMPOUND = re.compile(r"([a-z]{2,})_([a-z]{2,})")

Synset = tuple[list[str], list[tuple[str, str, str, int, int]]]


def data_files(directory: str, pos: str) -> list[str]:
    """A part of speech's data files; some copies split data.noun in two."""
    names = sorted(os.listdir(directory))
    return [os.path.join(directory, n) for n in names
            if any(n.startswith(base) for base in DATA[pos])]


def read_synsets(directory: str) -> dict[tuple[str, str], Synset]:
    """Every synset by (part of speech, offset): its words and its pointers."""
    synsets: dict[tuple[str, str], Synset] = {}
    for pos in DATA:
        for path in data_files(directory, pos):
            with open(path, encoding="latin-1") as lines:
                for line in lines:
                    if line.startswith(" "):
                        continue  # the licence header
                    fields = line.split("|")[0].split()
                    offset, kind = fields[0], fields[2]
                    count = int(fields[3], 16)
                    words = [re.sub(r"\(.*\)$", "", fields[4 + 2 * i]).lower()
                             for i in range(count)]
                    at = 4 + 2 * count
                    pointers = []
                    for i in range(int(fields[at])):
                        symbol, target, target_pos, numbers = fields[at + 1 + 4 * i: at + 5 + 4 * i]
                        pointers.append((symbol, target, "a" if target_pos == "s" else target_pos,
                                         int(numbers[:2], 16), int(numbers[2:], 16)))
                    synsets[("a" if kind == "s" else kind, offset)] = (words, pointers)
    return synsets


def read_tag_counts(directory: str) -> dict[tuple[str, str, str], int]:
    """How often each (word, part of speech, synset) sense is tagged in WordNet's corpus."""
    counts = {}
    with open(os.path.join(directory, "index.sense"), encoding="latin-1") as lines:
        for line in lines:
            key, offset, _, count = line.split()
            word, rest = key.split("%")
            counts[(word, SENSE_POS[rest[0]], offset)] = int(count)
    return counts


def related_words(directory: str) -> dict[str, dict[str, str]]:
    """Each word's related words and the closest kind of relation to each."""
    synsets = read_synsets(directory)
    counts = read_tag_counts(directory)
    table: dict[str, dict[str, str]] = defaultdict(dict)

    def add(word: str, other: str, kind: str) -> None:
        if other != word and (WORD.fullmatch(other) or COMPOUND.fullmatch(other)):
            old = table[word].get(other)
            if old is None or KINDS.index(kind) < KINDS.index(old):
                table[word][other] = kind

    for pos, name in INDEX.items():
        with open(os.path.join(directory, name), encoding="latin-1") as lines:
            for line in lines:
                if line.startswith(" "):
                    continue
                fields = line.split()
                word = fields[0]
                if not (WORD.fullmatch(word) or PHRASAL.fullmatch(word)):
                    continue
                offsets = fields[4 + int(fields[3]) + 2:]
                tagged = [counts.get((word, pos, o), 0) for o in offsets]
                first = max(tagged[0], 1)
                for i, offset in enumerate(offsets):
                    if i and not (tagged[i] and tagged[i] >= COMMON_SENSE * first):
                        continue
                    words, pointers = synsets[(pos, offset)]
                    for other in words:
                        add(word, other, "syn")
                    position = words.index(word) + 1 if word in words else 0
                    for symbol, target, target_pos, source, target_word in pointers:
                        targets = synsets[(target_pos, target)][0]
                        if symbol in ("@", "@i"):
                            kind = "broader"
                        elif symbol in ("~", "~i"):
                            kind = "narrower"
                        elif symbol == "&":
                            kind = "syn"
                        elif symbol in ("+", "\\", "<", "=") and source and source == position:
                            add(word, targets[target_word - 1], "form")
                            continue
                        else:
                            continue
                        for other in targets:
                            add(word, other, kind)
    return table


def key_of(word: str) -> str | None:
    """A query's word or phrasal verb as the table keys it: the stem, or the
    verb's stem and its particle ("took_out" is "take_out"); None for a stop
    word."""
    if word in STOP_WORDS:
        return None
    phrasal = PHRASAL.fullmatch(word)
    return f"{stem(phrasal[1])}_{phrasal[2]}" if phrasal else stem(word)


def target_of(word: str) -> str | None:
    """A store's word or compound as the table keys it: the stem, or the
    compound's stems ("shoulder_blade"); None when any part is a stop word
    (or the compound is a verb with its particle, which says no more than
    its verb)."""
    parts = word.split("_")
    if any(p in STOP_WORDS for p in parts) or (len(parts) > 1 and PHRASAL.fullmatch(word)):
        return None
    return "_".join(stem(p) for p in parts)


def by_stem(table: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """The table keyed and valued by backfaq's stems, stop words left out."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for word, related in table.items():
        key = key_of(word)
        if key is None:
            continue
        for other, kind in related.items():
            target = target_of(other)
            # Not itself ("sign up" -> "sign"), nor a compound holding it ("check"
            # -> "bank check"): a store saying the other word alone would match.
            if target is None or key.split("_")[0] in target.split("_") or (
                    "_" in key and "_" in target):
                continue
            if "_" in key and kind == "narrower":
                continue  # the ways to do a phrasal verb drift too far: "wake up" is no "call"
            old = out[key].get(target)
            if old is None or KINDS.index(kind) < KINDS.index(old):
                out[key][target] = kind
    return out


def inverted(table: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """For each related stem, the stems that lead to it, and how. (Only the
    way WordNet states it: taking every relation both ways too was measured,
    and lost more answers to noise than it found.)"""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for key, related in table.items():
        for other, kind in related.items():
            out[other][key] = kind
    return out


def main(directory: str) -> None:
    table = inverted(by_stem(related_words(directory)))
    lines = []
    for key, sources in table.items():
        columns = [" ".join(sorted(s for s, k in sources.items() if k == kind))
                   for kind in KINDS]
        lines.append(key + "\t" + "\t".join(columns))
    out = sys.stdout
    out.write("# backfaq related words, derived from WordNet 3.0 (see WORDNET-LICENSE)\n")
    out.write("# stem\tthe stems leading to it, by kind: " + ", ".join(KINDS) + "\n")
    out.write("\n".join(sorted(lines)) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[1])
    main(sys.argv[1])
