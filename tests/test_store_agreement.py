"""What import writes, validate accepts; what validate accepts, every command handles.

Two ways they disagreed: a store over the reader's size limit, which import
wrote and every command then refused; and a lone surrogate (``"\\ud800"``),
which validate passed and import could not write back as UTF-8.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from processes import assert_no_crash, environment, one_error_line, run

import backfaq.limits
from backfaq.errors import StoreError, WriteError
from backfaq.limits import MAX_BYTES, read_bounded
from backfaq.store import bundled_path, check_document, load_document, read_document
from backfaq.writer import serialize, write_store

CURATED: dict[str, Any] = json.loads(Path(bundled_path()).read_text(encoding="utf-8"))

# backfaq's own entry point with the store size limit lowered to 1 MiB, for
# reader and writer alike (they share the constant): a large store made quickly.
SMALL_LIMIT = r"""
import sys
import backfaq.limits
backfaq.limits.MAX_BYTES = 2**20
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
    monkeypatch.setattr(backfaq.limits, "MAX_BYTES", size)
    write_store(path, CURATED)  # exactly at the limit: written, and read back
    assert load_document(path) == CURATED
    monkeypatch.setattr(backfaq.limits, "MAX_BYTES", size - 1)
    with pytest.raises(WriteError, match="too large"):
        write_store(path, CURATED)
    with pytest.raises(StoreError, match="too large for a store file"):
        read_bounded(path, noun="a store file", error=StoreError)
    assert MAX_BYTES == 2**30


def test_the_cache_reads_the_one_limit() -> None:
    from backfaq import cache, store_keys

    assert cache.MAX_BYTES is MAX_BYTES
    assert store_keys.MAX_BYTES is MAX_BYTES


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
def test_reading_stops_past_the_limit_in_pieces(
    size: int, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    import backfaq.limits

    monkeypatch.setattr(backfaq.limits, "READ_CHUNK", chunk)
    data = bytes(range(256))[:size]
    for expected in (0, size):
        if size <= 100:
            assert backfaq.limits.read_at_most(io.BytesIO(data), 100, expected) == data
        else:
            with pytest.raises(backfaq.limits.TooLarge):
                backfaq.limits.read_at_most(io.BytesIO(data), 100, expected)


class Stingy(io.BytesIO):
    """A stream that fails a read asking for more than 2 MiB at once."""

    def read(self, size: int | None = -1) -> bytes:
        assert size is not None and 0 < size <= 2**21, size
        return super().read(size)


def test_a_store_is_read_without_a_buffer_of_the_whole_limit() -> None:
    # read(MAX_BYTES + 1) asks for a gigabyte at once; a process limited to
    # less address space than that must still read a store of a few KiB, and
    # a file that claims to be larger than the limit is read in pieces too.
    import backfaq.limits

    assert backfaq.limits.read_at_most(Stingy(b"{}"), MAX_BYTES, 2) == b"{}"
    assert backfaq.limits.read_at_most(Stingy(b"{}"), MAX_BYTES) == b"{}"
    assert backfaq.limits.read_at_most(Stingy(b"{}"), MAX_BYTES, 2**31) == b"{}"


def test_an_endless_pipe_is_refused_once_it_outgrows_the_memory(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    import backfaq.limits

    monkeypatch.setattr(backfaq.limits, "READ_CHUNK", 7)
    monkeypatch.setattr(backfaq.limits, "CHECK_MEMORY_FROM", 10)
    monkeypatch.setattr(backfaq.limits, "memory_available",
                        lambda: backfaq.limits.MEMORY_PER_BYTE * 50)
    with pytest.raises(backfaq.limits.TooLarge) as raised:
        backfaq.limits.read_at_most(Stingy(b"x" * 10_000), MAX_BYTES)
    assert raised.value.memory and 50 < raised.value.size <= 57  # stopped at the first piece past


def test_a_file_over_the_limit_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import backfaq.limits

    path = tmp_path / "big.json"
    path.write_bytes(b" " * 200)
    monkeypatch.setattr(backfaq.limits, "MAX_BYTES", 100)

    def never(*_: object) -> bytes:
        raise AssertionError("read")

    monkeypatch.setattr(backfaq.limits, "read_at_most", never)
    with pytest.raises(StoreError, match=r"too large for a store file \(over 0 MiB\)|too large"):
        read_bounded(path, noun="a store file", error=StoreError)
    # Too large for the memory: refused before it is read, too.
    monkeypatch.setattr(backfaq.limits, "MAX_BYTES", 1000)
    monkeypatch.setattr(backfaq.limits, "CHECK_MEMORY_FROM", 10)
    monkeypatch.setattr(backfaq.limits, "memory_available", lambda: 12 * 199)
    with pytest.raises(StoreError, match="too large for the memory available"):
        read_bounded(path, noun="a store file", error=StoreError)


def _fake_system(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cgroup: str,
                 files: dict[str, str]) -> None:
    import backfaq.limits

    for name, text in files.items():
        target = tmp_path / "sys" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    (tmp_path / "meminfo").write_text("MemTotal: 8000000 kB\nMemAvailable: 4000000 kB\n")
    (tmp_path / "cgroup").write_text(cgroup)
    monkeypatch.setattr(backfaq.limits, "MEMINFO", str(tmp_path / "meminfo"))
    monkeypatch.setattr(backfaq.limits, "PROC_CGROUP", str(tmp_path / "cgroup"))
    monkeypatch.setattr(backfaq.limits, "CGROUP_ROOT", str(tmp_path / "sys"))


def test_the_memory_available_is_the_least_the_system_and_the_cgroup_allow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import backfaq.limits

    monkeypatch.setattr(backfaq.limits, "_address_room", lambda: None)
    # cgroup v2: the process's own group and the one above it; the tighter
    # counts, and reclaimable page cache is room.
    _fake_system(tmp_path, monkeypatch, "0::/app/worker\n", {
        "app/worker/memory.max": "max\n", "app/worker/memory.current": "100\n",
        "app/memory.max": "1000000\n", "app/memory.current": "600000\n",
        "app/memory.stat": "anon 400000\ninactive_file 100000\n",
    })
    assert backfaq.limits.memory_available() == 1000000 - (600000 - 100000)
    # cgroup v1, memory controller.
    _fake_system(tmp_path / "v1", monkeypatch, "4:memory:/svc\n3:cpu:/svc\n", {
        "memory/svc/memory.limit_in_bytes": "2000000\n",
        "memory/svc/memory.usage_in_bytes": "500000\n",
        "memory/memory.limit_in_bytes": "9223372036854771712\n",  # no limit
        "memory/memory.usage_in_bytes": "1\n",
    })
    assert backfaq.limits.memory_available() == 1500000
    # No cgroup limit: what the system has available.
    _fake_system(tmp_path / "none", monkeypatch, "0::/\n", {"memory.max": "max\n"})
    assert backfaq.limits.memory_available() == 4000000 * 1024


def test_the_address_space_limit_leaves_what_is_not_mapped_yet() -> None:
    import resource

    import backfaq.limits

    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    room = backfaq.limits._address_room()
    if soft == resource.RLIM_INFINITY:
        assert room is None
    else:
        assert room is not None and room < soft
