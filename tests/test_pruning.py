"""Pruning changes how much is scored, never what is found.

The pruned search must return exactly what the full scan returns: the same
entries, scores and explanations, the same answer / no-answer decisions and
closest misses, with and without a topic, so the quality numbers cannot move.
The decision reads only the best entry, which the pruned search finds exactly,
so it needs no bound of its own.
"""

from __future__ import annotations

import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import quality
import synthetic

from backfaq.model import Store
from backfaq.search import PRUNE_FROM, Index, SearchResult, dense, pruning
from backfaq.store import build_store
from backfaq.vocabulary import Alternative

QUERIES = [row["q"] for row in quality.load_queries()]
# (limit, topic): the default, a long list, and topic filters of two sizes.
SHAPES = [(3, None), (24, None), (1, "relief"), (5, "causes")]


def outcome(result: SearchResult) -> tuple[Any, ...]:
    """Everything a search returns, explanations included (Hit equality skips them)."""
    return (
        [(h.entry.id, h.score, h.explain) for h in result.hits],
        [(h.entry.id, h.score, h.explain) for h in result.closest],
        result.decision,
        result.best and (result.best.entry.id, result.best.score),
    )


@pytest.fixture(scope="module")
def pruned(store: Store) -> Index:
    return Index(store, prune=True)


@pytest.fixture(scope="module")
def full(store: Store) -> Index:
    return Index(store, prune=False)


