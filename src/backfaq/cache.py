"""A persisted search index, so a query does not rebuild it.

Building the index of a 100,000-entry store takes seconds, loading it back a
fraction of that; even the bundled store loads from the cache in a sixth of
the time it takes to parse, check and index it (1 ms against 6). The cache
file is named and headed by backfaq's version and a hash of the store file's
bytes, so an edited store or a new backfaq never meets an old index. Its
header also holds the cache format and the size and time of backfaq's own
modules, so a changed module in a source checkout is not served an index
built by the old code. A CRC-32 of the payload catches a damaged file before
it is read.

The payload is ``marshal`` data: builtins only, so loading it runs no code
(unlike pickle), and the module is built into Python, so it costs nothing to
import. It lives in the user cache directory (``$XDG_CACHE_HOME/backfaq``, else
the platform's usual place) and is written to a temporary file first, then
renamed, so a reader never sees half a file. A cache that is missing, stale,
corrupt or unreadable is rebuilt; a cache directory that cannot be written to
is skipped: the query is answered all the same.
"""

from __future__ import annotations

import marshal
import os
import stat
import sys
import zlib
from array import array
from collections import Counter
from collections.abc import Callable
from typing import Any

from backfaq import __version__
from backfaq.index import Index
from backfaq.model import Entry, RedFlag, Source, Store, Topic
from backfaq.store import collector_paused
from backfaq.vocabulary import Vocabulary

CACHE_FORMAT = 4  # bump when the saved Index changes shape
# From this store file size on, the key is a SHA-256 of its bytes; below it, a
# CRC-32 and the size: hashlib takes longer to import (about 3 ms) than a small
# store's index takes to load, and a CRC-32 with the size tells one version of
# a hand-edited file from the next.
SHA256_FROM = 128 * 1024
MAX_BYTES = 64 * 2**20  # the store loader refuses larger files anyway
MAP_FROM = 2**20  # a cache file this large is mapped rather than read
KEEP = 4  # cache files kept; older ones (earlier versions of a store) go
MAGIC = b"backfaq-index\n"
SUFFIX = ".marshal"


def cache_dir() -> str | None:
    """Where backfaq keeps its caches: XDG on Linux and BSD (the spec's default
    ``~/.cache``), ``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%`` on Windows.

    None when there is no home to put it in (a service or a sandbox without
    ``HOME``): such a process is answered without a cache, rather than one
    written to wherever the password database says home is.
    """
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):
        return os.path.join(xdg, "backfaq")
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA", "")
        return os.path.join(local, "backfaq") if os.path.isabs(local) else None
    home = os.environ.get("HOME", "")
    if not os.path.isabs(home):
        return None
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Caches", "backfaq")
    return os.path.join(home, ".cache", "backfaq")


def _code_stamp() -> list[list[Any]]:
    """The name, size and modification time of each module at the top of the
    package, where all the code that builds an index lives. An installed
    backfaq never changes under its version; a checkout does, with every edit."""
    package = os.path.dirname(os.path.abspath(__file__))
    stamp = []
    with os.scandir(package) as found:
        for entry in found:
            if entry.name.endswith(".py"):
                info = entry.stat()
                stamp.append([entry.name, info.st_size, info.st_mtime_ns])
    return sorted(stamp)


def _header(key: str) -> bytes:
    """What a cache file must start with to be trusted for this store and code."""
    import json

    fields = {
        "backfaq": __version__,
        "code": _code_stamp(),
        "format": CACHE_FORMAT,
        "python": list(sys.version_info[:2]),
        "store": key,
    }
    return MAGIC + json.dumps(fields, sort_keys=True).encode("ascii") + b"\n"


# Where the cache of one store lives, and the header its file must start with
# (a plain tuple: a named one costs a tenth of a millisecond to define).
_Slot = tuple[str, bytes]


