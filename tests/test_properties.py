"""Properties that hold for any input, checked with hypothesis.

Search: any text returns without raising; scores lie in 0..100, best first;
results respect the limit and the topic; the same query gives the same answer.
The CLI: any query gives exit 0, 1 or 2 and valid JSON, identically every time.
Stores: any bytes or any JSON value either load or raise StoreError.

Deterministic (derandomize, no example database) and quick, for a stable CI.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backfaq.cli import cli
from backfaq.errors import StoreError
from backfaq.model import Store
from backfaq.search import Index
from backfaq.store import check_document, load_store
from backfaq.text import printable

STORE = load_store()
STORE_TEXT = Path(STORE.path).read_text(encoding="utf-8-sig")
INDEX = Index(STORE)
TOPICS = [t.id for t in STORE.topics]
WORDS = sorted({w for e in STORE.entries for w in f"{e.question} {e.answer}".split()})

# The autouse fixture only sets environment variables, which hold for every example.
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Free text of every kind, and text made of the store's own words (which finds answers).
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=200)
store_words = st.lists(
    st.sampled_from(WORDS) | st.text(st.characters(exclude_categories=["Cs"]), max_size=6),
    min_size=1, max_size=10,
).map(" ".join)
queries = any_text | store_words
limits = st.integers(min_value=1, max_value=len(STORE.entries) + 5)
topics = st.none() | st.sampled_from(TOPICS)


def unsafe(text: str) -> set[str]:
    """Characters a terminal may act on, other than newline and tab."""
    bidi = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    return {c for c in text if c not in "\n\t"
            and (unicodedata.category(c) in ("Cc", "Zl", "Zp") or c in bidi)}


# --- the search API --------------------------------------------------------------------


@SETTINGS
@given(query=queries, limit=limits, topic=topics)
def test_search_never_raises_and_keeps_its_promises(
    query: str, limit: int, topic: str | None
) -> None:
    result = INDEX.search(query, limit=limit, topic=topic)
    scores = [hit.score for hit in result.hits]
    assert all(0 <= s <= 100 for s in scores), scores
    assert scores == sorted(scores, reverse=True), "best first"
    assert len(result.hits) <= limit
    assert len({hit.entry.id for hit in result.hits}) == len(result.hits), "no duplicates"
    if topic is not None:
        assert all(hit.entry.topic == topic for hit in result.hits)
    for hit in result.hits:
        assert STORE.entry(hit.entry.id) == hit.entry


@SETTINGS
@given(query=queries, limit=limits, topic=topics)
def test_search_is_deterministic(query: str, limit: int, topic: str | None) -> None:
    first = INDEX.search(query, limit=limit, topic=topic)
    again = INDEX.search(query, limit=limit, topic=topic)
    fresh = Index(STORE).search(query, limit=limit, topic=topic)
    expected = [(h.entry.id, h.score) for h in first.hits]
    assert [(h.entry.id, h.score) for h in again.hits] == expected
    assert [(h.entry.id, h.score) for h in fresh.hits] == expected


@SETTINGS
@given(query=st.sampled_from([e.question for e in STORE.entries]), topic=topics)
def test_topic_filter_with_store_questions(query: str, topic: str | None) -> None:
    result = INDEX.search(query, limit=len(STORE.entries), topic=topic)
    assert len(result.hits) <= len(STORE.entries_in(topic))
    if topic is not None:
        assert {hit.entry.topic for hit in result.hits} <= {topic}


# --- the command line -----------------------------------------------------------------


def ask(runner: CliRunner, query: str, *options: str) -> tuple[int, str, str]:
    # ``--`` ends the options, so a query such as "-5 degrees" is a query.
    result = runner.invoke(cli, ["ask", *options, "--", query])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception)
    )
    return result.exit_code, result.stdout, result.stderr


def new_runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # Click < 8.2
    except TypeError:
        return CliRunner()


@SETTINGS
@given(query=queries, limit=limits, topic=topics)
def test_cli_any_query_json(query: str, limit: int, topic: str | None) -> None:
    runner = new_runner()
    options = ["--format", "json", "--limit", str(limit)]
    if topic is not None:
        options += ["--topic", topic]
    code, out, err = ask(runner, query, *options)
    if not query.strip():
        assert code == 2 and out == "" and "the query is empty" in err
        return
    assert code in (0, 1)
    data = json.loads(out)
    assert data["query"] == query
    results = data["results"]
    assert (code == 0) == bool(results)
    assert len(results) <= limit
    scores = [r["score"] for r in results]
    assert all(0 <= s <= 100 for s in scores)
    assert scores == sorted(scores, reverse=True)
    if topic is not None:
        assert all(r["topic"] == topic for r in results)
    assert not unsafe(out) and not unsafe(err)
    if code == 1:
        assert err.startswith("No good answer for ")
    else:
        assert err == ""
    assert ask(runner, query, *options) == (code, out, err), "same query, same output"


@SETTINGS
@given(query=queries, fmt=st.sampled_from(["plain", "rich", "jsonl"]))
def test_cli_any_query_other_formats(query: str, fmt: str) -> None:
    runner = new_runner()
    code, out, err = ask(runner, query, "--format", fmt)
    assert code == 2 if not query.strip() else code in (0, 1)
    assert not unsafe(out) and not unsafe(err)
    if fmt == "jsonl":
        rows = [json.loads(line) for line in out.splitlines()]
        assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
        assert all(r["query"] == query for r in rows)
    if fmt == "plain":
        assert "\x1b" not in out
    assert ask(runner, query, "--format", fmt) == (code, out, err)


@SETTINGS
@given(entry_id=any_text)
def test_cli_show_any_id(entry_id: str) -> None:
    result = new_runner().invoke(cli, ["show", "--format", "json", "--", entry_id])
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if STORE.entry(entry_id) is None:
        assert result.exit_code == 1
        assert result.stderr.startswith("Error: no entry with id ")
        assert len(result.stderr.splitlines()) == 1
        assert not unsafe(result.stderr)
    else:
        assert result.exit_code == 0


# --- stores ---------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


def load_or_refuse(path: Any) -> Store | None:
    try:
        return load_store(path)
    except StoreError as exc:
        assert str(exc).startswith(f"{path}: ")
        return None


@SETTINGS
@given(content=st.binary(max_size=300))
def test_any_bytes_load_or_are_refused(tmp_path_factory: pytest.TempPathFactory,
                                       content: bytes) -> None:
    path = tmp_path_factory.getbasetemp() / "bytes.json"
    path.write_bytes(content)
    load_or_refuse(path)


@SETTINGS
@given(doc=json_values)
def test_any_json_value_is_checked_without_raising(doc: Any) -> None:
    problems = check_document(doc)
    assert problems, "a random value is never a whole store"
    for problem in problems:
        assert str(problem)


@SETTINGS
@given(path=st.sampled_from(["version", "topics", "sources", "entries", "synonyms"]),
       value=json_values)
def test_any_field_replaced_loads_or_is_refused(
    tmp_path_factory: pytest.TempPathFactory, path: str, value: Any
) -> None:
    doc = json.loads(STORE_TEXT)
    doc[path] = value
    target = tmp_path_factory.getbasetemp() / "mutated.json"
    target.write_text(json.dumps(doc), encoding="utf-8")
    load_or_refuse(target)


@SETTINGS
@given(field=st.sampled_from(["id", "question", "answer", "topic", "also_asked", "sources"]),
       value=json_values, index=st.integers(min_value=0, max_value=len(STORE.entries) - 1))
def test_any_entry_field_replaced_loads_or_is_refused(
    tmp_path_factory: pytest.TempPathFactory, field: str, value: Any, index: int
) -> None:
    doc = json.loads(STORE_TEXT)
    doc["entries"][index][field] = value
    target = tmp_path_factory.getbasetemp() / "mutated-entry.json"
    target.write_text(json.dumps(doc), encoding="utf-8")
    loaded = load_or_refuse(target)
    if loaded is not None:  # still a valid store: it must also search
        Index(loaded).search("upper back pain")


# --- messages ---------------------------------------------------------------------------


@SETTINGS
@given(text=st.text(max_size=400), limit=st.integers(min_value=2, max_value=300))
def test_printable_is_safe_and_short(text: str, limit: int) -> None:
    shown = printable(text, limit)
    assert len(shown) <= limit
    assert all(ch.isprintable() for ch in shown)
    if len(text) <= limit and text.isprintable():
        assert shown == text
