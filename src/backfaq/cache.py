"""A persisted search index, so a query does not rebuild it.

Building the index of a 100,000-entry store takes seconds; even the bundled
store's loads from the cache in a sixth of the time it takes to parse, check
and index it (1 ms against 6). A cache file is named and headed by backfaq's
version and a cryptographic hash of the store file's bytes, so an edited
store or a new backfaq never meets an old index, and no store can be made to
pass for another. Its header also holds the cache format, the Python and
kind of machine that wrote it, and the size and time of backfaq's own
modules, so a changed module in a source checkout is not served an index
built by the old code. A large store's hash is remembered by its file's
fingerprint (``backfaq.store_keys``), so a cold query need not read it whole.

An index comes in one of two forms. A large store's (one the search prunes)
is an SQLite file that queries read as they need it (``backfaq.stored_index``,
which checks every row it reads). A small store's is scanned whole by every
query, so it is read whole: ``marshal`` data (builtins only, so loading it
runs no code, unlike pickle, and the module is built into Python) with a
CRC-32 of the payload, written to a temporary file first and then renamed,
so a reader never sees half a file.

Both live in the user cache directory (``$XDG_CACHE_HOME/backfaq``, else the
platform's usual place), which ``backfaq.cache_files`` writes and keeps
small. A cache that is missing, stale, corrupt or unreadable is rebuilt; a
cache directory that cannot be written to is skipped: the query is answered
all the same.
"""

from __future__ import annotations

import contextlib
import io
import marshal
import os
import stat
import sys
import zlib
from collections.abc import Callable
from typing import Any

from backfaq import __version__, cache_files, store_keys
from backfaq.cache_files import JOURNAL, STORED_SUFFIX, SUFFIX, cache_dir
from backfaq.limits import MAX_BYTES, TooLarge, fits_in_memory, read_at_most  # one limit
from backfaq.model import Store
from backfaq.search import Index
from backfaq.snapshot import pack, unpack
from backfaq.store import collector_paused

CACHE_FORMAT = 9  # bump when the saved Index changes shape
# The largest cache file read for a store of a given size: an index takes
# about twice its store's bytes (eight times for a small store, whose share of
# the related-words table weighs more), so this is a generous bound.
CACHE_PER_STORE_BYTE = 16
CACHE_SLACK = 16 * 2**20
MAGIC = b"backfaq-index\n"


# Where the code that builds an index lives: the top of the package, the
# search package (its modules are named ``search/NAME.py`` in the stamp) and
# the data it is built from (the related-words table).
CODE_DIRS = ("", "search", "data")
# What the index is built from: the modules, and the related-words table.
CODE_SUFFIXES = (".py", ".tsv")


def _code_stamp() -> list[list[Any]] | None:
    """The name, size and modification time of each module (and data the
    index is built from, CODE_SUFFIXES) in CODE_DIRS. An
    installed backfaq never changes under its version; a checkout does, with
    every edit.

    None when a directory cannot be listed or a module cannot be looked at:
    no cache then, rather than one that might be stale.
    """
    package = os.path.dirname(os.path.abspath(__file__))
    stamp = []
    try:
        for directory in CODE_DIRS:
            with os.scandir(os.path.join(package, directory)) as found:
                for entry in found:
                    # A dot-name is no module: an editor's lock file
                    # (".#index.py") is a symbolic link to nowhere.
                    if entry.name.endswith(CODE_SUFFIXES) and not entry.name.startswith("."):
                        info = entry.stat()
                        name = f"{directory}/{entry.name}" if directory else entry.name
                        stamp.append([name, info.st_size, info.st_mtime_ns])
    except OSError:
        return None
    return sorted(stamp)


def _header(key: str, code: list[list[Any]]) -> bytes:
    """What a cache file must start with to be trusted for this store and code.

    Arrays are saved in the machine's byte order and item sizes, so a home
    directory shared between machines keeps a file per kind of machine.
    """
    import json

    fields = {
        "backfaq": __version__,
        "code": code,
        "format": CACHE_FORMAT,
        "machine": [sys.platform, sys.byteorder, sys.maxsize.bit_length()],
        "python": sys.implementation.cache_tag,
        "store": key,
    }
    return MAGIC + json.dumps(fields, sort_keys=True).encode("ascii") + b"\n"


# Where the cache of one store lives, and the header its file must start with
# (a plain tuple: a named one costs a tenth of a millisecond to define).
_Slot = tuple[str, bytes]