def _slot(key: str) -> _Slot | None:
    """The cache file for the store with this key and its header; None when
    there is no cache directory. The file name holds a checksum of the header,
    so two installations of backfaq (a checkout and a release) keep a file
    each instead of taking turns to overwrite one."""
    directory = cache_dir()
    if directory is None:
        return None
    header = _header(key)
    name = f"index-{__version__}-{key}-{zlib.crc32(header):08x}{SUFFIX}"
    return os.path.join(directory, name), header


def _key(path: str) -> str | None:
    """A hash of a regular store file's bytes, or None when it cannot be cached."""
    try:
        with open(path, "rb") as stream:
            info = os.fstat(stream.fileno())
            if not stat.S_ISREG(info.st_mode) or not 0 < info.st_size <= MAX_BYTES:
                return None
            if info.st_size < SHA256_FROM:
                raw = stream.read(SHA256_FROM)
                return f"crc32-{zlib.crc32(raw):08x}-{len(raw)}"
            import hashlib  # here and below: a small store never needs these modules
            import mmap

            # Mapped, not read: no copy of a 50 MB store on every query.
            with mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                return f"sha256-{hashlib.sha256(mapped).hexdigest()}"
    except (OSError, ValueError):
        return None


def open_index(path: str, load: Callable[[], Store]) -> Index:
    """The index of the store file at ``path``, from the cache when it holds one
    for these exact bytes; ``load`` loads the store otherwise.

    A pipe or a device is never read here (it could be read only once).
    """
    key = _key(path)
    slot = _slot(key) if key is not None else None
    if slot is None:
        return Index(load())
    cached = read_cache(slot, path)
    if cached is not None:
        return cached
    index = Index(load())
    # The store may have changed between hashing and loading: cache only an
    # index whose store is still the one hashed.
    if _key(path) == key:
        write_cache(slot, index)
    return index


def read_cache(slot: _Slot, path: str) -> Index | None:
    """The index cached in ``slot``, named ``path``, or None on any doubt.

    Nothing is unmarshalled unless the header names this exact store, backfaq,
    code, cache format and Python, and the payload's CRC-32 (in the trailer)
    holds: a damaged file is rebuilt, never half-trusted.
    """
    file, header = slot
    try:
        with open(file, "rb") as stream, collector_paused():
            if stream.read(len(header)) != header:
                return None
            if os.fstat(stream.fileno()).st_size < MAP_FROM:
                return _load(stream.read(), path)
            import mmap  # half a millisecond: only for a large store's cache

            # Mapped, not read: a large store's cache is not copied into memory.
            with mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                with memoryview(mapped) as whole, whole[len(header):] as body:
                    return _load(body, path)
    except Exception:  # a cache is only a shortcut: any failure means rebuild
        return None


def _load(content: bytes | memoryview, path: str) -> Index | None:
    """The index in a cache file's payload and trailer, if its checksum holds."""
    with memoryview(content) as view, view[:-_TRAILER] as payload:
        if not payload or view[-_TRAILER:] != _trailer(zlib.crc32(payload), len(payload)):
            return None
        loaded = marshal.loads(payload)
    return _unpack(loaded, path)


_TRAILER = 16


def _trailer(crc: int, size: int) -> bytes:
    return crc.to_bytes(8, "big") + size.to_bytes(8, "big")


def write_cache(slot: _Slot, index: Index) -> None:
    """Store ``index`` atomically; a cache that cannot be written is skipped."""
    file, header = slot
    directory = os.path.dirname(file)
    # Named by process, created only if new: no other writer shares the file,
    # and tempfile (3 ms to import) is not needed.
    temp = os.path.join(directory, f".tmp-{os.getpid()}{SUFFIX}")
    created = False
    try:
        payload = marshal.dumps(_pack(index))
        os.makedirs(directory, mode=0o700, exist_ok=True)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        created = True
        try:
            stream = os.fdopen(fd, "wb")
        except BaseException:
            os.close(fd)
            raise
        with stream:
            stream.write(header)
            stream.write(payload)
            stream.write(_trailer(zlib.crc32(payload), len(payload)))
        os.replace(temp, file)
        created = False
        _forget_old(directory)
    except (OSError, ValueError):  # ValueError: marshal met a type it cannot write
        pass
    finally:
        if created:
            try:
                os.unlink(temp)
            except OSError:
                pass


