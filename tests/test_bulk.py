"""The bulk build (arrays) builds exactly the index the loop builds.

A large store's index is built in arrays (``backfaq.search.bulk``), a small
store's an entry at a time; the search reads the same attributes either way,
so each must be the same to the bit: the analysed text, every posting's
entries, strengths and question flags, the wording and asked bounds, and the
vocabulary made from the words read. (The order of the stems in the flat
arrays is free: each build keeps its own, and postings are compared stem by
stem.)
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import synthetic

from backfaq.model import Entry, Source, Store, Topic
from backfaq.search import Index, index
from backfaq.store import build_store, load_store


def built(store: Store, *, bulk: bool) -> Index:
    """``store``'s pruned index, built in arrays or by the loop."""
    saved = index.BULK_FROM
    index.BULK_FROM = 0 if bulk else sys.maxsize
    try:
        return Index(store, prune=True)
    finally:
        index.BULK_FROM = saved


def state(built: Index) -> dict[str, Any]:
    """Everything a build makes that a search reads."""
    postings = {}
    for term in built._terms:
        posting = built._posting(term)
        assert posting is not None
        postings[term] = (posting.docs.tolist(), posting.strengths.tolist(),
                          posting.in_question.tobytes(), posting.asked)
    vocabulary = built.vocabulary
    return {
        "text": (built._text, built._text_starts.tolist()),
        "lengths": (built.avg_question_len, built.avg_answer_len),
        "postings": postings,
        "wording": (built._wording, built._phrasing_owner.tolist(), built._shortest.tolist(),
                    built._longest.tolist(), built._most_phrasings),
        "asked": (built._asked_bound.tolist(), built._by_asked_bound.tolist()),
        "vocabulary": (vocabulary.word_counts, vocabulary.stem_words, vocabulary.stem_counts,
                       vocabulary.related),
    }


def assert_same_build(store: Store) -> None:
    loop, bulk = state(built(store, bulk=False)), state(built(store, bulk=True))
    for part in loop:
        assert bulk[part] == loop[part], part


def test_the_bundled_store_builds_the_same_in_bulk() -> None:
    assert_same_build(load_store())  # several phrasings, synonyms


def test_a_synthetic_store_builds_the_same_in_bulk() -> None:
    assert_same_build(build_store(synthetic.generate(2000, seed=5), "<synthetic>"))


def test_a_large_store_is_built_in_bulk(monkeypatch: pytest.MonkeyPatch) -> None:
    from backfaq.search import bulk

    made = []
    real = bulk.Bulk.__init__

    def counting(self: bulk.Bulk, store: Store) -> None:
        made.append(len(store.entries))
        real(self, store)

    monkeypatch.setattr(bulk.Bulk, "__init__", counting)
    monkeypatch.setattr(index, "BULK_FROM", 300)
    Index(build_store(synthetic.generate(300, seed=2), "<synthetic>"))
    Index(build_store(synthetic.generate(299, seed=2), "<synthetic>"))
    assert made == [300]


# Texts that test the edges: stop words alone (a question of no stems), a
# word repeated in one phrasing and not another, accents and other scripts,
# apostrophes, digits, punctuation.
WORDS = ["what", "is", "the", "it", "pain", "pains", "painful", "shoulder", "blade",
         "café", "naïve", "Straße", "сброс", "日本", "don't", "o'clock", "24/7", "x-ray",
         "4", "1.5", "!?", "—", "back", "back-ache", "aching", "ached"]
TEXTS = st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(TEXTS, st.lists(TEXTS, max_size=3), TEXTS), min_size=1,
                max_size=8))
def test_any_store_builds_the_same_in_bulk(
    entries: list[tuple[str, list[str], str]],
) -> None:
    store = Store("s.json", 1, (Topic("t", "T", "T"),), (Source("s", "S", "s.txt"),),
                  tuple(Entry(f"e{i}", question, tuple(also), answer, "t", ("s",))
                        for i, (question, also, answer) in enumerate(entries)), ())
    assert_same_build(store)
