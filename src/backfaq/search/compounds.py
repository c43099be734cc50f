"""Words a query joins where the store splits them, or splits where it joins.

A store that says "Wi-Fi" or "shoulder blades" holds the stems ``wi fi`` and
``shoulder blade``; a query typing "wifi" or "shoulderblades" holds a word no
entry has, which ranks nothing and which the decision reads as a sign of
another subject. The other way round, "e mail" asks a store that says
"email". So a word no entry holds is split in two where the store says the
two halves side by side, and two such words side by side are joined where
the store uses the joined word. A verb run together with its particle
("login", "setup") is split where the store says them apart ("log in"), and
stands for the verb, as the store's own analysis keeps it. Only words no
entry holds are touched: a store's own words are never taken apart, and
what the query says that the store does not stays unknown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from backfaq.analyzer import STOP_WORDS, stem
from backfaq.lexicon import PARTICLES
from backfaq.vocabulary import Alternative, Concept

SHORTEST = 4  # letters: a shorter word is not split ("into", "onto" are words)
LONGEST = 30  # nor a longer one, which no two words make (each cut costs a stem)

# What may stand between the two words of a compound in an entry's text: a
# space or a hyphen (of any kind), never a full stop or a dropped word.
_BETWEEN = r"[ \t\-\u2010\u2011\u2012\u2013]"

# Whether some entry holds two stems next to each other, as the words given.
SideBySide = Callable[[str, str, str, str], bool]


def rejoined(
    concepts: list[Concept], df: Callable[[str], int], side_by_side: SideBySide,
    clauses: Sequence[int], words: Sequence[str] = (),
) -> list[Concept]:
    """``concepts`` with each word no entry holds split or joined, where the
    store says it so. ``df`` is a stem's document frequency; ``side_by_side``
    whether an entry says two words (and their stems) next to each other;
    ``clauses`` the clause of each of the query's ``words`` (stop words
    too): two words are only joined within one."""
    out: list[Concept] = []
    i = 0
    while i < len(concepts):
        concept = concepts[i]
        word = _unheld(concept, df)
        at = concept.positions[0] + 1 if concept.positions else len(words)
        if word is not None and at < len(words) and words[at] in PARTICLES and (
            _clause(clauses, at) == _clause(clauses, at - 1) and df(stem(word + words[at]))
        ):
            # "log in" where the store says "login": the particle is no
            # concept of its own (a stop word), so it is read from the words.
            out.append(_joined(concept, words[at], word + words[at]))
            i += 1
            continue
        after = concepts[i + 1] if i + 1 < len(concepts) else None
        following = _unheld(after, df) if after is not None else None
        if word is not None and after is not None and following is not None and (
            after.positions[:1] == (concept.positions[0] + 1,)
            and _clause(clauses, concept.positions[0]) == _clause(clauses, after.positions[0])
        ):
            if df(stem(word + following)):
                out.append(_joined(concept, after.typed, word + following))
                i += 2
                continue
        if word is not None and (halves := _halves(word, df, side_by_side)) is not None:
            stems, text = halves
            out.append(concept._replace(
                corrected=text,
                alternatives=(Alternative(stems, text, 1.0, False), *concept.alternatives[1:])))
        else:
            out.append(concept)
        i += 1
    return out


def _joined(concept: Concept, typed_after: str, joined: str) -> Concept:
    """``concept`` read together with what the query says after it, as the
    store's one word ``joined``."""
    return concept._replace(typed=f"{concept.typed} {typed_after}", corrected=joined,
                            alternatives=(Alternative((stem(joined),), joined, 1.0, False),))


def _unheld(concept: Concept, df: Callable[[str], int]) -> str | None:
    """The word of a one-word concept that no entry holds, as typed (not a
    typo corrected into a store word, which the store holds); else None."""
    own = concept.alternatives[0] if concept.alternatives else None
    if (concept.corrected is not None or own is None or own.synonym or len(own.stems) != 1
            or not own.text.isalpha() or df(own.stems[0])):
        return None
    return own.text


def _clause(clauses: Sequence[int], position: int) -> int:
    return clauses[position] if 0 <= position < len(clauses) else -1


def _halves(word: str, df: Callable[[str], int],
            side_by_side: SideBySide) -> tuple[tuple[str, ...], str] | None:
    """The first split of ``word`` into two words the store says side by
    side (their stems, and the two words), if any."""
    if not SHORTEST <= len(word) <= LONGEST:
        return None
    for cut in range(1, len(word)):
        first, second = word[:cut], word[cut:]
        if first in STOP_WORDS or not df(a := stem(first)):
            continue
        if second in PARTICLES:
            # "login", "setup": a verb and its particle, which the store's
            # text says apart ("log in") and its analysis keeps as the verb.
            if side_by_side(first, second, a, second):
                return (a,), f"{first} {second}"
            continue
        b = stem(second)
        if second not in STOP_WORDS and df(b) and side_by_side(first, second, a, b):
            return (a, b), f"{first} {second}"
    return None


def says_side_by_side(text: str, first: str, second: str, second_stem: str) -> bool:
    """Whether ``text`` (an entry's, lowercased) says the word ``first`` and
    then, after a space or a hyphen, a word with ``second``'s stem:
    "Wi-Fi" for "wifi", "shoulder blades" for "shoulderblades"."""
    pattern = rf"(?<![a-z0-9]){re.escape(first)}{_BETWEEN}({re.escape(second[:2])}[a-z]*)"
    return any(stem(found[1]) == second_stem for found in re.finditer(pattern, text))
