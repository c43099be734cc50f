"""`backfaq import`: pages merged into a store, written atomically or not at all.

The store on disk is always a whole store, old or new: every failure (a page
that cannot be read, a store that is invalid, a write or a rename that fails)
leaves it byte for byte as it was, with no temporary file behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import stat
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st
from processes import MODULE, environment, one_error_line, run

from backfaq.cli import cli
from backfaq.errors import WriteError
from backfaq.importer import empty_document, plan_import
from backfaq.page_files import tidy_page
from backfaq.pages import Page, Pair, is_question, parse_page
from backfaq.store import bundled_path, check_document
from backfaq.writer import BESIDE, serialize, write_store

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "data" / "sources"
PAGE_FILES = [SOURCES / "000_e6524879e6cdcbc3.txt", SOURCES / "001_21e0dcd4b713d5da.txt"]
CURATED: dict[str, Any] = json.loads(Path(bundled_path()).read_text(encoding="utf-8"))

PLANTS_PAGE = """\
Plant care
Table of Contents
How do I water a bonsai?
Water it when the soil feels dry.
How often should I repot a cactus?
  1. Every few years.
  2. In spring.
Do ferns like sun?
"""


def invoke(runner: CliRunner, *args: str) -> Result:
    result = runner.invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception
    )
    assert "Traceback" not in result.stderr
    return result


def import_(runner: CliRunner, *args: str) -> Result:
    return invoke(runner, "import", *args)


def load(path: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


Curated = dict[str, tuple[frozenset[str], str, frozenset[str]]]


def entries_by_question(doc: dict[str, Any]) -> Curated:
    """Per entry what the pages decide (ids, topics and titles are the curator's)."""
    files = {s["id"]: s["file"] for s in doc["sources"]}
    return {
        e["question"]: (
            frozenset(e.get("also_asked", [])),
            e["answer"],
            frozenset(files[s] for s in e["sources"]),
        )
        for e in doc["entries"]
    }


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A directory holding only what a test puts there."""
    path = tmp_path / "work"
    path.mkdir()
    return path


@pytest.fixture
def plants(work: Path) -> Path:
    path = work / "plants.txt"
    path.write_text(PLANTS_PAGE, encoding="utf-8")
    return path


@pytest.fixture
def curated_copy(tmp_path: Path) -> Path:
    path = tmp_path / "store" / "faq.json"
    path.parent.mkdir()
    path.write_bytes(Path(bundled_path()).read_bytes())
    return path


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file's bytes but an import's lock files, which are left behind, always empty."""
    files = {p.name: p.read_bytes() for p in sorted(directory.iterdir())}
    for name in [n for n in files if n.endswith(".json.lock")]:
        assert files.pop(name) == b"", name
    return files


def listing(directory: Path) -> list[str]:
    """The names in ``directory``, lock files left out (see ``snapshot``)."""
    return sorted(snapshot(directory))


# --- the curated store and the importer agree -----------------------------------------


def test_importing_the_source_pages_gives_the_curated_store(
    runner: CliRunner, tmp_path: Path
) -> None:
    store = tmp_path / "imported.json"
    result = import_(runner, *map(str, PAGE_FILES), "--into", str(store))
    assert result.exit_code == 0, result.stderr
    imported = load(store)
    assert entries_by_question(imported) == entries_by_question(CURATED)
    assert [e["question"] for e in imported["entries"]] == [
        e["question"] for e in CURATED["entries"]
    ]
    assert check_document(imported) == []
    assert [t["id"] for t in imported["topics"]] == ["general"]
    assert imported["synonyms"] == []
    assert result.stdout.splitlines()[-1] == (
        f"{store}: 24 added, 3 merged, 0 unchanged, 1 skipped; created"
    )
    assert "  skipped: no answer: How can seniors strengthen their upper back muscles?" in (
        result.stdout.splitlines()
    )


def test_the_writer_lays_out_a_store_exactly_as_the_curated_file() -> None:
    assert serialize(CURATED) == Path(bundled_path()).read_bytes()


# --- the summary and the new records ---------------------------------------------------


def test_import_into_a_new_store(runner: CliRunner, plants: Path, tmp_path: Path) -> None:
    store = tmp_path / "garden.json"
    result = import_(runner, str(plants), "--into", str(store))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == (
        f'{plants} (text): source plant-care "Plant care" (new)\n'
        "  added water-bonsai [general]: How do I water a bonsai?\n"
        "  added often-repot-cactus [general]: How often should I repot a cactus?\n"
        "  skipped: no answer: Do ferns like sun?\n"
        "new topic: general\n"
        f"{store}: 2 added, 0 merged, 0 unchanged, 1 skipped; created\n"
    )
    assert load(store) == {
        "version": 1,
        "topics": [{"id": "general", "title": "General",
                    "description": "Questions that fit no other topic."}],
        "sources": [{"id": "plant-care", "title": "Plant care", "file": "plants.txt"}],
        "entries": [
            {"id": "water-bonsai", "question": "How do I water a bonsai?", "also_asked": [],
             "answer": "Water it when the soil feels dry.", "topic": "general",
             "sources": ["plant-care"]},
            {"id": "often-repot-cactus", "question": "How often should I repot a cactus?",
             "also_asked": [], "answer": "1. Every few years.\n2. In spring.",
             "topic": "general", "sources": ["plant-care"]},
        ],
        "synonyms": [],
    }
    assert not (tmp_path / "garden.json.bak").exists()
    assert invoke(runner, "validate", str(store)).exit_code == 0
    served = invoke(runner, "--data", str(store), "ask", "repot", "cactus", "--format", "json")
    assert json.loads(served.stdout)["results"][0]["id"] == "often-repot-cactus"


def test_source_title_option_then_title_line_then_file_name(
    runner: CliRunner, tmp_path: Path
) -> None:
    titled = tmp_path / "titled.txt"
    titled.write_text("Garden FAQ\nWhy water?\nPlants need it.\n", encoding="utf-8")
    untitled = tmp_path / "untitled.txt"
    untitled.write_text("Why prune?\nTo shape the plant.\n", encoding="utf-8")
    named = tmp_path / "named.txt"
    named.write_text("Why mulch?\nIt keeps the soil damp.\n", encoding="utf-8")
    store = tmp_path / "s.json"
    assert import_(runner, str(titled), str(untitled), "--into", str(store)).exit_code == 0
    assert import_(runner, str(named), "--into", str(store),
                   "--source-title", "My notes").exit_code == 0
    assert load(store)["sources"] == [
        {"id": "garden-faq", "title": "Garden FAQ", "file": "titled.txt"},
        {"id": "untitled", "title": "untitled.txt", "file": "untitled.txt"},
        {"id": "notes", "title": "My notes", "file": "named.txt"},
    ]


def test_a_known_answer_becomes_a_phrasing_and_a_source(
    runner: CliRunner, curated_copy: Path, tmp_path: Path
) -> None:
    entry = CURATED["entries"][1]
    page = tmp_path / "again.md"
    # Same words, other case, spacing and punctuation: the same answer.
    answer = entry["answer"].upper().replace(".", "!").replace(" ", "  ")
    page.write_text(f"## Why are my back muscles weak?\n\n{answer}\n", encoding="utf-8")
    result = import_(runner, str(page), "--into", str(curated_copy))
    assert result.exit_code == 0, result.stderr
    assert f"  merged into {entry['id']}: Why are my back muscles weak?" in result.stdout
    merged = load(curated_copy)["entries"][1]
    assert merged == {**entry, "also_asked": ["Why are my back muscles weak?"],
                      "sources": [*entry["sources"], "again"]}
    assert list(merged) == list(entry)  # the field order of the format is kept
    assert len(load(curated_copy)["entries"]) == len(CURATED["entries"])


def test_an_answer_given_twice_in_one_page_is_one_entry(runner: CliRunner, tmp_path: Path) -> None:
    page = tmp_path / "p.txt"
    page.write_text("Why water?\nPlants need it.\nWhy do I water?\nplants need it\n", "utf-8")
    store = tmp_path / "s.json"
    assert import_(runner, str(page), "--into", str(store)).exit_code == 0
    assert load(store)["entries"][0]["also_asked"] == ["Why do I water?"]
    assert len(load(store)["entries"]) == 1


def test_ids_are_stable_slugs_made_unique(runner: CliRunner, tmp_path: Path) -> None:
    first = tmp_path / "a.txt"
    first.write_text("How do I water a bonsai?\nWith rain water.\n", encoding="utf-8")
    second = tmp_path / "b.txt"
    second.write_text("How do I water a bonsai?\nFrom below.\n", encoding="utf-8")
    store = tmp_path / "s.json"
    assert import_(runner, str(first), str(second), "--into", str(store)).exit_code == 0
    assert [e["id"] for e in load(store)["entries"]] == ["water-bonsai", "water-bonsai-2"]


def test_existing_synonyms_and_records_are_kept(
    runner: CliRunner, curated_copy: Path, plants: Path
) -> None:
    assert import_(runner, str(plants), "--into", str(curated_copy)).exit_code == 0
    after = load(curated_copy)
    assert after["synonyms"] == CURATED["synonyms"]
    assert after["entries"][: len(CURATED["entries"])] == CURATED["entries"]
    assert after["sources"][: len(CURATED["sources"])] == CURATED["sources"]
    assert after["topics"][: len(CURATED["topics"])] == CURATED["topics"]


# --- topics ----------------------------------------------------------------------------


def test_new_entries_go_to_the_best_matching_topic_else_general(
    runner: CliRunner, curated_copy: Path, tmp_path: Path
) -> None:
    page = tmp_path / "more.md"
    page.write_text(
        "## Is swimming good for upper back pain?\n\nSwimming is gentle exercise.\n\n"
        "## When is upper back pain serious enough for a doctor?\n\nWhen it is sudden.\n\n"
        "## How do I repot a cactus?\n\nUse gloves.\n",
        encoding="utf-8",
    )
    result = import_(runner, str(page), "--into", str(curated_copy))
    assert result.exit_code == 0, result.stderr
    topics = {e["question"]: e["topic"] for e in load(curated_copy)["entries"]}
    assert topics["Is swimming good for upper back pain?"] == "exercises"
    assert topics["When is upper back pain serious enough for a doctor?"] == "see-a-doctor"
    assert topics["How do I repot a cactus?"] == "general"
    assert load(curated_copy)["topics"][-1]["id"] == "general"
    assert "new topic: general" in result.stdout.splitlines()


def test_topic_option_names_an_existing_topic(
    runner: CliRunner, curated_copy: Path, plants: Path
) -> None:
    assert import_(runner, str(plants), "--into", str(curated_copy),
                   "--topic", "relief").exit_code == 0
    added = load(curated_copy)["entries"][len(CURATED["entries"]):]
    assert {e["topic"] for e in added} == {"relief"}
    assert len(load(curated_copy)["topics"]) == len(CURATED["topics"])


def test_a_new_topic_is_added_to_an_existing_store(
    runner: CliRunner, curated_copy: Path, plants: Path
) -> None:
    result = import_(runner, str(plants), "--into", str(curated_copy), "--topic", "gardening",
                     "--topic-title", "Gardening without back pain")
    assert result.exit_code == 0, result.stderr
    assert "new topic: gardening\n" in result.stdout
    doc = load(curated_copy)
    assert doc["topics"][:-1] == CURATED["topics"]
    assert doc["topics"][-1]["id"] == "gardening"
    assert doc["topics"][-1]["title"] == "Gardening without back pain"
    assert {e["topic"] for e in doc["entries"][len(CURATED["entries"]):]} == {"gardening"}


@pytest.mark.parametrize(("args", "message"), [
    (["--topic", "Garden Work"], "a new topic needs a lowercase slug like 'neck-pain'"),
    (["--topic", "relief", "--topic-title", "Relief"], "topic 'relief' exists already"),
    (["--topic-title", "Gardening"], "--topic-title names a new topic"),
])
def test_a_topic_that_cannot_be_made_is_refused(
    runner: CliRunner, curated_copy: Path, plants: Path, args: list[str], message: str
) -> None:
    before = snapshot(curated_copy.parent)
    result = import_(runner, str(plants), "--into", str(curated_copy), *args)
    assert result.exit_code == 2
    assert message in result.stderr.splitlines()[-1]
    assert snapshot(curated_copy.parent) == before


def test_topic_option_creates_the_topic_of_a_new_store(
    runner: CliRunner, plants: Path, tmp_path: Path
) -> None:
    store = tmp_path / "s.json"
    assert import_(runner, str(plants), "--into", str(store),
                   "--topic", "house-plants").exit_code == 0
    assert load(store)["topics"] == [
        {"id": "house-plants", "title": "House plants",
         "description": "Imported questions about house plants."}
    ]


@pytest.mark.parametrize("topic", ["House Plants", "", "a\x1bb"])
def test_a_new_topic_must_be_a_slug(
    runner: CliRunner, plants: Path, tmp_path: Path, topic: str
) -> None:
    result = import_(runner, str(plants), "--into", str(tmp_path / "s.json"), "--topic", topic)
    assert result.exit_code == 2
    assert "\x1b" not in result.stderr
    assert not (tmp_path / "s.json").exists()


# --- idempotence and dry runs ----------------------------------------------------------


def test_importing_the_same_page_twice_changes_nothing(
    runner: CliRunner, plants: Path, work: Path
) -> None:
    store = work / "s.json"
    assert import_(runner, str(plants), "--into", str(store)).exit_code == 0
    before = snapshot(work)
    result = import_(runner, str(plants), "--into", str(store))
    assert result.exit_code == 0
    assert snapshot(work) == before  # not even a .bak
    assert result.stdout.splitlines()[1:] == [
        "  unchanged, already in water-bonsai: How do I water a bonsai?",
        "  unchanged, already in often-repot-cactus: How often should I repot a cactus?",
        "  skipped: no answer: Do ferns like sun?",
        f"{store}: 0 added, 0 merged, 2 unchanged, 1 skipped; nothing to change",
    ]


def test_importing_the_source_pages_into_the_curated_store_changes_nothing(
    runner: CliRunner, curated_copy: Path
) -> None:
    before = snapshot(curated_copy.parent)
    result = import_(runner, *map(str, PAGE_FILES), "--into", str(curated_copy))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.endswith("0 added, 0 merged, 27 unchanged, 1 skipped; nothing to change\n")
    assert snapshot(curated_copy.parent) == before


def test_dry_run_prints_the_summary_and_writes_nothing(
    runner: CliRunner, curated_copy: Path, plants: Path, tmp_path: Path
) -> None:
    before = snapshot(curated_copy.parent)
    dry = import_(runner, str(plants), "--into", str(curated_copy), "--dry-run")
    assert dry.exit_code == 0
    assert snapshot(curated_copy.parent) == before
    real = import_(runner, str(plants), "--into", str(curated_copy))
    assert real.exit_code == 0
    assert dry.stdout.splitlines()[:-1] == real.stdout.splitlines()[:-1]
    assert dry.stdout.splitlines()[-1].endswith("; dry run, nothing written")
    assert real.stdout.splitlines()[-1].endswith(
        f"; written, previous version in {curated_copy}.bak"
    )
    new = tmp_path / "new.json"
    assert import_(runner, str(plants), "--into", str(new), "--dry-run").exit_code == 0
    assert not new.exists()


# --- atomic writes and fault injection --------------------------------------------------


def test_a_write_keeps_the_previous_version_and_the_file_mode(
    runner: CliRunner, curated_copy: Path, plants: Path
) -> None:
    curated_copy.chmod(0o640)
    assert import_(runner, str(plants), "--into", str(curated_copy)).exit_code == 0
    assert Path(f"{curated_copy}.bak").read_bytes() == Path(bundled_path()).read_bytes()
    assert stat.S_IMODE(curated_copy.stat().st_mode) == 0o640
    assert listing(curated_copy.parent) == ["faq.json", "faq.json.bak"]


def test_a_symlinked_store_is_written_through_the_link(
    runner: CliRunner, curated_copy: Path, plants: Path, tmp_path: Path
) -> None:
    link = tmp_path / "link.json"
    link.symlink_to(curated_copy)
    result = import_(runner, str(plants), "--into", str(link))
    assert result.exit_code == 0
    assert link.is_symlink()
    assert len(load(curated_copy)["entries"]) == len(CURATED["entries"]) + 2
    # The summary names the backup where it is: beside the file, not the link.
    assert f"previous version in {curated_copy}.bak" in result.stdout
    assert Path(f"{curated_copy}.bak").exists() and not Path(f"{link}.bak").exists()


def failing(name: str, *, after: int = 0) -> Any:
    """A stand-in for ``os.<name>`` that works ``after`` times, then fails like a full disk."""
    real = getattr(os, name)
    calls = {"n": 0}

    def fail(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] > after:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    return fail


@pytest.mark.parametrize(
    ("name", "after"),
    [("replace", 0), ("replace", 1), ("fsync", 0), ("fsync", 1), ("fdopen", 0), ("fchmod", 0)],
    ids=["backup-rename", "store-rename", "new-text-fsync", "backup-fsync", "open", "chmod"],
)
def test_a_failing_write_or_rename_leaves_the_old_store_intact(
    runner: CliRunner, curated_copy: Path, plants: Path, monkeypatch: pytest.MonkeyPatch,
    name: str, after: int,
) -> None:
    before = snapshot(curated_copy.parent)
    monkeypatch.setattr(os, name, failing(name, after=after))
    result = import_(runner, str(plants), "--into", str(curated_copy))
    monkeypatch.undo()
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"Error: {curated_copy}: cannot write: No space left on device\n"
    current = snapshot(curated_copy.parent)
    assert current["faq.json"] == before["faq.json"]
    # Only a complete earlier version may have appeared beside it: the backup.
    assert set(current) - set(before) <= ({"faq.json.bak"} if after else set())
    if "faq.json.bak" in current:
        assert current["faq.json.bak"] == before["faq.json"]


def test_a_failing_write_creates_no_new_store(
    runner: CliRunner, plants: Path, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "replace", failing("replace"))
    result = import_(runner, str(plants), "--into", str(work / "new.json"))
    monkeypatch.undo()
    assert result.exit_code == 2
    assert listing(work) == ["plants.txt"]


def test_an_interrupted_write_leaves_the_old_store_and_no_temporary_file(
    curated_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(curated_copy.parent)

    def interrupt(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_store(curated_copy, {**CURATED, "entries": CURATED["entries"][:1]})
    monkeypatch.undo()
    assert snapshot(curated_copy.parent) == before


def test_a_store_in_a_missing_directory_is_a_write_error(tmp_path: Path) -> None:
    with pytest.raises(WriteError, match="cannot write: No such file or directory"):
        write_store(tmp_path / "nowhere" / "s.json", CURATED)


def test_a_document_validate_would_refuse_is_never_written(curated_copy: Path) -> None:
    before = snapshot(curated_copy.parent)
    broken = {**CURATED, "entries": [{**CURATED["entries"][0], "topic": "nowhere"}]}
    with pytest.raises(WriteError, match=r"the new store would not be valid: "
                                         r"entries\[0\]\.topic: unknown topic 'nowhere'"):
        write_store(curated_copy, broken)
    assert snapshot(curated_copy.parent) == before


# --- bad pages and bad stores ----------------------------------------------------------

BAD_PAGES: dict[str, tuple[bytes | None, str]] = {
    "missing": (None, "no such file"),
    "empty": (b"", "empty page"),
    "only whitespace": (b"  \r\n\n\t", "empty page"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file, not a text page"),
    "not UTF-8": ("Why?\nBecause caf\u00e9.\n".encode("latin-1"),
                  "not UTF-8 text (bad byte at offset 16); name its encoding with --encoding"),
    "no questions": (b"Just notes.\nNothing asked.\n", "no questions found (as text)"),
    "no answers": (b"Why?\n\nHow?\n", "no question with an answer found (as text)"),
    "escape sequence": (b"Why?\nBecause \x1b[31mred.\n", "line 2: contains control characters"),
}


@pytest.mark.parametrize("kind", sorted(BAD_PAGES))
@pytest.mark.parametrize("existing", [True, False], ids=["existing-store", "new-store"])
def test_a_bad_page_is_an_error_and_writes_nothing(
    runner: CliRunner, curated_copy: Path, plants: Path, kind: str, existing: bool
) -> None:
    content, message = BAD_PAGES[kind]
    page = curated_copy.parent.parent / f"bad-{kind.replace(' ', '-')}.txt"
    if content is not None:
        page.write_bytes(content)
    store = curated_copy if existing else curated_copy.parent / "new.json"
    before = snapshot(curated_copy.parent)
    # A good page before the bad one is not imported either: all or nothing.
    result = import_(runner, str(plants), str(page), "--into", str(store))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert one_error_line(result.stderr) == f"Error: {page}: {message}"
    assert snapshot(curated_copy.parent) == before


def test_a_directory_is_not_a_page(runner: CliRunner, tmp_path: Path) -> None:
    result = import_(runner, str(tmp_path), "--into", str(tmp_path / "s.json"))
    assert result.exit_code == 2
    assert one_error_line(result.stderr) == f"Error: {tmp_path}: is a directory, not a page"


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_device_is_not_read(runner: CliRunner, tmp_path: Path) -> None:
    result = import_(runner, "/dev/zero", "--into", str(tmp_path / "s.json"))
    assert result.exit_code == 2
    assert one_error_line(result.stderr) == "Error: /dev/zero: is a device, not a page"


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"{not json", "invalid JSON at line 1, column 2: Expecting property name enclosed "
      "in double quotes"),
     (b'{"version": 1}', "topics: missing (and 2 more problems)"),
     (b"", "empty file, expected a JSON object")],
    ids=["invalid-json", "not-a-store", "empty"],
)
def test_an_invalid_store_is_refused_not_overwritten(
    runner: CliRunner, plants: Path, work: Path, content: bytes, message: str
) -> None:
    store = work / "s.json"
    store.write_bytes(content)
    result = import_(runner, str(plants), "--into", str(store))
    assert result.exit_code == 2
    assert one_error_line(result.stderr) == f"Error: {store}: {message}"
    assert store.read_bytes() == content
    assert listing(work) == ["plants.txt", "s.json"]


def test_a_directory_as_the_store_is_refused(
    runner: CliRunner, plants: Path, tmp_path: Path
) -> None:
    result = import_(runner, str(plants), "--into", str(tmp_path))
    assert result.exit_code == 2
    assert one_error_line(result.stderr) == f"Error: {tmp_path}: is a directory, not a store file"
    assert not Path(f"{tmp_path}.lock").exists()  # refused before any lock is taken


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_a_link_that_leads_to_no_file_is_refused_before_a_lock_is_made(
    runner: CliRunner, plants: Path, tmp_path: Path
) -> None:
    # A store on a disk not mounted is not made anew where the link points.
    (tmp_path / "here").mkdir()
    link = tmp_path / "here" / "link.json"
    link.symlink_to(tmp_path / "elsewhere" / "store.json")
    result = import_(runner, str(plants), "--into", str(link))
    assert result.exit_code == 2
    assert one_error_line(result.stderr) == (
        f"Error: {link}: is a symbolic link that leads to no file, not a store file")
    assert [p.name for p in link.parent.iterdir()] == ["link.json"]  # no lock file
    assert not (tmp_path / "elsewhere").exists()


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_store_name_the_system_cannot_hold_is_named_in_the_error(
    runner: CliRunner, plants: Path, tmp_path: Path, dry_run: bool
) -> None:
    for target in (tmp_path / ("b" * 300), plants / "s.json"):
        result = import_(runner, str(plants), "--into", str(target), *(["--dry-run"] * dry_run))
        assert result.exit_code == 2
        assert one_error_line(result.stderr).startswith(f"Error: {target}: "), result.stderr


@pytest.mark.skipif(not hasattr(os, "pathconf"), reason="needs pathconf")
def test_a_store_name_too_long_for_the_files_beside_it_is_refused_before_the_lock(
    runner: CliRunner, plants: Path, tmp_path: Path
) -> None:
    limit = os.pathconf(tmp_path, "PC_NAME_MAX")
    longest = tmp_path / ("s" * (limit - BESIDE))  # its temporary file just fits
    assert import_(runner, str(plants), "--into", str(longest)).exit_code == 0
    over = tmp_path / ("t" * (limit - BESIDE + 1))
    result = import_(runner, str(plants), "--into", str(over))
    assert result.exit_code == 2
    assert one_error_line(result.stderr) == (
        f"Error: {over}: the name is too long to write: the files written beside the store "
        f"add {BESIDE} characters to it, and a file name here has at most {limit}; "
        "use a shorter name")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("t")]  # no lock file
    assert import_(runner, str(plants), "--into", str(over), "--dry-run").exit_code == 0


