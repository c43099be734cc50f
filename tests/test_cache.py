"""The index cache: used only for the exact store bytes and backfaq version it
was written for, rebuilt when stale or damaged, and never in a query's way.

Every test runs with its own empty cache directory (conftest.py). The bundled
store is below the cache's size threshold, so most tests lower it.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from backfaq import cache
from backfaq.cli import cli
from backfaq.index import Index
from backfaq.model import Store
from backfaq.store import bundled_path, load_store

QUERIES = ["pain between shoulder blades", "sholder blade sqeeze", "how do I back up my laptop"]


class Loads:
    """A store loader that counts its calls: a cache hit loads nothing."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.calls = 0

    def __call__(self) -> Store:
        self.calls += 1
        return load_store(self.path)


def answers(index: Index) -> list[Any]:
    return [
        [(h.entry.id, h.score, h.explain) for h in (r.hits or r.closest)]
        for r in (index.search(q) for q in QUERIES)
    ]


def cache_files() -> list[Path]:
    return sorted(cache.cache_dir().glob("*")) if cache.cache_dir().exists() else []


@pytest.fixture
def faq(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the bundled store, treated as large enough to cache."""
    monkeypatch.setattr(cache, "MIN_BYTES", 0)
    path = tmp_path / "faq.json"
    shutil.copyfile(bundled_path(), path)
    return path


def open_counting(path: Path) -> tuple[Index, int]:
    loads = Loads(path)
    index = cache.open_index(str(path), loads)
    return index, loads.calls


def test_the_cache_directory_follows_xdg(tmp_path: Path) -> None:
    assert cache.cache_dir() == tmp_path / "xdg-cache" / "backfaq"


def test_a_relative_xdg_cache_home_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")
    assert cache.cache_dir().is_absolute()


def test_second_open_loads_nothing_and_answers_the_same(faq: Path) -> None:
    built, first_loads = open_counting(faq)
    cached, second_loads = open_counting(faq)
    assert (first_loads, second_loads) == (1, 0)
    assert answers(cached) == answers(built)
    assert cached.store.entries == built.store.entries
    assert cached.store.red_flags == built.store.red_flags != ()
    assert cached.store.topics == built.store.topics
    assert cached.store.synonyms == built.store.synonyms


def test_the_file_is_named_and_headed_by_version_and_content(faq: Path) -> None:
    open_counting(faq)
    [path] = cache_files()
    digest = cache._digest(faq)
    assert digest is not None and digest in path.name and cache.__version__ in path.name
    head = path.read_bytes()[: len(cache._header(digest))]
    assert head == cache._header(digest)
    assert json.loads(head[len(cache.MAGIC):])["store_sha256"] == digest


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


def test_a_header_from_another_cache_format_is_not_trusted(faq: Path) -> None:
    open_counting(faq)
    [path] = cache_files()
    digest = cache._digest(faq)
    assert digest is not None
    header = cache._header(digest)
    other = header.replace(b'"format": %d' % cache.CACHE_FORMAT,
                           b'"format": %d' % (cache.CACHE_FORMAT + 1))
    assert other != header
    path.write_bytes(other + path.read_bytes()[len(header):])
    _, loads = open_counting(faq)
    assert loads == 1


EXPLODED: list[str] = []


def explode() -> None:
    EXPLODED.append("unpickled")


class Trap:
    """A pickle that runs code when loaded: it must never be loaded."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (explode, ())


def test_a_file_without_the_right_header_is_never_unpickled(faq: Path) -> None:
    digest = cache._digest(faq)
    assert digest is not None
    target = cache._file_for(digest)
    target.parent.mkdir(parents=True)
    for head in (b"", cache._header("0" * 64), cache._header(digest)[:-3] + b"X}\n"):
        target.write_bytes(head + pickle.dumps(Trap()))
        index, loads = open_counting(faq)
        assert loads == 1
        assert answers(index) == answers(Index(load_store(faq)))
        target.write_bytes(head + pickle.dumps(Trap()))  # put the trap back
        assert cache.read_cache(digest, str(faq)) is None
    assert EXPLODED == []


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
    [{"not": "an index"}, (1, [], [], ([],) * 6, (), {}), (1, 2, 3)],
    ids=["dict", "empty-state", "short-tuple"],
)
def test_a_payload_of_the_wrong_shape_is_a_miss(faq: Path, payload: Any) -> None:
    digest = cache._digest(faq)
    assert digest is not None
    target = cache._file_for(digest)
    target.parent.mkdir(parents=True)
    target.write_bytes(cache._header(digest) + pickle.dumps(payload))
    _, loads = open_counting(faq)
    assert loads == 1


