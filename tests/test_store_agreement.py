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
from hypothesis import given, settings
from hypothesis import strategies as st
from processes import assert_no_crash, environment, one_error_line, run

import backfaq.store
from backfaq.errors import StoreError, WriteError
from backfaq.store import (
    MAX_BYTES,
    bundled_path,
    check_document,
    load_document,
    read_bounded,
    read_document,
)
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
    assert MAX_BYTES == 2**30


def test_the_cache_reads_the_loaders_limit() -> None:
    from backfaq import cache

    assert cache.MAX_BYTES is MAX_BYTES


# --- lone surrogates -----------------------------------------------------------------


def surrogate_store(path: Path) -> None:
    """The curated store with a lone surrogate in an answer, a phrasing and a synonym."""
    text = serialize(CURATED).decode("utf-8")
    first = CURATED["entries"][0]
    text = text.replace(json.dumps(first["answer"], ensure_ascii=False),
                        json.dumps("Rest \ud800 first.", ensure_ascii=True), 1)
    doc = json.loads(text)
    doc["entries"][1]["also_asked"].append("Why \udc80?")
    doc["synonyms"][0].append("lone \udfff")
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=True), encoding="ascii")


def test_validate_reports_lone_surrogates_where_they_are(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    surrogate_store(path)
    assert b"\\ud800" in path.read_bytes()
    proc = run("validate", str(path))
    assert proc.returncode == 1
    assert proc.stdout.decode().splitlines() == [
        f"{path}: entries[0].answer: contains a lone surrogate \\ud800, not Unicode text",
        f"{path}: entries[1].also_asked[0]: contains a lone surrogate \\udc80, not Unicode text",
        f"{path}: synonyms[0][{len(CURATED['synonyms'][0])}]: contains a lone surrogate "
        "\\udfff, not Unicode text",
    ]
    assert_no_crash(proc.stderr)


@pytest.mark.parametrize("command", [["list"], ["topics"], ["sources"], ["ask", "rest"],
                                     ["show", "x"]], ids=lambda c: c[0])
def test_every_command_refuses_a_store_with_a_lone_surrogate(
    tmp_path: Path, command: list[str]
) -> None:
    path = tmp_path / "s.json"
    surrogate_store(path)
    proc = run("--data", str(path), *command)
    assert proc.returncode == 2
    assert one_error_line(proc.stderr) == (
        f"Error: {path}: entries[0].answer: contains a lone surrogate \\ud800, not Unicode "
        "text (and 2 more problems)"
    )


def test_import_into_a_store_with_a_lone_surrogate_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    surrogate_store(path)
    before = path.read_bytes()
    page = tmp_path / "p.txt"
    page.write_text("Why new?\nA new answer.\n", encoding="utf-8")
    proc = run("import", str(page), "--into", str(path))
    assert proc.returncode == 2
    assert proc.stdout == b""
    assert one_error_line(proc.stderr) == (
        f"Error: {path}: entries[0].answer: contains a lone surrogate \\ud800, not Unicode "
        "text (and 2 more problems)"
    )
    assert path.read_bytes() == before
    assert not Path(f"{path}.bak").exists()


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="needs byte file names")
def test_a_page_whose_name_is_not_utf8_cannot_reach_a_store(tmp_path: Path) -> None:
    page = tmp_path.joinpath(b"caf\xe9.txt".decode("utf-8", "surrogateescape"))
    page.write_text("Why here?\nBecause.\n", encoding="utf-8")
    store = tmp_path / "s.json"
    proc = run("import", bytes(page), "--into", str(store))
    assert proc.returncode == 2
    assert one_error_line(proc.stderr) == (
        f"Error: {tmp_path}/caf\\udce9.txt: the file name is not UTF-8 text; rename the page"
    )
    assert not store.exists()


def test_the_writer_never_raises_on_a_lone_surrogate(tmp_path: Path) -> None:
    doc = json.loads(json.dumps(CURATED))
    doc["entries"][0]["answer"] = "Rest \ud800 first."
    with pytest.raises(WriteError, match="lone surrogate"):
        write_store(tmp_path / "s.json", doc)
    assert not (tmp_path / "s.json").exists()


# Any text at all, lone surrogates (which st.characters() leaves out) among it.
ANY_TEXT = st.lists(
    st.one_of(st.characters(), st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff"])),
    max_size=20,
).map("".join)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(field=st.sampled_from(["question", "answer", "also_asked", "topic_title", "synonym"]),
       text=ANY_TEXT)
def test_what_validate_accepts_can_be_written_and_read_back(field: str, text: str) -> None:
    doc = json.loads(json.dumps(CURATED))
    if field == "also_asked":
        doc["entries"][0]["also_asked"].append(text)
    elif field == "topic_title":
        doc["topics"][0]["title"] = text
    elif field == "synonym":
        doc["synonyms"][0].append(text)
    else:
        doc["entries"][0][field] = text
    if check_document(doc):
        return
    raw = serialize(doc)  # never a UnicodeEncodeError
    again = read_document("s.json", raw)
    assert again == doc
    assert check_document(again) == []


@pytest.mark.parametrize("size", [0, 1, 99, 100, 101, 250])
@pytest.mark.parametrize("chunk", [7, 100, 2**20])
def test_reading_stops_one_byte_past_the_limit_in_pieces(
    size: int, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    import backfaq.store

    monkeypatch.setattr(backfaq.store, "READ_CHUNK", chunk)
    data = bytes(range(256))[:size]
    for expected in (0, size):
        got = backfaq.store.read_at_most(io.BytesIO(data), 100, expected)
        assert got == data[:101]


def test_a_small_store_is_read_without_a_buffer_of_the_whole_limit() -> None:
    # read(MAX_BYTES + 1) asks for a gigabyte at once; a process limited to
    # less address space than that must still read a store of a few KiB.
    import io

    import backfaq.store

    class Stingy(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            assert size is not None and 0 < size <= 2**21, size
            return super().read(size)

    assert backfaq.store.read_at_most(Stingy(b"{}"), MAX_BYTES, 2) == b"{}"
    assert backfaq.store.read_at_most(Stingy(b"{}"), MAX_BYTES) == b"{}"
