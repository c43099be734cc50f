"""General English meaning: the table ships, reads, and ranks a paraphrase."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from backfaq import meaning
from backfaq.model import Entry, Source, Store, Topic
from backfaq.search import Index

TABLE = Path(meaning.PATH)


@pytest.fixture
def table_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """The table read from a path the test controls (nothing there until it
    writes one)."""
    path = tmp_path / "meaning.bin"
    monkeypatch.setattr(meaning, "PATH", str(path))
    meaning._table.cache_clear()
    yield path
    meaning._table.cache_clear()


def test_the_table_is_read_and_gives_unit_vectors() -> None:
    vector = meaning.vector("how long until I get my money back")
    assert vector is not None and len(vector) == 64
    assert math.isclose(sum(x * x for x in vector), 1.0, rel_tol=1e-6)


def test_near_meanings_are_nearer_than_unrelated_ones() -> None:
    fine = meaning.vector("fine for overdue books")
    assert meaning.similarity(meaning.vector("penalty for late return"), fine) > \
        meaning.similarity(meaning.vector("parking for my car"), fine) + 0.05


def test_a_word_is_cut_into_the_models_pieces_whole_words_first() -> None:
    table = meaning._table()
    assert table is not None
    assert meaning.pieces("the") == [table.row("\u2581the".encode())]
    assert len(meaning.pieces("scapulothoracic")) > 1  # no piece is that word


@pytest.mark.parametrize("text", ["", "   \t\n"])
def test_text_with_no_piece_has_no_vector(text: str) -> None:
    assert meaning.vector(text) is None
    assert meaning.similarity(meaning.vector(text), meaning.vector("back")) is None


@pytest.mark.parametrize("text", ["\udce9\udce9", "\x00", "\u2581\u2581", "x" * 5000])
def test_any_text_is_read_without_error(text: str) -> None:
    vector = meaning.vector(text)
    assert vector is None or math.isclose(sum(x * x for x in vector), 1.0, rel_tol=1e-6)


@pytest.mark.parametrize("content", [None, b"", b"not a table", meaning.MAGIC + b"\x01\x00",
                                     TABLE.read_bytes()[:-1], TABLE.read_bytes()[:100_000],
                                     TABLE.read_bytes() + b"\x00"])
def test_a_missing_or_damaged_table_gives_no_vectors(
    table_path: Path, content: bytes | None
) -> None:
    if content is not None:
        table_path.write_bytes(content)
    assert meaning.vector("back pain") is None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_for_a_table_is_not_waited_on(table_path: Path) -> None:
    os.mkfifo(table_path)
    assert meaning.vector("back pain") is None


def test_a_directory_for_a_table_gives_no_vectors(table_path: Path) -> None:
    table_path.mkdir()
    assert meaning.vector("back pain") is None


def test_a_table_cut_short_under_a_running_search_gives_no_vector(table_path: Path) -> None:
    # The lookup sections are read at first use, each vector when needed: a
    # table rewritten in place afterwards must cost the meaning, not a crash.
    table_path.write_bytes(TABLE.read_bytes())
    assert meaning.vector("back pain") is not None
    with open(table_path, "r+b") as file:
        file.truncate(100_000)
    assert meaning.vector("a knot between my shoulders") is None


def test_long_words_and_long_texts_cost_little() -> None:
    started = time.perf_counter()
    assert meaning.vector("x" * 100_000) is not None
    assert meaning.vector("pain " * 50_000) is not None
    assert time.perf_counter() - started < 1.0  # without the bounds: over ten seconds


@pytest.mark.parametrize("slot", [b"\xff\xff\xff\xff", b"\x02\x00\x00\x00"])
def test_a_table_with_damaged_slots_gives_no_pieces(table_path: Path, slot: bytes) -> None:
    # Every slot past the end, or every slot one piece: no free slot is left
    # to end a search, which must end anyway, and soon.
    data = bytearray(TABLE.read_bytes())
    table_start = len(meaning.MAGIC) + sum(meaning.HEAD) + 4 * 32000
    data[table_start : table_start + 4 * 65536] = slot * 65536
    table_path.write_bytes(bytes(data))
    started = time.perf_counter()
    assert meaning.pieces("back pain " + "x" * 300) == []
    assert time.perf_counter() - started < 1.0


def test_without_a_table_search_works_on_words_alone(table_path: Path) -> None:
    result = Index(_store()).search("can I print from my laptop")
    assert [h.entry.id for h in result.hits][:1] == ["print"]
    assert "meaning" not in (result.hits[0].explain or {})
    assert result.decision is not None and result.decision.evidence.meaning is None
    # By words alone, "use" and "library" put the study room first.
    words_alone = Index(_store()).search("can I use the library's PCs", limit=2)
    assert (words_alone.hits or words_alone.closest)[0].entry.id == "book-a-room"


def test_meaning_ranks_a_paraphrase_in_other_words() -> None:
    # "PCs" is in neither question: meaning puts computers first.
    hits = Index(_store()).search("can I use the library's PCs", limit=2).hits
    assert hits and hits[0].entry.id == "computers"
    assert hits[0].explain is not None and hits[0].explain["meaning"] > 0


def test_an_exact_question_is_nearest_and_keeps_a_full_score() -> None:
    hits = Index(_store()).search("Can I use a computer at the library?").hits
    assert hits[0].entry.id == "computers"
    assert hits[0].explain is not None and hits[0].explain["meaning"] == pytest.approx(1, abs=1e-3)
    assert hits[0].score == pytest.approx(100, abs=0.1)


def _store() -> Store:
    source = Source("faq", "Library FAQ", "faq.html")
    entries = (
        Entry("computers", "Can I use a computer at the library?", (),
              "Yes: every branch has desktops you can book for an hour.", "services", ("faq",)),
        Entry("book-a-room", "Can I use a study room at the library?", (),
              "Study rooms can be booked a week ahead.", "services", ("faq",)),
        Entry("print", "Can I print from my laptop?", (),
              "Send your document to the print queue from your laptop.", "services", ("faq",)),
    )
    topics = (Topic("services", "Services", "What the library offers"),)
    return Store("library.json", 1, topics, (source,), entries)
