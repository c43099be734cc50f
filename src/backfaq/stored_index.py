"""A large store's index in SQLite: read as a query needs it, not loaded.

The index of a 100,000-entry store is about 100 MB; loading all of it to
answer one question costs most of a second and hundreds of MiB. Kept in
SQLite (the standard library's), a query reads the postings of its own
words and the entries it scores, and nothing else:

* ``meta``: the header the file must carry to be trusted (as the ``marshal``
  cache's), and the small state: what the store says about itself, its
  topics, sources and warning signs, the field lengths, the vocabulary's
  synonyms and related words, and each entry's bounds for the pruned
  search; the vocabulary's words (read only by a query with a word the
  store does not know) and the questions' wording (read only by a query
  that matches no word well) are rows of their own;
* ``postings``: per stem, the entries holding it and its strength in each,
  as the in-memory index lays them out;
* ``entries``: per entry, its record and its analysed text, found by
  position (what postings name) or by id (``backfaq.stored_entries`` reads
  them, and holds the checks every row passes).

Every row carries a CRC-32 of its bytes, its key and counts included,
checked when it is read: SQLite notices a torn write, not a flipped bit, and
an answer is medical text, to be shown word for word or not at all. A stem
the store holds whose row a lookup misses is damage too (the state keeps a
hash of every key). A damaged row met by a query makes the index rebuild
itself from the store and answer all the same.

The file is written in one transaction, so a reader sees all of it or none;
a second writer finds the first one's lock and leaves the writing to it; a
file that holds anything else (damaged, or with a view or trigger in it) is
never trusted, and replaced.
Queries open it read-only. A store too small to prune is scanned whole by
every query, so its index is read whole too: it stays in ``backfaq.cache``'s
one ``marshal`` file, which loads without importing sqlite3 (7 ms).
"""

from __future__ import annotations

import marshal
import os
import sqlite3
import struct
import sys
import weakref
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from backfaq import snapshot
from backfaq.model import Entry, RedFlag, Source, Topic
from backfaq.search import Index, SearchResult
from backfaq.search.documents import _Doc, unpack_doc
from backfaq.search.postings import _Posting
from backfaq.stored_entries import (
    READ_AHEAD,
    READ_ERRORS,
    Damaged,
    StoredEntries,
    StoredStore,
    checksum,
    record_checksum,
    unmarshal,
)
from backfaq.vocabulary import Vocabulary

SCHEMA = (
    "CREATE TABLE meta (name text primary key, value blob not null, crc integer not null)",
    "CREATE TABLE postings (stem text primary key, df integer not null,"
    " head integer not null, docs blob not null,"
    " strengths blob not null, asked blob not null, crc integer not null)",
    "CREATE TABLE entries (i integer primary key, id text not null unique,"
    " record blob not null, crc integer not null)",
)
# sqlite_master's rows of the tables, as SCHEMA makes them (SQLite keeps the
# statement as given, but for "CREATE TABLE" in capitals).
TABLES = {("table", statement.split()[2], statement) for statement in SCHEMA}
# What a query keeps of the postings it read, for the next query of a
# session (the prompt, ``ask -``): up to these many (stored_entries.ROWS_KEPT
# for entries).
POSTINGS_KEPT = 2_000
# The vocabulary's words and stems (what typo correction searches) are a row
# of their own, read only when a query has a word the store does not know;
# the rest of the vocabulary is in the small state.
WORD_FIELDS = ("word_counts", "words", "stem_words", "stem_counts", "stems", "sorted_stems")
_VOCABULARY_SHAPES = snapshot.VOCABULARY[1]
WORDS = snapshot.fields({name: _VOCABULARY_SHAPES[name] for name in WORD_FIELDS})
# The small state's shape, as ``snapshot.fits`` checks it.
STATE = snapshot.fields({
    "version": int,
    "topics": snapshot.list_of(snapshot.TOPIC),
    "sources": snapshot.list_of(snapshot.SOURCE),
    "synonyms": snapshot.tuple_of(snapshot.STRS),
    "red_flags": snapshot.list_of(snapshot.RED_FLAG),
    "texts": snapshot.TEXTS,
    "several": snapshot.SEVERAL,
    "entries": int,
    "urgent": snapshot.list_of(int),
    "avg_question_len": snapshot.NUMBER,
    "avg_answer_len": snapshot.NUMBER,
    "_full": snapshot.NUMBER,
    "vocabulary": snapshot.fields({name: shape for name, shape in _VOCABULARY_SHAPES.items()
                                   if name not in WORD_FIELDS}),
    "_shortest": snapshot.array_of("I"),
    "_longest": snapshot.array_of("I"),
    "_asked_bound": snapshot.array_of("f"),
    "_by_asked_bound": snapshot.array_of("I"),
    "_most_phrasings": int,
    "unposted": snapshot.list_of(str),
    "unworded": snapshot.list_of(str),
    "term_hashes": snapshot.array_of("Q"),
})
WORDING = snapshot.fixed(str, snapshot.array_of("I"))


