"""A write killed with SIGKILL leaves the store whole, and its leftovers go with the next one.

The import runs as a real process whose ``os.fsync`` hangs (a hook in this
test, not in backfaq): it is killed while its temporary file is on disk.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from processes import environment, one_error_line, run
from racing import seeded_store, write_page

pytestmark = pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL")

# backfaq's own entry point, with fsync hanging once the flag file is written.
HANG_IN_FSYNC = r"""
import os, sys, time
flag = sys.argv.pop(1)
def hang(fd):
    with open(flag, "w") as stream:
        stream.write("writing")
    time.sleep(300)
os.fsync = hang
sys.argv[0] = "backfaq"
from backfaq.cli import main
main()
"""


def start_hanging_import(page: Path, store: Path, flag: Path, **settings: str
                         ) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HANG_IN_FSYNC, str(flag), "import", str(page), "--into",
         str(store)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env=environment(**settings),
    )
    deadline = time.monotonic() + 60
    while not flag.exists():
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "the import never reached its write"
        time.sleep(0.01)
    return proc


def kill(proc: subprocess.Popen[bytes]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=60) == -signal.SIGKILL
    if proc.stderr:
        proc.stderr.close()


def orphans(directory: Path, store: str = "store.json") -> list[Path]:
    """The hidden files beside the store named after it: its writers' temporary files."""
    return sorted(p for p in directory.glob(f".{store}.*") if p.is_file())


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return seeded_store(tmp_path / "store" / "store.json", tmp_path / "seed.txt")


def test_killed_writes_leave_the_store_whole_and_the_next_import_removes_their_files(
    store: Path, tmp_path: Path
) -> None:
    directory = store.parent
    before = store.read_bytes()
    # What is not this store's leftover stays: another store's, a user's file,
    # a directory; an earlier version's pattern is this store's and goes.
    keep = [directory / ".other.json.tmp-abc12345", directory / "store.json.tmp-notes",
            directory / ".store.json.tmp-dir"]
    keep[0].write_text("another store's", encoding="utf-8")
    keep[1].write_text("mine", encoding="utf-8")
    keep[2].mkdir()
    legacy = directory / ".store.json.k3j_8zq1.tmp"
    legacy.write_text("left by an earlier version", encoding="utf-8")
    seen: set[Path] = set()
    for n in range(3):
        page = tmp_path / f"killed-{n}.txt"
        write_page(page, f"killed{n}")
        proc = start_hanging_import(page, store, tmp_path / f"flag-{n}")
        kill(proc)
        assert store.read_bytes() == before
        # Only the last killed write's file: each write removed the ones before.
        [leftover] = orphans(directory)
        assert leftover.name.startswith(".store.json.tmp-")
        assert leftover not in seen
        seen.add(leftover)
        assert not legacy.exists()
        # A whole new store that never replaced the old one.
        assert len(json.loads(leftover.read_text(encoding="utf-8"))["entries"]) == 4
    page = tmp_path / "next.txt"
    wanted = write_page(page, "next")
    proc = run("import", str(page), "--into", str(store))
    assert proc.returncode == 0, proc.stderr
    assert orphans(directory) == []
    assert not legacy.exists()
    assert all(p.exists() for p in keep)
    assert sorted(p.name for p in directory.iterdir()) == sorted(
        ["store.json", "store.json.bak", "store.json.lock", *(p.name for p in keep)]
    )
    doc = json.loads(store.read_text(encoding="utf-8"))
    assert set(wanted) <= {e["question"] for e in doc["entries"]}
    assert Path(f"{store}.bak").read_bytes() == before


def test_a_live_writers_file_is_never_removed(store: Path, tmp_path: Path) -> None:
    page = tmp_path / "slow.txt"
    write_page(page, "slow")
    writer = start_hanging_import(page, store, tmp_path / "flag")
    try:
        [live] = orphans(store.parent)
        other = tmp_path / "other.txt"
        write_page(other, "other")
        # The second import waits for the lock the live writer holds, and gives up.
        proc = run("import", str(other), "--into", str(store),
                   env=environment(BACKFAQ_LOCK_TIMEOUT="0.5"))
        assert proc.returncode == 2
        assert "another import is writing this store" in one_error_line(proc.stderr)
        assert live.exists()
    finally:
        kill(writer)
