"""Imports racing into one store: pairs of real ``backfaq import`` processes at once.

Used by ``test_store_locking.py`` (10 pairs) and runnable on its own for a
longer run, which the suite does not do every time:

    python tests/racing.py 30
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from processes import MODULE, environment, run


@dataclass
class RaceResult:
    """What the pairs did: how many rounds ran, and every failure seen."""

    rounds: int = 0
    lost: list[str] = field(default_factory=list)  # questions missing from the store
    failures: list[str] = field(default_factory=list)  # runs that did not exit 0


def write_page(path: Path, tag: str) -> list[str]:
    """A page of two questions nobody else asks; the questions it holds."""
    questions = [f"How do I water plant {tag} {n}?" for n in ("one", "two")]
    path.write_text(
        "".join(f"{q}\nAnswer {tag} {i}: only this page says so.\n"
                for i, q in enumerate(questions)),
        encoding="utf-8",
    )
    return questions


def page_at(path: Path) -> Path:
    """A two-question page of its own written at ``path``."""
    write_page(path, "page")
    return path


def seeded_store(store: Path, seed: Path) -> Path:
    """A store made by a real import of a two-question page written at ``seed``."""
    store.parent.mkdir(exist_ok=True)
    write_page(seed, "seed")
    assert run("import", str(seed), "--into", str(store)).returncode == 0
    return store


def race(store: Path, pages: Path, rounds: int, *, env: dict[str, str] | None = None
         ) -> RaceResult:
    """Run ``rounds`` pairs of imports into ``store``, each pair started at once.

    After every round, every question of every page imported so far must be
    in the store: an import that read the store before the other wrote it
    would write it back without the other's entries.
    """
    result = RaceResult()
    expected: set[str] = set()
    for n in range(rounds):
        procs = []
        for side in ("a", "b"):
            page = pages / f"round-{n}-{side}.txt"
            expected.update(write_page(page, f"r{n}{side}"))
            procs.append(subprocess.Popen(
                [*MODULE, "import", str(page), "--into", str(store), "--topic", "general"],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                env=environment() if env is None else env,
            ))
        for proc in procs:
            out, err = proc.communicate(timeout=120)
            last = out.decode("utf-8", "replace").splitlines()[-1:] or [""]
            if proc.returncode != 0 or not last[0].endswith(("created", ".bak")):
                result.failures.append(
                    f"round {n}: exit {proc.returncode}: {last[0]} {err.decode('utf-8', 'replace')}"
                )
        doc = json.loads(store.read_text(encoding="utf-8"))
        held = {e["question"] for e in doc["entries"]}
        held |= {q for e in doc["entries"] for q in e.get("also_asked", [])}
        result.lost.extend(sorted((expected - held) - set(result.lost)))
        result.rounds += 1
    return result


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        store = base / "store.json"
        write_page(base / "seed.txt", "seed")
        seeded = subprocess.run([*MODULE, "import", str(base / "seed.txt"), "--into", str(store)],
                                capture_output=True, env=environment())
        if seeded.returncode != 0:
            print(seeded.stderr.decode("utf-8", "replace"), file=sys.stderr)
            return 2
        outcome = race(store, base, rounds)
    print(f"{outcome.rounds} pairs: {len(outcome.lost)} questions lost, "
          f"{len(outcome.failures)} runs failed")
    for line in outcome.failures + [f"lost: {q}" for q in outcome.lost]:
        print(line)
    return 1 if outcome.lost or outcome.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