def _head(stem: str, df: int) -> int:
    """The checksum of a posting's key and count, read without its lists."""
    return checksum(stem.encode("utf-8"), struct.pack("<q", df))


def _term_hash(stem: str) -> int:
    """64 bits of a stem: two checksums of different kinds, so that two of a
    store's stems sharing both is as unlikely as chance makes it."""
    data = stem.encode("utf-8")
    return zlib.crc32(data) << 32 | zlib.adler32(data)


def write(file: str, index: Index, header: bytes) -> None:
    """Write ``index`` (a pruned one) to ``file`` in one transaction.

    A file that holds this index already is left alone, and so is one that
    another process is writing (its lock is taken); one that is damaged or
    no database at all is written anew. Raises sqlite3.Error or OSError when
    the file cannot be written.
    """
    if not index.prune:
        raise ValueError("only a pruned index is stored: a scanned one is read whole")
    _create(file)
    try:
        written = _write(file, index, header)
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError):
            raise  # locked by another writer, or a full disk: not the file's fault
        written = False  # not a database at all
    if not written:
        os.unlink(file)  # damaged, or not ours: its name is ours, so is the file
        _create(file)
        _write(file, index, header)


def _create(file: str) -> None:
    """Make ``file`` if it is missing, readable by its owner only (as the
    cache directory's other files), before SQLite opens it."""
    os.close(os.open(file, os.O_WRONLY | os.O_CREAT, 0o600))


def _write(file: str, index: Index, header: bytes) -> bool:
    """Write the index into ``file``, an empty database or one holding it
    already (then left alone); False, unwritten, if it holds anything else."""
    db = sqlite3.connect(file, timeout=0, isolation_level=None)
    try:
        db.execute("begin immediate")  # another writer holds it: leave it the work
        if db.execute("select count(*) from sqlite_master").fetchone()[0]:
            db.execute("rollback")
            # Written meanwhile by another process, or damaged.
            return _sound(db, header) is not None
        for statement in SCHEMA:
            db.execute(statement)
        db.executemany("insert into entries values (?, ?, ?, ?)", _entry_rows(index))
        db.executemany("insert into postings values (?, ?, ?, ?, ?, ?, ?)",
                       _posting_rows(index))
        wording = (index._wording, snapshot._save(index._phrasing_owner))
        vocabulary = snapshot._save(index.vocabulary)
        words = {name: vocabulary.pop(name) for name in WORD_FIELDS}
        rows = (("state", {**_state(index), "vocabulary": vocabulary}), ("words", words),
                ("wording", wording), ("header", header))
        for name, value in rows:
            blob = value if isinstance(value, bytes) else marshal.dumps(value)
            db.execute("insert into meta values (?, ?, ?)", (name, blob, checksum(blob)))
        db.execute("commit")
        return True
    finally:
        db.close()


def _sound(db: sqlite3.Connection, header: bytes) -> dict[str, Any] | None:
    """The state ``db`` holds if it carries ``header``, every table and a
    state with a good checksum and shape; None if not."""
    try:
        # Exactly the tables written, and nothing else (a view or a trigger
        # put in their place could make a query run for ever).
        found = set(db.execute("select type, name, sql from sqlite_master"))
        tables = {row for row in found if row[0] != "index" or row[2] is not None}
        if tables != TABLES or not all(row[1].startswith("sqlite_autoindex_")
                                       for row in found - tables):
            return None
        if _meta(db, "header", len(header)) != header:
            return None
        state: dict[str, Any] = unmarshal(_meta(db, "state", None), STATE)
        return state
    except READ_ERRORS:
        return None


