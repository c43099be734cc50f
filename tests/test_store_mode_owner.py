"""A read-only store is not replaced without --force; a replaced store keeps its mode and owner.

The backup (``STORE.bak``) gets the same mode and owner as the new store.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from processes import one_error_line, run
from racing import page_at, seeded_store

from backfaq.cli import cli

POSIX = os.name == "posix"
needs_posix = pytest.mark.skipif(not POSIX, reason="needs POSIX modes and owners")
needs_root = pytest.mark.skipif(not POSIX or os.geteuid() != 0, reason="needs root")


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return seeded_store(tmp_path / "store" / "store.json", tmp_path / "seed.txt")


@pytest.fixture
def page(tmp_path: Path) -> Path:
    return page_at(tmp_path / "page.txt")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def entries(path: Path) -> list[Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return list(doc["entries"])


def hidden(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


@needs_posix
def test_a_read_only_store_is_refused(store: Path, page: Path) -> None:
    store.chmod(0o444)
    before = store.read_bytes()
    proc = run("import", str(page), "--into", str(store))
    assert proc.returncode == 2
    assert proc.stdout == b""
    assert one_error_line(proc.stderr) == (
        f"Error: {store}: read-only (mode 0444); use --force to replace it"
    )
    assert store.read_bytes() == before
    assert mode(store) == 0o444
    assert not Path(f"{store}.bak").exists()
    assert hidden(store.parent) == []


@needs_posix
def test_a_read_only_store_can_still_be_read_and_left_alone(store: Path, page: Path) -> None:
    store.chmod(0o444)
    dry = run("import", str(page), "--into", str(store), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    seed = store.with_name("seed.txt")
    seed.write_bytes((store.parent.parent / "seed.txt").read_bytes())
    same = run("import", str(seed), "--into", str(store))
    assert same.returncode == 0, same.stderr
    assert same.stdout.decode().splitlines()[-1].endswith("nothing to change")


@needs_posix
def test_force_replaces_a_read_only_store_and_keeps_its_mode(store: Path, page: Path) -> None:
    store.chmod(0o444)
    before = store.read_bytes()
    proc = run("import", str(page), "--into", str(store), "--force")
    assert proc.returncode == 0, proc.stderr
    assert len(entries(store)) == 4
    assert mode(store) == 0o444
    backup = Path(f"{store}.bak")
    assert backup.read_bytes() == before
    assert mode(backup) == 0o444


def test_a_store_this_user_cannot_write_is_refused(
    runner: CliRunner, store: Path, page: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = store.read_bytes()
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)
    result = runner.invoke(cli, ["import", str(page), "--into", str(store)])
    monkeypatch.undo()
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: {store}: not writable by this user (mode {mode(store):04o}); "
        "use --force to replace it\n"
    )
    assert store.read_bytes() == before


@needs_root
def test_root_keeps_the_owner_and_group_of_a_users_store(store: Path, page: Path) -> None:
    uid, gid = 4321, 8765
    store.chmod(0o640)
    os.chown(store, uid, gid)
    proc = run("import", str(page), "--into", str(store))
    assert proc.returncode == 0, proc.stderr
    for path in (store, Path(f"{store}.bak"), Path(f"{store}.lock")):
        info = path.stat()
        assert (info.st_uid, info.st_gid) == (uid, gid), path
    assert mode(store) == mode(Path(f"{store}.bak")) == 0o640


@needs_root
def test_an_owner_that_cannot_be_given_is_left(
    runner: CliRunner, store: Path, page: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    os.chown(store, 4321, 8765)
    calls: list[tuple[int, int]] = []

    def refuse(fd: int, uid: int, gid: int) -> None:
        calls.append((uid, gid))
        raise PermissionError(1, "Operation not permitted")

    # As for a user whose store's group is one they are not in.
    monkeypatch.setattr(os, "fchown", refuse)
    result = runner.invoke(cli, ["import", str(page), "--into", str(store)])
    monkeypatch.undo()
    assert result.exit_code == 0, result.stderr
    assert set(calls) == {(4321, 8765)}
    assert len(entries(store)) == 4
    assert (store.stat().st_uid, store.stat().st_gid) == (os.geteuid(), os.getegid())