def test_the_saved_state_is_exactly_what_an_index_holds(store: Store) -> None:
    index = Index(store)
    state = {name: value for name, value in vars(index).items() if name != "store"}
    assert {name: type(value) for name, value in state.items()} == cache.STATE


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
    digest = cache._digest(faq)
    assert digest is not None
    cache._file_for(digest).mkdir(parents=True)  # a directory where the file should be
    index, loads = open_counting(faq)
    assert loads == 1
    assert answers(index) == answers(Index(load_store(faq)))


def test_a_failed_write_leaves_no_file_behind(faq: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full_disk(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pickle, "dump", full_disk)
    index, loads = open_counting(faq)
    assert loads == 1 and index.search(QUERIES[0]).hits
    assert cache_files() == []


def test_old_cache_files_are_forgotten(faq: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "KEEP", 2)
    doc = json.loads(faq.read_text(encoding="utf-8"))
    for n in range(4):
        doc["entries"][0]["answer"] += f" Edit {n}."
        faq.write_text(json.dumps(doc), encoding="utf-8")
        open_counting(faq)
        newest = cache._file_for(cache._digest(faq) or "")
        os.utime(newest, (n, n))
    assert len(cache_files()) == 2 and newest in cache_files()


def test_a_cached_store_takes_the_name_it_is_opened_by(faq: Path, tmp_path: Path) -> None:
    open_counting(faq)
    twin = tmp_path / "twin.json"
    shutil.copyfile(faq, twin)
    index, loads = open_counting(twin)
    assert loads == 0
    assert index.store.path == str(twin)


def test_the_bundled_store_never_touches_the_disk(store: Store) -> None:
    calls = []
    index = cache.open_index(None, lambda: calls.append(1) or store)  # type: ignore[func-returns-value]
    assert calls == [1] and index.store is store
    assert not cache.cache_dir().exists()


def test_a_small_store_file_is_not_cached(tmp_path: Path) -> None:
    path = tmp_path / "faq.json"
    shutil.copyfile(bundled_path(), path)
    assert path.stat().st_size < cache.MIN_BYTES
    _, loads = open_counting(path)
    _, loads_again = open_counting(path)
    assert (loads, loads_again) == (1, 1)
    assert not cache.cache_dir().exists()


def test_a_device_is_never_read_for_the_cache() -> None:
    assert cache._digest(Path(os.devnull)) is None


def test_ask_serves_a_cached_store(
    faq: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = runner.invoke(cli, ["--data", str(faq), "ask", QUERIES[0], "--format", "json"])
    assert first.exit_code == 0 and len(cache_files()) == 1

    def no_loading(path: Any = None) -> Store:
        raise AssertionError("the store was parsed despite a warm cache")

    monkeypatch.setattr("backfaq.store.load_store", no_loading)
    again = runner.invoke(cli, ["--data", str(faq), "ask", QUERIES[0], "--format", "json"])
    assert again.exit_code == 0
    assert again.stdout == first.stdout
    topic = runner.invoke(cli, ["--data", str(faq), "ask", "walking", "--topic", "nope"])
    assert topic.exit_code == 2 and "unknown topic 'nope'" in topic.stderr
