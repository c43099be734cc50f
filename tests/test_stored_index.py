"""The index of a large store in SQLite: the same answers as the index
built in memory, read as a query needs it, and never trusted when damaged,
half-written or another's. A small store's stays in one marshal file.

Every test runs with its own empty cache directory (conftest.py).
"""

from __future__ import annotations

import gc
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_cache import Loads, cache_files, slot_of

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import synthetic  # noqa: E402

from backfaq import cache, stored_index  # noqa: E402
from backfaq import cache_files as cache_directory  # noqa: E402
from backfaq.search import PRUNE_FROM, Index, pruning  # noqa: E402
from backfaq.store import bundled_path, load_store  # noqa: E402

HERE = Path(__file__).resolve().parents[1]

QUERIES = ["how do I look after item 42", "kind 7 care", "ofen paer wate",
           "is it bad if I never check it", "what does the weather do to my bike"]


@pytest.fixture
def big(tmp_path: Path) -> Path:
    """A store large enough to be pruned, with real word statistics."""
    path = tmp_path / "big.json"
    path.write_text(json.dumps(synthetic.generate(600, seed=5)), encoding="utf-8")
    return path


def queries(path: Path) -> list[str]:
    store = load_store(path)
    return QUERIES + synthetic.queries([e.question for e in store.entries], 60, seed=2)


def outcome(index: Index, query: str, **options: Any) -> tuple[Any, ...]:
    r = index.search(query, **options)
    return (tuple((h.entry, h.score, h.explain) for h in r.hits),
            tuple((h.entry, h.score) for h in r.closest), r.decision, r.best)


def open_stored(path: Path) -> tuple[Index, Loads]:
    loads = Loads(path)
    return cache.open_index(str(path), loads), loads


def stored_file(path: Path) -> Path:
    file, header = slot_of(path)
    return Path(cache._stored_file((str(file), header)))


def test_a_large_store_is_kept_in_sqlite_and_answers_the_same(big: Path) -> None:
    built, loads = open_stored(big)
    assert loads.calls == 1 and built.prune
    assert [f.suffix for f in cache_files()] == [".sqlite"]
    stored, loads = open_stored(big)
    assert loads.calls == 0
    assert isinstance(stored, stored_index.StoredIndex)
    topic = built.store.entries[0].topic
    for query in queries(big):
        for options in ({}, {"limit": 5}, {"topic": topic}):
            assert outcome(stored, query, **options) == outcome(built, query, **options)
    assert stored._rebuilt is None  # answered from the file, not a rebuilt index


def test_bounds_in_arrays_read_the_stored_postings_as_the_loop_does(
    big: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """search.dense reads a stored index's postings (rows read from SQLite)
    as the loop reads the built index's: the same answers."""
    built, _ = open_stored(big)
    stored, _ = open_stored(big)
    assert isinstance(stored, stored_index.StoredIndex)
    for query in queries(big):
        monkeypatch.setattr(pruning, "DENSE_FROM", sys.maxsize)
        looped = outcome(built, query, limit=5)
        monkeypatch.setattr(pruning, "DENSE_FROM", 0)
        assert outcome(stored, query, limit=5) == looped


LIBRARY = HERE / "benchmarks" / "stores" / "library.json"


@pytest.mark.parametrize("path", [Path(bundled_path()), LIBRARY])
def test_a_small_store_pruned_and_stored_answers_the_same(path: Path, tmp_path: Path) -> None:
    """The labelled stores are scanned in use; pruned and stored they must agree too."""
    built = Index(load_store(path), prune=True)
    file = str(tmp_path / "index.sqlite")
    stored_index.write(file, built, b"header")
    stored = stored_index.read(file, b"header", str(path), lambda: Index(load_store(path)))
    assert stored is not None
    labelled = (HERE / "benchmarks" / "queries.jsonl").read_text(encoding="utf-8")
    rows = [json.loads(line) for line in labelled.splitlines()]
    for query in [r["q"] for r in rows[:: 3]]:
        assert outcome(stored, query) == outcome(built, query)
    assert stored._rebuilt is None


def test_a_small_store_stays_in_one_marshal_file_without_sqlite(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    for _ in range(2):  # the cache written, then read
        proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "backfaq", "ask",
                               "chin tucks"], capture_output=True, env=env, timeout=60)
        assert proc.returncode == 0
        imported = [line.split("|")[-1].strip() for line in proc.stderr.decode().splitlines()]
        assert "backfaq.cache" in imported and "sqlite3" not in imported
    assert [f.suffix for f in (tmp_path / "cache" / "backfaq").iterdir()] == [".marshal"]


