"""Imports into one store take turns: no import's entries are lost to another's.

Real ``backfaq import`` processes race into one store; the lock is held from
the test to show an import waits for it, reads the store only once it holds
it, and gives up with one clear line when it cannot have it.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from processes import MODULE, environment, final_error_line, one_error_line, run
from racing import race, seeded_store, write_page

from backfaq.cli import cli
from backfaq.lock import DEFAULT_TIMEOUT, lock_path, lock_timeout, store_lock
from backfaq.writer import write_store


def load(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


def questions(path: Path) -> set[str]:
    return {e["question"] for e in load(path)["entries"]}


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A store made by a real import, with two entries."""
    return seeded_store(tmp_path / "store.json", tmp_path / "seed.txt")


def start_import(page: Path, store: Path, **settings: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([*MODULE, "import", str(page), "--into", str(store)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=environment(**settings))


def test_racing_imports_lose_no_entry(store: Path, tmp_path: Path) -> None:
    outcome = race(store, tmp_path, rounds=10)
    assert outcome.failures == []
    assert outcome.lost == []
    assert len(load(store)["entries"]) == 2 + 10 * 2 * 2


def test_the_store_is_read_once_the_lock_is_held(store: Path, tmp_path: Path) -> None:
    page = tmp_path / "late.txt"
    late = write_page(page, "late")
    with store_lock(store, store, timeout=0):
        proc = start_import(page, store, BACKFAQ_LOCK_TIMEOUT="60")
        time.sleep(1.0)
        assert proc.poll() is None, "the import did not wait for the lock"
        # Meanwhile the holder writes the store: the waiting import must merge
        # into this version, not into the one it could have read at its start.
        doc = load(store)
        doc["entries"][0]["also_asked"].append("Written while the import waited?")
        doc["entries"].append({**doc["entries"][1], "id": "holder", "question": "Holder's?",
                               "also_asked": [], "answer": "The holder wrote this."})
        write_store(store, doc)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert out.decode().splitlines()[-1].endswith(f"written, previous version in {store}.bak")
    final = load(store)
    assert {"Holder's?", *late} <= questions(store)
    assert "Written while the import waited?" in final["entries"][0]["also_asked"]


def test_a_store_locked_too_long_is_one_error_and_left_unchanged(
    store: Path, tmp_path: Path
) -> None:
    page = tmp_path / "page.txt"
    write_page(page, "page")
    before = store.read_bytes()
    with store_lock(store, store, timeout=0):
        started = time.monotonic()
        proc = start_import(page, store, BACKFAQ_LOCK_TIMEOUT="0.5")
        out, err = proc.communicate(timeout=60)
        waited = time.monotonic() - started
    assert proc.returncode == 2
    assert out == b""
    assert one_error_line(err) == (
        f"Error: {store}: another import is writing this store (still locked after 0.5 s)"
    )
    assert waited >= 0.5
    assert store.read_bytes() == before
    assert sorted(p.name for p in store.parent.iterdir() if p.name.startswith(".")) == []
    assert not Path(f"{store}.bak").exists()


def test_an_import_waits_its_turn(store: Path, tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    wanted = write_page(page, "page")
    with store_lock(store, store, timeout=0):
        proc = start_import(page, store)  # the default timeout, 10 s
        time.sleep(0.5)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert set(wanted) <= questions(store)


def test_a_dry_run_takes_no_lock(store: Path, tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    write_page(page, "page")
    new = tmp_path / "new.json"
    with store_lock(store, store, timeout=0):
        proc = run("import", str(page), "--into", str(store), "--dry-run",
                   env=environment(BACKFAQ_LOCK_TIMEOUT="0"))
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.decode().splitlines()[-1].endswith("dry run, nothing written")
    assert run("import", str(page), "--into", str(new), "--dry-run").returncode == 0
    assert not new.exists()
    assert not lock_path(new).exists()


def test_the_lock_file_is_left_empty_and_is_not_a_store(store: Path, tmp_path: Path) -> None:
    lock = lock_path(store)
    assert lock.read_bytes() == b""
    page = tmp_path / "page.txt"
    write_page(page, "page")
    # A lock file left behind (even by a killed import) does not stop the next one.
    assert run("import", str(page), "--into", str(store)).returncode == 0
    assert lock.read_bytes() == b""
    assert sorted(p.name for p in store.parent.glob("store.json*")) == [
        "store.json", "store.json.bak", "store.json.lock"
    ]
    served = run("--data", str(lock), "list")
    assert served.returncode == 2
    assert one_error_line(served.stderr) == f"Error: {lock}: empty file, expected a JSON object"


def test_links_to_one_store_share_its_lock(store: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.json"
    link.symlink_to(store)
    page = tmp_path / "page.txt"
    write_page(page, "page")
    with store_lock(store, store, timeout=0):
        proc = run("import", str(page), "--into", str(link),
                   env=environment(BACKFAQ_LOCK_TIMEOUT="0"))
    assert proc.returncode == 2
    assert "another import is writing this store" in one_error_line(proc.stderr)
    assert not lock_path(link).exists()


def test_a_lock_file_that_cannot_be_made_is_a_write_error(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    write_page(page, "page")
    store = tmp_path / "missing-dir" / "s.json"
    proc = run("import", str(page), "--into", str(store))
    assert proc.returncode == 2
    assert one_error_line(proc.stderr) == (
        f"Error: {store}: cannot create the lock file s.json.lock: No such file or directory"
    )


@pytest.mark.parametrize("value", ["soon", "-1", "nan", "inf"])
def test_a_bad_lock_timeout_is_a_usage_error(
    runner: CliRunner, tmp_path: Path, value: str
) -> None:
    page = tmp_path / "page.txt"
    write_page(page, "page")
    result = runner.invoke(cli, ["import", str(page), "--into", str(tmp_path / "s.json")],
                           env={"BACKFAQ_LOCK_TIMEOUT": value})
    assert result.exit_code == 2
    assert final_error_line(result.stderr) == (
        f"Error: BACKFAQ_LOCK_TIMEOUT must be a number of seconds, not '{value}'"
    )
    assert not (tmp_path / "s.json").exists()


def test_lock_timeout_values() -> None:
    assert lock_timeout(None) == lock_timeout("") == lock_timeout(" ") == DEFAULT_TIMEOUT == 10
    assert lock_timeout("0") == 0
    assert lock_timeout("2.5") == 2.5


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_lock_file_that_is_a_named_pipe_is_one_error_not_a_wait(
    store: Path, tmp_path: Path
) -> None:
    page = tmp_path / "page.txt"
    write_page(page, "page")
    before = store.read_bytes()
    lock = lock_path(store)
    lock.unlink()
    os.mkfifo(lock)
    proc = start_import(page, store)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert one_error_line(err) == (
        f"Error: {store}: the lock file {lock.name} is not a regular file; remove it"
    )
    assert store.read_bytes() == before


def test_an_import_whose_lock_file_was_removed_writes_nothing(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Someone takes STORE.lock for a stale file and removes it while an import
    # holds it: a second import could then lock a new file and write too, so
    # the first one must not write back what it read.
    import backfaq.importer

    page = tmp_path / "page.txt"
    write_page(page, "removed")
    real = backfaq.importer.plan_import

    def removing_the_lock(*args: Any, **kwargs: Any) -> Any:
        lock_path(store).unlink()
        return real(*args, **kwargs)

    monkeypatch.setattr(backfaq.importer, "plan_import", removing_the_lock)
    before = store.read_bytes()
    result = CliRunner().invoke(cli, ["import", str(page), "--into", str(store)])
    assert result.exit_code == 2
    assert one_error_line(result.stderr.encode()) == (
        f"Error: {store}: the lock file store.json.lock was removed while this import held it;"
        " nothing written, run it again")
    assert store.read_bytes() == before
    assert not list(store.parent.glob(f".{store.name}.tmp-*"))  # the new file it wrote went
