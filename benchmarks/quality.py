"""Answer quality on backfaq's own labelled query sets, beside a naive baseline.

    python benchmarks/quality.py [--failures]

Three setups, each a store and the queries labelled for it:

* ``bundled``: the curated upper-back FAQ (``data/faq.json``) and
  ``benchmarks/queries.jsonl``;
* ``no-synonyms``: the same store and queries with the store's ``synonyms``
  removed, which is what a store a user brings looks like;
* ``library``: an FAQ of another domain, imported from
  ``benchmarks/stores/library.md`` with no curated vocabulary, and
  ``benchmarks/stores/library_queries.jsonl``.

For every kind of query it prints top-1, top-3 and MRR@5 (for off-topic kinds,
``ood`` and ``ood_long``: the share rejected) and ``rank``, the top-1 of the
ranking alone (the best entry, whether or not the decision answers). The
baseline the ranking issue names is rapidfuzz WRatio over the questions alone.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

from rapidfuzz import fuzz, process, utils

from backfaq.model import Store
from backfaq.search import Index
from backfaq.store import load_store

HERE = Path(__file__).resolve().parent
QUERIES = HERE / "queries.jsonl"
STORES = HERE / "stores"
BASELINE_CUTOFF = 60.0  # WRatio below this counts as "no answer" for the baseline


class Ranked(NamedTuple):
    """What a search returns for the metrics: the ids shown, and the best
    entry of the ranking whether or not it was shown."""

    ids: Sequence[str]
    best: str | None


Search = Callable[[str], Ranked]


class Setup(NamedTuple):
    name: str
    store: Callable[[], Store]
    queries: Path


def without_synonyms(store: Store) -> Store:
    return Store(store.path, store.version, store.topics, store.sources, store.entries,
                 (), store.red_flags)


SETUPS = (
    Setup("bundled", load_store, QUERIES),
    Setup("no-synonyms", lambda: without_synonyms(load_store()), QUERIES),
    Setup("library", lambda: load_store(STORES / "library.json"),
          STORES / "library_queries.jsonl"),
)


def load_queries(path: Path = QUERIES) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def off_topic(kind: str) -> bool:
    return kind.startswith("ood")


def backfaq_search(store: Store | None = None, limit: int = 5) -> Search:
    index = Index(store if store is not None else load_store())

    def search(query: str) -> Ranked:
        result = index.search(query, limit=limit)
        ranked = result.hits or result.closest
        return Ranked([h.entry.id for h in result.hits], ranked[0].entry.id if ranked else None)

    return search


def baseline_search(store: Store | None = None, limit: int = 5) -> Search:
    store = store if store is not None else load_store()
    choices = {e.id: e.question for e in store.entries}

    def search(query: str) -> Ranked:
        found = process.extract(query, choices, scorer=fuzz.WRatio,
                                processor=utils.default_process, limit=limit)
        ids = [key for _, score, key in found if score >= BASELINE_CUTOFF]
        return Ranked(ids, found[0][2] if found else None)

    return search


def evaluate(search: Search, rows: list[dict]) -> tuple[dict[str, dict[str, float]], list[str]]:
    """Metrics by kind (plus 'in-domain'), and a line for every miss."""
    sums: dict[str, dict[str, float]] = {}
    misses = []
    for row in rows:
        kind = row["kind"]
        found = search(row["q"])
        ids = list(found.ids)
        s = sums.setdefault(kind, {"n": 0, "top1": 0, "top3": 0, "mrr": 0.0, "rank": 0})
        s["n"] += 1
        if off_topic(kind):
            ok = not ids
            for key in ("top1", "top3", "mrr", "rank"):
                s[key] += ok
            if not ok:
                misses.append(f"[{kind}] {row['q']!r}: answered {ids[0]}")
            continue
        rank = next((i for i, x in enumerate(ids, 1) if x in row["expect"]), None)
        s["top1"] += rank == 1
        s["top3"] += bool(rank and rank <= 3)
        s["mrr"] += 1 / rank if rank else 0.0
        s["rank"] += found.best in row["expect"]
        if rank != 1:
            misses.append(
                f"[{kind}] {row['q']!r}: rank {rank}, top {ids[:1]}, best {found.best},"
                f" want {row['expect']}"
            )
    total = {"n": 0, "top1": 0, "top3": 0, "mrr": 0.0, "rank": 0}
    for kind, s in sums.items():
        if not off_topic(kind):
            for key in total:
                total[key] += s[key]
    sums["in-domain"] = total
    metrics = {
        kind: {"n": s["n"], **{k: s[k] / s["n"] for k in ("top1", "top3", "mrr", "rank")}}
        for kind, s in sums.items()
        if s["n"]
    }
    return metrics, misses


def table(name: str, metrics: dict[str, dict[str, float]]) -> str:
    lines = [f"{name:<14}{'n':>5}{'top1':>8}{'top3':>8}{'MRR@5':>8}{'rank':>8}"]
    kinds = sorted(k for k in metrics if not off_topic(k) and k != "in-domain")
    order = kinds + ["in-domain"] + sorted(k for k in metrics if off_topic(k))
    for kind in order:
        if kind in metrics:
            m = metrics[kind]
            label = "off-topic rejected" if off_topic(kind) else ""
            lines.append(
                f"{kind:<14}{m['n']:>5}{m['top1']:>8.3f}{m['top3']:>8.3f}{m['mrr']:>8.3f}"
                f"{m['rank']:>8.3f}  {label}".rstrip()
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", action="store_true", help="list every miss of backfaq")
    args = parser.parse_args(argv)
    for setup in SETUPS:
        store = setup.store()
        rows = load_queries(setup.queries)
        ours, misses = evaluate(backfaq_search(store), rows)
        base, _ = evaluate(baseline_search(store), rows)
        print(f"== {setup.name}: {len(store.entries)} entries, {len(rows)} queries")
        print(table("backfaq", ours))
        print(table("baseline", base))
        if args.failures:
            print("\n".join(misses) or "no misses")
        print()
    print("(rank: top-1 of the ranking alone, answered or not; baseline: rapidfuzz WRatio over"
          f" the questions only, cutoff {BASELINE_CUTOFF:g}; for off-topic rows every column is"
          " the share rejected)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
