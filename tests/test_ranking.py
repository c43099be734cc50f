"""Ranking mechanisms on tiny stores, where each one decides the order alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from backfaq.analyzer import Query
from backfaq.model import Entry, Source, Store, Topic
from backfaq.search import Index
from backfaq.search import index as search_index
from backfaq.store import load_store

SYNONYMS = (("shoulder blade", "scapula"),)


def tiny_store(answers: dict[str, str]) -> Store:
    entries = tuple(
        Entry(ident, "How?", (), answer, "t", ("s",)) for ident, answer in answers.items()
    )
    topics = (Topic("t", "T", "T"),)
    return Store("tiny.json", 1, topics, (Source("s", "S", "s.txt"),), entries, SYNONYMS)


def strengths(store: Store, query: str) -> dict[str, float]:
    """Each entry's strength for the query's one word, from the explanation."""
    index = Index(store)
    q = index._prepare(query)
    assert q is not None
    out = {}
    for i, entry in enumerate(store.entries):
        terms = index._score(i, q).explain["terms"]
        out[entry.id] = terms[0]["strength"] if terms else 0.0
    return out


STORE = {
    "blade": "Squeeze the shoulder blade gently, then rest.",
    "shoulder": "Roll the shoulder slowly, then rest.",
    "both": "The shoulder blade moves when the shoulder rolls.",
}


def test_a_word_used_only_inside_a_synonym_phrase_counts_a_quarter() -> None:
    found = strengths(tiny_store(STORE), "shoulder")
    assert 0 < found["blade"] < 0.5 * found["shoulder"]


def test_the_same_word_also_used_alone_counts_fully() -> None:
    found = strengths(tiny_store(STORE), "shoulder")
    assert found["both"] > 2 * found["blade"]



ROWS = ("Just started doing rows and pull ups three times a week because I want a stronger "
        "back. Im 22 and totally new to lifting. How long till my back muscles should "
        "actually start getting stronger?")


def test_a_message_is_ranked_by_its_best_sentence_too(monkeypatch: pytest.MonkeyPatch) -> None:
    # By the whole text, the message is about muscle definition (lifting,
    # stronger back); its last sentence asks how long strengthening takes.
    index = Index(load_store())
    result = index.search(ROWS)
    top = (result.hits or result.closest)[0]
    assert top.entry.id == "time-to-strengthen-back-muscles"
    assert top.explain["sentence"] > top.explain["coverage"] * 100
    monkeypatch.setattr(search_index, "SENTENCE_SHARE", 0.0)
    whole = index.search(ROWS)
    assert (whole.hits or whole.closest)[0].entry.id != "time-to-strengthen-back-muscles"


def test_a_one_sentence_query_has_no_sentence_points() -> None:
    result = Index(load_store()).search("how long does it take to strengthen my back")
    assert "sentence" not in (result.hits or result.closest)[0].explain


def test_the_first_answers_of_a_message_do_not_depend_on_the_limit() -> None:
    index = Index(load_store())
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "queries.jsonl"
    queries = [json.loads(line)["q"] for line in path.read_text("utf-8").splitlines()]
    messages = [q for q in queries if Query(q).sentences()]
    assert len(messages) > 50
    for message in messages:
        three, five = index.search(message, limit=3), index.search(message, limit=5)
        assert [h.entry.id for h in (five.hits or five.closest)][:3] == [
            h.entry.id for h in (three.hits or three.closest)], message
