"""General English meaning: the table ships, reads, and ranks a paraphrase."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from backfaq import meaning
from backfaq.model import Entry, Source, Store, Topic
from backfaq.search import Index


@pytest.fixture
def no_table(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The table path pointed at a file the test writes (missing until then)."""
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
    assert meaning.similarity(meaning.vector(text), meaning.vector("back")) == 0.0


@pytest.mark.parametrize("text", ["\udce9\udce9", "\x00", "\u2581\u2581", "x" * 5000])
def test_any_text_is_read_without_error(text: str) -> None:
    vector = meaning.vector(text)
    assert vector is None or math.isclose(sum(x * x for x in vector), 1.0, rel_tol=1e-6)


@pytest.mark.parametrize("content", [b"", b"not a table", meaning.MAGIC + b"\x01\x00"])
def test_a_missing_or_damaged_table_gives_no_vectors(no_table: Path, content: bytes) -> None:
    if content:
        no_table.write_bytes(content)
    assert meaning.vector("back pain") is None


@pytest.mark.parametrize("slot", [b"\xff\xff\xff\xff", b"\x01\x00\x00\x00"])
def test_a_table_with_damaged_slots_gives_no_pieces(no_table: Path, slot: bytes) -> None:
    # Every slot past the end, or every slot the first piece: no free slot
    # is left to end a search, which must end anyway.
    data = bytearray(Path(meaning.__file__).with_name("data").joinpath("meaning.bin").read_bytes())
    table_start = len(meaning.MAGIC) + sum(meaning.HEAD) + 4 * 32000
    data[table_start : table_start + 4 * 65536] = slot * 65536
    no_table.write_bytes(bytes(data))
    assert meaning.pieces("back pain") == []


def test_without_a_table_search_works_on_words_alone(no_table: Path) -> None:
    result = Index(_store()).search("can I print from my laptop")
    assert [h.entry.id for h in result.hits][:1] == ["print"]
    assert "meaning" not in (result.hits[0].explain or {})


def test_meaning_ranks_a_paraphrase_whose_words_tie() -> None:
    # "PCs" is in neither question; by words alone (see the test above with
    # no table) the study room comes first, on "use" and "library".
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
