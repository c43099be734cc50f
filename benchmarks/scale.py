"""How search time and memory grow with the store: one table, sizes 1k to 1M.

    python benchmarks/scale.py [--sizes 1000,10000,100000] [--queries 200]
                               [--workdir DIR] [--repeat 3]

For each size it writes a synthetic store (``synthetic.py``, kept in
``--workdir`` for the next run), then, in a fresh child process per size (so
peak memory is that size's alone): loads the store, builds the index (and
SQLite FTS5's table, below: ``--repeat`` times each, in turns, keeping the
median of each, so that a slow minute on a shared machine lands on both
sides rather than one), runs the
queries (median and 95th percentile) and the long messages of the labelled
set (``queries.jsonl``: 20-40 words each, most of them words a synthetic store
has never seen, so typo correction of many unknown words is what they time),
runs the naive scan the search must beat
(rapidfuzz ``process.extract`` with WRatio over every question, on the same
queries), does the same with what a user could pick instead, SQLite FTS5
(``fts5`` below: an in-memory table of the same questions and answers, its
insert time beside backfaq's build), writes the index cache and runs the
queries again on the index as the command reads it from there (SQLite, for a
store the search prunes). Last, it times the command a user runs, ``backfaq
--data STORE ask QUERY``, as a new process with that cache warm, with its
peak memory, beside ``backfaq ask`` on the bundled store run in turns with it.

A store over the 1 GiB store-file limit cannot be served by the command:
its index is built in memory from the generator instead, and the CLI column
says so. Timings vary with the machine and its load; compare the
sizes of one run with each other.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synthetic  # noqa: E402

NAIVE_QUERIES = 20  # the naive scan takes seconds per query at 1M entries
CLI_RUNS = 5


class Fts5:
    """SQLite FTS5 as a user could set it up, exactly as the comparison is
    defined: questions and answers, Porter stemming, every query word quoted
    and joined with OR, ranked by bm25 with the question weighing twice."""

    def __init__(self, entries: list[tuple[str, str]]) -> None:
        self.db = sqlite3.connect(":memory:")
        started = time.perf_counter()
        self.db.execute("create virtual table f using fts5(question, answer,"
                        " tokenize='porter unicode61')")
        self.db.executemany("insert into f(question, answer) values (?, ?)", entries)
        self.db.commit()
        self.insert_s = time.perf_counter() - started

    def search(self, query: str) -> list[Any]:
        words = [w for w in "".join(c if c.isalnum() else " " for c in query).split()]
        if not words:
            return []
        match = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
        return self.db.execute(
            "select rowid from f where f match ? order by bm25(f, 2.0, 1.0) limit 5",
            (match,)).fetchall()


def child(size: int, path: Path, count: int, repeat: int) -> dict[str, float | str]:
    """Measure one size in this process; the numbers as a dict."""
    from rapidfuzz import fuzz, process, utils

    from backfaq import cache, store_keys
    from backfaq.limits import MAX_BYTES
    from backfaq.search import Index
    from backfaq.store import build_store, load_store

    started = time.perf_counter()
    servable = path.stat().st_size <= MAX_BYTES
    if servable:
        store = load_store(path)
    else:
        store = build_store(synthetic.generate(size), f"<synthetic {size}>")
    loaded = time.perf_counter()
    # The build and FTS5's insert, in turns, each its median of ``repeat``:
    # on a shared machine one of each can land in a slow minute apart.
    rows = [(e.question, e.answer) for e in store.entries]
    builds, inserts = [], []
    for _ in range(repeat):
        index = fts5 = None  # the last round's freed before the next is built
        t = time.perf_counter()
        index = Index(store)
        builds.append(time.perf_counter() - t)
        fts5 = Fts5(rows)
        inserts.append(fts5.insert_s)
    assert index is not None and fts5 is not None
    questions = [e.question for e in store.entries]
    queries = synthetic.queries(questions, count)
    times = timed(index, queries)
    long_times = timed(index, long_messages())
    fts5_times = timed(fts5, queries)
    fts5_long = timed(fts5, long_messages())
    naive = []
    for query in queries[:NAIVE_QUERIES]:
        t = time.perf_counter()
        process.extract(query, questions, scorer=fuzz.WRatio, processor=utils.default_process,
                        limit=5)
        naive.append(time.perf_counter() - t)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux: MiB
    stored_times: list[float] = []
    if servable:
        with path.open("rb") as stream:
            key = store_keys.key_of(stream, path.stat().st_size)
        slot = cache._slot(key) if key is not None else None
        if slot is not None:
            cache.write_cache(slot, index)
            # The index as the command reads it: from the cache (SQLite for
            # a pruned store), the same queries in one process.
            stored_times = timed(cache.open_index(str(path), lambda raw: store), queries)
    return {
        "load_s": loaded - started,
        "build_s": statistics.median(builds),
        "median_ms": 1000 * statistics.median(times),
        "p95_ms": 1000 * p95(times),
        "long_median_ms": 1000 * statistics.median(long_times),
        "long_p95_ms": 1000 * p95(long_times),
        "naive_ms": 1000 * statistics.median(naive),
        "fts5_insert_s": statistics.median(inserts),
        "fts5_median_ms": 1000 * statistics.median(fts5_times),
        "fts5_p95_ms": 1000 * p95(fts5_times),
        "fts5_long_median_ms": 1000 * statistics.median(fts5_long),
        "fts5_long_p95_ms": 1000 * p95(fts5_long),
        "peak_mb": peak_mb,
        "stored_median_ms": 1000 * statistics.median(stored_times) if stored_times else -1,
        "stored_p95_ms": 1000 * p95(stored_times) if stored_times else -1,
        "servable": "yes" if servable else "no",
    }


def long_messages() -> list[str]:
    """The labelled set's long messages, in-domain and off-topic."""
    with (HERE / "queries.jsonl").open(encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines if line.strip()]
    return [r["q"] for r in rows if r["kind"] in ("longform", "ood_long")]


