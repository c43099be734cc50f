"""How large a file backfaq reads may be, and reading it within that.

One limit for every store file, read by every command, ``validate``,
``import`` (its pages too) and the index cache; the memory a store would
need, weighed before it is read; and reading in pieces, so that neither a
small file nor an endless pipe ever costs a buffer of the whole limit.
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO

from backfaq.errors import FileError

# The largest store file: far above any real FAQ (a large help-desk export
# is tens of MiB), a bound for endless input. Validate, import, the index
# cache and every command read this one limit.
MAX_BYTES = 2**30
# Parsing a store and building its index take about this many bytes of
# memory per byte of the file (measured: 647 MiB at the peak of a first
# query on a 43 MiB store; the arrays of the bulk build are most of it).
# A file from CHECK_MEMORY_FROM bytes is first weighed against the memory
# this process can have, so that a store too large for the machine is one
# clear error, not a process the system kills.
MEMORY_PER_BYTE = 16
CHECK_MEMORY_FROM = 64 * 2**20
READ_CHUNK = 2**20


def check_memory(name: str, size: int, error: type[FileError]) -> None:
    """Raise ``error`` when a file of ``size`` bytes would need more memory
    to read and index than this process can have (see MEMORY_PER_BYTE)."""
    if not fits_in_memory(size):
        raise error(name, memory_message(size))


def memory_message(size: int) -> str:
    needed, available = size * MEMORY_PER_BYTE, memory_available() or 0
    return (f"too large for the memory available: {size / 2**20:,.0f} MiB needs about"
            f" {needed / 2**20:,.0f} MiB of memory to read and index, and this process"
            f" can have {available / 2**20:,.0f} MiB")


def fits_in_memory(size: int) -> bool:
    """Whether a store of ``size`` bytes can be read and indexed in the memory
    this process can have (unknown counts as yes; small stores are not weighed)."""
    if size < CHECK_MEMORY_FROM:
        return True
    available = memory_available()
    return available is None or size * MEMORY_PER_BYTE <= available


# Where the system says how much memory there is (module constants, so that
# tests can point them at files of their own).
MEMINFO = "/proc/meminfo"
PROC_CGROUP = "/proc/self/cgroup"
PROC_STATUS = "/proc/self/status"
CGROUP_ROOT = "/sys/fs/cgroup"


def memory_available() -> int | None:
    """The memory this process can still have, in bytes, or None when the
    system does not say: the least of what the system has available
    (``MemAvailable``), what the process's control group still allows (v2
    or v1, its reclaimable page cache counted as free, as MemAvailable
    counts it), and what its address-space limit (``ulimit -v``) leaves,
    whichever of them are known."""
    limits = [n for n in (_meminfo(), _cgroup_room(), _address_room()) if n is not None]
    return min(limits) if limits else None


def _fields(path: str) -> dict[str, int]:
    """A ``key value`` or ``key: value [kB]`` file as numbers (kB in bytes)."""
    found = {}
    try:
        with open(path, encoding="ascii") as file:
            for line in file:
                parts = line.replace(":", " ").split()
                if len(parts) >= 2 and parts[1].isdigit():
                    found[parts[0]] = int(parts[1]) * (1024 if parts[2:3] == ["kB"] else 1)
    except (OSError, UnicodeDecodeError):
        pass
    return found


def _meminfo() -> int | None:
    return _fields(MEMINFO).get("MemAvailable")


def _number(path: str) -> int | None:
    try:
        with open(path, encoding="ascii") as file:
            text = file.read().strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def _cgroup_room() -> int | None:
    """What the process's control group, and every group above it, still
    allows: the least room of them."""
    try:
        with open(PROC_CGROUP, encoding="ascii") as file:
            lines = file.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    rooms = []
    for line in lines:
        hierarchy, _, rest = line.partition(":")
        controllers, _, group = rest.partition(":")
        if hierarchy == "0" and not controllers:  # v2
            base, names = CGROUP_ROOT, ("memory.max", "memory.current", "inactive_file")
        elif "memory" in controllers.split(","):  # v1
            base = os.path.join(CGROUP_ROOT, "memory")
            names = ("memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file")
        else:
            continue
        parts = [p for p in group.split("/") if p and p != ".."]
        for depth in range(len(parts), -1, -1):
            directory = os.path.join(base, *parts[:depth])
            most = _number(os.path.join(directory, names[0]))
            used = _number(os.path.join(directory, names[1]))
            if most is None or used is None or most >= 2**60:  # "max", or v1's "none"
                continue
            cache = _fields(os.path.join(directory, "memory.stat")).get(names[2], 0)
            rooms.append(max(0, most - max(0, used - cache)))
    return min(rooms) if rooms else None


def _address_room() -> int | None:
    """What ``ulimit -v`` leaves of the address space, after what is mapped."""
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    except (ImportError, OSError, ValueError):
        return None
    if soft == resource.RLIM_INFINITY:
        return None
    return max(0, soft - _fields(PROC_STATUS).get("VmSize", 0))


class TooLarge(Exception):
    """A stream read past ``limit`` bytes, or past what the memory holds."""

    def __init__(self, size: int, *, memory: bool = False) -> None:
        super().__init__(size)
        self.size = size
        self.memory = memory


def read_bounded(
    path: str | os.PathLike[str], *, noun: str, error: type[FileError]
) -> bytes:
    """The file's bytes, or ``error`` saying why it cannot be ``noun`` ("a page")."""
    name = os.fspath(path)
    try:
        raw = read_bytes(path)
    except TooLarge as exc:
        problem = (memory_message(exc.size) if exc.memory
                   else f"too large for {noun} (over {size_text(MAX_BYTES)})")
        raise error(name, problem) from None
    except ValueError:  # a NUL byte in the name (a config file's "data" may hold one)
        raise error(name, "not a file name: it holds a NUL character") from None
    except FileNotFoundError:
        raise error(name, "no such file") from None
    except IsADirectoryError:
        raise error(name, f"is a directory, not {noun}") from None
    except OSError as exc:
        raise error(name, f"cannot read: {exc.strerror or exc}") from None
    if raw is None:
        raise error(name, f"is a device, not {noun}")
    return raw


