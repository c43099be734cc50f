"""What import writes, validate accepts; what validate accepts, every command handles.

Two ways they disagreed: a store over the reader's size limit, which import
wrote and every command then refused; and a lone surrogate (``"\\ud800"``),
which validate passed and import could not write back as UTF-8.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from processes import environment, one_error_line

import backfaq.store
from backfaq.errors import StoreError, WriteError
from backfaq.store import MAX_BYTES, bundled_path, load_document, read_bounded
from backfaq.writer import serialize, write_store

CURATED: dict[str, Any] = json.loads(Path(bundled_path()).read_text(encoding="utf-8"))

# backfaq's own entry point with the store size limit lowered to 1 MiB, for
# reader and writer alike (they share the constant): a large store made quickly.
SMALL_LIMIT = r"""
import sys
import backfaq.store
backfaq.store.MAX_BYTES = 2**20
sys.argv[0] = "backfaq"
from backfaq.cli import main
main()
"""


def small_limit(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-c", SMALL_LIMIT, *args], stdin=subprocess.DEVNULL,
                          capture_output=True, env=environment(), timeout=120)


def big_page(path: Path, questions: int) -> None:
    path.write_text("".join(f"How do I do thing {n}?\nDo thing {n} like this: {'word ' * 40}\n"
                            for n in range(questions)), encoding="utf-8")


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "store" / "store.json"
    path.parent.mkdir()
    path.write_bytes(serialize(CURATED))
    return path


# --- the size limit ------------------------------------------------------------------


def test_import_refuses_a_store_over_the_readers_limit(store: Path, tmp_path: Path) -> None:
    page = tmp_path / "big.txt"
    big_page(page, 4000)  # about 0.9 MiB of page, 1.3 MiB of store
    before = store.read_bytes()
    proc = small_limit("import", str(page), "--into", str(store), "--topic", "relief")
    assert proc.returncode == 2
    assert proc.stdout == b""
    line = one_error_line(proc.stderr)
    assert line.startswith(f"Error: {store}: too large: the new store would be 1.")
    assert line.endswith(" MiB, over the 1 MiB limit of a store file")
    assert store.read_bytes() == before
    assert sorted(p.name for p in store.parent.iterdir()) == ["store.json", "store.json.lock"]


def test_a_store_import_writes_under_the_limit_every_command_reads(
    store: Path, tmp_path: Path
) -> None:
    page = tmp_path / "big.txt"
    big_page(page, 2000)
    proc = small_limit("import", str(page), "--into", str(store), "--topic", "relief")
    assert proc.returncode == 0, proc.stderr
    assert 2**19 < store.stat().st_size <= 2**20
    for command in (["validate", str(store)], ["--data", str(store), "list"],
                    ["--data", str(store), "show", "thing-1999"]):
        shown = small_limit(*command)
        assert shown.returncode == 0, (command, shown.stderr)


def test_the_writer_and_the_reader_share_one_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.json"
    size = len(serialize(CURATED))
    monkeypatch.setattr(backfaq.store, "MAX_BYTES", size)
    write_store(path, CURATED)  # exactly at the limit: written, and read back
    assert load_document(path) == CURATED
    monkeypatch.setattr(backfaq.store, "MAX_BYTES", size - 1)
    with pytest.raises(WriteError, match="too large"):
        write_store(path, CURATED)
    with pytest.raises(StoreError, match="too large for a store file"):
        read_bounded(path, noun="a store file", error=StoreError)
    assert MAX_BYTES == 64 * 2**20