def test_a_file_system_with_no_fixed_name_limit_refuses_no_name(
    runner: CliRunner, plants: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "pathconf", lambda path, name: -1, raising=False)
    assert import_(runner, str(plants), "--into", str(tmp_path / "s.json")).exit_code == 0


def test_a_store_on_a_read_only_file_system_is_not_told_to_use_force(
    runner: CliRunner, plants: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "s.json"
    assert import_(runner, str(plants), "--into", str(store)).exit_code == 0
    real = os.statvfs

    class ReadOnly:
        def __init__(self, path: Any) -> None:
            self.f_flag = real(path).f_flag | os.ST_RDONLY

    monkeypatch.setattr(os, "statvfs", ReadOnly)
    result = import_(runner, str(plants), "--into", str(store), "--title", "New")
    assert result.exit_code == 2
    assert one_error_line(result.stderr) == (
        f"Error: {store}: cannot write: the file system is read-only")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize("dry_run", [False, True])
def test_a_named_pipe_as_the_store_is_refused_not_waited_on(
    plants: Path, tmp_path: Path, dry_run: bool
) -> None:
    """Read, a named pipe would wait for a writer for ever; no lock file is
    made beside it either."""
    fifo = tmp_path / "store.json"
    os.mkfifo(fifo)
    proc = run("import", str(plants), "--into", str(fifo), *(["--dry-run"] * dry_run),
               timeout=30)
    assert proc.returncode == 2
    assert one_error_line(proc.stderr.decode()) == (
        f"Error: {fifo}: is a named pipe, not a store file")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".lock")] == []


