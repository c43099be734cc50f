"""One import at a time per store: an exclusive lock on ``STORE.lock`` beside it.

An import reads the store, merges and writes it back; two at once would each
write back what they read, and the first one's entries would be lost. The lock
is the system's (``flock`` on POSIX, ``msvcrt.locking`` on Windows), so it is
released when its holder exits, even when killed: a lock file left behind is
an empty file, never a stale lock, and is left in place (removing it would let
a waiting import and a new one lock two different files).
"""

from __future__ import annotations

import errno
import math
import os
import stat
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from backfaq.errors import WriteError

DEFAULT_TIMEOUT = 10.0  # seconds; an import of a large store takes a few
TIMEOUT_VARIABLE = "BACKFAQ_LOCK_TIMEOUT"


def lock_path(target: Path) -> Path:
    """The lock file of the store file ``target`` (links resolved by the caller)."""
    return target.with_name(target.name + ".lock")


def lock_timeout(value: str | None) -> float:
    """Seconds to wait for the lock, from ``BACKFAQ_LOCK_TIMEOUT``; ValueError if not one."""
    if value is None or not value.strip():
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"{TIMEOUT_VARIABLE} must be a number of seconds, not '{value}'")
    return seconds


@contextmanager
def store_lock(store: Path, target: Path, *, timeout: float) -> Iterator[Callable[[], None]]:
    """Hold the lock of ``target`` (the store file ``store`` names) while the block runs.

    Raises WriteError when the lock file cannot be made, or when another
    process still holds the lock after ``timeout`` seconds. The block gets
    a check to call just before it writes: it raises WriteError when the
    lock file was removed or replaced meanwhile (someone took it for a
    stale one), for another import may then hold a lock of its own.
    """
    path = lock_path(target)
    # Read-only is enough to lock, and lets anyone who can read the file lock it.
    # Non-blocking, so that a named pipe put in its place is not waited on.
    flags = (os.O_RDONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
             | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        fd = os.open(path, flags, 0o666)
    except OSError as exc:
        raise WriteError(str(store), f"cannot create the lock file {path.name}: "
                                     f"{exc.strerror or exc}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise WriteError(str(store), f"the lock file {path.name} is not a regular file;"
                                         " remove it")
        _same_owner(fd, target)
        deadline = time.monotonic() + timeout
        delay = 0.002
        while not _try_lock(fd, store):
            left = deadline - time.monotonic()
            if left <= 0:
                raise WriteError(str(store), f"another import is writing this store "
                                             f"(still locked after {timeout:g} s)")
            time.sleep(min(delay, left))
            delay = min(delay * 2, 0.05)
        locked = os.fstat(fd)

        def still_held() -> None:
            try:
                now = os.stat(path, follow_symlinks=False)
            except OSError:
                now = None
            if now is None or (now.st_dev, now.st_ino) != (locked.st_dev, locked.st_ino):
                raise WriteError(str(store), f"the lock file {path.name} was removed while this"
                                             " import held it; nothing written, run it again")

        try:
            yield still_held
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


def _same_owner(fd: int, target: Path) -> None:
    """Give a lock file made by root the store's owner, so its owner can lock it later."""
    if not hasattr(os, "fchown"):
        return
    try:
        owner = target.stat()
        mine = os.fstat(fd)
        if (mine.st_uid, mine.st_gid) != (owner.st_uid, owner.st_gid):
            os.fchown(fd, owner.st_uid, owner.st_gid)
    except OSError:
        pass  # no store yet, or not permitted: the lock works all the same


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int, store: Path) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EDEADLK):
                return False  # held by another process
            raise WriteError(str(store), f"cannot lock: {exc.strerror or exc}") from None
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int, store: Path) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError as exc:
            raise WriteError(str(store), f"cannot lock: {exc.strerror or exc}") from None
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