def size_text(n: int) -> str:
    """A size limit in words: "1 GiB", "64 MiB"."""
    return f"{n // 2**30} GiB" if n >= 2**30 and n % 2**30 == 0 else f"{n // 2**20} MiB"


def read_bytes(path: str | os.PathLike[str]) -> bytes | None:
    """The file's bytes, at most MAX_BYTES of them and no more than the
    memory holds (else TooLarge); None for a device.

    A device such as /dev/zero or a terminal would be read forever or wait for
    typing; a pipe (``--data <(command)``) is read, but never without bound.
    """
    with open(path, "rb") as stream:
        info = os.fstat(stream.fileno())
        if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode):
            return None
        if stat.S_ISREG(info.st_mode):  # too large, or for the memory: refused unread
            if info.st_size > MAX_BYTES:
                raise TooLarge(info.st_size)
            if not fits_in_memory(info.st_size):
                raise TooLarge(info.st_size, memory=True)
        return read_at_most(stream, MAX_BYTES, info.st_size)


def read_at_most(stream: BinaryIO, limit: int, expected: int = 0) -> bytes:
    """``stream``'s bytes, at most ``limit`` of them, else TooLarge. Read in
    pieces: ``read(limit + 1)`` would ask for a buffer of the whole limit at
    once, a gigabyte for a file of a few kilobytes, which a process under
    ``ulimit -v`` does not have. A regular file's ``expected`` size (within
    the limit) is read in one piece. Past CHECK_MEMORY_FROM, what is read so
    far is weighed against the memory: an endless pipe is refused as soon as
    it holds more than the memory would, not at the limit."""
    pieces = []
    total = 0
    want = expected + 1 if expected < limit else READ_CHUNK
    while piece := stream.read(max(1, min(want, limit + 1 - total))):
        pieces.append(piece)
        total += len(piece)
        if total > limit:
            raise TooLarge(total)
        if total >= CHECK_MEMORY_FROM and not fits_in_memory(total):
            raise TooLarge(total, memory=True)
        want = READ_CHUNK
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)
