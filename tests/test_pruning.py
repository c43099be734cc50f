"""Pruning changes how much is scored, never what is found.

The pruned search must return exactly what the full scan returns: the same
entries, scores and explanations, the same no-answer decisions and closest
misses, with and without a topic, so the quality numbers cannot move.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import quality
import synthetic

from backfaq.index import MIN_MARGIN, PRUNE_FROM, Index, SearchResult
from backfaq.model import Store
from backfaq.store import build_store

QUERIES = [row["q"] for row in quality.load_queries()]
# (limit, topic): the default, a long list, and topic filters of two sizes.
SHAPES = [(3, None), (24, None), (1, "relief"), (5, "causes")]


def outcome(result: SearchResult) -> tuple[Any, ...]:
    """Everything a search returns, explanations included (Hit equality skips them)."""
    return (
        [(h.entry.id, h.score, h.explain) for h in result.hits],
        [(h.entry.id, h.score, h.explain) for h in result.closest],
    )


@pytest.fixture(scope="module")
def pruned(store: Store) -> Index:
    return Index(store, prune=True)


@pytest.fixture(scope="module")
def full(store: Store) -> Index:
    return Index(store, prune=False)


@pytest.fixture(scope="module")
def synthetic_store() -> Store:
    """A store with Zipf-like word statistics: a few words everywhere, most rare."""
    return build_store(synthetic.generate(300, seed=3), "<synthetic>")


def test_small_stores_scan_and_large_ones_prune(store: Store, synthetic_store: Store) -> None:
    assert len(store.entries) < PRUNE_FROM <= len(synthetic_store.entries)
    assert Index(store).prune is False
    assert Index(synthetic_store).prune is True


@pytest.mark.parametrize(("limit", "topic"), SHAPES)
def test_every_labelled_query_finds_the_same(
    pruned: Index, full: Index, limit: int, topic: str | None
) -> None:
    differ = [
        q for q in QUERIES
        if outcome(pruned.search(q, limit=limit, topic=topic))
        != outcome(full.search(q, limit=limit, topic=topic))
    ]
    assert differ == []


def ids(index: Index) -> quality.Search:
    return lambda q: [h.entry.id for h in index.search(q, limit=5).hits]


def test_quality_numbers_are_the_same(pruned: Index, full: Index) -> None:
    rows = quality.load_queries()
    with_pruning, misses_pruned = quality.evaluate(ids(pruned), rows)
    without, misses = quality.evaluate(ids(full), rows)
    assert (with_pruning, misses_pruned) == (without, misses)


def test_the_labelled_queries_take_every_path(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The equality above covers each way the pruned search decides: the margin
    settled by its bound, the fallback to a full scan, and entries found by
    wording alone."""
    index = Index(store, prune=True)
    calls: dict[str, list[Any]] = {"bound": [], "scan": [], "wording": []}

    def spy(name: str, method: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            calls[name].append(result)
            return result
        return wrapper

    monkeypatch.setattr(index, "_surely_above_the_rest", spy("bound", index._surely_above_the_rest))
    monkeypatch.setattr(index, "_search_all", spy("scan", index._search_all))
    monkeypatch.setattr(index, "_admit_by_wording", spy("wording", index._admit_by_wording))
    for q in QUERIES:
        index.search(q)
    assert True in calls["bound"] and False in calls["bound"]
    assert calls["scan"] and calls["wording"]


def test_a_store_with_real_word_statistics_finds_the_same(synthetic_store: Store) -> None:
    pruned = Index(synthetic_store, prune=True)
    full = Index(synthetic_store, prune=False)
    questions = [e.question for e in synthetic_store.entries]
    topic = synthetic_store.entries[0].topic
    differ = [
        (q, limit, scope)
        for q in synthetic.queries(questions, 60, seed=5)
        for limit, scope in ((3, None), (10, None), (2, topic))
        if outcome(pruned.search(q, limit=limit, topic=scope))
        != outcome(full.search(q, limit=limit, topic=scope))
    ]
    assert differ == []


def test_the_margin_bound_never_says_yes_wrongly(pruned: Index) -> None:
    """Whenever the bound says the best entry stands MIN_MARGIN above the mean
    of the rest, scoring every entry agrees; the labelled queries include ones
    where it does not stand that far above, so a careless bound would show."""
    narrow = 0
    wrong = []
    for query in QUERIES:
        q = pruned._prepare(query)
        if q is None:
            continue
        scores = sorted((pruned._score(i, q).score for i in range(len(pruned))), reverse=True)
        top, rest = scores[0], scores[1:]
        margin = top - sum(rest) / len(rest)
        narrow += margin < MIN_MARGIN
        if pruned._surely_above_the_rest(q, top) and margin < MIN_MARGIN:
            wrong.append(query)
    assert narrow > 0
    assert wrong == []


@pytest.mark.parametrize("prune", [True, False])
@pytest.mark.parametrize("topic", [None, "see-a-doctor"])
def test_hits_for_chosen_entries_match_an_unlimited_search(
    store: Store, prune: bool, topic: str | None
) -> None:
    """What a caller that wants a few entries' scores (say, urgent-care ones)
    gets without asking the search for every entry."""
    index = Index(store, prune=prune)
    doctor = [e.id for e in store.entries if e.topic == "see-a-doctor"]
    chosen = [e.id for e in store.entries[::5]] + doctor + ["no-such-entry"]
    differ = []
    found = 0
    for query in QUERIES:
        every = index.search(query, limit=len(store.entries), topic=topic).hits
        expected = {h.entry.id: (h.score, h.explain) for h in every if h.entry.id in chosen}
        hits = index.hits_for(query, chosen, topic=topic)
        if {k: (h.score, h.explain) for k, h in hits.items()} != expected:
            differ.append(query)
        found += len(hits)
    assert differ == []
    assert found > 0