def _slot(key: str) -> _Slot | None:
    """The cache file for the store with this key and its header; None when
    there is no cache directory or no code stamp. The file name holds a
    checksum of the header, so two installations of backfaq (a checkout and a
    release) keep a file each instead of taking turns to overwrite one."""
    directory = cache_dir()
    code = _code_stamp()
    if directory is None or code is None:
        return None
    header = _header(key, code)
    name = f"index-{__version__}-{key}-{zlib.crc32(header):08x}{SUFFIX}"
    return os.path.join(directory, name), header


def open_index(path: str, load: Callable[[bytes | None], Store]) -> Index:
    """The index of the store file at ``path``, from the cache when it holds
    one for these exact bytes.

    Otherwise the index is built from ``load(raw)``, ``raw`` being the file's
    bytes, and cached under the key of those bytes: the index cached under a
    key is always the index of the bytes it names, however the file changes
    meanwhile. ``raw`` is None when the file is not one to cache (see
    ``store_keys.open_store``) or cannot be read: ``load`` reads it itself, or says why not.
    """
    return _open([path], lambda keys: keys[0], lambda raws: load(raws[0]))


def open_several(paths: list[str], names: list[str],
                 build: Callable[[list[bytes | None]], Store]) -> Index:
    """The index of several store files served as one, named ``names``, from
    the cache when it holds one for these files, in this order, with these
    exact bytes and names; otherwise built by ``build`` from each file's
    bytes (None for each, as ``open_index`` gives ``load``) and cached."""
    import json

    def whole(keys: list[str]) -> str | None:
        # Each file's key, with the paths and the stores' names (a link to
        # the bundled FAQ is "bundled" until it is replaced), which qualify
        # the ids they share.
        material = json.dumps([paths, names, keys]).encode("utf-8", "surrogatepass")
        key = store_keys.key_of(io.BytesIO(material), len(material))
        return None if key is None else f"several-{key}"

    return _open(paths, whole, build)


def _open(paths: list[str], slot_key: Callable[[list[str]], str | None],
          build: Callable[[list[bytes | None]], Store]) -> Index:
    """The index of the store made of the files at ``paths`` by ``build``,
    cached under ``slot_key`` of their keys: looked up by the keys their
    fingerprints are remembered by (``store_keys.file_key``) before a byte is
    read, and on a miss built from the bytes read, under those bytes' own keys."""
    unread: list[bytes | None] = [None] * len(paths)
    opened: list[tuple[io.BufferedReader, os.stat_result]] = []
    try:
        for path in paths:
            found = store_keys.open_store(path)
            if found is None:
                return Index(build(unread))
            opened.append(found)
            if not fits_in_memory(found[1].st_size):
                # Its index could not be built, so it cannot be cached: the
                # loader refuses the store, in its words, before a byte is hashed.
                return Index(build(unread))
        label, size = " + ".join(paths), sum(info.st_size for _, info in opened)
        try:
            keys = [store_keys.file_key(stream, info) for stream, info in opened]
            slot = _slot_of(slot_key, keys)
            if slot is not None:
                cached = _read_either(slot, label, size, lambda _: build(unread))
                if cached is not None:
                    return cached
            raws = []
            for stream, info in opened:
                stream.seek(0)
                raws.append(read_at_most(stream, MAX_BYTES, info.st_size))
            # The keys of the bytes read: where a file changed since it was
            # hashed, or its fingerprint was remembered with another key, the
            # index of these bytes may be cached under theirs.
            read_keys = [store_keys.key_of(io.BytesIO(raw), len(raw)) for raw in raws]
            if read_keys != keys:
                for (stream, info), key, was in zip(opened, read_keys, keys):
                    remembered = info.st_size >= store_keys.FINGERPRINT_FROM
                    if key is not None and key != was and remembered:
                        store_keys.remember_key(store_keys.fingerprint_of(info), key,
                                                os.fstat(stream.fileno()))
                slot = _slot_of(slot_key, read_keys)
                if slot is not None:
                    cached = _read_either(slot, label, size, lambda _: build(unread))
                    if cached is not None:
                        return cached
        except (OSError, TooLarge):  # the loader reads them again, and says why
            return Index(build(unread))
    finally:
        for stream, _ in opened:
            stream.close()
    if not all(raws):  # emptied meanwhile: the loader says what it finds
        return Index(build(unread))
    index = Index(build(list(raws)))
    if slot is not None:
        write_cache(slot, index)
    return index


def _slot_of(slot_key: Callable[[list[str]], str | None],
             keys: list[str | None]) -> _Slot | None:
    """The cache slot for files of these keys (none when one has no key)."""
    if None in keys:
        return None
    key = slot_key([k for k in keys if k is not None])
    return _slot(key) if key is not None else None