def _state(index: Index) -> dict[str, Any]:
    """What a stored index loads when it is opened: the small state."""
    store = index.store
    return {
        "version": store.version,
        "topics": [tuple(t) for t in store.topics],
        "sources": [tuple(s) for s in store.sources],
        "synonyms": store.synonyms,
        "red_flags": [tuple(f) for f in store.red_flags],
        "texts": (store.title, store.disclaimer, store.notice),
        "several": snapshot.several(store),
        "entries": len(index),
        "urgent": [i for i, e in enumerate(store.entries) if e.urgent],
        # The vocabulary's stems no entry holds (its synonyms' own words):
        # any other stem without a posting is one the file has lost.
        "unposted": sorted(s for s in index.vocabulary.stems if s not in index._terms),
        # And the stems of postings that are no word's of the vocabulary
        # (a word of letters whose stem is another word's): with the one
        # above, whether the vocabulary knows a stem is a posting's lookup.
        "unworded": sorted(t for t in index._terms
                           if t.isalpha() and t not in index.vocabulary.stems),
        # Every posting's key, as a 64-bit hash: a stem it holds whose row a
        # lookup misses is one the file has lost.
        "term_hashes": snapshot._save(array("Q", sorted(map(_term_hash, index._terms)))),
        **{name: snapshot._save(vars(index)[name]) for name in (
            "avg_question_len", "avg_answer_len", "_full",
            "_shortest", "_longest", "_asked_bound", "_by_asked_bound", "_most_phrasings")},
    }


def _entry_rows(index: Index) -> Iterator[tuple[int, str, bytes, int]]:
    for i, entry in enumerate(index.store.entries):
        text = index._text[index._text_starts[i] : index._text_starts[i + 1]]
        record = marshal.dumps((*entry, text))
        yield i, entry.id, record, record_checksum(i, entry.id, record)


def _posting_rows(
    index: Index,
) -> Iterator[tuple[str, int, int, bytes, bytes, bytes, int]]:
    docs = memoryview(index._posting_docs)
    strengths = memoryview(index._posting_strengths)
    asked = memoryview(index._posting_asked)
    offsets = index._offsets
    for term, t in index._terms.items():
        start, end = offsets[t], offsets[t + 1]
        parts = (docs[start:end].tobytes(), strengths[start:end].tobytes(),
                 asked[start:end].tobytes())
        df = end - start
        yield (term, df, _head(term, df), *parts, checksum(*parts))


def _uri(file: str) -> str:
    """``file`` as a read-only SQLite URI (which never creates the file)."""
    path = os.path.abspath(file)
    if sys.platform == "win32":
        path = "/" + path.replace("\\", "/")
    for char, escaped in (("%", "%25"), ("?", "%3f"), ("#", "%23")):
        path = path.replace(char, escaped)
    # An empty authority: a path that starts with "//" names no host.
    return f"file://{path}?mode=ro"


def read(file: str, header: bytes, path: str, rebuild: Callable[[], Index],
         ) -> StoredIndex | None:
    """The index in ``file`` if it carries ``header`` and its state is sound;
    None on any doubt (missing, being written, damaged, another's). ``path``
    names the store for messages; ``rebuild`` makes its index from the store,
    should a row turn out damaged later."""
    try:
        db = sqlite3.connect(_uri(file), uri=True, timeout=1.0, isolation_level=None,
                             check_same_thread=False)
    except sqlite3.Error:
        return None
    try:
        state = _sound(db, header)
        if state is None:
            raise Damaged
        return StoredIndex(db, state, path, rebuild, file)
    except READ_ERRORS:
        db.close()
        return None


def _meta(db: sqlite3.Connection, name: str, size: int | None) -> bytes:
    """The ``meta`` row ``name``, checked; of at most ``size`` bytes, if given."""
    row = db.execute("select length(value), value, crc from meta where name = ?",
                     (name,)).fetchone()
    if row is None or (size is not None and row[0] > size):
        raise Damaged
    _, value, crc = row
    if type(value) is not bytes or checksum(value) != crc:
        raise Damaged
    return value


