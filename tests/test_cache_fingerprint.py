"""A large store's key remembered by its file's fingerprint, so a cold ask
does not hash it: used only while the file is the very same version, never
for a file edited within its times' resolution, never from a file that
says another fingerprint.

Every test runs with its own empty cache directory (conftest.py).
"""

from __future__ import annotations

import io
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from test_cache import Loads, answers

from backfaq import cache, store_keys
from backfaq import cache_files as cache_directory
from backfaq.model import Store
from backfaq.store import bundled_path, load_store
from backfaq.stores import combine


@pytest.fixture
def faq(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the bundled store, weighed as a large one (its key is
    remembered by fingerprint) and settled: its modification time is set a
    minute back, and since its status change time cannot be, any status
    change counts as settled."""
    monkeypatch.setattr(store_keys, "FINGERPRINT_FROM", 0)
    monkeypatch.setattr(store_keys, "SETTLED_AFTER", 0.0)
    path = tmp_path / "faq.json"
    shutil.copyfile(bundled_path(), path)
    settle(path)
    return path


def settle(path: Path) -> None:
    past = time.time() - 60
    os.utime(path, (past, past))


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times a store's bytes are hashed."""
    calls: list[int] = []
    real = store_keys.key_of

    def counting(stream: Any, size: int) -> str | None:
        calls.append(size)
        return real(stream, size)

    monkeypatch.setattr(store_keys, "key_of", counting)
    return calls


def key_files() -> list[Path]:
    directory = cache.cache_dir()
    assert directory is not None
    return sorted(Path(directory).glob("store-*.key"))


def test_a_settled_store_is_not_hashed_again(faq: Path, hashed: list[int]) -> None:
    first = cache.open_index(str(faq), Loads(faq))
    assert hashed and len(key_files()) == 1
    hashed.clear()
    loads = Loads(faq)
    second = cache.open_index(str(faq), loads)
    assert hashed == [] and loads.calls == 0
    assert answers(second) == answers(first)


def test_a_small_store_is_always_hashed(faq: Path, hashed: list[int],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_keys, "FINGERPRINT_FROM", store_keys.SHA256_FROM)
    cache.open_index(str(faq), Loads(faq))
    hashed.clear()
    cache.open_index(str(faq), Loads(faq))
    assert len(hashed) == 1 and key_files() == []


def test_an_edit_that_keeps_size_and_modification_time_is_seen(
    faq: Path, hashed: list[int]
) -> None:
    cache.open_index(str(faq), Loads(faq))
    hashed.clear()
    before = faq.stat()
    text = faq.read_text(encoding="utf-8")
    edited = text.replace("shoulder blades", "shoulder bladez", 1)
    assert len(edited) == len(text)
    faq.write_text(edited, encoding="utf-8")
    os.utime(faq, ns=(before.st_atime_ns, before.st_mtime_ns))  # the time set back
    assert faq.stat().st_mtime_ns == before.st_mtime_ns
    assert faq.stat().st_size == before.st_size
    loads = Loads(faq)
    cache.open_index(str(faq), loads)
    assert hashed and loads.calls == 1  # hashed, and a new index built


def test_a_file_changed_just_now_is_not_remembered(
    faq: Path, hashed: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_keys, "SETTLED_AFTER", 3600.0)  # the status change was "just now"
    cache.open_index(str(faq), Loads(faq))
    hashed.clear()
    cache.open_index(str(faq), Loads(faq))
    assert len(hashed) == 1 and key_files() == []


def test_a_store_changed_while_it_is_hashed_is_not_remembered(
    faq: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = store_keys.key_of

    def edit_meanwhile(stream: Any, size: int) -> str | None:
        key = real(stream, size)
        with faq.open("a", encoding="utf-8") as store:
            store.write(" ")
        return key

    monkeypatch.setattr(store_keys, "key_of", edit_meanwhile)
    cache.open_index(str(faq), Loads(faq))
    assert key_files() == []


@pytest.mark.parametrize("content", [
    b"", b"\xff\xfe not ascii", b"0 0 0 0 0\nsha256-abc\n", b"just one line",
    b"%(fingerprint)s\nsha256-abc\nextra\n",
])
def test_a_key_file_that_says_another_thing_is_not_believed(
    faq: Path, hashed: list[int], content: bytes
) -> None:
    first = cache.open_index(str(faq), Loads(faq))
    [file] = key_files()
    fingerprint = store_keys.fingerprint_of(faq.stat()).encode("ascii")
    file.write_bytes(content.replace(b"%(fingerprint)s", fingerprint))
    hashed.clear()
    loads = Loads(faq)
    again = cache.open_index(str(faq), loads)
    assert len(hashed) == 1 and loads.calls == 0  # hashed, and the right index found
    assert answers(again) == answers(first)


def test_a_remembered_key_without_its_index_is_hashed_and_built(
    faq: Path, hashed: list[int]
) -> None:
    cache.open_index(str(faq), Loads(faq))
    directory = cache.cache_dir()
    assert directory is not None
    for index in Path(directory).glob("index-*"):
        index.unlink()
    hashed.clear()
    loads = Loads(faq)
    cache.open_index(str(faq), loads)
    assert hashed and loads.calls == 1


def test_only_the_most_recent_fingerprints_are_kept(
    faq: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_directory, "KEEP_KEYS", 2)
    stores = []
    for i in range(4):
        path = tmp_path / f"copy-{i}.json"
        shutil.copyfile(faq, path)
        settle(path)
        cache.open_index(str(path), Loads(path))
        stores.append(path)
        time.sleep(0.01)
    kept = key_files()
    assert len(kept) == 2
    wanted = {store_keys.key_file(store_keys.fingerprint_of(p.stat())) for p in stores[2:]}
    assert {str(f) for f in kept} == wanted


@pytest.mark.parametrize("stores", [1, 2])
def test_a_remembered_key_that_is_not_the_files_is_corrected(
    faq: Path, tmp_path: Path, stores: int
) -> None:
    """A key file of the right fingerprint naming another key (a file
    rewritten within its times' resolution): the bytes read are hashed,
    their own index is found under their own key, and that key is
    remembered anew, for one store and for several served together."""
    paths = [faq]
    if stores == 2:
        paths.append(tmp_path / "more.json")
        shutil.copyfile(faq, paths[1])
        settle(paths[1])
    builds: list[int] = []

    def open_all() -> Any:
        if stores == 1:
            def load(raw: bytes | None) -> Store:
                builds.append(1)
                return load_store(faq, raw)
            return cache.open_index(str(faq), load)

        def build(raws: list[bytes | None]) -> Store:
            builds.append(1)
            return combine([load_store(p, raw) for p, raw in zip(paths, raws)], ["a", "b"])
        return cache.open_several([str(p) for p in paths], ["a", "b"], build)

    first = open_all()
    fingerprint = store_keys.fingerprint_of(faq.stat())
    file = store_keys.key_file(fingerprint)
    assert file is not None
    Path(file).write_text(f"{fingerprint}\nsha256-{'0' * 64}\n", encoding="ascii")
    builds.clear()
    assert answers(open_all()) == answers(first) and builds == []
    assert store_keys.known_key(fingerprint) == store_keys.key_of(io.BytesIO(faq.read_bytes()),
                                                       faq.stat().st_size)
