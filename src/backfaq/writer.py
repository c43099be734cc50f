"""Write a store document safely: the file on disk is always a whole store, old or new.

The new text goes to a temporary file in the store's own directory, is flushed
to the disk, and only then renamed over the store (a rename within one
directory is atomic). The previous version is kept beside it as ``STORE.bak``.
Whatever fails, and wherever, the store is left as it was and no temporary
file stays behind; one a killed writer left (``.STORE.tmp-*``) is removed by
the next write, which runs under the store's lock (see ``lock``), so it can
never be a live writer's.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from backfaq import limits
from backfaq import store as _store
from backfaq.errors import WriteError


def serialize(document: dict[str, Any]) -> bytes:
    """The store's text exactly as the curated ``data/faq.json`` is laid out."""
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def not_a_store_file(path: Path) -> str | None:
    """Why ``path`` (followed through a link) cannot be a store file to write:
    it is a directory, a named pipe, a device or a socket, or a link that
    leads nowhere (a store on a disk not mounted is not made anew where the
    link points); None for a regular file or none at all. Asked before the
    store's lock is taken or the store read: a named pipe would be waited on
    for ever."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        if os.path.islink(path):  # a link to nothing, or a loop of links
            return "is a symbolic link that leads to no file"
        return None  # missing, or unreadable: the reader says which
    if stat.S_ISDIR(mode):
        return "is a directory"
    if stat.S_ISFIFO(mode):
        return "is a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device"
    if stat.S_ISSOCK(mode):
        return "is a socket"
    return None


def store_file(path: Path) -> Path:
    """The file a store path names: a symbolic link is written through, never replaced."""
    # os.path.islink, not Path.is_symlink: a name too long is no link either,
    # where the method raises (and its error would not name the store).
    return Path(os.path.realpath(path)) if os.path.islink(path) else path


def write_store(path: Path, document: dict[str, Any], *, force: bool = False,
                before_replace: Callable[[], None] | None = None) -> None:
    """Replace (or create) the store at ``path`` atomically; raise WriteError on failure.

    ``before_replace`` runs once the new file is written, just before it
    (and the backup) take their places: the lock's check that it is still
    held, as late as it can be made; raising there leaves everything as it
    was.

    The caller holds the store's lock. A store whose owner may not write it is
    replaced only with ``force``; the new file and the backup get the old
    one's mode, and its owner and group where that is permitted (root). A
    document the store reader would refuse, as invalid or too large, is
    never written.
    """
    target = store_file(path)
    problems = _store.check_document(document)
    if problems:  # never write what every command would then refuse
        raise WriteError(str(path), f"the new store would not be valid: {problems[0]}")
    try:
        data = serialize(document)
    except UnicodeEncodeError:
        raise WriteError(str(path), "cannot write: the text holds a lone surrogate, "
                                    "not Unicode") from None
    if len(data) > limits.MAX_BYTES:
        raise WriteError(str(path), f"too large: the new store would be "
                                    f"{len(data) / 2**20:.1f} MiB, over the "
                                    f"{limits.size_text(limits.MAX_BYTES)} limit of a store file")
    try:
        old = target.stat()
        previous: bytes | None = target.read_bytes()
    except FileNotFoundError:
        old, previous = None, None
    except OSError as exc:
        problem = f"cannot read the current store: {exc.strerror or exc}"
        raise WriteError(str(path), problem) from None
    mode = stat.S_IMODE(old.st_mode) if old else _default_mode()
    owner = (old.st_uid, old.st_gid) if old else None
    if old and not force:
        _refuse_read_only(path, target, mode)
    remove_orphans(target)
    temporary: list[Path] = []
    try:
        fresh = _write_temporary(target, data, mode, owner, temporary)
        if before_replace is not None:
            before_replace()
        if previous is not None:
            saved = _write_temporary(target, previous, mode, owner, temporary)
            os.replace(saved, backup_path(target))
            temporary.remove(saved)
        os.replace(fresh, target)
        temporary.remove(fresh)
        _sync_directory(target.parent)
    except OSError as exc:
        raise WriteError(str(path), f"cannot write: {exc.strerror or exc}") from None
    finally:
        for leftover in temporary:
            with contextlib.suppress(OSError):
                leftover.unlink()


def _refuse_read_only(path: Path, target: Path, mode: int) -> None:
    """A store made read-only is kept so on purpose: never replaced without --force."""
    if _on_read_only_system(target):  # no --force helps there
        raise WriteError(str(path), "cannot write: the file system is read-only")
    if not mode & stat.S_IWUSR:
        problem = f"read-only (mode {mode:04o})"
    elif not os.access(target, os.W_OK):
        problem = f"not writable by this user (mode {mode:04o})"
    else:
        return
    raise WriteError(str(path), f"{problem}; use --force to replace it")


def _on_read_only_system(target: Path) -> bool:
    """Whether ``target``'s directory is on a file system mounted read-only."""
    try:
        return bool(os.statvfs(target.parent).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # no statvfs (Windows): the write will say
        return False


# What the longest file a write puts beside a store adds to its name: the
# temporary file, ".STORE.tmp-" and eight random characters (the lock adds
# ".lock", the backup ".bak").
BESIDE = len("..tmp-") + 8


def name_limit_passed(target: Path) -> int | None:
    """The file system's limit on a file name's bytes, when the files a write
    puts beside ``target`` would pass it (the store itself could still be
    read); else None."""
    try:
        limit = os.pathconf(target.parent, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):  # no pathconf (Windows): the write says
        return None
    if limit <= 0:  # no fixed limit
        return None
    # Linux counts a name's bytes; macOS its characters (UTF-16 units on HFS+).
    size = len(target.name) if sys.platform == "darwin" else len(os.fsencode(target.name))
    return limit if size + BESIDE > limit else None


def temporary_prefix(target: Path) -> str:
    return f".{target.name}.tmp-"


def remove_orphans(target: Path) -> None:
    """Remove the temporary files that writers of ``target`` killed mid-write left.

    Only this store's, by their exact pattern (``mkstemp``'s random tail), and
    only plain files; an earlier pattern (``.STORE.XXXXXXXX.tmp``) too.
    """
    name = re.escape(target.name)
    orphan = re.compile(rf"\.{name}\.(?:tmp-[a-z0-9_]+|[a-z0-9_]{{8}}\.tmp)")
    try:
        names = os.listdir(target.parent)
    except OSError:
        return
    for candidate in names:
        if orphan.fullmatch(candidate):
            path = target.parent / candidate
            with contextlib.suppress(OSError):
                if stat.S_ISREG(path.lstat().st_mode):
                    path.unlink()


def _write_temporary(target: Path, data: bytes, mode: int, owner: tuple[int, int] | None,
                     temporary: list[Path]) -> Path:
    """``data`` in a new file beside ``target``, on the disk before this returns."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=temporary_prefix(target))
    temporary.append(Path(name))
    try:
        stream = os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        raise
    with stream:
        if owner is not None:
            _give_owner(stream.fileno(), owner)
        if hasattr(os, "fchmod"):
            os.fchmod(stream.fileno(), mode)
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    return Path(name)


def _give_owner(fd: int, owner: tuple[int, int]) -> None:
    """The old store's owner and group (root replacing a user's store); else leave it."""
    if not hasattr(os, "fchown"):
        return
    current = os.fstat(fd)
    if (current.st_uid, current.st_gid) == owner:
        return
    with contextlib.suppress(PermissionError):
        os.fchown(fd, *owner)


def _default_mode() -> int:
    """What a new file gets from open(): 0o666 less the umask (mkstemp would give 0o600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable; not every system lets a directory be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
