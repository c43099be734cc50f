"""A stored index's entries, read as they are asked for, and the checks
every row of the file passes (``backfaq.stored_index`` reads the rest).

An entry row holds the record (Entry's fields) and the analysed text the
search scores, found by position (what postings name) or by id; its
checksum covers its position and id with the record, so a row moved or
renamed is as damaged as a row changed. A damaged row makes the index
rebuild itself from the store, and the entries come from the rebuilt store
from then on.
"""

from __future__ import annotations

import marshal
import sqlite3
import struct
import zlib
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from typing import Any, overload

from backfaq import snapshot
from backfaq.model import Entry, Part, RedFlag, Source, Store, Topic

# What a query keeps of the entries it read, for the next query of a
# session (the prompt, ``ask -``): up to these many.
ROWS_KEPT = 20_000
READ_AHEAD = 500  # rows (or keys) asked for in one statement: SQLite takes up to 999


class Damaged(Exception):
    """A row of the index file is not what was written: rebuild."""


# What reading a damaged file raises: SQLite's errors, and Damaged for a row
# that is not what was written (marshal's own errors are turned into it).
READ_ERRORS = (sqlite3.Error, Damaged)


def checksum(*parts: bytes) -> int:
    """One CRC-32 over ``parts``, in order."""
    crc = 0
    for part in parts:
        crc = zlib.crc32(part, crc)
    return crc


def unmarshal(blob: bytes, shape: Any) -> Any:
    """``blob`` unmarshalled, if it has ``shape``; else Damaged."""
    try:
        value = marshal.loads(blob)
    except (ValueError, EOFError, TypeError):
        raise Damaged from None
    if not snapshot.fits(value, shape):
        raise Damaged
    return value


def record_checksum(i: int, entry_id: str, record: bytes) -> int:
    """An entry row's checksum: its position and id with its record."""
    return checksum(struct.pack("<q", i), entry_id.encode("utf-8"), record)


