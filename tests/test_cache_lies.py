"""Cache files that lie: rewritten under a reader, sparse and claiming
gigabytes, of the wrong types behind a good checksum, a named pipe or a
device where the file should be. Each is a cache miss: the query is answered
from the store, at once, never a traceback, a signal or a wait.

Every test runs with its own empty cache directory (conftest.py).
"""

from __future__ import annotations

import json
import marshal
import os
import shutil
import subprocess
import threading
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from processes import assert_no_crash, run
from test_cache import answers, cache_holding, open_counting, slot_of

from backfaq import cache, snapshot
from backfaq.search import Index
from backfaq.store import bundled_path, load_store

pytestmark = pytest.mark.skipif(os.name != "posix", reason="needs POSIX files and signals")


@pytest.fixture
def faq(tmp_path: Path) -> Path:
    """A copy of the bundled store."""
    path = tmp_path / "faq.json"
    shutil.copyfile(bundled_path(), path)
    return path


def many_entries(path: Path, count: int) -> Path:
    """A store of ``count`` distinct entries: its cache file is megabytes."""
    entries = [
        {
            "id": f"entry-{i}",
            "question": f"How do I look after item {i} of kind {i % 97}?",
            "also_asked": [],
            "answer": f"Item {i} wants care of kind {i % 89} and a check every {i % 13} weeks.",
            "topic": "general",
            "sources": ["manual"],
        }
        for i in range(count)
    ]
    doc = {
        "version": 1,
        "topics": [{"id": "general", "title": "General", "description": "Everything."}],
        "sources": [{"id": "manual", "title": "Manual", "file": "manual.md"}],
        "entries": entries,
        "synonyms": [],
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def ask(store: Path, query: str, **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
    return run("--data", str(store), "ask", query, "--format", "json", "-n", "1", **kwargs)


def first_id(result: subprocess.CompletedProcess[bytes]) -> str:
    return str(json.loads(result.stdout)["results"][0]["id"])


# --- rewritten while read ----------------------------------------------------------


def test_a_cache_rewritten_in_place_while_queries_run_kills_none(tmp_path: Path) -> None:
    store = many_entries(tmp_path / "big.json", 20000)
    assert first_id(ask(store, "look after item 4321")) == "entry-4321"
    [file] = (tmp_path / "xdg-cache" / "backfaq").glob("index-*")
    good = file.read_bytes()
    assert len(good) > 2**20  # large enough that a memory-mapping reader would map it
    stop = threading.Event()

    def rewrite() -> None:
        # In place, as an editor or a copy over the file does: truncated,
        # then written back a piece at a time (made anew if a reader that
        # found it damaged has removed it).
        while not stop.is_set():
            with open(file, "wb") as stream:
                for start in range(0, len(good), 1 << 18):
                    stream.write(good[start:start + (1 << 18)])
                    stream.flush()

    writer = threading.Thread(target=rewrite)
    writer.start()
    try:
        results = [ask(store, "look after item 4321") for _ in range(25)]
    finally:
        stop.set()
        writer.join()
    for result in results:
        assert result.returncode == 0, (result.returncode, result.stderr[-500:])
        assert_no_crash(result.stderr)
        assert first_id(result) == "entry-4321"


# --- sizes that lie ----------------------------------------------------------------


@pytest.fixture
def crc_sizes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of everything the cache checksums."""
    sizes: list[int] = []
    real = zlib.crc32

    def counting(data: Any, *args: Any) -> int:
        sizes.append(len(data))
        return real(data, *args)

    monkeypatch.setattr(cache.zlib, "crc32", counting)
    return sizes


def test_a_sparse_cache_claiming_gigabytes_is_not_read(
    faq: Path, crc_sizes: list[int]
) -> None:
    path, header = slot_of(faq)
    path.parent.mkdir(parents=True)
    size = 8 * 2**30
    with open(path, "wb") as stream:
        stream.write(header)
        stream.truncate(size - 16)  # sparse: no disk blocks
        stream.seek(size - 16)
        stream.write(cache._trailer(0, size - 16 - len(header)))
    assert path.stat().st_size == size
    index, loads = open_counting(faq)
    assert loads == 1
    assert answers(index) == answers(Index(load_store(faq)))
    assert max(crc_sizes, default=0) < 2**26  # only the rebuilt cache's own payload


def test_a_trailer_that_claims_another_length_is_not_checksummed(
    faq: Path, crc_sizes: list[int]
) -> None:
    open_counting(faq)
    path, header = slot_of(faq)
    data = path.read_bytes()
    wrong = data[:-8] + (len(data) - len(header) - 15).to_bytes(8, "big")
    path.write_bytes(wrong)
    crc_sizes.clear()
    _, loads = open_counting(faq)
    assert loads == 1
    # The rebuilt cache's payload (the same bytes) is checksummed once, when
    # it is written; the lying file's never was.
    assert crc_sizes.count(len(data) - len(header) - 16) == 1


def test_a_sparse_cache_does_not_hold_up_a_real_query(faq: Path) -> None:
    path, header = slot_of(faq)
    path.parent.mkdir(parents=True)
    with open(path, "wb") as stream:
        stream.write(header)
        stream.truncate(16 * 2**30)
    started = time.monotonic()
    result = ask(faq, "pain between shoulder blades", timeout=60)
    assert result.returncode == 0
    assert_no_crash(result.stderr)
    # Checksumming 16 GiB of zeros alone takes several seconds.
    assert time.monotonic() - started < 30


# --- not a regular file ------------------------------------------------------------


def _put(kind: str, path: Path) -> None:
    """A ``kind`` of file that is no regular one at ``path``."""
    if path.is_dir() and not path.is_symlink():
        path.rmdir()
    elif path.exists() or path.is_symlink():
        path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path.symlink_to("/dev/zero" if Path("/dev/zero").exists() else os.devnull)
    else:
        path.mkdir()


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_a_cache_path_that_is_no_regular_file_is_a_miss(faq: Path, kind: str) -> None:
    path, _ = slot_of(faq)
    path.parent.mkdir(parents=True)
    _put(kind, path)
    index, loads = open_counting(faq)
    assert loads == 1 and index.search("chin tucks").hits
    _put(kind, path)  # the miss may have written a real cache file over it
    result = ask(faq, "pain between shoulder blades", timeout=60)
    assert result.returncode == 0, result.stderr
    assert_no_crash(result.stderr)
    assert first_id(result)


def test_a_fifo_with_a_writer_is_not_read_either(faq: Path) -> None:
    path, header = slot_of(faq)
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    # A writer that keeps the pipe open and never finishes a cache file.
    writer = subprocess.Popen(["sh", "-c", f'printf x > "{path}"; sleep 30'])
    try:
        result = ask(faq, "pain between shoulder blades", timeout=60)
    finally:
        writer.kill()
        writer.wait()
    assert result.returncode == 0
    assert first_id(result)


# --- the wrong types behind a good checksum ----------------------------------------


def _state(payload: list[Any]) -> dict[str, Any]:
    return payload[-1]  # type: ignore[no-any-return]


def _vocabulary(payload: list[Any]) -> dict[str, Any]:
    return _state(payload)["vocabulary"]  # type: ignore[no-any-return]


def _set(where: Callable[[list[Any]], dict[str, Any]], name: str,
         value: Callable[[Any], Any]) -> Callable[[list[Any]], None]:
    def change(payload: list[Any]) -> None:
        where(payload)[name] = value(where(payload)[name])
    return change


def _column(number: int, value: Callable[[Any], Any]) -> Callable[[list[Any]], None]:
    def change(payload: list[Any]) -> None:
        columns = list(payload[3])
        columns[number] = [value(v) for v in columns[number]]
        payload[3] = tuple(columns)
    return change


def _top(number: int, value: Callable[[Any], Any]) -> Callable[[list[Any]], None]:
    def change(payload: list[Any]) -> None:
        payload[number] = value(payload[number])
    return change


TAMPERED = {
    # Each state value replaced by one of another type.
    **{f"state-{name}-none": _set(_state, name, lambda _: None) for name in snapshot.STATE},
    "version-as-text": _top(0, lambda _: "1"),
    "topic-title-as-number": _top(1, lambda topics: [(t[0], 7, t[2]) for t in topics]),
    "source-as-list": _top(2, lambda sources: [list(s) for s in sources]),
    "answers-as-numbers": _column(3, lambda _: 42),
    "questions-as-bytes": _column(1, lambda q: q.encode()),
    "urgent-as-text": _column(6, lambda _: "no"),
    "also-asked-as-list": _column(2, list),
    "synonyms-as-numbers": _top(4, lambda _: ((1, 2),)),
    "red-flag-terms-as-text": _top(5, lambda flags: [(f[0], f[1], "x", f[3]) for f in flags]),
    "words-as-numbers": _set(_vocabulary, "words", lambda words: list(range(len(words)))),
    "related-as-bytes": _set(_vocabulary, "related", str.encode),
    "stems-as-set": _set(_vocabulary, "stems", set),
    "groups-values-as-numbers": _set(_vocabulary, "groups",
                                     lambda groups: [dict.fromkeys(g, 0) for g in groups]),
    "word-counts-as-text": _set(_vocabulary, "word_counts",
                                lambda counts: {w: str(c) for w, c in counts.items()}),
    "vocabulary-field-missing": lambda p: _vocabulary(p).pop("related"),
    "vocabulary-field-extra": lambda p: _vocabulary(p).update(extra=1),
    "terms-as-text": _set(_state, "_terms", lambda terms: {t: str(i) for t, i in terms.items()}),
    "terms-out-of-range": _set(_state, "_terms",
                               lambda terms: {t: i + 5 for t, i in terms.items()}),
    "postings-typecode": _set(_state, "_posting_docs", lambda saved: ("f", saved[1])),
    "postings-odd-bytes": _set(_state, "_posting_docs", lambda saved: (saved[0], saved[1] + b"x")),
    "postings-short": _set(_state, "_posting_docs", lambda saved: (saved[0], saved[1][:-4])),
    "text-short": _set(_state, "_text", lambda text: text[:-1]),
    "prune-without-wording": _set(_state, "_prune", lambda _: True),
    "scan-emptied": _set(_state, "_scan", lambda _: []),
    "scan-strength-as-text": _set(_state, "_scan", lambda rows: [
        (r[0], {k: ("1", "0", "0") for k in r[1]}, *r[2:]) for r in rows]),
    "scan-phrasing-short": _set(_state, "_scan", lambda rows: [
        (*r[:3], tuple(p[:3] for p in r[3]), r[4]) for r in rows]),
    "float-as-text": _set(_state, "avg_question_len", str),
    # The right types, values the code reading them cannot use.
    "entry-without-sources": _column(5, lambda _: ()),
    "unknown-source": _column(5, lambda _: ("no-such-source",)),
    "unknown-topic": _column(4, lambda _: "no-such-topic"),
    "no-sources-at-all": _top(2, lambda _: []),
    "average-zero": _set(_state, "avg_answer_len", lambda _: 0.0),
    "average-nan": _set(_state, "avg_question_len", lambda _: float("nan")),
    "full-infinite": _set(_state, "_full", lambda _: float("inf")),
    "text-starts-backwards": _set(_state, "_text_starts", lambda saved: (
        saved[0], saved[1][8:16] + saved[1][:8] + saved[1][16:])),
    "scan-without-phrasings": _set(_state, "_scan", lambda rows: [
        (*r[:3], (), r[4]) for r in rows]),
    "scan-weight-nan": _set(_state, "_scan", lambda rows: [
        (*r[:3], tuple((p[0], p[1], p[2], float("nan")) for p in r[3]), r[4]) for r in rows]),
    "scan-strength-infinite": _set(_state, "_scan", lambda rows: [
        (r[0], {k: (float("inf"), 0.0, 1.0) for k in r[1]}, *r[2:]) for r in rows]),
    "groups-emptied": _set(_vocabulary, "groups", lambda _: []),
    "flag-as-number": _set(_state, "_prune", int),
    # Several stores served as one: a part for entries that have none, a
    # part no entry is from, an origin that is text.
    "parts-without-origins": _top(7, lambda _: ([("notes", "n.json", None, None)], {}, {})),
    "origins-without-parts": _top(7, lambda _: ([], {"chin-tucks": 0}, {})),
    "origin-as-text": _top(7, lambda _: ([("notes", "n.json", None, None)], {"x": "0"}, {})),
}


@pytest.mark.parametrize("change", TAMPERED.values(), ids=TAMPERED.keys())
def test_a_payload_of_the_wrong_types_is_a_miss(
    faq: Path, change: Callable[[list[Any]], None]
) -> None:
    built = Index(load_store(faq))
    payload = list(marshal.loads(marshal.dumps(snapshot.pack(built))))
    change(payload)
    cache_holding(faq, payload)
    index, loads = open_counting(faq)
    assert loads == 1
    assert answers(index) == answers(built)


def test_a_tampered_cache_never_reaches_a_real_answer(faq: Path) -> None:
    built = Index(load_store(faq))
    payload = list(snapshot.pack(built))
    columns = list(payload[3])
    columns[3] = [0] * len(columns[3])  # every answer a number
    payload[3] = tuple(columns)
    cache_holding(faq, payload)
    result = ask(faq, "pain between shoulder blades")
    assert result.returncode == 0
    assert_no_crash(result.stderr)
    answer = json.loads(result.stdout)["results"][0]["answer"]
    assert answer == load_store(faq).entry(first_id(result)).answer
