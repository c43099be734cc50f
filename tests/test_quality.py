"""Ranking quality may not regress: floors just under the measured numbers.

The numbers come from ``benchmarks/quality.py`` on the project's own labelled
query set (``benchmarks/queries.jsonl``); the README has the full table.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import quality

FLOORS = {"top1": 0.93, "mrr": 0.955}
KIND_TOP1_FLOOR = 0.9
OFF_TOPIC_FLOOR = 0.94


@pytest.fixture(scope="module")
def metrics() -> dict[str, dict[str, float]]:
    result, _ = quality.evaluate(quality.backfaq_search(), quality.load_queries())
    return result


def test_query_set_is_big_enough() -> None:
    rows = quality.load_queries()
    assert len(rows) >= 150
    kinds = {r["kind"] for r in rows}
    assert {"paraphrase", "keyword", "typo", "layman", "medical", "near", "ood"} <= kinds


@pytest.mark.parametrize("measure", sorted(FLOORS))
def test_in_domain_floor(metrics: dict[str, dict[str, float]], measure: str) -> None:
    assert metrics["in-domain"][measure] >= FLOORS[measure]


def test_every_kind_floor(metrics: dict[str, dict[str, float]]) -> None:
    low = {k: m["top1"] for k, m in metrics.items() if k != "ood" and m["top1"] < KIND_TOP1_FLOOR}
    assert low == {}


def test_off_topic_rejection_floor(metrics: dict[str, dict[str, float]]) -> None:
    assert metrics["ood"]["top1"] >= OFF_TOPIC_FLOOR


def test_beats_the_naive_baseline(metrics: dict[str, dict[str, float]]) -> None:
    baseline, _ = quality.evaluate(quality.baseline_search(), quality.load_queries())
    assert metrics["in-domain"]["top1"] > baseline["in-domain"]["top1"] + 0.3