def timed(index: Any, queries: list[str]) -> list[float]:
    """Each query's search time in seconds, sorted."""
    times = []
    for query in queries:
        t = time.perf_counter()
        index.search(query)
        times.append(time.perf_counter() - t)
    return sorted(times)


def p95(times: list[float]) -> float:
    return times[min(len(times) - 1, int(0.95 * len(times)))]


def cold_cli(path: Path | None, env: dict[str, str]) -> tuple[float, float, float]:
    """Median wall time (s) and largest peak memory (MiB) of
    ``backfaq --data path ask ...`` as a new process (of ``backfaq ask``
    on the bundled store, with no path), and the median of ``backfaq ask``
    on the bundled store run in turns with it: the ratio of the two is taken
    within the same minutes, as the build's is."""
    bundled = [sys.executable, "-m", "backfaq", "ask", "pain between shoulder blades",
               "--format", "plain"]
    if path is None:
        data: list[str] = []
        queries = ["pain between shoulder blades"] * CLI_RUNS
    else:
        data = ["--data", str(path)]
        text = path.read_text(encoding="utf-8")
        questions = [q.split("?")[0] for q in text.split('"question":"')[1:40]]
        queries = synthetic.queries(questions, CLI_RUNS, seed=7)
    cold_cli_run([sys.executable, "-m", "backfaq", *data, "ask", queries[0]], env)  # cache
    cold_cli_run(bundled, env)
    runs, bundled_runs = [], []
    peak = 0.0
    for query in queries:
        t = time.perf_counter()
        usage = cold_cli_run([sys.executable, "-m", "backfaq", *data, "ask", query,
                              "--format", "plain"], env)
        runs.append(time.perf_counter() - t)
        peak = max(peak, usage.ru_maxrss / 1024)  # KiB on Linux
        t = time.perf_counter()
        cold_cli_run(bundled, env)
        bundled_runs.append(time.perf_counter() - t)
    return statistics.median(runs), peak, statistics.median(bundled_runs)