@pytest.fixture(params=["loop", "dense"])
def bounds(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pruned search bounds its candidates by a loop over the postings,
    or (for a query of common words) in arrays: each way must find what the
    full scan finds. In arrays, candidates come a block at a time; blocks
    start at one here, so a small store's queries go through several.
    Gives the sizes of the queries bounded in arrays."""
    dense_queries: list[int] = []
    if request.param == "dense":
        real = dense.DenseBounds.__init__

        def counting(self: dense.DenseBounds, size: int, *args: Any) -> None:
            dense_queries.append(size)
            real(self, size, *args)

        monkeypatch.setattr(pruning, "DENSE_FROM", 0)
        monkeypatch.setattr(dense, "_FIRST_BLOCK", 1)
        monkeypatch.setattr(dense.DenseBounds, "__init__", counting)
    else:
        monkeypatch.setattr(pruning, "DENSE_FROM", sys.maxsize)
    return dense_queries


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
    pruned: Index, full: Index, limit: int, topic: str | None, bounds: list[int]
) -> None:
    differ = [
        q for q in QUERIES
        if outcome(pruned.search(q, limit=limit, topic=topic))
        != outcome(full.search(q, limit=limit, topic=topic))
    ]
    assert differ == []
    assert bounds == [] or len(bounds) > len(QUERIES) / 2  # the way it names was taken


def ids(index: Index) -> quality.Search:
    def search(q: str) -> quality.Ranked:
        result = index.search(q, limit=5)
        best = (result.hits or result.closest)[:1]
        return quality.Ranked([h.entry.id for h in result.hits], best[0].entry.id if best else None)
    return search


def test_quality_numbers_are_the_same(pruned: Index, full: Index) -> None:
    rows = quality.load_queries()
    with_pruning, misses_pruned = quality.evaluate(ids(pruned), rows)
    without, misses = quality.evaluate(ids(full), rows)
    assert (with_pruning, misses_pruned) == (without, misses)


def test_the_labelled_queries_take_every_path(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The equality above covers each way the pruned search decides: answered
    and rejected queries, and entries found by wording alone."""
    index = Index(store, prune=True)
    calls: list[Any] = []

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return admit_by_wording(*args, **kwargs)

    admit_by_wording = index._admit_by_wording
    monkeypatch.setattr(index, "_admit_by_wording", spy)
    answered = {bool(index.search(q).hits) for q in QUERIES}
    assert answered == {True, False}
    assert calls


def test_a_store_with_real_word_statistics_finds_the_same(
    synthetic_store: Store, bounds: list[int]
) -> None:
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


@pytest.fixture(scope="module")
def larger_store() -> Store:
    return build_store(synthetic.generate(3000, seed=11), "<synthetic>")


def commonest_question_stems(index: Index, count: int) -> list[str]:
    held = Counter(s for i in range(len(index)) for s in set(index._doc(i).phrasings[0]))
    return [s for s, _ in held.most_common(count)]


def test_a_query_of_the_commonest_words_scores_few_of_the_entries_holding_them(
    larger_store: Store, monkeypatch: pytest.MonkeyPatch, bounds: list[int]
) -> None:
    """Every entry holding a common word has about the same bound by words;
    its question's share the query can ask about tells them apart, and only
    entries that share can lift are given an exact phrase score."""
    pruned = Index(larger_store, prune=True)
    full = Index(larger_store, prune=False)
    phrased: list[int] = []
    real = pruned._phrase_part
    monkeypatch.setattr(pruned, "_phrase_part", lambda i, q: phrased.append(i) or real(i, q))
    first, second = commonest_question_stems(pruned, 2)
    for query in (f"{first} {first}", f"{first} {second}", first):
        phrased.clear()
        assert outcome(pruned.search(query)) == outcome(full.search(query))
        assert len(phrased) < pruned._df(first) / 10, query


def test_entries_matched_by_wording_alone_are_the_full_scans(
    larger_store: Store, bounds: list[int]
) -> None:
    pruned = Index(larger_store, prune=True)
    full = Index(larger_store, prune=False)
    for query in ("zzqx vvlorp", "qqq", "wwwwwwwwwwwwwwwwwwwwwwww kkkk"):
        result = pruned.search(query, limit=10)
        assert result.closest or result.hits
        assert outcome(result) == outcome(full.search(query, limit=10))


def test_entries_matched_by_wording_beside_a_few_word_matches_are_the_full_scans(
    bounds: list[int],
) -> None:
    """Queries of one word that one entry's answer holds, or a word in many
    answers, and otherwise unknown words: the entries found by wording
    alone, beside those holding a word, must be the full scan's."""
    rng = random.Random(4)
    syllables = ["ka", "lo", "mi", "ne", "tu", "ra", "po", "si", "de", "fu"]
    vocabulary = sorted({"".join(rng.choice(syllables) for _ in range(rng.randint(2, 3)))
                         for _ in range(150)})
    in_answers, in_questions = vocabulary[:10], vocabulary[10:]
    own = ["".join(rng.choices("bcdghl", k=7)) for _ in range(400)]  # one answer's each
    entries = [
        {"id": f"e{i:04d}", "topic": "t", "sources": ["s"], "also_asked": [],
         "question": " ".join(rng.choices(in_questions, k=rng.randint(1, 5))) + "?",
         "answer": " ".join(rng.choices(vocabulary, k=rng.randint(5, 40))
                            + rng.choices(in_answers, k=rng.randint(0, 3)) + [own[i]]) + "."}
        for i in range(400)
    ]
    store = build_store({"version": 1, "synonyms": [], "entries": entries,
                         "topics": [{"id": "t", "title": "T", "description": "All."}],
                         "sources": [{"id": "s", "title": "S", "file": "s.txt"}]}, "<made>")
    pruned, full = Index(store, prune=True), Index(store, prune=False)
    assert pruned.prune
    for n in range(40):
        held = [rng.choice(own)] if n % 2 else rng.choices(in_answers, k=rng.randint(1, 2))
        query = " ".join(held + ["".join(rng.choices("zxqvwj", k=rng.randint(3, 9)))
                                 for _ in range(rng.randint(1, 3))])
        for limit in (1, 3, 10):
            assert outcome(pruned.search(query, limit=limit)) == outcome(
                full.search(query, limit=limit)), (query, limit)


def test_a_concepts_entries_are_counted_as_their_union(larger_store: Store) -> None:
    """A concept's document frequency (its weight) is counted without making
    a set of its commonest word's entries: the count must be the union's,
    for a common word beside rare ones (counted by lookups), beside common
    ones (by a set), and beside a phrase."""
    index = Index(larger_store, prune=True)
    by_df = sorted({s for i in range(len(index)) for s in index._doc(i).answer}, key=index._df)
    common, rare = by_df[-6:], by_df[: len(by_df) // 2 : 97][:6]
    phrase = tuple(index._doc(0).answer[:2])

    def alt(*stems: str) -> Alternative:
        return Alternative(stems, " ".join(stems), 1.0, False)

    cases = [
        [alt(common[-1]), *map(alt, rare)],
        [alt(common[-1]), *map(alt, common[:-1])],
        [alt(rare[0]), alt(*phrase), alt(common[0])],
        [alt(*phrase), alt("zzqx")],
        [alt("zzqx"), alt(rare[1])],
    ]
    for alts in cases:
        union = set().union(*map(index._containing, alts))
        assert index._holding_any(alts) == len(union), alts
    # The first case is counted by lookups, the second by a set.
    beside = [len(set().union(*map(index._containing, alts[1:]))) for alts in cases[:2]]
    assert 16 * beside[0] <= index._df(common[-1]) < 16 * beside[1]


def test_questions_said_word_for_word_by_many_entries_are_broken_by_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Sixty entries whose question is the query word for word all score
    the highest score there is; the first by id are the results. Once the
    results are all at that score, a tied entry gets in only by a smaller
    id: the pruned search finds the full scan's without scoring them all."""
    rng = random.Random(7)
    syllables = ["ka", "lo", "mi", "ne", "tu", "ra", "po", "si", "de", "fu"]
    words = sorted({"".join(rng.choice(syllables) for _ in range(3)) for _ in range(80)})
    ids = [f"e{n:04d}" for n in rng.sample(range(10_000), 300)]
    entries = [
        {"id": ids[i], "topic": "t" if i % 2 else "u", "sources": ["s"], "also_asked": [],
         "question": ("How do I kalomi?" if i < 60
                      else " ".join(rng.choices(words, k=rng.randint(2, 6))) + "?"),
         "answer": " ".join(rng.choices(words, k=rng.randint(5, 30))) + " kalomi."}
        for i in range(300)
    ]
    store = build_store({"version": 1, "synonyms": [], "entries": entries,
                         "topics": [{"id": t, "title": t, "description": "All."} for t in "tu"],
                         "sources": [{"id": "s", "title": "S", "file": "s.txt"}]}, "<made>")
    pruned, full = Index(store, prune=True), Index(store, prune=False)
    phrased: list[int] = []
    real = pruned._phrase_part
    monkeypatch.setattr(pruned, "_phrase_part", lambda i, q: phrased.append(i) or real(i, q))
    for limit, topic in ((1, None), (3, None), (10, None), (3, "t")):
        phrased.clear()
        result = pruned.search("how do I kalomi", limit=limit, topic=topic)
        assert outcome(result) == outcome(full.search("how do I kalomi", limit=limit, topic=topic))
        assert [h.score for h in result.hits] == [100.0] * limit
        assert len(phrased) < 30, (limit, topic, len(phrased))
