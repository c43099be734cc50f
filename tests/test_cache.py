"""The index cache: used only for the exact store bytes, backfaq version and
code it was written for, rebuilt when stale or damaged, and never in a query's way.

Every test runs with its own empty cache directory (conftest.py).
"""

from __future__ import annotations

import hashlib
import io
import json
import marshal
import os
import shutil
import sys
import time
import zlib
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from backfaq import cache, snapshot, store_keys
from backfaq import cache_files as cache_directory
from backfaq.cli import App, cli
from backfaq.model import Store
from backfaq.search import Index
from backfaq.store import bundled_path, load_store

QUERIES = ["pain between shoulder blades", "sholder blade sqeeze", "how do I back up my laptop"]
LIBRARY = Path(__file__).parent.parent / "benchmarks" / "stores" / "library.json"


class Loads:
    """A store loader that counts its calls: a cache hit loads nothing."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.calls = 0

    def __call__(self, raw: bytes | None) -> Store:
        self.calls += 1
        return load_store(self.path, raw)


def answers(index: Index) -> list[Any]:
    return [
        [(h.entry.id, h.score, h.explain) for h in (r.hits or r.closest)]
        for r in (index.search(q) for q in QUERIES)
    ]


def cache_root() -> Path:
    directory = cache.cache_dir()
    assert directory is not None
    return Path(directory)


def cache_files() -> list[Path]:
    return sorted(cache_root().glob("*")) if cache_root().exists() else []


def key_of(raw: bytes) -> str:
    key = store_keys.key_of(io.BytesIO(raw), len(raw))
    assert key is not None
    return key


def slot_of(path: Path) -> tuple[Path, bytes]:
    slot = cache._slot(key_of(path.read_bytes()))
    assert slot is not None
    return Path(slot[0]), slot[1]


def payload_file(header: bytes, payload: bytes) -> bytes:
    """A cache file around ``payload``, with a trailer that matches it."""
    return header + payload + cache._trailer(zlib.crc32(payload), len(payload))


def cache_holding(faq: Path, payload: list[Any]) -> None:
    """The cache file of ``faq`` made to hold ``payload``, framed and checksummed."""
    path, header = slot_of(faq)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload_file(header, marshal.dumps(tuple(payload))))


@pytest.fixture
def faq(tmp_path: Path) -> Path:
    """A copy of the bundled store."""
    path = tmp_path / "faq.json"
    shutil.copyfile(bundled_path(), path)
    return path


def open_counting(path: Path) -> tuple[Index, int]:
    loads = Loads(path)
    index = cache.open_index(str(path), loads)
    return index, loads.calls


def test_the_cache_directory_follows_xdg(tmp_path: Path) -> None:
    assert cache_root() == tmp_path / "xdg-cache" / "backfaq"


def test_a_relative_xdg_cache_home_falls_back_to_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")
    assert cache_root() == tmp_path / "home" / ".cache" / "backfaq"


def test_without_a_home_nothing_is_cached(faq: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.delenv("HOME")
    assert cache.cache_dir() is None
    first, loads = open_counting(faq)
    _, loads_again = open_counting(faq)
    assert (loads, loads_again) == (1, 1)
    assert answers(first) == answers(Index(load_store(faq)))


def test_second_open_loads_nothing_and_answers_the_same(faq: Path) -> None:
    built, first_loads = open_counting(faq)
    cached, second_loads = open_counting(faq)
    assert (first_loads, second_loads) == (1, 0)
    assert answers(cached) == answers(built)
    assert cached.store.entries == built.store.entries
    assert cached.store.red_flags == built.store.red_flags != ()
    assert cached.store.topics == built.store.topics
    assert cached.store.sources == built.store.sources
    assert cached.store.synonyms == built.store.synonyms


def test_a_small_store_is_keyed_by_a_blake2b_hash_of_its_bytes(faq: Path) -> None:
    raw = faq.read_bytes()
    assert len(raw) < store_keys.SHA256_FROM
    assert key_of(raw) == "blake2b-" + hashlib.blake2b(raw, digest_size=20).hexdigest()


def test_a_large_store_is_keyed_by_a_sha256_of_its_bytes_read_in_chunks(
    faq: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_keys, "SHA256_FROM", 1)
    monkeypatch.setattr(store_keys, "CHUNK", 1000)  # the bundled store is many chunks
    raw = faq.read_bytes()
    assert key_of(raw) == "sha256-" + hashlib.sha256(raw).hexdigest()
    _, loads = open_counting(faq)
    _, loads_again = open_counting(faq)
    assert (loads, loads_again) == (1, 0)


def test_a_python_without_blake2_keys_every_store_by_sha256(
    faq: Path, monkeypatch: pytest.MonkeyPatch, runner: CliRunner
) -> None:
    monkeypatch.setitem(sys.modules, "_blake2", None)  # as if built without it
    raw = faq.read_bytes()
    assert key_of(raw) == "sha256-" + hashlib.sha256(raw).hexdigest()
    _, loads = open_counting(faq)
    _, loads_again = open_counting(faq)
    assert (loads, loads_again) == (1, 0)
    result = runner.invoke(cli, ["ask", QUERIES[0], "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["results"]


def test_a_file_growing_past_the_limit_gets_no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_keys, "MAX_BYTES", 10)
    assert store_keys.key_of(io.BytesIO(b"x" * 10), 10) is not None
    assert store_keys.key_of(io.BytesIO(b"x" * 11), 10) is None


def same_crc32(base: bytes, crc: int) -> bytes:
    """``base`` with some of its trailing spaces made tabs, so that its CRC-32
    is ``crc``: the same size and checksum, other bytes. CRC-32 is linear, so
    which spaces to flip is a system of equations over GF(2)."""
    assert base.endswith(b" " * 64)
    start = len(base) - 64
    original = zlib.crc32(base)
    basis: dict[int, tuple[int, int]] = {}  # leading bit -> (crc change, positions)
    for n in range(64):
        flipped = bytearray(base)
        flipped[start + n] = ord("\t")
        change, positions = zlib.crc32(flipped) ^ original, 1 << n
        for bit in reversed(range(32)):
            if change >> bit & 1:
                if bit not in basis:
                    basis[bit] = (change, positions)
                    break
                change ^= basis[bit][0]
                positions ^= basis[bit][1]
    wanted, chosen = original ^ crc, 0
    for bit in reversed(range(32)):
        if wanted >> bit & 1:
            wanted ^= basis[bit][0]
            chosen ^= basis[bit][1]
    assert wanted == 0
    forged = bytearray(base)
    for n in range(64):
        if chosen >> n & 1:
            forged[start + n] = ord("\t")
    return bytes(forged)


def test_a_store_forged_to_another_ones_checksum_gets_its_own_index(
    faq: Path, tmp_path: Path
) -> None:
    genuine = faq.read_bytes()
    doc = json.loads(genuine)
    for entry in doc["entries"]:
        entry["answer"] = "Forged: " + entry["answer"][:40]
    body = json.dumps(doc).encode()
    forged = tmp_path / "forged.json"
    forged.write_bytes(same_crc32(body + b" " * (len(genuine) - len(body)), zlib.crc32(genuine)))
    assert len(forged.read_bytes()) == len(genuine)
    assert zlib.crc32(forged.read_bytes()) == zlib.crc32(genuine)
    _, forged_loads = open_counting(forged)
    index, loads = open_counting(faq)
    assert (forged_loads, loads) == (1, 1)
    assert answers(index) == answers(Index(load_store(faq)))
    assert not any(e.answer.startswith("Forged") for e in index.store.entries)


def test_the_index_is_built_from_the_bytes_hashed_not_a_store_loaded_before(
    faq: Path,
) -> None:
    app = App(str(faq))
    assert app.store.entries  # loaded, as the interactive prompt does at start
    doc = json.loads(faq.read_text(encoding="utf-8"))
    doc["entries"][0]["answer"] += " Zanzibar."
    faq.write_text(json.dumps(doc), encoding="utf-8")
    assert app.index.search("zanzibar").hits
    assert app.store is app.index.store
    cached, loads = open_counting(faq)
    assert loads == 0 and cached.search("zanzibar").hits


def test_a_store_edited_while_it_is_hashed_is_not_cached_under_the_old_hash(
    faq: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = faq.read_bytes()
    doc = json.loads(old)
    doc["entries"][0]["answer"] += " Zanzibar."
    real_read_cache = cache.read_cache

    def edit_on_a_miss(slot: Any, path: str, size: int) -> Any:
        faq.write_text(json.dumps(doc), encoding="utf-8")  # in place, as an editor may
        return real_read_cache(slot, path, size)

    monkeypatch.setattr(cache, "read_cache", edit_on_a_miss)
    index, loads = open_counting(faq)
    assert loads == 1 and index.search("zanzibar").hits  # the new bytes, parsed
    old_slot = cache._slot(store_keys.key_of(io.BytesIO(old), len(old)) or "")
    assert old_slot is not None and not os.path.exists(old_slot[0])  # not under the old hash
    # It is under the hash of the bytes it was built from: the next open reads it.
    monkeypatch.setattr(cache, "read_cache", real_read_cache)
    again, loads = open_counting(faq)
    assert loads == 0 and again.search("zanzibar").hits


def test_the_file_is_named_and_headed_by_version_store_code_and_machine(faq: Path) -> None:
    open_counting(faq)
    [path] = cache_files()
    key = key_of(faq.read_bytes())
    assert path.name.startswith(f"index-{cache.__version__}-{key}-")
    expected, header = slot_of(faq)
    assert path == expected and path.read_bytes().startswith(header)
    fields = json.loads(header[len(cache.MAGIC):])
    assert fields["store"] == key and fields["backfaq"] == cache.__version__
    assert fields["format"] == cache.CACHE_FORMAT
    assert fields["python"] == sys.implementation.cache_tag
    assert fields["machine"] == [sys.platform, sys.byteorder, sys.maxsize.bit_length()]
    assert "search/index.py" in [name for name, _, _ in fields["code"]]


def test_a_changed_store_is_rebuilt(faq: Path) -> None:
    open_counting(faq)
    doc = json.loads(faq.read_text(encoding="utf-8"))
    doc["entries"][0]["answer"] += " Zanzibar."
    faq.write_text(json.dumps(doc), encoding="utf-8")
    index, loads = open_counting(faq)
    assert loads == 1
    result = index.search("zanzibar")
    assert (result.hits or result.closest)[0].entry.id == doc["entries"][0]["id"]
    assert len(cache_files()) == 2


def test_another_version_is_rebuilt(faq: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    open_counting(faq)
    monkeypatch.setattr(cache, "__version__", "99.0")
    _, loads = open_counting(faq)
    assert loads == 1


@pytest.mark.parametrize("edited", ["cache.py", "search/index.py", "data/related.tsv"])
def test_an_edited_module_changes_the_code_stamp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edited: str
) -> None:
    package = tmp_path / "package"
    (package / "search").mkdir(parents=True)
    (package / "data").mkdir()
    (package / "cache.py").write_text("# the cache\n")
    (package / "search" / "index.py").write_text("K1 = 1.2\n")
    (package / "data" / "related.tsv").write_text("child\tkid\t\t\t\n")
    (package / "notes.txt").write_text("not code\n")
    monkeypatch.setattr(cache, "__file__", str(package / "cache.py"))
    (package / "search" / ".#index.py").symlink_to("nobody@host.1234:1")  # an editor's lock
    before = cache._code_stamp()
    assert before is not None
    assert [name for name, _, _ in before] == ["cache.py", "data/related.tsv", "search/index.py"]
    (package / edited).write_text("K1 = 1.5\n")
    os.utime(package / edited, ns=(0, 0))
    assert cache._code_stamp() != before


def test_without_a_code_stamp_nothing_is_cached(
    faq: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "package"
    (package / "search").mkdir(parents=True)
    (package / "search" / "index.py").symlink_to(package / "gone.py")  # cannot be read
    monkeypatch.setattr(cache, "__file__", str(package / "cache.py"))
    assert cache._code_stamp() is None
    first, loads = open_counting(faq)
    _, loads_again = open_counting(faq)
    assert (loads, loads_again) == (1, 1)
    assert answers(first) == answers(Index(load_store(faq)))
    assert cache_files() == []


def test_an_index_built_by_other_code_is_not_trusted(
    faq: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_counting(faq)
    stamp = cache._code_stamp()
    assert stamp is not None
    monkeypatch.setattr(cache, "_code_stamp", lambda: [*stamp, ["new.py", 1, 1]])
    _, loads = open_counting(faq)
    assert loads == 1
    # Each installation keeps its own file: neither overwrites the other's.
    assert len(cache_files()) == 2


def test_a_header_from_another_cache_format_is_not_trusted(faq: Path) -> None:
    open_counting(faq)
    path, header = slot_of(faq)
    other = header.replace(b'"format": %d' % cache.CACHE_FORMAT,
                           b'"format": %d' % (cache.CACHE_FORMAT + 1))
    assert other != header
    path.write_bytes(other + path.read_bytes()[len(header):])
    _, loads = open_counting(faq)
    assert loads == 1


def test_a_file_without_the_right_header_is_never_unmarshalled(
    faq: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_counting(faq)
    path, header = slot_of(faq)
    body = path.read_bytes()[len(header):]
    unmarshalled: list[int] = []
    real_loads = marshal.loads

    def counting_loads(data: Any) -> Any:
        unmarshalled.append(len(data))
        return real_loads(data)

    monkeypatch.setattr(marshal, "loads", counting_loads)
    for head in (b"", cache._header("0" * 40, []), header[:-3] + b"X}\n"):
        path.write_bytes(head + body)
        index, loads = open_counting(faq)
        assert loads == 1
        assert answers(index) == answers(Index(load_store(faq)))
    assert unmarshalled == []


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # cut short, as by a full disk
        lambda data: data[:-200] + b"\x00" * 200,
        lambda data: data[:-1000] + b"." + data[-999:],  # a flipped byte in the arrays
    ],
    ids=["truncated", "zeroed-tail", "flipped"],
)
def test_a_corrupt_cache_is_rebuilt_and_replaced(faq: Path, damage: Any) -> None:
    open_counting(faq)
    [path] = cache_files()
    good = answers(Index(load_store(faq)))
    path.write_bytes(damage(path.read_bytes()))
    index, loads = open_counting(faq)
    assert loads == 1
    assert answers(index) == good
    _, loads = open_counting(faq)
    assert loads == 0


@pytest.mark.parametrize(
    "payload",
    [
        {"not": "an index"},
        (1, [], [], ([],) * 7, (), [], {}),
        (1, 2, 3),
        b"\xff not marshal data",
    ],
    ids=["dict", "empty-state", "short-tuple", "not-marshal"],
)
def test_a_payload_of_the_wrong_shape_is_a_miss(faq: Path, payload: Any) -> None:
    path, header = slot_of(faq)
    path.parent.mkdir(parents=True)
    data = payload if isinstance(payload, bytes) else marshal.dumps(payload)
    path.write_bytes(payload_file(header, data))
    index, loads = open_counting(faq)
    assert loads == 1
    assert answers(index) == answers(Index(load_store(faq)))


@pytest.mark.parametrize(
    ("name", "bad"),
    [("_scan", lambda rows: [1] * len(rows)),
     ("_scan", lambda rows: [row[:3] for row in rows]),
     ("_scan", lambda rows: [(row[0], list(row[1]), *row[2:]) for row in rows])],
    ids=["numbers", "short-rows", "strengths-as-list"],
)
def test_saved_entries_of_the_wrong_shape_are_a_miss(
    faq: Path, name: str, bad: Any,
) -> None:
    # A scanned store's entries are read at its first query, after the cache
    # was loaded: their shape must be checked when it is, or a damaged file
    # with a good checksum would be a traceback instead of a rebuild.
    built = Index(load_store(faq))
    payload = list(snapshot.pack(built))
    saved = dict(payload[-1])
    saved[name] = bad(saved[name])
    payload[-1] = saved
    cache_holding(faq, payload)
    index, loads = open_counting(faq)
    assert loads == 1
    assert answers(index) == answers(built)


@pytest.mark.parametrize("prune", [False, True], ids=["scanned", "pruned"])
@pytest.mark.parametrize("path", [bundled_path(), LIBRARY], ids=["bundled", "library"])
def test_the_saved_state_is_exactly_what_an_index_holds(path: Path, prune: bool) -> None:
    index = Index(load_store(path), prune=prune)
    # Cached properties are worked out again when needed, so they are not saved.
    state = {name: value for name, value in vars(index).items()
             if name != "store" and not isinstance(getattr(Index, name, None), cached_property)}
    assert set(state) == set(snapshot.STATE)
    assert snapshot.fits(snapshot.pack(index), snapshot.PAYLOAD)


def test_a_loaded_index_has_the_state_of_a_built_one(faq: Path) -> None:
    built, _ = open_counting(faq)
    loaded, loads = open_counting(faq)
    assert loads == 0
    for name in snapshot.STATE:
        assert type(vars(loaded)[name]) is type(vars(built)[name]), name
        if name != "vocabulary":
            assert vars(loaded)[name] == vars(built)[name], name
    assert vars(loaded.vocabulary) == vars(built.vocabulary)


def test_an_unwritable_cache_directory_never_breaks_a_query(
    faq: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory should be\n")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    first, loads = open_counting(faq)
    again, loads_again = open_counting(faq)
    assert (loads, loads_again) == (1, 1)
    assert answers(first) == answers(again) == answers(Index(load_store(faq)))
    assert not list(tmp_path.glob("**/.tmp-*"))


def test_an_unreadable_cache_file_is_bypassed(faq: Path) -> None:
    path, _ = slot_of(faq)
    path.mkdir(parents=True)  # a directory where the file should be
    index, loads = open_counting(faq)
    assert loads == 1
    assert answers(index) == answers(Index(load_store(faq)))


def fail(*args: Any, **kwargs: Any) -> Any:
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("step", ["fdopen", "replace"])
def test_a_failed_write_leaves_no_file_behind(
    faq: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    monkeypatch.setattr(cache.os, step, fail)
    index, loads = open_counting(faq)
    assert loads == 1 and index.search(QUERIES[0]).hits
    assert cache_files() == []
    assert not list(cache_root().glob(".tmp-*"))


def test_another_writers_temporary_file_is_left_alone_until_orphaned(faq: Path) -> None:
    cache_root().mkdir(parents=True)
    other = cache_root() / f".tmp-{os.getpid()}-000000000000{cache.SUFFIX}"
    other.write_bytes(b"another writer's file")
    index, loads = open_counting(faq)
    assert loads == 1 and index.search(QUERIES[0]).hits
    assert other.read_bytes() == b"another writer's file"
    [cached] = [path for path in cache_files() if path != other]
    # A writer killed midway leaves its file: the next write removes it.
    old = time.time() - cache_directory.ORPHAN_AFTER - 60
    os.utime(other, (old, old))
    cached.unlink()
    open_counting(faq)
    assert cache_files() == [cached]


def test_old_cache_files_are_forgotten(faq: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_directory, "KEEP", 2)
    doc = json.loads(faq.read_text(encoding="utf-8"))
    for n in range(4):
        doc["entries"][0]["answer"] += f" Edit {n}."
        faq.write_text(json.dumps(doc), encoding="utf-8")
        open_counting(faq)
        newest, _ = slot_of(faq)
        os.utime(newest, (n, n))
    assert len(cache_files()) == 2 and newest in cache_files()


def test_cleaning_up_skips_what_is_not_a_cache_file(
    faq: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dangling link or a directory named like a temporary file is left
    alone, and does not stop old cache files from going."""
    monkeypatch.setattr(cache_directory, "KEEP", 2)
    root = cache_root()
    root.mkdir(parents=True)
    link = root / f".tmp-1-aaaaaaaaaaaa{cache.SUFFIX}"
    link.symlink_to(root / "nowhere")
    folder = root / f".tmp-2-bbbbbbbbbbbb{cache.SUFFIX}"
    folder.mkdir()
    old = time.time() - cache_directory.ORPHAN_AFTER - 60
    os.utime(folder, (old, old))
    os.utime(link, (old, old), follow_symlinks=False)
    doc = json.loads(faq.read_text(encoding="utf-8"))
    for n in range(4):
        doc["entries"][0]["answer"] += f" Edit {n}."
        faq.write_text(json.dumps(doc), encoding="utf-8")
        open_counting(faq)
    assert len([p for p in cache_files() if p.name.startswith("index-")]) == 2
    assert link.is_symlink() and folder.is_dir()


