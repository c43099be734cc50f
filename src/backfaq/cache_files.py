"""The cache directory: where it is, writing a file into it whole, keeping it small.

The index cache (``backfaq.cache``) keeps two kinds of file here: an index
per store version (``index-*``, ``marshal`` or SQLite) and, for a large
store, the key its file's fingerprint was hashed to (``store-*.key``). Both
are written under a temporary name and renamed into place, so a reader never
meets half a file, and the least recently used are removed, so editing a
store many times does not fill the disk.
"""

from __future__ import annotations

import os
import stat
import sys

# How the store and a cache file are opened: non-blocking, so that a named
# pipe without a writer is not waited on; binary, so that Windows hands over
# the bytes as they are.
READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
KEEP = 4  # cache files kept; the least recently used (old versions of a store) go
USED_AFTER = 24 * 3600  # a cache file read this long after its last use is marked used
ORPHAN_AFTER = 3600  # a temporary file this old was left by a writer that was killed
SUFFIX = ".marshal"
STORED_SUFFIX = ".sqlite"
JOURNAL = STORED_SUFFIX + "-journal"
KEEP_KEYS = 64  # fingerprints remembered; the least recently used go
KEY_SUFFIX = ".key"


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


def mark_used(file: str, modified: float) -> None:
    """Give a cache file that is still read a new modification time, at most
    once a day, so that ``forget_old`` drops the least recently used files
    (the bundled store's too, if it is no longer asked) and not the oldest."""
    import time

    if time.time() - modified > USED_AFTER:
        try:
            os.utime(file)
        except OSError:  # a read-only cache is still a cache
            pass


def write_atomically(file: str, parts: list[bytes]) -> None:
    """Write ``parts`` to ``file``, renamed into place once whole; skipped
    if the cache directory cannot be written to."""
    directory = os.path.dirname(file)
    # Named at random and created only if new: no other writer shares the
    # file, and tempfile (3 ms to import) is not needed.
    temp = os.path.join(directory, f".tmp-{os.getpid()}-{os.urandom(6).hex()}{SUFFIX}")
    created = False
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        created = True
        try:
            stream = os.fdopen(fd, "wb")
        except BaseException:
            os.close(fd)
            raise
        with stream:
            for part in parts:
                stream.write(part)
        os.replace(temp, file)
        created = False
        forget_old(directory)
    except (OSError, ValueError):  # ValueError: a NUL in the directory's name
        pass
    finally:
        if created:
            try:
                os.unlink(temp)
            except OSError:
                pass


def busy(exc: Exception) -> bool:
    """Whether a SQLite error is another process holding the file's lock."""
    code = getattr(exc, "sqlite_errorcode", None)  # Python 3.11 on
    if isinstance(code, int):
        return code & 0xFF in (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED
    return "locked" in str(exc)


def forget_old(directory: str) -> None:
    """Keep the KEEP most recently used cache files (each edit of a store
    makes a new one) and KEEP_KEYS remembered fingerprints, and remove the
    temporary files of writers killed midway."""
    import time

    files = []
    keys = []
    orphans = []
    journals = []  # SQLite's, of a write under way or cut short
    orphaned = time.time() - ORPHAN_AFTER
    with os.scandir(directory) as found:
        for entry in found:
            name = entry.name
            ours = name.startswith("index-") and name.endswith((SUFFIX, STORED_SUFFIX))
            if name.startswith("index-") and name.endswith(JOURNAL):
                journals.append(entry.path)
            key = name.startswith("store-") and name.endswith(KEY_SUFFIX)
            if not (ours or key or name.startswith(".tmp-")):
                continue
            try:  # another process may remove or rename it meanwhile
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if not stat.S_ISREG(info.st_mode):
                continue  # never ours: left alone
            if ours:
                files.append((info.st_mtime, entry.path))
            elif key:
                keys.append((info.st_mtime, entry.path))
            elif info.st_mtime < orphaned:
                orphans.append(entry.path)
    kept = {path for _, path in sorted(files)[-KEEP:]}
    # A journal goes with its database: alone, it holds nothing to roll back.
    left = [j for j in journals if j.removesuffix("-journal") not in kept]
    old_keys = [path for _, path in sorted(keys)[:-KEEP_KEYS]]
    for old in [path for _, path in sorted(files)[:-KEEP]] + old_keys + orphans + left:
        try:
            os.unlink(old)
        except OSError:
            pass
