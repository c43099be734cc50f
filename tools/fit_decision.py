"""Fit the answer decision's logistic models on backfaq's own labelled queries.

    python tools/fit_decision.py

Reads every query of ``benchmarks/queries.jsonl`` over the bundled store, with
and without its synonyms, and of ``benchmarks/stores/library_queries.jsonl``
over the library store; takes the evidence the search gives for its best
entry (``decision.Evidence``, as ``decision.inputs`` gives it to the model),
and fits ``answered = in-domain`` by logistic regression with balanced
classes and a little L2, in plain Python: once with meaning, once as the
search runs without the meaning table (``WORDS_ALONE``). It prints the
weights to copy, rounded, into ``backfaq/decision.py``, and what they would
score. Queries of kind ``ood*`` are the negatives.
"""

from __future__ import annotations

import json
import math
import os
import sys

ROOT = os.path.join(os.path.dirname(__file__), "..")
sys.path.insert(0, os.path.join(ROOT, "src"))

from backfaq import meaning  # noqa: E402
from backfaq.decision import WITH_MEANING, WORDS_ALONE, inputs  # noqa: E402
from backfaq.model import Store  # noqa: E402
from backfaq.search import Index  # noqa: E402
from backfaq.store import load_store  # noqa: E402

L2 = 0.001


def sets() -> list[tuple[Store, str]]:
    bundled = load_store(os.path.join(ROOT, "data", "faq.json"))
    stripped = Store(bundled.path, bundled.version, bundled.topics, bundled.sources,
                     bundled.entries, (), bundled.red_flags)
    library = load_store(os.path.join(ROOT, "benchmarks", "stores", "library.json"))
    own = os.path.join(ROOT, "benchmarks", "queries.jsonl")
    return [(bundled, own), (stripped, own),
            (library, os.path.join(ROOT, "benchmarks", "stores", "library_queries.jsonl"))]


def rows(features: tuple[str, ...]) -> tuple[list[list[float]], list[int]]:
    xs, ys = [], []
    for store, path in sets():
        index = Index(store)
        with open(path, encoding="utf-8") as file:
            for line in filter(str.strip, file):
                query = json.loads(line)
                decision = index.search(query["q"], limit=3).decision
                assert decision is not None
                if "meaning" in features and decision.evidence.meaning is None:
                    continue  # decided by the other model
                model_inputs = inputs(decision.evidence)
                xs.append([model_inputs[f] for f in features])
                ys.append(0 if query["kind"].startswith("ood") else 1)
    return xs, ys


def fit(xs: list[list[float]], ys: list[int], steps: int = 25) -> tuple[list[float], float]:
    """Newton's method on the balanced, L2-penalised log loss (the bias is
    not penalised); a handful of features converge in a few steps."""
    n_pos = sum(ys)
    weight = {1: len(ys) / (2 * n_pos), 0: len(ys) / (2 * (len(ys) - n_pos))}
    design = [[1.0, *x] for x in xs]
    k = len(design[0])
    theta = [0.0] * k
    for _ in range(steps):
        grad = [0.0] + [L2 * t for t in theta[1:]]
        hess = [[(L2 if i == j and i else 0.0) for j in range(k)] for i in range(k)]
        for x, y in zip(design, ys):
            p = 1 / (1 + math.exp(-sum(t * v for t, v in zip(theta, x))))
            c = weight[y] / len(ys)
            for i in range(k):
                grad[i] += c * (p - y) * x[i]
                for j in range(k):
                    hess[i][j] += c * p * (1 - p) * x[i] * x[j]
        step = _solve(hess, grad)
        theta = [t - s for t, s in zip(theta, step)]
    return theta[1:], theta[0]


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """``a x = b`` by Gaussian elimination with partial pivoting."""
    n = len(b)
    m = [row[:] + [v] for row, v in zip(a, b)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, n):
            f = m[r][col] / m[col][col]
            m[r] = [x - f * y for x, y in zip(m[r], m[col])]
    out = [0.0] * n
    for r in range(n - 1, -1, -1):
        out[r] = (m[r][n] - sum(m[r][c] * out[c] for c in range(r + 1, n))) / m[r][r]
    return out


def main() -> None:
    for name, (weights, _) in (("WITH_MEANING", WITH_MEANING), ("WORDS_ALONE", WORDS_ALONE)):
        if name == "WORDS_ALONE":  # the search as it runs with no meaning table
            meaning.PATH = os.devnull
            meaning._table.cache_clear()
        features = tuple(weights)
        xs, ys = rows(features)
        w, b = fit(xs, ys)
        print(f"{name}: Model = (")
        print("    {" + ", ".join(f'"{f}": {wi:.2f}' for f, wi in zip(features, w)) + "},")
        print(f"    {b:.2f},\n)")
        answered = [b + sum(wi * xi for wi, xi in zip(w, x)) >= 0 for x in xs]
        pos = sum(a for a, y in zip(answered, ys) if y) / sum(ys)
        neg = sum(not a for a, y in zip(answered, ys) if not y) / (len(ys) - sum(ys))
        print(f"# in-domain answered {pos:.3f}, off-topic rejected {neg:.3f} ({len(ys)} queries)")


if __name__ == "__main__":
    main()
