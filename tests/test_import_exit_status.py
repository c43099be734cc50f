"""The exit status of ``backfaq import`` says what became of the store.

0: the store was written (or there was nothing to change), even when the
summary could not be printed; 2: the store is as it was. Real processes, with
standard output a full disk, a pipe nobody reads, or closed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from processes import MODULE, assert_no_crash, environment, one_error_line, run
from racing import page_at, seeded_store

POSIX = os.name == "posix"
needs_dev_full = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return seeded_store(tmp_path / "store.json", tmp_path / "seed.txt")


@pytest.fixture
def page(tmp_path: Path) -> Path:
    return page_at(tmp_path / "page.txt")


def entries(store: Path) -> int:
    return len(json.loads(store.read_text(encoding="utf-8"))["entries"])


def import_to(stdout: int | object, *args: str, **kwargs: object
              ) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*MODULE, "import", *args], stdin=subprocess.DEVNULL, stdout=stdout,
                          stderr=subprocess.PIPE, env=environment(), timeout=60,
                          **kwargs)  # type: ignore[call-overload]


@needs_dev_full
@pytest.mark.parametrize("existing", [True, False], ids=["written", "created"])
def test_a_store_written_with_a_full_stdout_exits_0_with_one_warning(
    store: Path, page: Path, existing: bool
) -> None:
    target = store if existing else store.with_name("new.json")
    with open("/dev/full", "wb") as full:
        proc = import_to(full, str(page), "--into", str(target))
    assert proc.returncode == 0
    outcome = f"written, previous version in {target}.bak" if existing else "created"
    assert proc.stderr.decode() == (
        f"Warning: {target}: {outcome}; the summary could not be printed: "
        "No space left on device\n"
    )
    assert entries(target) == (4 if existing else 2)


@needs_dev_full
@pytest.mark.parametrize("kind", ["nothing to change", "dry run"])
def test_a_store_left_unchanged_with_a_full_stdout_exits_2(
    store: Path, page: Path, kind: str
) -> None:
    source = store.with_name("seed.txt") if kind == "nothing to change" else page
    extra = ["--dry-run"] if kind == "dry run" else []
    before = store.read_bytes()
    with open("/dev/full", "wb") as full:
        proc = import_to(full, str(source), "--into", str(store), *extra)
    assert proc.returncode == 2
    assert one_error_line(proc.stderr) == "Error: cannot write output: No space left on device"
    assert store.read_bytes() == before


@pytest.mark.skipif(not POSIX, reason="needs POSIX pipes")
def test_a_store_written_into_a_pipe_nobody_reads_exits_0_quietly(
    store: Path, page: Path
) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = import_to(write_end, str(page), "--into", str(store))
    finally:
        os.close(write_end)
    assert proc.returncode == 0
    assert proc.stderr == b""
    assert entries(store) == 4


@pytest.mark.skipif(not POSIX, reason="needs POSIX file descriptors")
def test_a_closed_stdout_is_refused_before_the_store_is_touched(
    store: Path, page: Path
) -> None:
    before = store.read_bytes()
    proc = import_to(None, str(page), "--into", str(store), preexec_fn=lambda: os.close(1))
    assert proc.returncode == 2
    assert one_error_line(proc.stderr) == (
        "Error: cannot write output: standard output is closed"
    )
    assert store.read_bytes() == before
    assert not Path(f"{store}.bak").exists()


@needs_dev_full
@pytest.mark.skipif(not POSIX, reason="needs POSIX file descriptors")
def test_the_warning_needs_no_stderr(store: Path, page: Path) -> None:
    with open("/dev/full", "wb") as full:
        proc = subprocess.run([*MODULE, "import", str(page), "--into", str(store)],
                              stdin=subprocess.DEVNULL, stdout=full, stderr=full,
                              env=environment(), timeout=60)
    assert proc.returncode == 0
    assert entries(store) == 4


def test_a_store_written_prints_its_summary_and_nothing_else(store: Path, page: Path) -> None:
    proc = run("import", str(page), "--into", str(store))
    assert proc.returncode == 0
    assert_no_crash(proc.stderr)
    assert proc.stderr == b""
    assert proc.stdout.decode().splitlines()[-1] == (
        f"{store}: 2 added, 0 merged, 0 unchanged, 0 skipped; "
        f"written, previous version in {store}.bak"
    )


@pytest.mark.skipif(not POSIX, reason="sends SIGINT")
def test_a_ctrl_c_once_the_store_is_written_exits_0_with_one_warning(
    store: Path, tmp_path: Path
) -> None:
    # The summary of 3,000 questions fills the pipe nobody reads yet: the
    # import is written and waiting to print when Ctrl-C comes.
    big = tmp_path / "big.md"
    big.write_text("# Big\n" + "".join(f"\n## How do I do thing {i} quickly?\n\nDo thing {i}.\n"
                                       for i in range(3000)), encoding="utf-8")
    before = entries(store)
    proc = subprocess.Popen([*MODULE, "import", str(big), "--into", str(store)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=environment())
    try:
        deadline = time.monotonic() + 60
        while entries_or_none(store) != before + 3000:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(0.2)  # blocked on the full pipe
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0
    assert err.decode().splitlines()[-1] == (
        f"Warning: {store}: written, previous version in {store}.bak; "
        "interrupted before the summary was printed")


def entries_or_none(store: Path) -> int | None:
    try:
        return entries(store)
    except (OSError, ValueError):
        return None  # between two states of the file


def test_a_ctrl_c_as_the_new_store_takes_the_old_ones_place_still_says_written(
    store: Path, page: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from backfaq import writer
    from backfaq.cli import cli

    real = writer.write_store

    def replaced_then_interrupted(*args: object, **kwargs: object) -> None:
        real(*args, **kwargs)  # type: ignore[arg-type]
        raise KeyboardInterrupt

    monkeypatch.setattr(writer, "write_store", replaced_then_interrupted)
    result = CliRunner().invoke(cli, ["import", str(page), "--into", str(store)])
    assert result.exit_code == 0 and entries(store) == 4
    assert result.stderr.splitlines() == [
        f"Warning: {store}: written, previous version in {store}.bak; "
        "interrupted before the summary was printed"]

    def interrupted_before(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(writer, "write_store", interrupted_before)
    again = store.read_bytes()
    stopped = CliRunner().invoke(cli, ["import", str(page), "--into", str(store), "--title",
                                       "New"])
    assert stopped.exit_code != 0 and "written" not in stopped.stderr  # click: Aborted!
    assert store.read_bytes() == again
