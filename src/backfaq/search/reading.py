"""Reading a large store's every word, as numbers, on every core there is.

The bulk build (``backfaq.search.bulk``) starts from each text's words as
numbers: ``analyzer.words`` splits a text in C, and a dict lookup per word
gives its number. At 100,000 entries that is seven million lookups, about
two seconds, which no array can take over; so a store of READ_IN_PARTS_FROM
entries or more is read in two halves at once, by forked processes, where
the system forks (Linux) and the process has the cores and no other
thread. Each half numbers its own words; the halves' numbers are then made
one numbering, in the order the words were first read, so the result is
the one a single reader gives (the tests read both ways).
"""

from __future__ import annotations

import gc
import os
import sys
import threading
from array import array
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from backfaq import analyzer
from backfaq.model import Entry

READ_IN_PARTS_FROM = 50_000
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
    """Every word of ``entries``, in two parts at once when that pays."""
    if len(entries) >= READ_IN_PARTS_FROM and _can_fork():
        try:
            return _joined(_read_in_parts(entries))
        except OSError:  # no process to be had: read on alone
            pass
    return _read_part(entries)


def _read_part(entries: Sequence[Entry]) -> Read:
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


def _can_fork() -> bool:
    """Whether reading in forked processes is safe and can be faster: a
    system whose fork is sound (Linux; macOS's is not, with its system
    libraries), two cores for this process, and no other thread (a fork
    copies only the thread that forks)."""
    if not sys.platform.startswith("linux") or threading.active_count() > 1:
        return False
    return len(os.sched_getaffinity(0)) >= 2


_ENTRIES: Sequence[Entry] = ()  # what the forked reader reads


def _split(entries: Sequence[Entry]) -> int:
    """Where the part read here ends and the forked process's starts: the
    fork reads less, for its copies of the pages it touches and the way
    back of what it read cost it about a tenth of its time."""
    return len(entries) * 11 // 20


def _read_second_part() -> Read:
    return _read_part(_ENTRIES[_split(_ENTRIES) :])


def _read_in_parts(entries: Sequence[Entry]) -> list[Read]:
    """The first part read here while a forked process reads the second."""
    import multiprocessing

    global _ENTRIES
    _ENTRIES = entries
    # Frozen, the objects there are now are never visited by the collector
    # in the fork: its visits would write to them, and the fork would copy
    # every page of the store it touched.
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(1) as pool:
            second = pool.apply_async(_read_second_part)
            first = _read_part(entries[: _split(entries)])
            return [first, second.get()]
    finally:
        gc.unfreeze()
        _ENTRIES = ()


def _joined(parts: list[Read]) -> Read:
    """The parts as one reader would have read them: each part's numbers
    mapped to the numbers of one numbering, in the order words were first read."""
    ids = _WordIds()
    tokens, ends, read = [], [], 0
    for part in parts:
        remap = np.array([ids[w] for w in part.words], dtype=np.uint32)
        tokens.append(remap[part.tokens])
        ends.append(part.ends + read)
        read += len(part.tokens)
    return Read(list(ids), np.concatenate(tokens), np.concatenate(ends),
                np.concatenate([part.phrasings for part in parts]))
