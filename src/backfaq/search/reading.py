"""Reading a large store's every word, as numbers.

The bulk build (``backfaq.search.bulk``) starts from each text's words as
numbers: ``analyzer.words`` splits a text in C, and a dict lookup per word
gives its number. At 100,000 entries that is seven million lookups, about
two seconds, which no array can take over: the one part of the bulk build
that stays a loop.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from backfaq import analyzer
from backfaq.model import Entry

STOPS = len(analyzer.STOP_WORDS)


class Read(NamedTuple):
    """Every word of some entries' texts (each entry's questions, then its
    answer), as numbers, text after text."""

    words: list[str]  # by number: the stop words (sorted) first, then as read
    tokens: npt.NDArray[np.uint32]
    ends: npt.NDArray[np.int64]  # where each text's words end in ``tokens``
    phrasings: npt.NDArray[np.int64]  # each entry's number of questions


class _WordIds(dict[str, int]):
    """Each word's number, given the first time it is read; the stop words
    come first, so a word is one if its number is under STOPS."""

    def __init__(self) -> None:
        super().__init__((w, i) for i, w in enumerate(sorted(analyzer.STOP_WORDS)))

    def __missing__(self, word: str) -> int:
        found = self[word] = len(self)
        return found


def read(entries: Sequence[Entry]) -> Read:
    """Every word of ``entries``, in order."""
    ids = _WordIds()
    number = ids.__getitem__
    words = analyzer.words
    # A list grows faster than an array from an iterator; it is packed into
    # the array a million numbers at a time (a pointer each in the list,
    # four bytes in the array).
    packed, tokens = array("I"), list[int]()
    extend = tokens.extend
    ends, phrasings = array("Q"), array("I")
    for entry in entries:
        phrasings.append(len(entry.phrasings))
        for text in (*entry.phrasings, entry.answer):
            extend(map(number, words(text)))
            ends.append(len(packed) + len(tokens))
        if len(tokens) >= 2**20:
            packed.extend(tokens)
            tokens.clear()
    packed.extend(tokens)
    return Read(list(ids), np.frombuffer(packed, dtype=np.uint32),
                np.frombuffer(ends, dtype=np.uint64).astype(np.int64),
                np.frombuffer(phrasings, dtype=np.uint32).astype(np.int64))
