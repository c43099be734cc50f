"""Ranking quality on backfaq's own labelled query set, beside a naive baseline.

    python benchmarks/quality.py [--queries FILE] [--failures]

For every kind of query it prints top-1, top-3 and MRR@5 (for off-topic
queries: the share rejected), for backfaq's index and for the baseline the
ranking issue names: rapidfuzz WRatio over the questions alone.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from rapidfuzz import fuzz, process, utils

from backfaq.index import Index
from backfaq.store import load_store

HERE = Path(__file__).resolve().parent
QUERIES = HERE / "queries.jsonl"
BASELINE_CUTOFF = 60.0  # WRatio below this counts as "no answer" for the baseline

Search = Callable[[str], Sequence[str]]


def load_queries(path: Path = QUERIES) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def backfaq_search(limit: int = 5) -> Search:
    index = Index(load_store())
    return lambda q: [h.entry.id for h in index.search(q, limit=limit).hits]


def baseline_search(limit: int = 5) -> Search:
    store = load_store()
    choices = {e.id: e.question for e in store.entries}
    return lambda q: [
        key
        for _, _, key in process.extract(
            q, choices, scorer=fuzz.WRatio, processor=utils.default_process,
            limit=limit, score_cutoff=BASELINE_CUTOFF,
        )
    ]


def evaluate(search: Search, rows: list[dict]) -> tuple[dict[str, dict[str, float]], list[str]]:
    """Metrics by kind (plus 'in-domain'), and a line for every miss."""
    sums: dict[str, dict[str, float]] = {}
    misses = []
    for row in rows:
        kind = row["kind"]
        ids = list(search(row["q"]))
        s = sums.setdefault(kind, {"n": 0, "top1": 0, "top3": 0, "mrr": 0.0})
        s["n"] += 1
        if kind == "ood":
            ok = not ids
            for key in ("top1", "top3", "mrr"):
                s[key] += ok
            if not ok:
                misses.append(f"[ood] {row['q']!r}: answered {ids[0]}")
            continue
        rank = next((i for i, x in enumerate(ids, 1) if x in row["expect"]), None)
        s["top1"] += rank == 1
        s["top3"] += bool(rank and rank <= 3)
        s["mrr"] += 1 / rank if rank else 0.0
        if rank != 1:
            misses.append(
                f"[{kind}] {row['q']!r}: rank {rank}, top {ids[:1]}, want {row['expect']}"
            )
    total = {"n": 0, "top1": 0, "top3": 0, "mrr": 0.0}
    for kind, s in sums.items():
        if kind != "ood":
            for key in total:
                total[key] += s[key]
    sums["in-domain"] = total
    metrics = {
        kind: {"n": s["n"], **{k: s[k] / s["n"] for k in ("top1", "top3", "mrr")}}
        for kind, s in sums.items()
        if s["n"]
    }
    return metrics, misses


def table(name: str, metrics: dict[str, dict[str, float]]) -> str:
    lines = [f"{name:<11}{'n':>5}{'top1':>8}{'top3':>8}{'MRR@5':>8}"]
    order = sorted(k for k in metrics if k not in ("ood", "in-domain")) + ["in-domain", "ood"]
    for kind in order:
        if kind in metrics:
            m = metrics[kind]
            label = "off-topic rejected" if kind == "ood" else ""
            lines.append(
                f"{kind:<11}{m['n']:>5}{m['top1']:>8.3f}{m['top3']:>8.3f}{m['mrr']:>8.3f}  {label}"
                .rstrip()
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=Path, default=QUERIES)
    parser.add_argument("--failures", action="store_true", help="list every miss of backfaq")
    args = parser.parse_args(argv)
    rows = load_queries(args.queries)
    ours, misses = evaluate(backfaq_search(), rows)
    base, _ = evaluate(baseline_search(), rows)
    print(table("backfaq", ours))
    print()
    print(table("baseline", base))
    print("(baseline: rapidfuzz WRatio over the questions only, cutoff "
          f"{BASELINE_CUTOFF:g}; for ood rows the columns are the share rejected)")
    if args.failures:
        print()
        print("\n".join(misses) or "no misses")
    return 0


if __name__ == "__main__":
    sys.exit(main())
