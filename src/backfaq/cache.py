"""A persisted search index for large stores, so a query does not rebuild it.

Building the index of a 100,000-entry store takes seconds; loading it back
takes a fraction of that. The cache file is named and headed by backfaq's
version, the cache format and the SHA-256 of the store file's bytes, so an
edited store or a new backfaq never meets an old index; a CRC-32 of the
payload catches a damaged file before it is unpickled. It lives in the user
cache directory (``$XDG_CACHE_HOME/backfaq``, else the platform's usual place)
and is written to a temporary file first, then renamed, so a reader never sees
half a file. A cache that is missing, stale, corrupt or unreadable is rebuilt;
a cache directory that cannot be written to is skipped: the query is answered
all the same. Small stores (the bundled one among them) never touch the disk:
they build faster than a cache loads.
"""

from __future__ import annotations

import os
import stat
import sys
from array import array
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from backfaq import __version__
from backfaq.index import Index
from backfaq.model import Entry, RedFlag, Source, Store, Topic
from backfaq.vocabulary import Vocabulary

CACHE_FORMAT = 3  # bump when the pickled Index changes shape
# Below this store file size, building the index is about as fast as loading
# it (on a 2-core machine: 0.12 s to build and 0.01 s to load at 460 KB); the
# bundled store (23 KB) stays well under it.
MIN_BYTES = 128 * 1024
MAX_BYTES = 64 * 2**20  # the store loader refuses larger files anyway
KEEP = 4  # cache files kept; older ones (earlier versions of a store) go
MAGIC = b"backfaq-index\n"


def cache_dir() -> Path:
    """Where backfaq keeps its caches: XDG on Linux and BSD (the spec's default
    ``~/.cache``), ``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%`` on Windows."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):
        base = Path(xdg)
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    elif sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"])
    else:
        base = Path.home() / ".cache"
    return base / "backfaq"


def _header(digest: str) -> bytes:
    """What a cache file must start with to be trusted for this store and version."""
    import json

    fields = {
        "backfaq": __version__,
        "format": CACHE_FORMAT,
        "python": list(sys.version_info[:2]),
        "store_sha256": digest,
    }
    return MAGIC + json.dumps(fields, sort_keys=True).encode("ascii") + b"\n"


def _file_for(digest: str) -> Path:
    return cache_dir() / f"index-{__version__}-{CACHE_FORMAT}-{digest}.pickle"


def _digest(path: Path) -> str | None:
    """The SHA-256 of a regular store file worth caching, else None."""
    import hashlib  # here and below: the bundled store never needs these modules
    import mmap

    try:
        with path.open("rb") as stream:
            info = os.fstat(stream.fileno())
            if not stat.S_ISREG(info.st_mode) or not MIN_BYTES <= info.st_size <= MAX_BYTES:
                return None
            # Mapped, not read: no copy of a 50 MB store on every query.
            with mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                return hashlib.sha256(mapped).hexdigest()
    except (OSError, ValueError):  # ValueError: an empty file cannot be mapped
        return None


def open_index(data: str | None, load: Callable[[], Store]) -> Index:
    """The index of the store at ``data`` (None: the bundled one), from the cache
    when it holds one for these exact bytes; ``load`` loads the store otherwise.

    A pipe or a device is never read here (it could be read only once), and
    a store too small to gain from the cache is simply built.
    """
    if data is None:
        return Index(load())
    path = Path(data)
    digest = _digest(path)
    if digest is None:
        return Index(load())
    cached = read_cache(digest, str(path))
    if cached is not None:
        return cached
    index = Index(load())
    # The store may have changed between hashing and loading: cache only an
    # index whose store is still the one hashed.
    if _digest(path) == digest:
        write_cache(digest, index)
    return index


def read_cache(digest: str, path: str) -> Index | None:
    """The cached index for a store with this SHA-256, or None on any doubt.

    Nothing is unpickled unless the header names this exact store, backfaq,
    cache format and Python, and the payload's CRC-32 (in the trailer) holds:
    a damaged file is rebuilt, never half-trusted.
    """
    import mmap
    import pickle
    import zlib

    expected = _header(digest)
    try:
        with _file_for(digest).open("rb") as stream:
            if stream.read(len(expected)) != expected:
                return None
            # Mapped, not read: the payload is checked and unpickled in place.
            with mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                with memoryview(mapped) as view:
                    payload, trailer = view[len(expected) : -_TRAILER], view[-_TRAILER:]
                    try:
                        if len(payload) <= 0 or bytes(trailer) != _trailer(
                            zlib.crc32(payload), len(payload)
                        ):
                            return None
                        loaded = pickle.loads(payload)
                    finally:
                        payload.release()
                        trailer.release()
        return _unpack(loaded, path)
    except Exception:  # a cache is only a shortcut: any failure means rebuild
        return None


_TRAILER = 16


def _trailer(crc: int, size: int) -> bytes:
    return crc.to_bytes(8, "big") + size.to_bytes(8, "big")


class _Checksummed:
    """A file writer that keeps the CRC-32 and size of what passes through."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.crc = 0
        self.size = 0

    def write(self, data: bytes) -> int:
        import zlib

        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        return self.stream.write(data)