def cold_cli_run(command: list[str], env: dict[str, str]) -> Any:
    """Run ``command``; its resource usage."""
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0  # reaped here
    return usage


def label(size: int) -> str:
    return f"{size // 1_000_000}M" if size >= 1_000_000 else f"{size // 1000}k"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--workdir", type=Path, default=Path("scale-data"))
    parser.add_argument("--repeat", type=int, default=3,
                        help="builds and FTS5 inserts per size, in turns (their medians)")
    parser.add_argument("--child", nargs=2, metavar=("SIZE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(int(args.child[0]), Path(args.child[1]), args.queries,
                               args.repeat)))
        return 0
    args.workdir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "XDG_CACHE_HOME": str(args.workdir.resolve() / "cache")}
    bundled_s, bundled_mb, _ = cold_cli(None, env)
    print(f"bundled store, cold `ask`: {bundled_s:.3f} s, {bundled_mb:.0f} MiB")
    print(f"{'entries':>8} {'MiB':>5} {'build s':>8} {'median ms':>10} {'p95 ms':>7} "
          f"{'long med':>9} {'long p95':>9} {'naive ms':>9} {'stored med':>10} "
          f"{'stored p95':>10} {'CLI s':>6} {'x bundled':>9} {'CLI MiB':>8} {'peak MiB':>8} | "
          f"{'FTS5 ins s':>10} {'median':>7} {'p95':>7} {'long med':>9} {'long p95':>9} "
          f"{'build/ins':>9}")
    for size in (int(s) for s in args.sizes.split(",")):
        path = args.workdir / f"faq-{label(size)}.json"
        if not path.exists():
            with path.open("w", encoding="utf-8") as f:
                json.dump(synthetic.generate(size), f, separators=(",", ":"))
        out = subprocess.run(
            [sys.executable, __file__, "--queries", str(args.queries), "--repeat",
             str(args.repeat), "--child", str(size), str(path)],
            env=env, capture_output=True, text=True, check=False,
        )
        if out.returncode:
            print(f"{label(size):>8}  failed: {out.stderr.strip().splitlines()[-1:]}")
            continue
        m = json.loads(out.stdout)
        if m["servable"] == "yes":
            cli_s, cli_mb, beside_s = cold_cli(path, env)
            cli = f"{cli_s:6.2f} {cli_s / beside_s:9.1f} {cli_mb:8.0f}"
        else:
            cli = f"{'n/a':>6} {'n/a':>9} {'n/a':>8}"
        print(f"{label(size):>8} {path.stat().st_size / 2**20:5.0f} "
              f"{m['build_s']:8.2f} {m['median_ms']:10.1f} {m['p95_ms']:7.1f} "
              f"{m['long_median_ms']:9.1f} {m['long_p95_ms']:9.1f} "
              f"{m['naive_ms']:9.1f} {m['stored_median_ms']:10.1f} {m['stored_p95_ms']:10.1f} "
              f"{cli} {m['peak_mb']:8.0f} | "
              f"{m['fts5_insert_s']:10.2f} {m['fts5_median_ms']:7.1f} {m['fts5_p95_ms']:7.1f} "
              f"{m['fts5_long_median_ms']:9.1f} {m['fts5_long_p95_ms']:9.1f} "
              f"{m['build_s'] / m['fts5_insert_s']:9.2f}", flush=True)
    print(f"(build, FTS5 ins: medians of {args.repeat} of each, in turns; build/ins: their "
          f"ratio; queries per size: {args.queries}, and {len(long_messages())} long messages "
          f"(long med, long p95, in ms); naive scan on the first {NAIVE_QUERIES}; "
          f"stored: the same queries on the index as the command reads it from the cache; "
          f"CLI: median of {CLI_RUNS} runs with the cache warm, their largest peak "
          f"memory, and the ratio to the bundled store's, run in turns with them; n/a: "
          f"over the store limit; FTS5: an in-memory table of the same questions and "
          f"answers, insert time and the same queries)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
