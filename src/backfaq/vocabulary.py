"""Query-side vocabulary: typo correction and synonym expansion.

Both work on the store's own words, so they adapt to any FAQ a user loads:
a typo is corrected only towards a word the store contains, and a synonym
group from the store's ``synonyms`` list only adds phrasings of the same idea.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from typing import NamedTuple

from rapidfuzz import process
from rapidfuzz.distance import OSA

from backfaq import lexicon
from backfaq.analyzer import LIGHT_WORDS, STOP_WORDS, Query, analyse, stem, words

SYNONYM_FACTOR = 0.8  # a synonym is good evidence, but less than the word itself
CORRECTION_FACTOR = {1: 0.85, 2: 0.7}  # by edit distance


def allowed_edits(word: str) -> int:
    """Elasticsearch's ``fuzziness: AUTO``: 0 edits up to 2 letters, 1 up to 5, then 2."""
    if len(word) <= 2:
        return 0
    return 1 if len(word) <= 5 else 2


# What may stand between a verb and its particle (``_particle``): an object
# that is a pronoun or a generic word ("bring it back", "take things out").
# A possessive is not one: in "put my back out" the back is the object.
_OBJECTS = frozenset(
    """it them me him us you this that these those one myself yourself himself
    themselves ourselves everything something anything things stuff""".split()
)


class Alternative(NamedTuple):
    """One way a query concept can appear in an entry: a run of stems."""

    stems: tuple[str, ...]
    text: str
    factor: float
    synonym: bool
    related: bool = False  # from general word knowledge, not the store's own words


class Concept(NamedTuple):
    """One idea of the query: what was typed, and the phrasings that express it."""

    typed: str
    corrected: str | None
    alternatives: tuple[Alternative, ...]
    light: bool = False
    positions: tuple[int, ...] = ()  # where in the query's words it starts


class Token(NamedTuple):
    typed: str
    word: str
    stem: str
    edits: int
    stop: bool = False
    clause: int = 0  # the query's clause it is in


def _particle(typed: Sequence[str], clauses: Sequence[int], after: int) -> int | None:
    """Where the particle stands of a verb whose word is just before ``after``
    (words as typed, each word's clause): the next word, or the one after an
    object such as "it" ("bring it back"), in the verb's clause. A particle
    that is a word of its own, before another ("cut back pain"), is that
    word's."""
    if not 0 < after < len(typed):
        return None
    clause = clauses[after - 1]
    at = after
    if at + 1 < len(typed) and typed[at] in _OBJECTS and clauses[at] == clause:
        at += 1
    if clauses[at] != clause or typed[at] not in lexicon.PARTICLES:
        return None
    following = at + 1
    if (typed[at] not in STOP_WORDS and following < len(typed)
            and clauses[following] == clause and typed[following] not in STOP_WORDS):
        return None
    return at


def _trigger(text: str) -> tuple[bool, tuple[str, ...]]:
    """How a synonym phrase is recognised in a query: by its content stems, or,
    when dropping stop words would leave one generic word ("sign of" -> "sign",
    "what can I take" -> "take"), by all of its words in order."""
    phrase = words(text)
    content = tuple(stem(w) for w in phrase if w not in STOP_WORDS)
    every = tuple(stem(w) for w in phrase)
    if len(content) < 2 and len(every) > 1:
        return True, every
    return False, content


class _Match(NamedTuple):
    """A run of query tokens ``[start, end)`` and the synonym groups it triggers."""

    start: int
    end: int
    span: tuple[Token, ...]  # its content tokens
    groups: tuple[int, ...]
    exact: bool


def _chunks(texts: list[str], size: int = 1 << 16) -> Iterator[str]:
    """The texts joined into pieces of about ``size`` characters: folding is a
    regular expression, cheaper once per piece than once per text, and a
    piece, unlike all of a large store at once, stays small in memory."""
    piece: list[str] = []
    length = 0
    for text in texts:
        piece.append(text)
        length += len(text)
        if length >= size:
            yield "\n".join(piece)
            piece, length = [], 0
    if piece:
        yield "\n".join(piece)


def _closest(word: str, sorted_words: list[str], limit: int,
             counts: Mapping[str, int]) -> tuple[str, int] | None:
    """The most used of the closest words within ``limit`` edits that start
    like ``word``: a correction keeps the first letter, so only a slice of the
    sorted words is compared, a twentieth of a large store's (whose long
    messages hold many unknown words)."""
    first = word[0]
    same_start = sorted_words[
        bisect_left(sorted_words, first) : bisect_left(sorted_words, chr(ord(first) + 1))
    ]
    candidates = process.extract(
        word, same_start, scorer=OSA.distance, score_cutoff=limit, limit=None
    )
    best = min(((dist, -counts[cand], cand) for cand, dist, _ in candidates), default=None)
    return None if best is None else (best[2], int(best[0]))