def write_cache(digest: str, index: Index) -> None:
    """Store ``index`` atomically; a cache that cannot be written is skipped."""
    import pickle
    import tempfile

    target = _file_for(digest)
    temp: str | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".pickle")
        with os.fdopen(fd, "wb") as stream:
            stream.write(_header(digest))
            payload = _Checksummed(stream)
            pickle.dump(_pack(index), payload, protocol=pickle.HIGHEST_PROTOCOL)
            stream.write(_trailer(payload.crc, payload.size))
        os.replace(temp, target)
        temp = None
        _forget_old(target.parent)
    except (OSError, pickle.PicklingError, RecursionError):
        pass
    finally:
        if temp is not None:
            try:
                os.unlink(temp)
            except OSError:
                pass


def _forget_old(directory: Path) -> None:
    """Keep the KEEP most recent cache files: each edit of a store makes a new one."""
    files = sorted(directory.glob("index-*.pickle"), key=lambda p: p.stat().st_mtime)
    for old in files[:-KEEP]:
        old.unlink(missing_ok=True)


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
    "_unpacked": list,
}


def _pack(index: Index) -> tuple[Any, ...]:
    """The index as builtins and flat columns: loading 100,000 entries' worth of
    record objects one by one through pickle would take most of a second."""
    store = index.store
    entries = store.entries
    # One object per distinct topic and source list: pickle then writes and
    # reads each once, not once per entry.
    shared: dict[Any, Any] = {}
    columns = (
        [e.id for e in entries],
        [e.question for e in entries],
        [shared.setdefault(e.also_asked, e.also_asked) for e in entries],
        [e.answer for e in entries],
        [shared.setdefault(e.topic, e.topic) for e in entries],
        [shared.setdefault(e.sources, e.sources) for e in entries],
        [e.urgent for e in entries],
    )
    return (
        store.version,
        [(t.id, t.title, t.description) for t in store.topics],
        [(s.id, s.title, s.file) for s in store.sources],
        columns,
        store.synonyms,
        [tuple(f) for f in store.red_flags],
        # Unpacked entries are a scan's shortcut, rebuilt by nothing: left out,
        # the loaded index unpacks each entry when it scores it.
        {name: [] if name == "_unpacked" else vars(index)[name] for name in STATE},
    )


def _unpack(payload: Any, path: str) -> Index | None:
    """An Index from ``_pack``'s output, or None when it is not of that shape."""
    version, topics, sources, columns, synonyms, red_flags, state = payload
    if (
        not isinstance(state, dict)
        or set(state) != set(STATE)
        or not all(isinstance(state[name], kind) for name, kind in STATE.items())
        or len(columns) != 7
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
