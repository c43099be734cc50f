"""Start-up time against the imports backfaq cannot avoid, and batch throughput.

Whole-process wall time, each command alternating with its floor in the
same run so that machine noise hits both alike:

* F1 = ``python -c "import click, rapidfuzz.process, json"``, the floor for
  ``--format json`` and ``--format plain``;
* F2 = F1 + ``import rich.console, rich.panel``, the floor for ``--format rich``.

Targets: json and plain at most 1.25 x F1, rich at most 1.25 x F2. Batch mode
(``backfaq ask -``) should answer at least 2,000 queries a second.

backfaq keeps the bundled store's index in the user cache, written by the
first query; the runs use a cache directory of their own, warmed once, and a
last row times the first run, with the cache emptied before each.

    python benchmarks/startup.py [--runs 21] [--batch 5000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).parent
QUERY = "pain between shoulder blades"
F1 = "import click, rapidfuzz.process, json"
F2 = F1 + ", rich.console, rich.panel"


def backfaq_command() -> list[str]:
    """The installed console script, as a user runs it; else ``python -m backfaq``."""
    script = Path(sys.executable).with_name("backfaq")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "backfaq"]


def wall_time(command: list[str], stdin: bytes | None = None,
              before: Callable[[], None] | None = None) -> float:
    """Seconds from start to exit, output discarded; ``before`` runs untimed."""
    if before is not None:
        before()
    start = time.perf_counter()
    subprocess.run(command, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    return time.perf_counter() - start


FIRST_RUN = "json, first run"


def startup(runs: int, cache: Path) -> list[tuple[str, float, str, float]]:
    """(format, median ms, floor name, floor median ms) for each output format,
    and for the first run of ``--format json``; ``cache`` is XDG_CACHE_HOME."""
    backfaq = backfaq_command()
    commands = {
        "F1": [sys.executable, "-c", F1],
        "F2": [sys.executable, "-c", F2],
        **{fmt: [*backfaq, "ask", QUERY, "--format", fmt] for fmt in ("json", "plain", "rich")},
        FIRST_RUN: [*backfaq, "ask", QUERY, "--format", "json"],
    }
    before = {FIRST_RUN: lambda: shutil.rmtree(cache / "backfaq", ignore_errors=True)}
    # Rich output is drawn only on a terminal unless forced; FORCE_COLOR does
    # not change which modules load, only that the panels are drawn in full.
    times: dict[str, list[float]] = {name: [] for name in commands}
    for name in commands:  # warm the file cache once
        wall_time(commands[name])
    for _ in range(runs):
        for name, command in commands.items():
            times[name].append(wall_time(command, before=before.get(name)))
    median = {name: 1000 * statistics.median(t) for name, t in times.items()}
    floors = {"json": "F1", "plain": "F1", "rich": "F2", FIRST_RUN: "F1"}
    return [(fmt, median[fmt], floor, median[floor]) for fmt, floor in floors.items()]


def batch(count: int) -> tuple[int, float]:
    """Queries a second through ``backfaq ask -``, start-up included."""
    queries = [json.loads(line)["q"] for line in (HERE / "queries.jsonl").open()]
    lines = (queries * (count // len(queries) + 1))[:count]
    stdin = ("\n".join(lines) + "\n").encode()
    seconds = wall_time([*backfaq_command(), "ask", "-"], stdin=stdin)
    return count, count / seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="runs per command (median)")
    parser.add_argument("--batch", type=int, default=5000, help="queries for the batch run")
    args = parser.parse_args(argv)
    os.environ.pop("BACKFAQ_DATA", None)
    with tempfile.TemporaryDirectory() as cache:
        os.environ["XDG_CACHE_HOME"] = cache
        rows = startup(args.runs, Path(cache))
        count, rate = batch(args.batch)
    print(f"start-up, median of {args.runs} alternating runs")
    print(f"{'command':32} {'ms':>7} {'floor':>6} {'ms':>7} {'ratio':>6}  target")
    for fmt, ms, floor, floor_ms in rows:
        ratio = ms / floor_ms
        verdict = ("ok" if ratio <= 1.25 else "MISSED") if fmt != FIRST_RUN else ""
        target = "<= 1.25" if fmt != FIRST_RUN else "(writes the cache)"
        print(f"{'ask --format ' + fmt:32} {ms:7.1f} {floor:>6} {floor_ms:7.1f} {ratio:6.2f}"
              f"  {target} {verdict}".rstrip())
    verdict = "ok" if rate >= 2000 else "MISSED"
    print(f"\nbatch: {count} queries through `ask -`: {rate:,.0f} queries/s "
          f"(start-up included)  >= 2,000 {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