def test_a_query_reads_only_the_entries_it_scores(big: Path) -> None:
    open_stored(big)
    stored, _ = open_stored(big)
    assert isinstance(stored, stored_index.StoredIndex)
    stored.search("how do I look after item 42")
    read = len(stored._entries._rows)
    assert 0 < read < len(stored) / 10
    assert len(stored._postings) < len(stored.vocabulary.stems) / 10


def test_entries_checked_together_are_read_together(
    big: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A query of common words checks many entries' questions: their rows
    # and their stems' counts come in a few statements, not one each, and
    # the answers are the same as reading them one at a time.
    open_stored(big)
    asked = queries(big)

    def run() -> tuple[list[tuple[Any, ...]], int]:
        stored, _ = open_stored(big)
        assert isinstance(stored, stored_index.StoredIndex)
        statements: list[str] = []
        stored._db.set_trace_callback(statements.append)
        return [outcome(stored, query) for query in asked], len(statements)

    together, few = run()
    monkeypatch.setattr(stored_index.StoredIndex, "_read_ahead", lambda self, positions: None)
    one_by_one, many = run()
    assert together == one_by_one
    assert few < 0.6 * many


def test_entries_are_read_ahead_in_blocks_of_a_bounded_size(
    big: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Blocks grow from the first, but never past the most: a query that
    # checks thousands would read far past where it stops.
    open_stored(big)
    monkeypatch.setattr(pruning, "READ_AHEAD_FIRST", 2)
    monkeypatch.setattr(pruning, "READ_AHEAD_MOST", 8)
    sizes: list[int] = []
    real = stored_index.StoredIndex._read_ahead

    def counting(self: stored_index.StoredIndex, positions: Any) -> None:
        sizes.append(len(positions))
        real(self, positions)

    monkeypatch.setattr(stored_index.StoredIndex, "_read_ahead", counting)
    stored, _ = open_stored(big)
    for query in queries(big):
        stored.search(query)
    assert max(sizes) == 8 and 2 in sizes


def test_the_stored_store_serves_what_the_store_holds(big: Path) -> None:
    open_stored(big)
    stored, _ = open_stored(big)
    store = load_store(big)
    assert list(stored.store.entries) == list(store.entries)
    assert stored.store.entries[-1] == store.entries[-1]
    assert stored.store.entries[3:5] == store.entries[3:5]
    assert stored.store.entry(store.entries[17].id) == store.entries[17]
    assert stored.store.entry("no-such-entry") is None
    assert stored.store.urgent_entries == store.urgent_entries
    topic = store.entries[0].topic
    assert stored.store.entries_in(topic) == store.entries_in(topic)
    assert stored.store.topics == store.topics and stored.store.sources == store.sources
    with pytest.raises(IndexError):
        stored.store.entries[len(store.entries)]


def damage_entries(file: Path) -> None:
    """Change every entry's record without its checksum: as a flipped bit would."""
    with sqlite3.connect(file) as db:
        db.execute("update entries set record = record || x'00'")
    db.close()


def test_a_damaged_row_is_answered_from_the_store_and_the_file_dropped(big: Path) -> None:
    built, _ = open_stored(big)
    damage_entries(stored_file(big))
    stored, loads = open_stored(big)
    assert isinstance(stored, stored_index.StoredIndex) and loads.calls == 0
    for query in QUERIES:
        assert outcome(stored, query) == outcome(built, query)
    assert loads.calls == 1  # rebuilt once, from the store
    assert not stored_file(big).exists()
    assert stored.store.entry(built.store.entries[3].id) == built.store.entries[3]
    again, loads = open_stored(big)  # built and written anew
    assert loads.calls == 1 and stored_file(big).exists()


def test_damaged_entries_read_outside_a_search_come_from_the_store(big: Path) -> None:
    built, _ = open_stored(big)
    damage_entries(stored_file(big))
    stored, loads = open_stored(big)
    assert list(stored.store.entries) == list(built.store.entries)
    assert loads.calls == 1


@pytest.mark.parametrize("damage", [
    pytest.param(lambda f: f.write_bytes(b"not a database at all" * 100), id="not-sqlite"),
    pytest.param(lambda f: f.write_bytes(b""), id="empty, as a write under way shows it"),
    pytest.param(lambda f: run_sql(f, "update meta set crc = crc + 1 where name = 'state'"),
                 id="state-checksum"),
    pytest.param(lambda f: run_sql(f, "update meta set value = x'00' where name = 'header'"),
                 id="another-header"),
    pytest.param(lambda f: run_sql(f, "drop table postings"), id="missing-table"),
])
def test_a_stored_index_in_doubt_is_rebuilt_and_written_anew(big: Path, damage: Any) -> None:
    built, _ = open_stored(big)
    damage(stored_file(big))
    again, loads = open_stored(big)
    assert loads.calls == 1 and not isinstance(again, stored_index.StoredIndex)
    assert outcome(again, QUERIES[0]) == outcome(built, QUERIES[0])
    stored, loads = open_stored(big)
    assert loads.calls == 0 and isinstance(stored, stored_index.StoredIndex)


def run_sql(file: Path, statement: str, values: tuple[Any, ...] = ()) -> None:
    with sqlite3.connect(file) as db:
        db.execute(statement, values)
    db.close()


def test_a_second_writer_leaves_the_work_to_the_first(big: Path) -> None:
    file = stored_file(big)
    file.parent.mkdir(parents=True, exist_ok=True)
    first = sqlite3.connect(file, isolation_level=None)
    first.execute("begin immediate")  # a writer under way
    try:
        built, loads = open_stored(big)  # answered, and nothing written
        assert loads.calls == 1
        fresh = Index(load_store(big))
        assert outcome(built, QUERIES[0]) == outcome(fresh, QUERIES[0])
        again, loads = open_stored(big)  # a reader meanwhile: a miss, not an error
        assert loads.calls == 1
    finally:
        first.execute("rollback")
        first.close()
    open_stored(big)
    stored, loads = open_stored(big)
    assert loads.calls == 0 and isinstance(stored, stored_index.StoredIndex)


def test_a_journal_goes_with_its_database(big: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    open_stored(big)
    directory = stored_file(big).parent
    kept = directory / (stored_file(big).name + "-journal")
    kept.write_bytes(b"")
    gone = directory / "index-0-old-00000000.sqlite-journal"
    gone.write_bytes(b"")
    cache_directory.forget_old(str(directory))
    assert kept.exists() and not gone.exists()
    newer = directory / "index-0-newer-00000000.marshal"
    newer.write_bytes(b"")
    later = stored_file(big).stat().st_mtime + 100
    os.utime(newer, (later, later))
    monkeypatch.setattr(cache_directory, "KEEP", 1)
    cache_directory.forget_old(str(directory))
    assert not kept.exists() and not stored_file(big).exists() and newer.exists()


def test_a_stored_index_file_is_private(big: Path) -> None:
    open_stored(big)
    assert stored_file(big).stat().st_mode & 0o077 == 0


def test_only_pruned_stores_are_written_to_sqlite(big: Path, tmp_path: Path) -> None:
    assert len(load_store(big).entries) >= PRUNE_FROM
    small = Index(load_store(bundled_path()))
    with pytest.raises(ValueError):
        stored_index.write(str(tmp_path / "small.sqlite"), small, b"header")


def query_stem(index: Index, query: str) -> str:
    q = index._prepare(query)
    assert q is not None
    return sorted(s for s in q.stems if index._df(s))[0]


@pytest.mark.parametrize("damage", [
    pytest.param("update postings set stem = stem || 'x' where stem = ?", id="lost-key"),
    pytest.param("update postings set df = df + 1 where stem = ?", id="count"),
])
def test_a_posting_whose_key_or_counts_changed_is_damage(big: Path, damage: str) -> None:
    built, _ = open_stored(big)
    query = built.store.entries[7].question
    run_sql(stored_file(big), damage, (query_stem(built, query),))
    stored, loads = open_stored(big)
    assert isinstance(stored, stored_index.StoredIndex)
    assert outcome(stored, query) == outcome(built, query)
    assert loads.calls == 1 and stored._rebuilt is not None


def test_an_entry_row_moved_or_renamed_is_damage(big: Path) -> None:
    built, _ = open_stored(big)
    run_sql(stored_file(big),
            "update entries set record = (select record from entries where i = 1) where i = 2")
    stored, loads = open_stored(big)
    assert isinstance(stored, stored_index.StoredIndex)
    assert stored.store.entries[2] == built.store.entries[2]
    assert loads.calls == 1
    open_stored(big)  # written anew
    run_sql(stored_file(big), "update entries set id = 'someone-else' where i = 3")
    stored, loads = open_stored(big)
    assert stored.store.entry("someone-else") is None  # never entry 3 under another id
    assert loads.calls == 1



def test_a_view_in_place_of_a_table_is_not_trusted(big: Path) -> None:
    open_stored(big)
    file = stored_file(big)
    with sqlite3.connect(file) as db:
        db.execute("alter table postings rename to original")
        db.execute("create view postings as with recursive n(x) as"
                   " (select 1 union all select x + 1 from n) select * from n, original")
    db.close()
    stored, loads = open_stored(big)
    assert loads.calls == 1 and not isinstance(stored, stored_index.StoredIndex)
    stored, loads = open_stored(big)  # and written anew, without the view
    assert loads.calls == 0 and isinstance(stored, stored_index.StoredIndex)


def test_a_cache_path_starting_with_two_slashes_is_read(
    big: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", "/" + str(tmp_path / "slashes"))
    open_stored(big)
    stored, loads = open_stored(big)
    assert loads.calls == 0 and isinstance(stored, stored_index.StoredIndex)


def test_a_file_that_was_no_database_is_written_private(big: Path) -> None:
    file = stored_file(big)
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(b"no database at all" * 100)
    file.chmod(0o644)
    open_stored(big)
    stored, loads = open_stored(big)
    assert loads.calls == 0 and file.stat().st_mode & 0o077 == 0


def test_an_index_dropped_closes_its_connection(big: Path) -> None:
    open_stored(big)
    stored, _ = open_stored(big)
    assert isinstance(stored, stored_index.StoredIndex)
    db = stored._db
    del stored
    gc.collect()
    with pytest.raises(sqlite3.ProgrammingError):
        db.execute("select 1")


def test_a_fault_of_the_search_itself_is_not_taken_for_damage(
    big: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_stored(big)
    stored, loads = open_stored(big)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise IndexError("a bug, not a damaged file")

    monkeypatch.setattr(stored_index.StoredIndex, "_top", broken)
    with pytest.raises(IndexError):
        stored.search("how do I look after item 42")
    assert loads.calls == 0 and stored_file(big).exists()


def test_a_cache_directory_that_is_a_file_never_breaks_a_query(
    big: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("in the way", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    for _ in range(2):
        index, loads = open_stored(big)
        assert loads.calls == 1 and outcome(index, QUERIES[0]) == outcome(
            Index(load_store(big)), QUERIES[0])


def test_a_directory_in_place_of_the_file_is_passed_by(big: Path) -> None:
    file = stored_file(big)
    file.mkdir(parents=True)
    for _ in range(2):
        index, loads = open_stored(big)
        assert loads.calls == 1 and not isinstance(index, stored_index.StoredIndex)
    assert file.is_dir()


def test_a_query_of_known_words_does_not_read_the_vocabularys_words(big: Path) -> None:
    built, _ = open_stored(big)
    stored, _ = open_stored(big)
    assert isinstance(stored, stored_index.StoredIndex)
    question = built.store.entries[11].question
    assert outcome(stored, question) == outcome(built, question)
    assert "words" not in vars(stored.vocabulary)
    typo = question.replace(question.split()[-1], question.split()[-1][::-1] + "q")
    assert outcome(stored, typo) == outcome(built, typo)
    assert "words" in vars(stored.vocabulary) and stored._rebuilt is None


def test_the_stored_vocabulary_knows_what_the_built_one_knows(big: Path) -> None:
    built, _ = open_stored(big)
    stored, _ = open_stored(big)
    assert isinstance(stored, stored_index.StoredIndex)
    stems = [*built.vocabulary.stems, *built._terms, "zzyzx", "42", "x-ray"]
    assert [stored.vocabulary.knows(s) for s in stems] == [
        built.vocabulary.knows(s) for s in stems]
    assert "words" not in vars(stored.vocabulary)


def test_damaged_vocabulary_words_are_read_from_the_store(big: Path) -> None:
    built, _ = open_stored(big)
    run_sql(stored_file(big), "update meta set value = value || x'00' where name = 'words'")
    stored, loads = open_stored(big)
    assert isinstance(stored, stored_index.StoredIndex)
    # As the warning signs ask, outside a search.
    assert stored.vocabulary.correct("lookqz") == built.vocabulary.correct("lookqz")
    assert loads.calls == 1 and stored._rebuilt is not None


def test_a_write_that_fills_the_disk_leaves_no_file(
    big: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A disk that fills mid-write (SQLite's own "database or disk is full",
    made here with a page limit): the query is answered, and neither the
    part-written file nor its journal is left to keep the disk full."""
    real = sqlite3.connect

    def small_disk(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        db = real(*args, **kwargs)
        db.execute("pragma max_page_count = 8")
        return db

    monkeypatch.setattr(stored_index.sqlite3, "connect", small_disk)
    built, loads = open_stored(big)
    assert loads.calls == 1
    assert outcome(built, QUERIES[0]) == outcome(Index(load_store(big)), QUERIES[0])
    file = stored_file(big)
    assert not file.exists() and not Path(f"{file}-journal").exists()
    monkeypatch.setattr(stored_index.sqlite3, "connect", real)
    open_stored(big)
    stored, loads = open_stored(big)  # room again: written, then read back
    assert loads.calls == 0 and isinstance(stored, stored_index.StoredIndex)
