"""Query-side vocabulary: typo correction and synonym expansion.

Both work on the store's own words, so they adapt to any FAQ a user loads:
a typo is corrected only towards a word the store contains, and a synonym
group from the store's ``synonyms`` list only adds phrasings of the same idea.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from backfaq.analyzer import LIGHT_WORDS, STOP_WORDS, asked_words, stem, terms, words

SYNONYM_FACTOR = 0.8  # a synonym is good evidence, but less than the word itself
CORRECTION_FACTOR = {1: 0.85, 2: 0.7}  # by edit distance


def allowed_edits(word: str) -> int:
    """Elasticsearch's ``fuzziness: AUTO``: 0 edits up to 2 letters, 1 up to 5, then 2."""
    if len(word) <= 2:
        return 0
    return 1 if len(word) <= 5 else 2


@dataclass(frozen=True, slots=True)
class Alternative:
    """One way a query concept can appear in an entry: a run of stems."""

    stems: tuple[str, ...]
    text: str
    factor: float
    synonym: bool


@dataclass(frozen=True, slots=True)
class Concept:
    """One idea of the query: what was typed, and the phrasings that express it."""

    typed: str
    corrected: str | None
    alternatives: tuple[Alternative, ...]
    light: bool = False


@dataclass(frozen=True, slots=True)
class Token:
    typed: str
    word: str
    stem: str
    edits: int


class Vocabulary:
    """The store's words and synonym groups, ready to interpret a query."""

    def __init__(self, texts: list[str], synonyms: tuple[tuple[str, ...], ...]) -> None:
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(w for w in words(text) if w not in STOP_WORDS and w.isalpha())
        groups: list[dict[tuple[str, ...], str]] = []
        for group in synonyms:
            phrases: dict[tuple[str, ...], str] = {}
            for text in group:
                phrases.setdefault(tuple(terms(text)), text)
            phrases.pop((), None)
            if len(phrases) >= 2:
                groups.append(phrases)
            for phrase in group:
                counts.update(w for w in words(phrase) if w not in STOP_WORDS and w.isalpha())
        self.word_counts = counts
        self.words = sorted(counts)
        self.stems = frozenset(stem(w) for w in counts)
        self.groups = groups
        self.phrase_groups: dict[tuple[str, ...], list[int]] = {}
        for g, phrases in enumerate(groups):
            for phrase in phrases:
                self.phrase_groups.setdefault(phrase, []).append(g)
        self.longest_phrase = max((len(p) for p in self.phrase_groups), default=1)

    def correct(self, word: str) -> tuple[str, int]:
        """The store word closest to ``word`` within the allowed edits (or ``word``)."""
        if not word.isalpha() or stem(word) in self.stems:
            return word, 0
        limit = allowed_edits(word)
        if not limit:
            return word, 0
        candidates = process.extract(
            word, self.words, scorer=OSA.distance, score_cutoff=limit, limit=None
        )
        best = min(
            ((dist, -self.word_counts[cand], cand) for cand, dist, _ in candidates
             if cand[0] == word[0]),
            default=None,
        )
        if best is None:
            return word, 0
        return best[2], int(best[0])

    def tokens(self, query: str, max_terms: int = 64) -> list[Token]:
        """Content words of the query, each corrected towards the store's vocabulary."""
        out: list[Token] = []
        for typed in asked_words(query):
            if typed in STOP_WORDS:
                continue
            word, edits = self.correct(typed)
            out.append(Token(typed, word, stem(word), edits))
            if len(out) >= max_terms:
                break
        return out

    def concepts(self, query: str) -> list[Concept]:
        """Group the query's tokens into concepts, expanding synonym phrases."""
        tokens = self.tokens(query)
        stems = [t.stem for t in tokens]
        concepts: list[Concept] = []
        seen: set[tuple[tuple[str, ...], ...]] = set()
        i = 0
        while i < len(tokens):
            for size in range(min(self.longest_phrase, len(tokens) - i), 0, -1):
                phrase = tuple(stems[i : i + size])
                if phrase in self.phrase_groups:
                    break
            else:
                size, phrase = 1, (stems[i],)
            span = tokens[i : i + size]
            edits = max(t.edits for t in span)
            factor = CORRECTION_FACTOR.get(edits, 1.0)
            span_text = " ".join(t.word for t in span)
            alternatives = [Alternative(phrase, span_text, factor, synonym=False)]
            for g in self.phrase_groups.get(phrase, ()):
                alternatives.extend(
                    Alternative(p, text, factor * SYNONYM_FACTOR, synonym=True)
                    for p, text in self.groups[g].items()
                    if p != phrase
                )
            key = tuple(sorted({a.stems for a in alternatives}))
            if key not in seen:
                seen.add(key)
                typed = " ".join(t.typed for t in span)
                corrected = span_text if edits else None
                light = all(t.word in LIGHT_WORDS for t in span)
                concepts.append(Concept(typed, corrected, tuple(alternatives), light))
            i += size
        return concepts