def test_cleaning_up_goes_on_when_a_file_vanishes_meanwhile(
    faq: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_directory, "KEEP", 1)
    open_counting(faq)
    real_scandir = os.scandir

    class Vanishing:
        """A directory entry whose file another process has just renamed."""

        name = f".tmp-9-cccccccccccc{cache.SUFFIX}"
        path = "gone"

        def stat(self, **kwargs: Any) -> os.stat_result:
            raise FileNotFoundError(2, "No such file or directory")

    class Listing:
        def __init__(self, directory: str) -> None:
            self.entries = [Vanishing(), *real_scandir(directory)]

        def __enter__(self) -> list[Any]:
            return self.entries

        def __exit__(self, *exc: object) -> None:
            pass

    monkeypatch.setattr(cache.os, "scandir", Listing)
    with faq.open("a") as stream:
        stream.write("\n")
    open_counting(faq)  # a second cache file: the first must go
    monkeypatch.setattr(cache.os, "scandir", real_scandir)
    assert len(cache_files()) == 1


def test_the_least_recently_used_cache_file_goes_first(
    faq: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_directory, "KEEP", 2)
    other = tmp_path / "other.json"
    shutil.copyfile(faq, other)
    with other.open("a") as stream:
        stream.write("\n")
    open_counting(faq)
    open_counting(other)
    long_ago = time.time() - cache_directory.USED_AFTER - 60
    kept, _ = slot_of(faq)
    os.utime(kept, (long_ago, long_ago))  # written long ago...
    _, loads = open_counting(faq)  # ...but still read: marked as used
    assert loads == 0 and kept.stat().st_mtime > long_ago
    os.utime(slot_of(other)[0], (long_ago + 1, long_ago + 1))
    with other.open("a") as stream:
        stream.write("\n")
    open_counting(other)  # a third file: one of the first two goes
    assert kept in cache_files() and len(cache_files()) == 2


