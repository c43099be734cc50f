"""Deterministic synthetic FAQ stores, for measuring how backfaq scales.

    python benchmarks/synthetic.py 100000 -o faq-100k.json [--seed 1]

The same size and seed always give the same bytes. Words are made of
syllables and drawn from a Zipf-like distribution (rank r has weight
1 / r ** ZIPF_EXPONENT), so a few words are everywhere and most are rare, as
in real text; questions and answers mix in English function words so the
analyzer has stop words to drop. Lengths follow real FAQs: questions of 4 to 12
words, answers of 30 to 90 (43 MiB at 100,000 entries). Some entries have
other phrasings, and the store has synonym groups.
``queries(questions, count)`` makes queries from the store's own questions,
with typos and off-topic ones mixed in.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import random
import sys
from pathlib import Path
from typing import Any

VOCABULARY_SIZE = 60_000
ZIPF_EXPONENT = 1.05
TOPICS = 24
SOURCES = 60
SYNONYM_GROUPS = 300

_ONSETS = ["b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z",
           "br", "ch", "cl", "dr", "gr", "pl", "pr", "sh", "st", "tr"]
_VOWELS = ["a", "e", "i", "o", "u", "a", "e", "i", "o", "ea", "ou"]
_CODAS = ["", "", "", "", "n", "r", "l", "m", "t", "st", "nd"]
_STARTS = ["how do i", "how can i", "what is the", "why does my", "can i", "should i",
           "what are the", "is it safe to", "when should i", "where do i find the"]
_TEMPLATE = frozenset(" ".join(_STARTS).split())
_FUNCTION = ["the", "a", "of", "to", "and", "in", "is", "it", "for", "with", "on", "that",
             "your", "you", "can", "be", "this", "or", "as", "if", "when", "are", "not"]


def _word(rng: random.Random) -> str:
    syllables = rng.choice((1, 2, 2, 2, 3, 3))
    return "".join(
        rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables)
    )


def vocabulary(seed: int) -> list[str]:
    """VOCABULARY_SIZE distinct words, most frequent first; frequent words are
    the short ones, as in real languages."""
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < VOCABULARY_SIZE:
        w = _word(rng)
        if len(w) >= 3 and w not in seen and w not in _FUNCTION:
            seen.add(w)
            out.append(w)
    noise = {w: rng.uniform(0, 4) for w in out}
    out.sort(key=lambda w: len(w) + noise[w])
    return out


class _Zipf:
    """Draws words by rank with weight 1 / rank ** ZIPF_EXPONENT."""

    def __init__(self, words: list[str], rng: random.Random) -> None:
        self.words = words
        self.rng = rng
        weights = (1 / r**ZIPF_EXPONENT for r in range(1, len(words) + 1))
        self.cumulative = list(itertools.accumulate(weights))

    def word(self) -> str:
        x = self.rng.random() * self.cumulative[-1]
        return self.words[bisect.bisect_left(self.cumulative, x)]

    def text(self, count: int, function_share: float) -> list[str]:
        return [
            self.rng.choice(_FUNCTION) if self.rng.random() < function_share else self.word()
            for _ in range(count)
        ]


def _question(zipf: _Zipf, rng: random.Random) -> str:
    start = rng.choice(_STARTS)
    body = zipf.text(rng.randint(3, 9), 0.2)
    return f"{start} {' '.join(body)}?".capitalize()


def _answer(zipf: _Zipf, rng: random.Random) -> str:
    sentences = []
    remaining = rng.randint(30, 90)
    while remaining > 0:
        size = min(remaining, rng.randint(6, 18))
        if remaining - size < 4:
            size = remaining
        remaining -= size
        sentences.append(" ".join(zipf.text(size, 0.45)).capitalize() + ".")
    return " ".join(sentences)


def generate(entries: int, seed: int = 1) -> dict[str, Any]:
    """A valid store document with ``entries`` entries."""
    rng = random.Random(seed * 1_000_003 + entries)
    words = vocabulary(seed)
    zipf = _Zipf(words, rng)
    topics = [
        {"id": f"topic-{i}", "title": f"Topic {i}", "description": f"Questions about {words[i]}."}
        for i in range(TOPICS)
    ]
    sources = [
        {"id": f"source-{i}", "title": f"Handbook part {i}", "file": f"part-{i}.txt"}
        for i in range(SOURCES)
    ]
    docs = []
    for i in range(entries):
        question = _question(zipf, rng)
        also = [_question(zipf, rng) for _ in range(rng.choice((0, 0, 0, 1, 1, 2)))]
        slug = "-".join(question.lower().rstrip("?").split()[-3:])
        docs.append({
            "id": f"{slug}-{i}",
            "question": question,
            "also_asked": also,
            "answer": _answer(zipf, rng),
            "topic": f"topic-{rng.randrange(TOPICS)}",
            "sources": [f"source-{rng.randrange(SOURCES)}"],
        })
    # Synonym groups among the mid-frequency words, some with two-word phrases.
    synonyms = []
    for _ in range(SYNONYM_GROUPS):
        group = {words[rng.randrange(50, 5000)] for _ in range(rng.randint(2, 4))}
        if rng.random() < 0.3:
            group.add(f"{words[rng.randrange(50, 5000)]} {words[rng.randrange(50, 5000)]}")
        if len(group) >= 2:
            synonyms.append(sorted(group))
    return {"version": 1, "topics": topics, "sources": sources, "entries": docs,
            "synonyms": synonyms}


def queries(questions: list[str], count: int, seed: int = 1) -> list[str]:
    """Queries a user of a store with these questions might type: two to four
    words of a question, a typo in one of five, and one in ten off-topic (words
    the store lacks)."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        if rng.random() < 0.1:
            out.append(" ".join(_word(rng) + "q" for _ in range(rng.randint(2, 4))))
            continue
        question = rng.choice(questions).rstrip("?").lower().split()
        content = [w for w in question if w not in _FUNCTION and w not in _TEMPLATE]
        picked = rng.sample(content, min(len(content), rng.randint(2, 4))) or question
        if rng.random() < 0.2:
            j = rng.randrange(len(picked))
            w = picked[j]
            if len(w) > 5:
                k = rng.randrange(1, len(w) - 1)
                picked[j] = w[:k] + w[k + 1 :]
        out.append(" ".join(picked))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("entries", type=int)
    parser.add_argument("-o", "--output", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    doc = generate(args.entries, args.seed)
    with args.output.open("w", encoding="utf-8") as f:
        json.dump(doc, f, separators=(",", ":"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