def _through_a_pipe(directory: Path, text: str) -> tuple[Path, threading.Thread]:
    """A page named "63" that is a named pipe, with a writer ready to give
    ``text`` to whoever reads it: what ``import <(curl ...)`` passes."""
    directory.mkdir()
    fifo = directory / "63"
    os.mkfifo(fifo)

    def write() -> None:
        with contextlib.suppress(BrokenPipeError):
            fifo.write_text(text, encoding="utf-8")

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    return fifo, writer


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_pages_read_from_pipes_never_take_each_others_entries(tmp_path: Path) -> None:
    """Every page read through a pipe has a descriptor's name ("63"): the
    name tells no page from another, so an untitled one gets a source of its
    own, and --sync, which could not tell which source it replaces, is
    refused rather than removing another page's entries."""
    store = tmp_path / "s.json"
    router = "question,answer\nHow do I reset the router?,Hold the button.\n"
    printer = ("question,answer\nHow do I clean the printer head?,Run the cleaning cycle.\n"
               "How do I load paper?,Open tray 1.\n")

    def piped(name: str, text: str, *options: str) -> subprocess.CompletedProcess[bytes]:
        fifo, writer = _through_a_pipe(tmp_path / name, text)
        done = run("import", "--format", "csv", str(fifo), "--into", str(store), *options)
        writer.join(timeout=30)
        return done

    assert piped("a", router).returncode == 0
    refused = piped("b", printer, "--sync")
    assert refused.returncode == 2
    assert "--source-title or --source-url" in one_error_line(refused.stderr.decode())
    assert piped("c", printer).returncode == 0
    assert piped("d", printer, "--sync", "--source-title", "Printer FAQ").returncode == 0
    doc = load(store)
    assert sorted(e["id"] for e in doc["entries"]) == [
        "clean-printer-head", "load-paper", "reset-router"]
    assert {s["file"] for s in doc["sources"]} == {"-"}
    assert len(doc["sources"]) == 3