def test_a_cached_store_takes_the_name_it_is_opened_by(faq: Path, tmp_path: Path) -> None:
    open_counting(faq)
    twin = tmp_path / "twin.json"
    shutil.copyfile(faq, twin)
    index, loads = open_counting(twin)
    assert loads == 0
    assert index.store.path == str(twin)


def test_a_device_or_an_empty_file_is_never_read_for_the_cache(tmp_path: Path) -> None:
    assert store_keys.open_store(os.devnull) is None
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"")
    assert store_keys.open_store(str(empty)) is None
    assert store_keys.open_store(str(tmp_path)) is None  # a directory
    assert store_keys.open_store(str(tmp_path / "missing.json")) is None
    assert store_keys.open_store("nul\0byte.json") is None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_is_never_read_for_the_cache(tmp_path: Path) -> None:
    fifo = tmp_path / "store.fifo"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)  # so opening it does not block
    try:
        os.write(writer, b"{}")
        assert store_keys.open_store(str(fifo)) is None
        assert os.read(writer, 2) == b"{}"  # nothing was taken from the pipe
    finally:
        os.close(writer)


@pytest.mark.parametrize("data", [None, "copy"], ids=["bundled", "data-option"])
def test_ask_serves_a_cached_store(
    data: str | None, faq: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = [] if data is None else ["--data", str(faq)]
    first = runner.invoke(cli, [*options, "ask", QUERIES[0], "--format", "json"])
    assert first.exit_code == 0 and len(cache_files()) == 1

    def no_loading(path: Any = None) -> Store:
        raise AssertionError("the store was parsed despite a warm cache")

    monkeypatch.setattr("backfaq.store.load_store", no_loading)
    again = runner.invoke(cli, [*options, "ask", QUERIES[0], "--format", "json"])
    assert again.exit_code == 0
    assert again.stdout == first.stdout
    topic = runner.invoke(cli, [*options, "ask", "walking", "--topic", "nope"])
    assert topic.exit_code == 2 and "unknown topic 'nope'" in topic.stderr