def _stored_file(slot: _Slot) -> str:
    """Where the SQLite index of a large (pruned) store of this slot lives."""
    return slot[0][: -len(SUFFIX)] + STORED_SUFFIX


def _read_either(slot: _Slot, path: str, store_size: int,
                 load: Callable[[bytes | None], Store]) -> Index | None:
    """The index cached for this slot: a small store's ``marshal`` file, or
    a large one's SQLite file (sqlite3 is imported only if there is one)."""
    found = read_cache(slot, path, store_size)
    if found is not None:
        return found
    stored = _stored_file(slot)
    try:
        info = os.stat(stored)
    except (OSError, ValueError):
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    from backfaq import stored_index

    index = stored_index.read(stored, slot[1], path, lambda: Index(load(None)))
    if index is not None:
        cache_files.mark_used(stored, info.st_mtime)
    return index


def read_cache(slot: _Slot, path: str, store_size: int) -> Index | None:
    """The index cached in ``slot``, named ``path``, or None on any doubt.

    Only a regular file is opened, without waiting (a named pipe put there is
    not waited on), and only if its size is one an index of a store of
    ``store_size`` bytes can have (a sparse file claiming gigabytes is not
    read). It is read, not memory-mapped: a file rewritten in place while it
    is read makes the read come up short, where a mapping would kill the
    process. Nothing is unmarshalled unless the header names this exact
    store, backfaq, code, cache format, Python and kind of machine, and the
    payload's length and CRC-32 (in the trailer) hold; the loaded snapshot's
    shape is checked in full (``snapshot.unpack``).
    """
    file, header = slot
    try:
        fd = os.open(file, cache_files.READ_FLAGS)
    except (OSError, ValueError):
        return None
    try:
        with open(fd, "rb") as stream, collector_paused():
            info = os.fstat(fd)
            size = info.st_size
            if not stat.S_ISREG(info.st_mode) or not len(header) + _TRAILER < size <= (
                CACHE_PER_STORE_BYTE * store_size + CACHE_SLACK
            ):
                return None
            if stream.read(len(header)) != header:
                return None
            body = stream.read(size - len(header) + 1)
            if len(body) != size - len(header):  # changed while it was read
                return None
            index = _load(body, path)
    except Exception:  # a cache is only a shortcut: any failure means rebuild
        return None
    if index is not None:
        cache_files.mark_used(file, info.st_mtime)
    return index


def _load(content: bytes, path: str) -> Index | None:
    """The index in a cache file's payload and trailer, if its length and
    checksum hold (the length first: it costs nothing)."""
    with memoryview(content) as view, view[:-_TRAILER] as payload:
        if not payload or int.from_bytes(view[-8:], "big") != len(payload):
            return None
        if view[-_TRAILER:] != _trailer(zlib.crc32(payload), len(payload)):
            return None
        loaded = marshal.loads(payload)
    return unpack(loaded, path)


_TRAILER = 16


def _trailer(crc: int, size: int) -> bytes:
    return crc.to_bytes(8, "big") + size.to_bytes(8, "big")


def write_cache(slot: _Slot, index: Index) -> None:
    """Store ``index`` atomically; a cache that cannot be written is skipped.

    A pruned index goes to SQLite, where a query reads only what it needs;
    a scanned one (a small store's) to one ``marshal`` file, read whole."""
    if index.prune:
        _write_stored(slot, index)
        return
    file, header = slot
    try:
        payload = marshal.dumps(pack(index))
    except ValueError:  # marshal met a type it cannot write
        return
    trailer = _trailer(zlib.crc32(payload), len(payload))
    cache_files.write_atomically(file, [header, payload, trailer])


def _write_stored(slot: _Slot, index: Index) -> None:
    """Write a pruned index to its SQLite file; skipped if it cannot be."""
    import sqlite3

    from backfaq import stored_index

    file = _stored_file(slot)
    try:
        os.makedirs(os.path.dirname(file), mode=0o700, exist_ok=True)
        stored_index.write(file, index, slot[1])
        cache_files.forget_old(os.path.dirname(file))
    except (OSError, sqlite3.Error, ValueError) as exc:  # ValueError: a NUL in the path
        if not cache_files.busy(exc):
            # A full disk or a failed write: what it left of the file (and its
            # journal) is no index and would only keep the disk full. One that
            # another process is writing is left to it.
            for leftover in (file, file + JOURNAL[len(STORED_SUFFIX):]):
                with contextlib.suppress(OSError, ValueError):
                    os.unlink(leftover)