class StoredEntries(Sequence[Entry]):
    """A stored index's entries, read by position or id as they are asked for.

    Iterating reads them all in one query (``list``, ``topics``). A damaged
    row makes the index rebuild itself (``recover``), and the entries come
    from the rebuilt store from then on; ``row`` and ``position`` are the
    search's, which recovers on its own."""

    def __init__(self, db: sqlite3.Connection, size: int, urgent: list[int],
                 recover: Callable[[], Store], origins: Container[str] | None = None) -> None:
        self._db = db
        self._size = size
        self._urgent = urgent
        self._recover = recover
        # Several stores served as one: the ids whose store is known. An
        # entry read that is not among them is damage, like a bad checksum.
        self._origins = origins
        self._rows: dict[int, tuple[Entry, str]] = {}
        self._positions: dict[str, int] = {}

    def __len__(self) -> int:
        return self._size

    @overload
    def __getitem__(self, i: int) -> Entry: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Entry]: ...

    def __getitem__(self, i: int | slice) -> Entry | Sequence[Entry]:
        if isinstance(i, slice):
            return tuple(self)[i]
        if i < 0:
            i += self._size
        if not 0 <= i < self._size:
            raise IndexError(i)
        try:
            return self.row(i)[0]
        except READ_ERRORS:
            return self._recover().entries[i]

    def __iter__(self) -> Iterator[Entry]:
        try:
            rows = self._db.execute(
                "select i, id, record, crc from entries order by i").fetchall()
            if [row[0] for row in rows] != list(range(self._size)):
                raise Damaged
            entries = [self._unpack(*row)[0] for row in rows]
        except READ_ERRORS:
            entries = list(self._recover().entries)
        return iter(entries)

    def recovered(self) -> Store:
        """The store rebuilt from its file, for what the stored index lost."""
        return self._recover()

    def by_id(self, entry_id: str) -> Entry | None:
        try:
            found = self._read_id(entry_id)
            return None if found is None else found[0]
        except READ_ERRORS:
            return self._recover().entry(entry_id)

    def urgent(self) -> tuple[Entry, ...]:
        try:
            return tuple(self.row(i)[0] for i in self._urgent)
        except READ_ERRORS:
            return self._recover().urgent_entries

    def row(self, i: int) -> tuple[Entry, str]:
        """Entry ``i`` and its analysed text (as ``Documents`` lays it out)."""
        found = self._rows.get(i)
        if found is None:
            fetched = self._db.execute(
                "select i, id, record, crc from entries where i = ?", (i,)).fetchone()
            if fetched is None or fetched[0] != i:
                raise Damaged
            found = self._unpack(*fetched)
        return found

    def cached(self, i: int) -> tuple[Entry, str] | None:
        """Row ``i`` if it has been read (and checked), else None."""
        return self._rows.get(i)

    def read_ahead(self, positions: Iterable[int]) -> None:
        """Read the rows at ``positions`` not read yet, a few hundred to a
        query rather than one each: the pruned search checks hundreds of
        entries for a query of common words. Each row is checked and kept as
        ``row`` keeps it; a row missing here is left for ``row`` to find."""
        wanted = sorted({i for i in positions if i not in self._rows})
        for start in range(0, len(wanted), READ_AHEAD):
            chunk = wanted[start : start + READ_AHEAD]
            marks = ",".join("?" * len(chunk))
            for fetched in self._db.execute(
                    f"select i, id, record, crc from entries where i in ({marks})", chunk):
                self._unpack(*fetched)

    def position(self, entry_id: str) -> int:
        """Where the entry with this id is (read before, so known already)."""
        found = self._positions.get(entry_id)
        if found is None:
            if self._read_id(entry_id) is None:
                raise Damaged
            found = self._positions[entry_id]
        return found

    def _read_id(self, entry_id: str) -> tuple[Entry, str] | None:
        """The entry with this id and its text, checked and kept; None if
        the file has no such id."""
        row = self._db.execute("select i, id, record, crc from entries where id = ?",
                               (entry_id,)).fetchone()
        if row is None:
            return None
        if row[1] != entry_id:
            raise Damaged
        return self._unpack(*row)

    def _unpack(self, i: int, entry_id: str, record: bytes, crc: int) -> tuple[Entry, str]:
        """A row read: its record, if its position, id and bytes are what
        was written (the checksum covers all three)."""
        if (type(i) is not int or type(entry_id) is not str or type(record) is not bytes
                or record_checksum(i, entry_id, record) != crc):
            raise Damaged
        fields = unmarshal(record, ENTRY_RECORD)
        if fields[0] != entry_id or (self._origins is not None and entry_id not in self._origins):
            raise Damaged
        found = (Entry(*fields[:-1]), fields[-1])
        if len(self._rows) >= ROWS_KEPT:
            self._rows.clear()
            self._positions.clear()
        self._rows[i] = found
        self._positions[found[0].id] = i
        return found


# An entry's record: Entry's fields, then its analysed text.
ENTRY_RECORD = snapshot.fixed(str, str, snapshot.STRS, str, str, snapshot.STRS, bool, str)


class StoredStore(Store):
    """A Store whose entries are a stored index's, read as they are asked for."""

    __slots__ = ()

    def __init__(self, path: str, version: int, topics: tuple[Topic, ...],
                 sources: tuple[Source, ...], entries: StoredEntries,
                 synonyms: tuple[tuple[str, ...], ...], red_flags: tuple[RedFlag, ...],
                 *, texts: tuple[str | None, str | None, str | None],
                 several: tuple[list[Any], dict[str, int], dict[str, int]] = ([], {}, {}),
                 ) -> None:
        parts, origins, sign_origins = several
        super().__init__(path, version, topics, sources, (), synonyms, red_flags,
                         title=texts[0], disclaimer=texts[1], notice=texts[2],
                         parts=tuple(Part(*p) for p in parts), origins=origins,
                         sign_origins=sign_origins)
        object.__setattr__(self, "entries", entries)

    @property
    def _stored(self) -> StoredEntries:
        entries = self.entries
        assert isinstance(entries, StoredEntries)
        return entries

    def entry(self, entry_id: str) -> Entry | None:
        return self._stored.by_id(entry_id)

    def part_of(self, entry_id: str) -> Part | None:
        """The entry's store; one the file does not know (when several are
        served, every entry has one) is damage: the rebuilt store says it."""
        found = super().part_of(entry_id)
        if found is None and self.parts:
            return self._stored.recovered().part_of(entry_id)
        return found

    @property
    def urgent_entries(self) -> tuple[Entry, ...]:
        return self._stored.urgent()
