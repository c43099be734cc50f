"""General English meaning: how near a query is to an entry's question.

Words find words; a store a user brings has no synonyms, and "can I use one
of your PCs" shares no word with "Can I use a computer at the library?".
This module gives a text a vector from a static embedding table (WordLlama's
``l2_supercat`` token vectors, 64 dimensions, built by
``tools/build_meaning.py``; licence in ``data/WORDLLAMA-LICENSE``): the mean
of its tokens' vectors, as the model itself computes it, so two texts are
near when their cosine is high. It is the same for every store and computed
by arithmetic alone: no model is loaded, nothing is downloaded.

The table (2 MB) is read when a query first needs it, never at start-up. A
text is cut into the model's pieces by greedy longest match, not the
model's own merge order, which would need a table of 30,000 merges at every
query; measured on backfaq's labelled queries, the two give the same
results. A missing or damaged table gives no vectors: search then works on
words alone.
"""

from __future__ import annotations

import math
import mmap
import os
import sys
import zlib
from array import array
from collections.abc import Sequence
from functools import cache
from typing import Any

PATH = os.path.join(os.path.dirname(__file__), "data", "meaning.bin")
# The file: MAGIC; a head of three little-endian numbers (HEAD: pieces,
# dimensions, hash slots, their sizes in bytes); then, little-endian,
# each piece's scale (float32), the hash table (uint32 per slot: a piece's
# row + 1, 0 when empty), the offsets of the pieces' UTF-8 text (uint32, one
# more than the pieces), each piece's vector (DIMS signed bytes, times its
# scale) and the pieces' text.
MAGIC = b"backfaq-meaning-1\n"
HEAD = (4, 2, 4)
START = "\u2581"  # the model's mark of a word's start
LONGEST_PIECE = 16  # in characters; no piece of the table is longer

Vector = tuple[float, ...]


def slot_of(piece: bytes, slots: int) -> int:
    """Where the hash table starts looking for ``piece`` (also used to build it)."""
    return zlib.crc32(piece) % slots


class _Table:
    """The file's sections, read in place: opening it costs no parsing."""

    def __init__(self, data: memoryview) -> None:
        at = len(MAGIC)
        head = []
        for size in HEAD:
            head.append(int.from_bytes(data[at : at + size], "little"))
            at += size
        count, self.dims, self.slots = head
        sizes = (4 * count, 4 * self.slots, 4 * (count + 1), count * self.dims)
        if data[: len(MAGIC)] != MAGIC or 0 in head or len(data) < at + sum(sizes):
            raise ValueError("not a meaning table")
        sections = []
        for size in sizes:
            sections.append(data[at : at + size])
            at += size
        self.scales: Sequence[float] = _numbers("f", sections[0])
        self.table: Sequence[int] = _numbers("I", sections[1])
        self.offsets: Sequence[int] = _numbers("I", sections[2])
        self.rows = sections[3].cast("b")
        self.text = data[at:]
        self.count = count

    def row(self, piece: bytes) -> int | None:
        """The row of ``piece``, or None when it is no piece of the model."""
        slot = slot_of(piece, self.slots)
        for _ in range(self.slots):  # a table damaged into having no free slot ends
            row = self.table[slot] - 1
            if not 0 <= row < self.count:  # free (-1), or damaged
                return None
            if self.text[self.offsets[row] : self.offsets[row + 1]] == piece:
                return row
            slot = (slot + 1) % self.slots
        return None


def _numbers(typecode: str, data: memoryview) -> Any:
    """Little-endian numbers as a sequence, in place where the machine is
    little-endian."""
    if sys.byteorder == "little":
        return data.cast(typecode)  # type: ignore[call-overload]
    numbers = array(typecode, data)
    numbers.byteswap()
    return numbers


@cache
def _table() -> _Table | None:
    """The table, mapped rather than read: a query touches a few pages of it."""
    try:
        with open(PATH, "rb") as file:
            mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        return _Table(memoryview(mapped))
    except (OSError, ValueError, TypeError):
        return None


def pieces(text: str) -> list[int]:
    """The table rows of ``text``'s pieces, each word cut by greedy longest
    match (a character no piece holds is skipped)."""
    table = _table()
    if table is None:
        return []
    found = []
    for word in text.split():
        word = START + word
        i = 0
        while i < len(word):
            for end in range(min(len(word), i + LONGEST_PIECE), i, -1):
                row = table.row(word[i:end].encode("utf-8", "surrogatepass"))
                if row is not None:
                    found.append(row)
                    i = end
                    break
            else:
                i += 1
    return found


def vector(text: str) -> Vector | None:
    """``text``'s unit vector, or None when it has no piece (or there is no table)."""
    table = _table()
    rows = pieces(text)
    if table is None or not rows:
        return None
    dims = table.dims
    total = [0.0] * dims
    for row in rows:
        scale = table.scales[row]
        start = row * dims
        total = [t + scale * x for t, x in zip(total, table.rows[start : start + dims])]
    norm = math.sqrt(sum(t * t for t in total))
    return tuple(t / norm for t in total) if norm else None


def similarity(a: Vector | None, b: Vector | None) -> float:
    """The cosine of two unit vectors, 0 when either is missing."""
    if a is None or b is None:
        return 0.0
    return sum(x * y for x, y in zip(a, b))