def _forget_old(directory: str) -> None:
    """Keep the KEEP most recent cache files: each edit of a store makes a new one."""
    files = []
    with os.scandir(directory) as found:
        for entry in found:
            if entry.name.startswith("index-") and entry.name.endswith(SUFFIX):
                files.append((entry.stat().st_mtime, entry.path))
    for _, old in sorted(files)[:-KEEP]:
        try:
            os.unlink(old)
        except FileNotFoundError:
            pass


# What an Index holds besides its store, and the type of each: a loaded cache
# must have exactly this shape (tests check it against a freshly built Index).
STATE = {
    "_text": str,
    "_text_starts": array,
    "avg_question_len": float,
    "avg_answer_len": float,
    "_full": float,
    "_terms": dict,
    "_offsets": array,
    "_posting_docs": array,
    "_posting_strengths": array,
    "_posting_asked": bytearray,
    "_strength_sums": array,
    "vocabulary": Vocabulary,
    "_wording": str,
    "_phrasing_owner": array,
    "_most_phrasings": int,
    "_question_lengths": list,
    "_shortest": array,
    "_longest": array,
    "_prune": bool,
}


def _save(value: Any) -> Any:
    """One piece of index state as marshal can write it."""
    if isinstance(value, array):
        return (value.typecode, value.tobytes())
    if isinstance(value, Vocabulary):
        fields = dict(vars(value))
        fields["word_counts"] = dict(fields["word_counts"])
        return fields
    return value


def _restore(kind: type, value: Any) -> Any:
    """``_save``'s output back as ``kind``; TypeError or ValueError when it is not one."""
    if kind is array:
        typecode, raw = value
        return array(typecode, raw)
    if kind is bytearray:
        return bytearray(value)
    if kind is Vocabulary:
        vocabulary = Vocabulary.__new__(Vocabulary)
        vars(vocabulary).update(value)
        vocabulary.word_counts = Counter(value["word_counts"])
        return vocabulary
    if not isinstance(value, kind):
        raise TypeError(f"expected {kind.__name__}, got {type(value).__name__}")
    return value


def _pack(index: Index) -> tuple[Any, ...]:
    """The index as builtins and flat columns: loading 100,000 entries' worth of
    record objects one by one would take most of a second."""
    store = index.store
    entries = store.entries
    columns = (
        [e.id for e in entries],
        [e.question for e in entries],
        [e.also_asked for e in entries],
        [e.answer for e in entries],
        [e.topic for e in entries],
        [e.sources for e in entries],
        [e.urgent for e in entries],
    )
    return (
        store.version,
        [tuple(t) for t in store.topics],
        [tuple(s) for s in store.sources],
        columns,
        store.synonyms,
        [tuple(f) for f in store.red_flags],
        {name: _save(vars(index)[name]) for name in STATE},
    )


def _unpack(payload: Any, path: str) -> Index | None:
    """An Index from ``_pack``'s output, or None when it is not of that shape."""
    version, topics, sources, columns, synonyms, red_flags, saved = payload
    if not isinstance(saved, dict) or set(saved) != set(STATE):
        return None
    state = {name: _restore(kind, saved[name]) for name, kind in STATE.items()}
    if (
        len(columns) != 7
        or not len(state["_text_starts"]) - 1 == len(columns[0]) > 0
        or any(len(column) != len(columns[0]) for column in columns)
        or len(state["_offsets"]) != len(state["_terms"]) + 1
        or not state["_offsets"][-1] == len(state["_posting_docs"])
        == len(state["_posting_strengths"]) == len(state["_posting_asked"])
    ):
        return None
    store = Store(
        path,
        version,
        tuple(Topic(*t) for t in topics),
        tuple(Source(*s) for s in sources),
        tuple(map(Entry, *columns)),
        synonyms,
        tuple(RedFlag(*f) for f in red_flags),
    )
    index = Index.__new__(Index)
    vars(index).update(state)
    index.store = store
    return index