@pytest.mark.skipif(not os.path.exists("/dev/stdin"), reason="needs /dev/stdin")
def test_a_page_given_as_dev_stdin_is_unnamed_even_from_a_file(tmp_path: Path) -> None:
    # "/dev/stdin < faq.csv" is a regular file, under a name every page
    # given so shares.
    store = tmp_path / "s.json"
    router, printer = tmp_path / "router.csv", tmp_path / "printer.csv"
    router.write_text("question,answer\nHow do I reset the router?,Hold the button.\n",
                      encoding="utf-8")
    printer.write_text("question,answer\nHow do I load paper?,Open tray 1.\n", encoding="utf-8")

    def given(page: Path, *options: str) -> subprocess.CompletedProcess[bytes]:
        with page.open("rb") as stdin:
            return subprocess.run([*MODULE, "import", "--format", "csv", "/dev/stdin", "--into",
                                   str(store), *options], stdin=stdin, capture_output=True,
                                  env=environment(), timeout=60)

    assert given(router).returncode == 0
    assert given(printer, "--sync").returncode == 2
    assert given(printer, "--sync", "--source-title", "Printer").returncode == 0
    # Given again, changed, with the title it was given: its own source.
    printer.write_text("question,answer\nHow do I load paper?,Open tray 2.\n", encoding="utf-8")
    assert given(printer, "--sync", "--source-title", "Printer").returncode == 0
    doc = load(store)
    assert sorted(e["id"] for e in doc["entries"]) == ["load-paper", "reset-router"]
    assert [e["answer"] for e in doc["entries"] if e["id"] == "load-paper"] == ["Open tray 2."]
    assert sorted(s["title"] for s in doc["sources"]) == ["Printer", "page read from a pipe"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_titled_page_read_from_a_pipe_is_known_again_by_its_title(tmp_path: Path) -> None:
    store = tmp_path / "s.json"
    both = "# Router FAQ\n\n## How do I reset it?\n\nHold the button.\n\n" \
           "## Where is the serial number?\n\nUnder the stand.\n"
    fifo, writer = _through_a_pipe(tmp_path / "a", both)
    assert run("import", str(fifo), "--into", str(store)).returncode == 0
    writer.join(timeout=30)
    fifo, writer = _through_a_pipe(tmp_path / "b", both.split("\n\n## Where")[0] + "\n")
    assert run("import", str(fifo), "--into", str(store), "--sync").returncode == 0
    writer.join(timeout=30)
    doc = load(store)
    assert [e["id"] for e in doc["entries"]] == ["reset"]
    assert [(s["title"], s["file"]) for s in doc["sources"]] == [("Router FAQ", "-")]


# --- options ---------------------------------------------------------------------------


def test_format_option_forces_the_page_format(runner: CliRunner, tmp_path: Path) -> None:
    page = tmp_path / "faq.md"
    page.write_text("## Why?\nBecause.\n", encoding="utf-8")
    store = tmp_path / "s.json"
    assert import_(runner, str(page), "--into", str(store), "--format", "text").exit_code == 0
    assert load(store)["entries"][0]["question"] == "## Why?"


@pytest.mark.parametrize("fmt", ["pdf", "xml", "", "TEXT"])
def test_unknown_page_format_is_a_usage_error(
    runner: CliRunner, plants: Path, tmp_path: Path, fmt: str
) -> None:
    result = import_(runner, str(plants), "--into", str(tmp_path / "s.json"), "--format", fmt)
    assert result.exit_code == 2
    assert "Invalid value for '--format'" in result.stderr.splitlines()[-1]


def test_windows_markdown_page_with_lists_and_a_missing_answer(
    runner: CliRunner, tmp_path: Path
) -> None:
    page = tmp_path / "care.md"
    page.write_bytes(
        b"# Care\r\n\r\n## How do I stretch?  \r\n\r\n- Reach up.  \r\n- Reach down.\r\n\r\n\r\n"
        b"## Is it bad?\r\n\r\n## Why rest?\r\nIt heals.\r\n"
    )
    store = tmp_path / "s.json"
    result = import_(runner, str(page), "--into", str(store))
    assert result.exit_code == 0, result.stderr
    assert "  skipped: no answer: Is it bad?" in result.stdout.splitlines()
    assert [(e["question"], e["answer"]) for e in load(store)["entries"]] == [
        ("How do I stretch?", "- Reach up.\n- Reach down."),
        ("Why rest?", "It heals."),
    ]
    assert load(store)["sources"][0]["title"] == "Care"


def test_the_store_defaults_to_data_option_and_env_var(
    runner: CliRunner, plants: Path, tmp_path: Path
) -> None:
    by_option = tmp_path / "a.json"
    assert invoke(runner, "--data", str(by_option), "import", str(plants)).exit_code == 0
    assert by_option.exists()
    by_env = tmp_path / "b.json"
    result = runner.invoke(cli, ["import", str(plants)], env={"BACKFAQ_DATA": str(by_env)})
    assert result.exit_code == 0
    assert by_env.exists()


def test_no_store_named_is_a_usage_error(runner: CliRunner, plants: Path) -> None:
    result = import_(runner, str(plants))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == "Error: name the store to write with --into STORE"


def test_no_page_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    result = import_(runner, "--into", str(tmp_path / "s.json"))
    assert result.exit_code == 2
    assert "Missing argument 'PAGE...'" in result.stderr


@pytest.mark.parametrize("title", ["", "  ", "bad\ntitle"])
def test_source_title_must_be_printable_text(
    runner: CliRunner, plants: Path, tmp_path: Path, title: str
) -> None:
    result = import_(runner, str(plants), "--into", str(tmp_path / "s.json"),
                     "--source-title", title)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith("Error: --source-title must be printable")
    assert not (tmp_path / "s.json").exists()


# --- planning without the command line ---------------------------------------------------


def test_plan_import_leaves_its_input_unchanged() -> None:
    doc = json.loads(json.dumps(CURATED))
    page = Page("T", "text", (Pair("Why new?", "A new answer."),
                              Pair(CURATED["entries"][0]["question"] + " (again)",
                                   CURATED["entries"][0]["answer"])))
    plan = plan_import(doc, [("t.txt", page)])
    assert doc == CURATED
    assert plan.changed
    assert [a.kind for a in plan.pages[0].actions] == ["added", "merged"]


@pytest.mark.parametrize(("one", "other"), [
    ("Keep it at +5 degrees.", "Keep it at \u22125 degrees."),
    ("Keep it at -5 degrees.", "Keep it at 5 degrees."),
    ("It costs $5.", "It costs \u20ac5."),
    ("Sugar > 10 is high.", "Sugar < 10 is high."),
    ("Under 5% is fine.", "Under 5 is fine."),
])
def test_answers_that_differ_by_a_sign_are_two_answers(one: str, other: str) -> None:
    page = Page("T", "text", (Pair("Which one?", one), Pair("Which other?", other)))
    plan = plan_import(empty_document(), [("t.txt", page)])
    assert [a.kind for a in plan.pages[0].actions] == ["added", "added"]
    assert [e["answer"] for e in plan.document["entries"]] == [one, other]


@pytest.mark.parametrize(("one", "other"), [
    ("\u6309\u4f4f\u7535\u6e90\u952e\u3002", "\u6309\u4f4f\u7535\u6e90\u952e"),  # 。
    ("\u00a1Pulse el bot\u00f3n!", "Pulse el bot\u00f3n"),
    ("\u00abHold it.\u00bb", "Hold it."),
])
def test_answers_that_differ_by_the_punctuation_of_any_script_are_one(
    one: str, other: str
) -> None:
    page = Page("T", "text", (Pair("Which one?", one), Pair("Which other?", other)))
    plan = plan_import(empty_document(), [("t.txt", page)])
    assert [a.kind for a in plan.pages[0].actions] == ["added", "merged"]


def test_answers_that_differ_by_punctuation_or_markup_are_one_answer() -> None:
    page = Page("T", "text", (Pair("Why?", "It strains. It aches."),
                              Pair("How come?", "it strains it aches"),
                              Pair("What now?", "Rest.\n\n#### Then\n\nStretch."),
                              Pair("And then?", "Rest.\n\nThen\n\n*Stretch*.")))
    plan = plan_import(empty_document(), [("t.txt", page)])
    assert [a.kind for a in plan.pages[0].actions] == ["added", "merged", "added", "merged"]


def test_two_pages_of_one_file_name_and_two_titles_are_two_sources() -> None:
    # A printer's faq.md and a router's: the second must neither update nor
    # (with sync) remove the first's entries.
    printer = Page("Printer help", "markdown", (
        Pair("How do I reset it?", "Hold the power button."),
        Pair("Why is it red?", "It is out of paper.")))
    router = Page("Router help", "markdown", (Pair("How do I reset it?", "Press the pinhole."),))
    first = plan_import(empty_document(), [("faq.md", printer)])
    both = plan_import(first.document, [("faq.md", router)], sync=True)
    assert [s["title"] for s in both.document["sources"]] == ["Printer help", "Router help"]
    assert [a.kind for a in both.pages[0].actions] == ["added"]
    answers = [e["answer"] for e in both.document["entries"]]
    assert answers == ["Hold the power button.", "It is out of paper.", "Press the pinhole."]
    # The same page again is the same source; a page without a title of its
    # own is known by its file name, whatever title the command gave it before.
    assert not plan_import(both.document, [("faq.md", printer)]).changed
    # A page retitled that still gives one of its answers is still its source.
    retitled = Page("Printer help (2026)", "markdown", (
        Pair("How do I reset it?", "Unplug it."), Pair("Why is it red?", "It is out of paper.")))
    edited = plan_import(first.document, [("faq.md", retitled)], sync=True)
    assert [s["title"] for s in edited.document["sources"]] == ["Printer help"]
    assert [a.kind for a in edited.pages[0].actions] == ["updated", "unchanged"]
    export = Page(None, "csv", (Pair("How do I water it?", "Weekly."),))
    named = plan_import(empty_document(), [("desk.csv", export)], source_title="Help desk")
    again = plan_import(named.document, [("desk.csv", export)])
    assert not again.changed and len(again.document["sources"]) == 1


def test_a_page_in_another_script_is_imported_and_found(
    runner: CliRunner, tmp_path: Path
) -> None:
    page = tmp_path / "ru.txt"
    page.write_text("Вопросы\n\nКак сбросить устройство?\nНажмите кнопку питания.\n",
                    encoding="utf-8")
    store = tmp_path / "ru.json"
    assert import_(runner, str(page), "--into", str(store)).exit_code == 0
    assert [e["id"] for e in load(store)["entries"]] == ["entry"]  # ids are ASCII slugs
    found = invoke(runner, "--data", str(store), "ask", "как сбросить устройство",
                   "--format", "json")
    assert found.exit_code == 0, found.stderr
    assert json.loads(found.stdout)["results"][0]["answer"] == "Нажмите кнопку питания."


@pytest.mark.parametrize("changed", ["first", "second"])
def test_a_page_that_changes_a_shared_answer_leaves_the_other_page_its_words(
    changed: str,
) -> None:
    # Two pages gave one answer, so one entry lists both. When one page
    # answers otherwise, the other page must not be quoted as saying it.
    old = "Hold the reset pin for 30 seconds."
    pages = {"first": ("a.md", Page("Page A", "markdown", (Pair("How do I reset it?", old),))),
             "second": ("b.md", Page("Page B", "markdown", (Pair("What resets it?", old),)))}
    shared = plan_import(empty_document(), list(pages.values())).document
    shared["topics"].append({"id": "router", "title": "Router", "description": "The router."})
    shared["entries"][0]["topic"] = "router"  # as a curator may have moved it
    assert len(shared["entries"]) == 1
    name, page = pages[changed]
    new = "Unplug it for ten minutes."
    # The edited page files the question under a heading of its own: like an
    # updated entry, the question stays in the topic its entry had.
    edited = Page(page.title, page.format, (Pair(page.pairs[0].question, new, "Elsewhere"),))
    doc = plan_import(shared, [(name, edited)], sync=True).document
    source_of = {s["file"]: s["id"] for s in doc["sources"]}
    served = {(q, e["answer"], tuple(e["sources"]))
              for e in doc["entries"] for q in [e["question"], *e.get("also_asked", [])]}
    other = "b.md" if changed == "first" else "a.md"
    other_question = pages["second" if changed == "first" else "first"][1].pairs[0].question
    assert served == {(page.pairs[0].question, new, (source_of[name],)),
                      (other_question, old, (source_of[other],))}
    assert {e["topic"] for e in doc["entries"]} == {shared["entries"][0]["topic"]}


def test_a_question_of_punctuation_alone_is_skipped(runner: CliRunner, tmp_path: Path) -> None:
    page = tmp_path / "eq.md"
    page.write_text("# T\n\n## ?\n\nAnswer.\n\n## Why?\n\nBecause.\n", encoding="utf-8")
    result = import_(runner, str(page), "--into", str(tmp_path / "eq.json"))
    assert result.exit_code == 0, result.stderr
    assert "skipped: no question, only punctuation: ?" in result.stdout
    assert [e["question"] for e in load(tmp_path / "eq.json")["entries"]] == ["Why?"]
    # A page whose only "question" is punctuation holds none: refused, no store made.
    alone = tmp_path / "alone.txt"
    alone.write_text("===\n---\nWhy?\n", encoding="utf-8")
    refused = import_(runner, str(alone), "--into", str(tmp_path / "alone.json"))
    assert refused.exit_code == 2
    assert "no question with an answer found" in refused.stderr
    assert not (tmp_path / "alone.json").exists()


# --- a real process ----------------------------------------------------------------------


def test_bad_page_real_process(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    proc = run("import", str(page), "--into", str(tmp_path / "s.json"))
    assert proc.returncode == 2
    assert proc.stdout == b""
    assert one_error_line(proc.stderr) == f"Error: {page}: binary file, not a text page"
    assert not (tmp_path / "s.json").exists()


# --- any page gives a valid store or a clear error ---------------------------------------

LINE = st.one_of(
    st.sampled_from(["Why?", "How do I a?", "## Why b?", "# Title", "Table of Contents", "",
                     "  1. Step.", "- item", "Answer text.", "===", "---", "```", "\u2022 dot"]),
    st.text(alphabet=st.sampled_from(list("ab ?#-*1.\t=`\u00e9\u2022\u00a0")), max_size=12),
)
PAGE_TEXT = st.tuples(st.lists(LINE, max_size=12), st.sampled_from(["\n", "\r\n", "\r"])).map(
    lambda parts: parts[1].join(parts[0])
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(text=PAGE_TEXT, fmt=st.sampled_from(["text", "markdown"]), into_curated=st.booleans())
def test_any_page_imports_into_a_valid_store_or_is_refused(
    text: str, fmt: str, into_curated: bool
) -> None:
    page = tidy_page(parse_page(text, name="p.txt", fmt=fmt), "p.txt")  # as load_pages does
    if not any(pair.answer and is_question(pair.question) for pair in page.pairs):
        return  # load_pages refuses such a page
    start = json.loads(json.dumps(CURATED)) if into_curated else empty_document()
    plan = plan_import(start, [("p.txt", page)])
    assert check_document(plan.document) == []
    again = plan_import(plan.document, [("p.txt", page)])
    assert not again.changed


# --- the README's example is what really happens ----------------------------------------


def readme_blocks() -> list[str]:
    """The fenced blocks of the README's "Use your own FAQ" section, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Use your own FAQ\n", 1)[1].split("\n## Scripts and pipes", 1)[0]
    return re.findall(r"^```[a-z]*\n(.*?)^```$", section, flags=re.M | re.S)


def test_readme_example_runs_as_shown(
    runner: CliRunner, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks = readme_blocks()
    desk, first, more, second, html, third, csv, fourth, several, toml, fifth = blocks[:11]
    monkeypatch.chdir(work)
    (work / "desk.md").write_text(desk, encoding="utf-8")
    (work / "more.txt").write_bytes(more.replace("\n", "\r\n").encode("utf-8"))
    (work / "plants.html").write_text(html, encoding="utf-8")
    (work / "plants.csv").write_text(csv, encoding="utf-8")
    for console in (first, second, third, fourth, several):
        run_console(runner, console)
    # The config file example, with the work directory as the home directory.
    monkeypatch.setenv("HOME", str(work))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    (work / ".config" / "backfaq").mkdir(parents=True)
    (work / ".config" / "backfaq" / "config.toml").write_text(toml, encoding="utf-8")
    run_console(runner, fifth, home=str(work))


def run_console(runner: CliRunner, console: str, home: str | None = None) -> None:
    """Run each ``$ backfaq ...`` line of a README console block and compare
    its output (``/home/you`` in the README stands for ``home``)."""
    for command in re.split(r"^\$ ", console, flags=re.M)[1:]:
        line, expected = command.split("\n", 1)
        args = shlex.split(line.removesuffix(" | tail -1"))
        assert args[0] == "backfaq"
        result = invoke(runner, *args[1:])
        assert result.exit_code == 0, result.stderr
        shown = result.stdout.splitlines()[-1] + "\n" if "| tail" in line else result.stdout
        if home is not None:
            shown = shown.replace(home, "/home/you")
        assert shown == expected, line


def test_the_format_option_offers_every_page_format() -> None:
    from backfaq.import_command import import_
    from backfaq.pages import PAGE_FORMATS

    [option] = [p for p in import_.params if p.name == "page_format"]
    assert list(option.type.choices) == ["auto", *PAGE_FORMATS]  # type: ignore[attr-defined]


# --- single-line fields --------------------------------------------------------------


def test_tabs_breaks_and_bidi_controls_are_tidied_and_reported(
    runner: CliRunner, tmp_path: Path
) -> None:
    page = tmp_path / "odd\tname.md"
    page.write_text("# Odd\tFAQ\n\n## Why\tis my sink \u202eslow?\n\n"
                    "Check\tthe trap \u2066first\u2069.\n\n## Is it fine?\n\nYes.\n",
                    encoding="utf-8")
    store = tmp_path / "store.json"
    result = invoke(runner, "import", str(page), "--into", str(store))
    assert result.exit_code == 0, result.stderr
    assert ("  4 texts held tabs, line breaks or bidirectional controls: tabs and breaks"
            " became spaces, controls were dropped") in result.stdout.splitlines()
    doc = json.loads(store.read_text(encoding="utf-8"))
    assert check_document(doc) == []
    [entry] = [e for e in doc["entries"] if e["question"].startswith("Why")]
    assert entry["question"] == "Why is my sink slow?"
    assert entry["answer"] == "Check the trap first."
    assert doc["sources"][0]["title"] == "Odd FAQ"
    assert doc["sources"][0]["file"] == "odd name.md"
    rows = invoke(runner, "--data", str(store), "list", "--format", "plain").stdout
    assert all(len(row.split("\t")) == 3 for row in rows.splitlines())


@pytest.mark.parametrize(("name", "text", "count"), [
    # The export's own reading turns a one-line field's breaks into spaces:
    # they count as the tidying of the others does.
    ("breaks.csv", 'question,answer\n"How do I\nreset it?","Hold\tthe button."\n', 2),
    ("tab.tsv", 'question\tanswer\n"Q\ttab?"\tA\n', 1),
    ("breaks.json", '[{"question": "How do I\\nreset it?", "answer": "Hold it.",'
                    ' "category": "Re\\tset"}]', 2),
    ("plain.csv", "question,answer\nHow  do I reset it?,Hold it.\n", 0),
])
def test_an_exports_one_line_fields_that_held_breaks_are_counted(
    runner: CliRunner, tmp_path: Path, name: str, text: str, count: int
) -> None:
    page = tmp_path / name
    page.write_text(text, encoding="utf-8")
    result = invoke(runner, "import", str(page), "--into", str(tmp_path / "s.json"),
                    "--dry-run")
    assert result.exit_code == 0, result.stderr
    said = [line for line in result.stdout.splitlines() if "held tabs" in line]
    assert said == ([f"  {count} text{'s' if count > 1 else ''} held tabs, line breaks or"
                     " bidirectional controls: tabs and breaks became spaces, controls were"
                     " dropped"] if count else [])


def test_a_page_without_odd_characters_reports_no_tidying(
    runner: CliRunner, tmp_path: Path
) -> None:
    page = tmp_path / "plain.md"
    page.write_text("# FAQ\n\n## Is it fine?\n\nYes.\n", encoding="utf-8")
    result = invoke(runner, "import", str(page), "--into", str(tmp_path / "store.json"))
    assert result.exit_code == 0
    assert "held tabs" not in result.stdout


@pytest.mark.skipif(os.name != "posix", reason="needs POSIX file names")
@pytest.mark.parametrize("name", ["pa\x1bge.md", "pa\rge.md", "pa\x85ge.md"],
                         ids=["escape", "carriage-return", "next-line"])
def test_a_page_whose_name_holds_control_characters_is_refused(
    runner: CliRunner, tmp_path: Path, name: str
) -> None:
    page = tmp_path / name
    page.write_text("## How do I sit?\n\nSit up straight.\n", encoding="utf-8")
    store = tmp_path / "store.json"
    for dry_run in (["--dry-run"], []):
        result = invoke(runner, "import", str(page), "--into", str(store), *dry_run)
        assert result.exit_code == 2
        assert "the file name holds control characters; rename the page" in result.stderr
    assert not store.exists()


def test_an_answer_of_bidi_controls_alone_is_no_answer(runner: CliRunner, tmp_path: Path) -> None:
    page = tmp_path / "bidi.md"
    page.write_text("## Why does it hurt?\n\n\u202e\u2066\n", encoding="utf-8")
    store = tmp_path / "store.json"
    result = invoke(runner, "import", str(page), "--into", str(store))
    assert result.exit_code == 2
    assert "no question with an answer found" in result.stderr
    assert not store.exists()


def test_a_question_of_bidi_controls_alone_is_dropped() -> None:
    page = Page(None, "markdown", (Pair("\u202e\u2066", "An answer."), Pair("Is it fine?", "Yes.")))
    tidied = tidy_page(page, "odd.md")
    assert tidied.pairs == (Pair("Is it fine?", "Yes."),)
    assert tidied.tidied == 1
    plan = plan_import(empty_document(), [("odd.md", tidied)])
    assert check_document(plan.document) == []
