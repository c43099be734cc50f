"""Answer quality may not regress: floors just under the measured numbers.

The numbers come from ``benchmarks/quality.py`` on the project's own labelled
query sets, for each of its three setups (the bundled store, the same store
without its synonyms, and the library store of another domain); the README
has the full table. Each floor sits a little under what was measured, per kind.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import quality

# Top-1 per kind (for off-topic kinds: the share rejected), per setup.
FLOORS = {
    "bundled": {
        "keyword": 0.96, "layman": 0.88, "longform": 0.77, "medical": 0.91, "near": 0.91,
        "paraphrase": 0.96, "question_form": 0.88, "typo": 0.96, "in-domain": 0.88,
        "ood": 0.89, "ood_long": 0.94,
    },
    "no-synonyms": {
        "keyword": 0.85, "layman": 0.42, "longform": 0.7, "medical": 0.37, "near": 0.83,
        "paraphrase": 0.84, "question_form": 0.85, "typo": 0.92, "in-domain": 0.72,
        "ood": 0.93, "ood_long": 0.97,
    },
    "library": {
        "keyword": 0.8, "layman": 0.52, "longform": 0.53, "near": 0.61, "paraphrase": 0.34,
        "question_form": 0.79, "typo": 0.79, "in-domain": 0.61, "ood": 0.58, "ood_long": 0.75,
    },
}
MRR_FLOORS = {"bundled": 0.91, "no-synonyms": 0.76, "library": 0.65}


def measure(setup: quality.Setup) -> dict[str, dict[str, float]]:
    result, _ = quality.evaluate(quality.backfaq_search(setup.store()),
                                 quality.load_queries(setup.queries))
    return result


@pytest.fixture(scope="module")
def metrics() -> dict[str, dict[str, dict[str, float]]]:
    return {setup.name: measure(setup) for setup in quality.SETUPS}


def test_query_sets_are_big_enough() -> None:
    rows = quality.load_queries()
    kinds = {r["kind"] for r in rows}
    assert {"paraphrase", "keyword", "typo", "layman", "medical", "near", "question_form",
            "ood"} <= kinds
    assert sum(r["kind"] == "longform" for r in rows) >= 60
    assert sum(r["kind"] == "ood_long" for r in rows) >= 30
    library = quality.load_queries(quality.STORES / "library_queries.jsonl")
    assert len(library) >= 100


@pytest.mark.parametrize("setup", sorted(FLOORS))
def test_every_kind_floor(metrics: dict[str, dict[str, dict[str, float]]], setup: str) -> None:
    low = {
        kind: round(metrics[setup][kind]["top1"], 3)
        for kind, floor in FLOORS[setup].items()
        if metrics[setup][kind]["top1"] < floor
    }
    assert low == {}


@pytest.mark.parametrize("setup", sorted(MRR_FLOORS))
def test_mrr_floor(metrics: dict[str, dict[str, dict[str, float]]], setup: str) -> None:
    assert metrics[setup]["in-domain"]["mrr"] >= MRR_FLOORS[setup]


@pytest.mark.parametrize("setup", quality.SETUPS, ids=lambda s: s.name)
def test_beats_the_naive_baseline(
    metrics: dict[str, dict[str, dict[str, float]]], setup: quality.Setup
) -> None:
    store = setup.store()
    baseline, _ = quality.evaluate(quality.baseline_search(store),
                                   quality.load_queries(setup.queries))
    assert metrics[setup.name]["in-domain"]["top1"] > baseline["in-domain"]["top1"] + 0.3