class StoredIndex(Index):
    """An Index whose postings and entries are read from SQLite as a query
    needs them. Its search is the Index's own: only how it finds a posting,
    an entry's text and an entry's position differs. A damaged row makes it
    rebuild the index from the store (``rebuild``) and answer from that."""

    def __init__(self, db: sqlite3.Connection, state: dict[str, Any], path: str,
                 rebuild: Callable[[], Index], file: str) -> None:
        self._db = db
        # Closed with the index (or once it rebuilds itself): an unclosed
        # connection is a ResourceWarning from Python 3.13 on.
        weakref.finalize(self, db.close)
        self._file = file
        self._rebuild = rebuild
        self._rebuilt: Index | None = None
        self._size: int = state["entries"]
        self.avg_question_len = state["avg_question_len"]
        self.avg_answer_len = state["avg_answer_len"]
        self._full = state["_full"]
        self._prune = True
        self._scan = []
        self.vocabulary = _StoredVocabulary(state["vocabulary"], self)
        self._shortest = array(*state["_shortest"])
        self._longest = array(*state["_longest"])
        self._asked_bound = array(*state["_asked_bound"])
        self._by_asked_bound = array(*state["_by_asked_bound"])
        self._most_phrasings = state["_most_phrasings"]
        self._unposted = frozenset(state["unposted"])
        self._unworded = frozenset(state["unworded"])
        self._term_hashes = array(*state["term_hashes"])
        if not (len(self._shortest) == len(self._longest) == len(self._asked_bound)
                == len(self._by_asked_bound) == self._size > 0
                and max(self._by_asked_bound) < self._size
                and all(0 <= i < self._size for i in state["urgent"])
                # Which store each entry comes from, when several are served:
                # one for every entry (each id checked as its row is read),
                # none past the stores there are.
                and len(state["several"][1]) in (0, self._size)
                and snapshot.sound_parts(state["several"], state["several"][1],
                                         (f[0] for f in state["red_flags"]))):
            raise Damaged
        self._postings: dict[str, _Posting | None] = {}
        self._dfs: dict[str, int] = {}
        self._entries = StoredEntries(db, self._size, state["urgent"],
                                      lambda: self._recovered().store,
                                      state["several"][1] if state["several"][0] else None)
        self.store = StoredStore(
            path, state["version"],
            tuple(Topic(*t) for t in state["topics"]),
            tuple(Source(*s) for s in state["sources"]),
            self._entries,
            state["synonyms"],
            tuple(RedFlag(*f) for f in state["red_flags"]),
            texts=state["texts"],
            several=state["several"],
        )

    if not TYPE_CHECKING:  # so that mypy still checks every other attribute

        def __getattr__(self, name: str) -> Any:
            """The questions' wording, read the first time a query needs it."""
            if name not in ("_wording", "_phrasing_owner"):
                raise AttributeError(name)
            loaded = unmarshal(_meta(self._db, "wording", None), WORDING)
            self._wording = loaded[0]
            self._phrasing_owner = array(*loaded[1])
            if len(self._phrasing_owner) != self._wording.count("\n") + 1:
                raise Damaged
            return getattr(self, name)

    def __len__(self) -> int:
        return self._size

    def search(self, query: Any, **options: Any) -> SearchResult:
        if self._rebuilt is None:
            try:
                return super().search(query, **options)
            except READ_ERRORS:
                pass
        return self._recovered().search(query, **options)

    def _recovered(self) -> Index:
        """The store's own index, built from its file: when a row is damaged."""
        if self._rebuilt is None:
            self._rebuilt = self._rebuild()
            self._db.close()
            try:  # the next process builds and writes it anew
                os.unlink(self._file)
            except OSError:
                pass
        return self._rebuilt

    def _doc(self, i: int) -> _Doc:
        entry, text = self._entries.row(i)
        return unpack_doc(entry, text)

    def _laid_out(self, i: int) -> str:
        return self._entries.row(i)[1]

    def _read_ahead(self, positions: Sequence[int]) -> None:
        """The rows of ``positions`` and the document frequencies of their
        questions' stems (which weigh a question's words), a few hundred to
        a statement. Only a cache: damage found here is found again, and
        acted on, by the read that needs the row or the stem."""
        try:
            self._entries.read_ahead(positions)
            stems = {stem for i in positions if (row := self._entries.cached(i)) is not None
                     for stem in row[1].partition("\t")[0].split()}
            wanted = sorted(stems - self._dfs.keys())
            for start in range(0, len(wanted), READ_AHEAD):
                chunk = wanted[start : start + READ_AHEAD]
                marks = ",".join("?" * len(chunk))
                for stem, df, head in self._db.execute(
                        f"select stem, df, head from postings where stem in ({marks})", chunk):
                    if type(stem) is str and type(df) is int and head == _head(stem, df):
                        self._dfs[stem] = df
        except READ_ERRORS:
            pass

    def _position(self, entry: Entry) -> int:
        return self._entries.position(entry.id)

    def _df(self, term: str) -> int:
        found = self._dfs.get(term)
        if found is None:
            row = self._db.execute("select df, head from postings where stem = ?",
                                   (term,)).fetchone()
            if row is None:
                self._missing(term)
                found = 0
            elif row[1] != _head(term, row[0]):
                raise Damaged
            else:
                found = int(row[0])
            self._dfs[term] = found
        return found

    def _missing(self, term: str) -> None:
        """A stem the file has no posting for: none if no entry holds it;
        damage (a lost or mangled key) if one does."""
        hashes = self._term_hashes
        found = _term_hash(term)
        at = bisect_left(hashes, found)
        if at < len(hashes) and hashes[at] == found:
            raise Damaged

    def knows(self, stem: str) -> bool:
        """Whether a word of the store has this stem, from the postings (and
        the two lists that tell the vocabulary's stems from them), without
        reading the vocabulary's words."""
        if stem in self._unposted:
            return True
        if not stem.isalpha() or stem in self._unworded:
            return False
        try:
            return self._df(stem) > 0
        except READ_ERRORS:  # the warning signs ask too, outside a search
            return self._recovered().vocabulary.knows(stem)

    def _posting(self, term: str) -> _Posting | None:
        if term in self._postings:
            return self._postings[term]
        row = self._db.execute(
            "select df, head, docs, strengths, asked, crc from postings"
            " where stem = ?", (term,)).fetchone()
        if row is None:
            self._missing(term)
            posting = None
        else:
            posting = self._unpack_posting(term, *row)
        if len(self._postings) >= POSTINGS_KEPT:
            self._postings.clear()
        self._postings[term] = posting
        return posting

    def _unpack_posting(self, term: str, df: int, head: int,
                        docs_blob: bytes, strengths_blob: bytes, asked: bytes,
                        crc: int) -> _Posting:
        if head != _head(term, df) or not all(
                type(b) is bytes for b in (docs_blob, strengths_blob, asked)):
            raise Damaged
        if checksum(docs_blob, strengths_blob, asked) != crc:
            raise Damaged
        docs, strengths = array("I"), array("f")
        docs.frombytes(docs_blob)
        strengths.frombytes(strengths_blob)
        if not (0 < df == len(docs) == len(strengths) == len(asked)) or max(docs) >= self._size:
            raise Damaged
        return _Posting(memoryview(docs), memoryview(strengths), memoryview(asked),
                        asked.count(1))


class _StoredVocabulary(Vocabulary):
    """A stored index's vocabulary: its words and stems, which typo
    correction searches, are read the first time a query needs them (one
    with a word the store does not know); whether a word is known is the
    index's own lookup."""

    def __init__(self, light: dict[str, Any], index: StoredIndex) -> None:
        vars(self).update(light)
        self._index = index

    def knows(self, stem: str) -> bool:
        return self._index.knows(stem)

    if not TYPE_CHECKING:  # so that mypy still checks every other attribute

        def __getattr__(self, name: str) -> Any:
            if name not in WORD_FIELDS:
                raise AttributeError(name)
            try:
                words = unmarshal(_meta(self._index._db, "words", None), WORDS)
                found = vars(snapshot._restore("vocabulary", words))
            except READ_ERRORS:  # the warning signs ask too, outside a search
                found = vars(self._index._recovered().vocabulary)
            vars(self).update({field: found[field] for field in WORD_FIELDS})
            return vars(self)[name]
