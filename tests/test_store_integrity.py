"""The curated store (data/faq.json) against the source pages it was built from.

Curation rules (see the README): answers are the source's words verbatim apart
from whitespace; every answered question of a source page is served; merged
entries keep every phrasing and every source; nothing unanswered is served.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SOURCES_DIR = DATA / "sources"
DOC: dict[str, Any] = json.loads((DATA / "faq.json").read_text(encoding="utf-8"))
ENTRIES: list[dict[str, Any]] = DOC["entries"]
SOURCE_FILES = {s["id"]: s["file"] for s in DOC["sources"]}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# Lines at the top of a page that are not part of its questions and answers.
FURNITURE = {"000_": 2}
UNANSWERED = "How can seniors strengthen their upper back muscles?"


def fold_ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def fold_all(text: str) -> str:
    """Case, whitespace and punctuation folded: only the words remain."""
    return re.sub(r"[\W_]+", " ", text.casefold()).strip()


def source_text(source_id: str) -> str:
    return (SOURCES_DIR / SOURCE_FILES[source_id]).read_text(encoding="utf-8")


def source_lines(source_id: str) -> set[str]:
    return {line.strip() for line in source_text(source_id).splitlines()}


def parse_source(path: Path) -> list[tuple[str, str]]:
    """(question, answer) pairs: a question is a line ending in '?', its answer the
    non-blank lines up to the next question (joined by spaces; '' when none)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    skip = next((n for prefix, n in FURNITURE.items() if path.name.startswith(prefix)), 0)
    pairs: list[tuple[str, list[str]]] = []
    for raw in lines[skip:]:
        line = raw.strip()
        if line.endswith("?"):
            pairs.append((line, []))
        elif line:
            assert pairs, f"{path.name}: text before the first question: {line!r}"
            pairs[-1][1].append(line)
    return [(q, " ".join(a)) for q, a in pairs]


PAGES = {path.name: parse_source(path) for path in sorted(SOURCES_DIR.glob("*.txt"))}
ANSWERED = [
    pytest.param(question, answer, id=f"{name}:{question}")
    for name, pairs in PAGES.items()
    for question, answer in pairs
    if answer
]


def entry_ids() -> list[str]:
    return [e["id"] for e in ENTRIES]


# --- the source pages are what this file assumes ------------------------------------


def test_source_pages_parse_as_expected() -> None:
    assert sorted(PAGES) == sorted(SOURCE_FILES.values())
    first = (SOURCES_DIR / "000_e6524879e6cdcbc3.txt").read_text(encoding="utf-8").splitlines()
    assert first[1] == "Table of Contents"
    assert len(PAGES["000_e6524879e6cdcbc3.txt"]) == 12
    assert len(PAGES["001_21e0dcd4b713d5da.txt"]) == 16
    unanswered = [q for pairs in PAGES.values() for q, a in pairs if not a]
    assert unanswered == [UNANSWERED]


# --- answers are verbatim -----------------------------------------------------------


@pytest.mark.parametrize("entry", ENTRIES, ids=entry_ids())
def test_answer_is_verbatim_in_first_source(entry: dict[str, Any]) -> None:
    first = entry["sources"][0]
    assert fold_ws(entry["answer"]) in fold_ws(source_text(first))


@pytest.mark.parametrize("entry", ENTRIES, ids=entry_ids())
def test_answer_is_in_every_other_source_up_to_punctuation(entry: dict[str, Any]) -> None:
    for other in entry["sources"][1:]:
        assert fold_all(entry["answer"]) in fold_all(source_text(other)), other


def test_a_merged_answer_differs_on_its_second_page() -> None:
    # The reason for the looser check above: the second page's wording differs.
    merged = [e for e in ENTRIES if len(e["sources"]) > 1]
    assert len(merged) == 3
    differing = [
        e["id"] for e in merged
        if fold_ws(e["answer"]) not in fold_ws(source_text(e["sources"][1]))
    ]
    assert differing, "every merged answer is verbatim in both pages; tighten the check"


@pytest.mark.parametrize("entry", ENTRIES, ids=entry_ids())
def test_every_phrasing_is_a_line_of_a_source(entry: dict[str, Any]) -> None:
    lines = set().union(*(source_lines(s) for s in entry["sources"]))
    for phrasing in (entry["question"], *entry.get("also_asked", [])):
        assert phrasing in lines, phrasing


def test_no_phrasing_belongs_to_two_entries() -> None:
    counts = Counter(p for e in ENTRIES for p in (e["question"], *e.get("also_asked", [])))
    assert [p for p, n in counts.items() if n > 1] == []


# --- references and shape -----------------------------------------------------------


def test_version() -> None:
    assert DOC["version"] == 1


def test_ids_are_unique_slugs() -> None:
    for kind in ("entries", "topics", "sources"):
        ids = [r["id"] for r in DOC[kind]]
        assert len(ids) == len(set(ids)), kind
        assert [i for i in ids if not SLUG.match(i)] == [], kind


def test_topic_count() -> None:
    assert 4 <= len(DOC["topics"]) <= 7


def test_references_exist_and_everything_is_used() -> None:
    topics = {t["id"] for t in DOC["topics"]}
    sources = set(SOURCE_FILES)
    used_topics = {e["topic"] for e in ENTRIES}
    used_sources = {s for e in ENTRIES for s in e["sources"]}
    assert used_topics <= topics
    assert used_sources <= sources
    assert used_topics == topics, "a topic without entries"
    assert used_sources == sources, "a source without entries"
    for source_file in SOURCE_FILES.values():
        assert (SOURCES_DIR / source_file).is_file(), source_file


@pytest.mark.parametrize("entry", ENTRIES, ids=entry_ids())
def test_entry_fields_are_not_empty(entry: dict[str, Any]) -> None:
    assert entry["answer"].strip()
    assert entry["question"].strip()
    assert entry["sources"]
    assert len(entry["sources"]) == len(set(entry["sources"]))


def test_no_two_entries_share_an_answer() -> None:
    counts = Counter(fold_all(e["answer"]) for e in ENTRIES)
    assert [a for a, n in counts.items() if n > 1] == []


# --- every answered question is served ----------------------------------------------


def entry_for(question: str) -> dict[str, Any] | None:
    for entry in ENTRIES:
        if question == entry["question"] or question in entry.get("also_asked", []):
            return entry
    return None


@pytest.mark.parametrize(("question", "answer"), ANSWERED)
def test_answered_question_is_served_with_its_answer(question: str, answer: str) -> None:
    entry = entry_for(question)
    assert entry is not None, f"not in the store: {question!r}"
    assert fold_all(entry["answer"]) == fold_all(answer)


def test_question_without_answer_is_not_served() -> None:
    assert entry_for(UNANSWERED) is None
    assert all(fold_all(UNANSWERED) not in fold_all(e["answer"]) for e in ENTRIES)


def test_every_entry_comes_from_an_answered_question() -> None:
    # The converse: the store holds nothing that is not on a page.
    served = {q for pairs in PAGES.values() for q, a in pairs if a}
    for entry in ENTRIES:
        assert {entry["question"], *entry.get("also_asked", [])} <= served, entry["id"]