class Vocabulary:
    """The store's words and synonym groups, ready to interpret a query."""

    def __init__(
        self,
        texts: list[str],
        synonyms: tuple[tuple[str, ...], ...],
        *,
        counts: Counter[str] | None = None,
        stems: Mapping[str, str] | None = None,
        general: bool = False,
    ) -> None:
        """``counts``: the texts' words already counted (the index counts them
        as it reads the store), so they are not folded twice; ``stems``: the
        stems of those words, if worked out already (a large store has tens
        of thousands of words, and the stemmer is Python). ``general``:
        also relate query words to the store's through general English
        (``lexicon``), which an index wants and a list of warning signs,
        matched word for word, does not."""
        counts = Counter() if counts is None else Counter(counts)
        for chunk in _chunks([*texts, *(t for group in synonyms for t in group)]):
            counts.update(w for w in words(chunk) if w not in STOP_WORDS and w.isalpha())
        # groups[g]: what to look for in entries (content stems -> phrase);
        # a phrase that needs its stop words is only a trigger, never looked for.
        self.groups: list[dict[tuple[str, ...], str]] = []
        self.phrase_groups: dict[tuple[str, ...], list[int]] = {}
        self.exact_groups: dict[tuple[str, ...], list[int]] = {}
        for group in synonyms:
            g = len(self.groups)
            phrases: dict[tuple[str, ...], str] = {}
            for text in group:
                exact, key = _trigger(text)
                if not key:
                    continue
                triggers = self.exact_groups if exact else self.phrase_groups
                if g not in triggers.setdefault(key, []):
                    triggers[key].append(g)
                if not exact:
                    phrases.setdefault(key, text)
            self.groups.append(phrases)
        self.word_counts = counts
        self.words = sorted(counts)
        # Each stem's most used word, to correct a typo by its stem.
        self.stem_counts: dict[str, int] = {}  # a plain dict, as the cache saves it
        most: dict[str, tuple[int, str]] = {}
        known = {} if stems is None else stems
        for word, count in counts.items():
            base = known.get(word)
            if base is None:
                base = stem(word)
            self.stem_counts[base] = self.stem_counts.get(base, 0) + count
            if base not in most or count > most[base][0]:  # ties: the first word read
                most[base] = (count, word)
        self.stem_words = {base: word for base, (_, word) in most.items()}
        self.stems = frozenset(self.stem_words)
        self.sorted_stems = sorted(self.stem_words)
        self.longest_phrase = max((len(p) for p in self.phrase_groups), default=1)
        self.longest_exact = max((len(p) for p in self.exact_groups), default=1)
        # General English relations to the store's words (see lexicon).
        self.related = lexicon.relations_for(self.stem_words) if general else ""

    def knows(self, stem: str) -> bool:
        """Whether a word of the texts has this stem."""
        return stem in self.stems

    def correct(self, word: str) -> tuple[str, int]:
        """The store word closest to ``word`` within the allowed edits (or ``word``)."""
        if not word.isalpha() or word in LIGHT_WORDS or self.knows(stem(word)):
            return word, 0
        if lexicon.lookup(self.related, stem(word)):
            # An English word related to the store's words is no typo of
            # one: "cause" is not "case", "card" is not "care".
            return word, 0
        limit = allowed_edits(word)
        if not limit:
            return word, 0
        best = _closest(word, self.words, limit, self.word_counts)
        typed_stem = stem(word)
        if best is None and len(word) - len(typed_stem) >= 2:
            # A typo in a form the store never uses ("fomaing" where the
            # store says "foam"): the stem left after an ending is compared
            # with the store's stems.
            found = _closest(typed_stem, self.sorted_stems, allowed_edits(typed_stem),
                             self.stem_counts)
            if found is not None:
                return self.stem_words[found[0]], found[1]
        return best or (word, 0)

    def tokens(self, query: str | Query, max_terms: int = 64) -> list[Token]:
        """The query's words; content words corrected towards the store's vocabulary."""
        out: list[Token] = []
        content = 0
        analysed = analyse(query)
        asked, clauses = analysed.asked, analysed.word_clauses()
        for j, typed in enumerate(asked):
            if typed in STOP_WORDS:
                out.append(Token(typed, typed, stem(typed), 0, stop=True, clause=clauses[j]))
                continue
            at = _particle(asked, clauses, j + 1)
            if at is not None and lexicon.lookup(self.related, f"{stem(typed)}_{asked[at]}"):
                word, edits = typed, 0  # a verb with its particle: "sign up" is no "sing up"
            else:
                word, edits = self.correct(typed)
            out.append(Token(typed, word, stem(word), edits, clause=clauses[j]))
            content += 1
            if content >= max_terms:
                break
        return out

    def _match_at(self, tokens: list[Token], i: int) -> _Match | None:
        """The longest synonym phrase that starts at token ``i``, if any."""
        for size in range(min(self.longest_exact, len(tokens) - i), 1, -1):
            key = tuple(t.stem for t in tokens[i : i + size])
            if key in self.exact_groups:
                span = tuple(t for t in tokens[i : i + size] if not t.stop)
                return _Match(i, i + size, span, tuple(self.exact_groups[key]), True)
        if tokens[i].stop:
            return None
        content = [j for j in range(i, len(tokens)) if not tokens[j].stop]
        for size in range(min(self.longest_phrase, len(content)), 0, -1):
            key = tuple(tokens[j].stem for j in content[:size])
            if key in self.phrase_groups:
                span = tuple(tokens[j] for j in content[:size])
                return _Match(i, content[size - 1] + 1, span, tuple(self.phrase_groups[key]),
                              False)
        return None

    def _matches(self, tokens: list[Token]) -> list[_Match]:
        """Every phrase the query holds, overlapping ones included, in order.

        "how many days off" holds both "how many days" and "days off": each
        says something. A match inside a longer one of the same group adds
        nothing and is dropped; words in no phrase stand alone.
        """
        found = [m for i in range(len(tokens)) if (m := self._match_at(tokens, i))]
        kept = [
            m for m in found
            if not any(
                o is not m and o.start <= m.start and m.end <= o.end
                and (o.end - o.start > m.end - m.start) and set(m.groups) <= set(o.groups)
                for o in found
            )
        ]
        covered = {j for m in kept for j in range(m.start, m.end)}
        alone = [
            _Match(j, j + 1, (t,), (), False)
            for j, t in enumerate(tokens) if j not in covered and not t.stop
        ]
        return sorted(kept + alone, key=lambda m: (m.start, m.end))

    def _related(self, tokens: list[Token], match: _Match) -> tuple[list[Alternative], int | None]:
        """The store's words general English relates to a word its synonyms
        do not know (to a generic word, none), or to it with the particle
        that follows, next or after its object ("sign up", "took out",
        "bring it back"); and the particle's position, when the verb and it
        are one phrase (its "back" is then no word of its own)."""
        stem = match.span[0].stem
        found = [] if match.span[0].word in LIGHT_WORDS else [
            Alternative(r, text, f, synonym=True, related=True)
            for r, text, f in lexicon.lookup(self.related, stem)]
        at = _particle([t.typed for t in tokens], [t.clause for t in tokens], match.end)
        if at is not None:
            phrasal = lexicon.lookup(self.related, f"{stem}_{tokens[at].typed}")
            if phrasal:
                return found + [Alternative(r, text, f, synonym=True, related=True)
                                for r, text, f in phrasal], at
        return found, None

    def concepts(self, query: str | Query) -> list[Concept]:
        """Group the query's words into concepts, expanding synonym phrases."""
        concepts: list[Concept] = []
        seen: dict[tuple[tuple[str, ...], ...], int] = {}  # a concept's index
        tokens = self.tokens(query)
        particles: set[int] = set()  # the positions of particles said with their verb
        for match in self._matches(tokens):
            span, groups, exact = match.span, match.groups, match.exact
            if not span or (match.start in particles and not groups):
                continue
            phrase = tuple(t.stem for t in span)
            edits = max(t.edits for t in span)
            factor = CORRECTION_FACTOR.get(edits, 1.0)
            span_text = " ".join(t.word for t in span)
            alternatives = [] if exact else [Alternative(phrase, span_text, factor, False)]
            for g in groups:
                alternatives.extend(
                    Alternative(p, text, factor * SYNONYM_FACTOR, synonym=True)
                    for p, text in self.groups[g].items()
                    if p != phrase or exact
                )
            particle = None
            if not groups and len(phrase) == 1:
                related, particle = self._related(tokens, match)
                alternatives.extend(a._replace(factor=a.factor * factor) for a in related)
                if particle is not None:
                    particles.add(particle)
            if not alternatives:
                continue
            key = tuple(sorted({a.stems for a in alternatives}))
            if key in seen:  # said again: one concept, found in both places
                c = seen[key]
                concepts[c] = concepts[c]._replace(
                    positions=(*concepts[c].positions, match.start))
                continue
            seen[key] = len(concepts)
            typed = " ".join(t.typed for t in span)
            if particle is not None:  # "sign up", as the query says it
                typed += " " + tokens[particle].typed
            corrected = span_text if edits else None
            # A generic verb stays light with its particle: in a long message
            # "came off my bike" is the story, not the question.
            light = not groups and all(t.word in LIGHT_WORDS for t in span)
            concepts.append(
                Concept(typed, corrected, tuple(alternatives), light, (match.start,)))
        return concepts

