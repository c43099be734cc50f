"""A store file's identity in the index cache: a hash of its bytes.

An index is cached under its store's key (``cache``), so the key must change
with every byte: a cryptographic hash, which no store can be made to share
with another (a checksum can be forged, and the forged store would be served
the other's index and answers). Hashing a large store costs tens of
milliseconds on every cold query, so a large store's key is remembered by its
file's fingerprint (device, inode, size and times), in a small file of the
cache directory, and used only while the file is that very version.
"""

from __future__ import annotations

import io
import os
import stat
import sys
import zlib
from typing import Any

from backfaq import cache_files
from backfaq.cache_files import KEY_SUFFIX, cache_dir
from backfaq.limits import MAX_BYTES

# From this store file size on, its key is a SHA-256 (hashlib's, which uses the
# processor's SHA instructions); below it a BLAKE2b, whose module imports in a
# tenth of the time hashlib takes (0.3 ms against 3), more than a small
# store's hash costs.
SHA256_FROM = 8 * 2**20
CHUNK = 2**20  # a store file is hashed a chunk at a time: never copied whole


def key_of(stream: io.BufferedIOBase, size: int) -> str | None:
    """A store's identity in the cache: a cryptographic hash of the bytes left
    in ``stream``, which should hold ``size`` of them; None past MAX_BYTES.

    A hash, not a checksum, because a checksum can be forged: a store made to
    match another's would be served the other's index and answers.
    """
    hasher: Any = None
    if size < SHA256_FROM:
        try:
            from _blake2 import blake2b  # where hashlib itself takes BLAKE2 from
        except ImportError:  # a Python built without it: SHA-256 then
            pass
        else:
            hasher = blake2b(digest_size=20)
    if hasher is None:
        import hashlib

        hasher = hashlib.sha256()
    buffer = bytearray(min(size + 1, CHUNK))
    total = 0
    with memoryview(buffer) as view:
        while read := stream.readinto(buffer):
            total += read
            if total > MAX_BYTES:  # a file that keeps growing
                return None
            hasher.update(view[:read])
    return f"{hasher.name}-{hasher.hexdigest()}"


# From this store size on, a store's key is looked up by its file's
# fingerprint before it is hashed: hashing 45 MB takes 40 ms, and a cold
# ask on a large store is budgeted in tenths of a second.
FINGERPRINT_FROM = SHA256_FROM if sys.platform != "win32" else MAX_BYTES + 1
# (Not on Windows, where Python's st_ctime is the file's creation time: a
# rewrite that keeps size and modification time would keep the fingerprint.)
# A file changed this recently is not remembered by its fingerprint: an
# edit within the resolution of its times, of the same size, would leave
# the fingerprint as it was (what git calls a racy entry).
SETTLED_AFTER = 2.0


def fingerprint_of(info: os.stat_result) -> str:
    """What identifies a store file's version without reading it: device,
    inode, size, and the times of its last change (the status change time
    too, which no program can set back, as it can the modification time)."""
    return f"{info.st_dev} {info.st_ino} {info.st_size} {info.st_mtime_ns} {info.st_ctime_ns}"


def key_file(fingerprint: str) -> str | None:
    """Where the key of a store file of ``fingerprint`` is remembered."""
    directory = cache_dir()
    if directory is None:
        return None
    # The file says which fingerprint it is for: a name two fingerprints
    # share costs one of them the shortcut, never a wrong key.
    name = f"{zlib.crc32(fingerprint.encode('ascii')):08x}"
    return os.path.join(directory, f"store-{name}{KEY_SUFFIX}")


def known_key(fingerprint: str) -> str | None:
    """The key remembered for a store file of this fingerprint, if any."""
    file = key_file(fingerprint)
    if file is None:
        return None
    try:
        fd = os.open(file, cache_files.READ_FLAGS)
    except (OSError, ValueError):
        return None
    try:
        with open(fd, "rb") as stream:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                return None
            lines = stream.read(1024).decode("ascii").split("\n")
    except (OSError, UnicodeDecodeError):
        return None
    if len(lines) != 3 or lines[0] != fingerprint or lines[2]:
        return None
    cache_files.mark_used(file, info.st_mtime)
    return lines[1]


def remember_key(fingerprint: str, key: str, after: os.stat_result) -> None:
    """Remember ``key`` for the store file of ``fingerprint``, if the file
    is the same after hashing (``after``) and has settled."""
    import time

    newest = max(after.st_mtime_ns, after.st_ctime_ns) / 1e9
    file = key_file(fingerprint)
    settled = time.time() - newest >= SETTLED_AFTER
    if file is None or fingerprint_of(after) != fingerprint or not settled:
        return
    cache_files.write_atomically(file, [f"{fingerprint}\n{key}\n".encode("ascii")])


def open_store(path: str) -> tuple[io.BufferedReader, os.stat_result] | None:
    """The store file at ``path``, open, and its status; None when the cache
    should leave the file to the store loader, which reads it or says what is
    wrong: a pipe or a device (it could be read only once, or never end), an
    empty file, one too large to be a store, one that cannot be opened.
    """
    try:
        fd = os.open(path, cache_files.READ_FLAGS)
    except (OSError, ValueError):  # ValueError: a NUL byte in the path
        return None
    try:
        info = os.fstat(fd)
        if stat.S_ISREG(info.st_mode) and 0 < info.st_size <= MAX_BYTES:
            return open(fd, "rb"), info
    except OSError:
        pass
    os.close(fd)
    return None


def file_key(stream: io.BufferedIOBase, info: os.stat_result) -> str | None:
    """A store file's key: remembered by its fingerprint for a large store,
    else hashed (and then remembered)."""
    fingerprint = fingerprint_of(info) if info.st_size >= FINGERPRINT_FROM else None
    known = known_key(fingerprint) if fingerprint is not None else None
    if known is not None:
        return known
    key = key_of(stream, info.st_size)
    if key is not None and fingerprint is not None:
        remember_key(fingerprint, key, os.fstat(stream.fileno()))
    return key
