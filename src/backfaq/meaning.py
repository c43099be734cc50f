"""General English meaning: how near a query is to an entry's phrasings.

Words find words; a store a user brings has no synonyms, and "can I use one
of your PCs" shares no word with "Can I use a computer at the library?".
This module gives a text a vector from a static embedding table (WordLlama's
``l2_supercat`` token vectors, 64 dimensions, built by
``tools/build_meaning.py``; licence in ``data/WORDLLAMA-LICENSE``): the mean
of its tokens' vectors, as the model itself computes it, so two texts are
near when their cosine is high. It is the same for every store and computed
by arithmetic alone: no model is loaded, nothing is downloaded.

The table (2.8 MB) is opened when a query first needs it, never at
start-up: its lookup sections (0.7 MB) are read, and each vector a text
needs is read from the file when needed. Nothing is mapped, so a table
rewritten under a running prompt cannot crash it. A text is cut into the
model's pieces by greedy longest match, not the model's own merge order,
which would need a table of 30,000 merges at every query; measured on
backfaq's labelled queries, the two give the same results. A missing or
damaged table gives no vectors, and the search then decides on words alone
(``decision.WORDS_ALONE``).
"""

from __future__ import annotations

import math
import os
import stat
import sys
import zlib
from array import array
from collections.abc import Sequence
from functools import cache
from itertools import islice
from typing import Any, BinaryIO

PATH = os.path.join(os.path.dirname(__file__), "data", "meaning.bin")
# The file: MAGIC; a head of three little-endian numbers (HEAD: pieces,
# dimensions, hash slots, their sizes in bytes); then, little-endian,
# each piece's scale (float32), the hash table (uint32 per slot: a piece's
# row + 1, 0 when empty), the offsets of the pieces' UTF-8 text (uint32, one
# more than the pieces), the pieces' text, and last each piece's vector
# (DIMS signed bytes, times its scale), read one at a time.
MAGIC = b"backfaq-meaning-1\n"
HEAD = (4, 2, 4)
START = "\u2581"  # the model's mark of a word's start
LONGEST_PIECE = 16  # in characters; no piece of the table is longer
# A piece is found within this many slots of its hash, or it is no piece
# (the table is built half full; build_meaning.py checks the bound holds).
MAX_PROBES = 64
# What a text's vector reads: its first words, each up to a length no
# English word reaches. A pasted file's meaning is its start's.
MAX_WORDS = 128
LONGEST_WORD = 40
MAX_TABLE_BYTES = 16 * 2**20
WORDS_KEPT = 20_000  # about 20 MB at most



def slot_of(piece: bytes, slots: int) -> int:
    """Where the hash table starts looking for ``piece`` (also used to build it)."""
    return zlib.crc32(piece) % slots


class _Table:
    """The file's lookup sections, and where its vectors start."""

    def __init__(self, file: BinaryIO, size: int) -> None:
        data = file.read(len(MAGIC) + sum(HEAD))
        at = len(MAGIC)
        head = []
        for width in HEAD:
            head.append(int.from_bytes(data[at : at + width], "little"))
            at += width
        count, self.dims, self.slots = head
        if data[: len(MAGIC)] != MAGIC or 0 in head:
            raise ValueError("not a meaning table")
        lookup = memoryview(file.read(4 * count + 4 * self.slots + 4 * (count + 1)))
        self.scales: Sequence[float] = _numbers("f", lookup[: 4 * count])
        self.table: Sequence[int] = _numbers("I", lookup[4 * count : 4 * (count + self.slots)])
        self.offsets: Sequence[int] = _numbers("I", lookup[4 * (count + self.slots) :])
        if len(self.offsets) != count + 1:
            raise ValueError("a meaning table cut short")
        self.text = file.read(self.offsets[count])
        self.rows_at = at + len(lookup) + len(self.text)
        if len(self.text) != self.offsets[count] or size != self.rows_at + count * self.dims:
            raise ValueError("a meaning table of the wrong size")
        self.count = count
        self.fd = os.dup(file.fileno())  # kept for the vectors, for the process's life
        # The vectors read so far: a batch of queries reads the same few
        # thousand pieces again and again (at most 32,000 of them, 20 MB).
        self.read: dict[int, array[float] | None] = {}
        self.words: dict[str, list[int]] = {}  # each word's pieces, up to WORDS_KEPT words

    def row(self, piece: bytes) -> int | None:
        """The row of ``piece``, or None when it is no piece of the model."""
        slot = slot_of(piece, self.slots)
        for _ in range(MAX_PROBES):
            row = self.table[slot] - 1
            if not 0 <= row < self.count:  # free (-1), or damaged
                return None
            if self.text[self.offsets[row] : self.offsets[row + 1]] == piece:
                return row
            slot = (slot + 1) % self.slots
        return None

    def word_pieces(self, word: str) -> list[int]:
        """The rows of ``word``'s pieces by greedy longest match, worked out
        once per word (a batch of queries says the same words again)."""
        known = self.words.get(word)
        if known is not None:
            return known
        marked = START + word
        found = []
        i = 0
        while i < len(marked):
            for end in range(min(len(marked), i + LONGEST_PIECE), i, -1):
                row = self.row(marked[i:end].encode("utf-8", "surrogatepass"))
                if row is not None:
                    found.append(row)
                    i = end
                    break
            else:
                i += 1
        if len(self.words) >= WORDS_KEPT:
            self.words.clear()
        self.words[word] = found
        return found

    def vector(self, row: int) -> array[float] | None:
        """Row ``row``'s vector, read from the file when first needed; None if
        it is no longer there."""
        if row in self.read:
            return self.read[row]
        try:
            data = os.pread(self.fd, self.dims, self.rows_at + row * self.dims)
        except OSError:
            return None
        found = None
        if len(data) == self.dims:
            scale = self.scales[row]
            found = array("d", [scale * x for x in memoryview(data).cast("b")])
        self.read[row] = found
        return found


def _numbers(typecode: str, data: memoryview) -> Any:
    """Little-endian numbers as a sequence, in place where the machine is
    little-endian."""
    if sys.byteorder == "little":
        return data.cast(typecode)  # type: ignore[call-overload]
    numbers = array(typecode)
    numbers.frombytes(data)
    numbers.byteswap()
    return numbers


@cache
def _table() -> _Table | None:
    """The table, or None. Only a regular file is read (a named pipe put in
    its place would wait for a writer forever), and only up to a bound."""
    try:
        fd = os.open(PATH, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(fd, "rb") as file:
            info = os.fstat(file.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_TABLE_BYTES:
                return None
            return _Table(file, info.st_size)
    except (OSError, ValueError, TypeError, MemoryError):
        return None


def pieces(text: str) -> list[int]:
    """The table rows of ``text``'s pieces: its first MAX_WORDS words (none
    longer than LONGEST_WORD), each cut by greedy longest match (a character
    no piece holds is skipped)."""
    table = _table()
    if table is None:
        return []
    found: list[int] = []
    for word in islice(text.split(), MAX_WORDS):
        found += table.word_pieces(word[:LONGEST_WORD])
    return found


def vector(text: str) -> array[float] | None:
    """``text``'s unit vector, or None when it has no piece (or there is no table)."""
    table = _table()
    rows = pieces(text)
    if table is None or not rows:
        return None
    vectors = [table.vector(row) for row in rows]
    if None in vectors:
        return None
    total = [sum(column) for column in zip(*vectors)]
    norm = math.sqrt(sum(t * t for t in total))
    if not norm or not math.isfinite(norm):
        return None
    return array("d", [t / norm for t in total])


def similarity(a: array[float] | None, b: array[float] | None) -> float | None:
    """The cosine of two unit vectors; None when either is missing."""
    if a is None or b is None:
        return None
    return sum(map(float.__mul__, a, b))
