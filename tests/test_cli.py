"""The command line through Click's runner: exit codes, output shapes, the JSON contract."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from backfaq import __version__
from backfaq.cli import cli
from backfaq.model import Entry, Store
from backfaq.store import load_store

DISCLAIMER = load_store().disclaimer  # the bundled store speaks for itself

FORMATS = ("rich", "plain", "json", "jsonl")
QUERY = "pain between shoulder blades"
MERGED_ID = "pain-between-shoulder-blades-meaning"
BOX_DRAWING = re.compile("[\u2500-\u257f]")
COMMANDS = {
    "ask": ["ask", QUERY],
    "topics": ["topics"],
    "list": ["list"],
    "show": ["show", MERGED_ID],
    "sources": ["sources"],
}
OFF_TOPIC = ["how do I back up my laptop", "shoulder of lamb recipe"]


def run(runner: CliRunner, *args: str, env: dict[str, str] | None = None) -> Result:
    return runner.invoke(cli, list(args), env=env)


def ask_json(runner: CliRunner, *args: str) -> dict[str, Any]:
    result = run(runner, "ask", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def source_json(store: Store, source_id: str) -> dict[str, str | None]:
    source = store.source(source_id)
    assert source is not None
    return {"id": source.id, "title": source.title, "file": source.file, "url": source.url}


def topic_counts(store: Store) -> dict[str, int]:
    return {t.id: sum(e.topic == t.id for e in store.entries) for t in store.topics}


def source_counts(store: Store) -> dict[str, int]:
    return {s.id: sum(s.id in e.sources for e in store.entries) for s in store.sources}


def merged_entry(store: Store) -> Entry:
    entry = store.entry(MERGED_ID)
    assert entry is not None
    assert len(entry.sources) == 2 and entry.also_asked, "pick another merged entry"
    return entry


def expected_plain_record(store: Store, entry: Entry) -> str:
    lines = [f"id: {entry.id}", f"question: {entry.question}"]
    lines += [f"also asked: {p}" for p in entry.also_asked]
    lines.append(f"topic: {entry.topic}")
    for source_id in entry.sources:
        source = store.source(source_id)
        assert source is not None
        lines.append(f"source: {source.title} ({source.file})")
    lines.append("answer:")
    lines += [f"  {line}" if line else "" for line in entry.answer.splitlines()]
    return "\n".join(lines) + "\n"


# --- every command in every format ---------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_in_every_format(
    runner: CliRunner, store: Store, command: str, fmt: str
) -> None:
    result = run(runner, *COMMANDS[command], "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    out = result.stdout
    assert out.endswith("\n")
    if fmt == "json":
        data = json.loads(out)
        if command == "ask":
            assert isinstance(data, dict)
            assert set(data) == {"query", "notice", "urgent", "results", "disclaimer"}
            assert data["query"] == QUERY and data["results"]
            assert data["notice"] is None and data["disclaimer"] == DISCLAIMER
        elif command == "show":
            assert isinstance(data, dict) and data["id"] == MERGED_ID
        else:
            assert isinstance(data, list) and data
            assert all(isinstance(row, dict) for row in data)
    elif fmt == "jsonl":
        rows = [json.loads(line) for line in out.splitlines()]
        assert all(isinstance(row, dict) for row in rows)
        expected = {
            "topics": len(store.topics),
            "list": len(store.entries),
            "sources": len(store.sources),
            "show": 1,
        }
        if command == "ask":
            assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
            assert rows and all(r["query"] == QUERY for r in rows)
        else:
            assert len(rows) == expected[command]
    elif fmt == "plain":
        assert "\x1b" not in out
        assert not BOX_DRAWING.search(out)
    else:  # rich draws panels and tables
        assert BOX_DRAWING.search(out)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_default_format_when_piped_is_plain(runner: CliRunner, command: str) -> None:
    default = run(runner, *COMMANDS[command])
    plain = run(runner, *COMMANDS[command], "--format", "plain")
    assert default.exit_code == plain.exit_code == 0
    assert default.stdout == plain.stdout


# --- the JSON contract ---------------------------------------------------------------


def test_ask_json_contract(runner: CliRunner, store: Store) -> None:
    data = ask_json(runner, QUERY)
    assert data["query"] == QUERY
    results = data["results"]
    assert 1 <= len(results) <= 3
    assert len({r["id"] for r in results}) == len(results)
    for result in results:
        assert {"id", "question", "answer", "topic", "source", "sources", "score"} <= set(result)
        entry = store.entry(result["id"])
        assert entry is not None
        assert result["question"] == entry.question
        assert result["also_asked"] == list(entry.also_asked)
        assert result["answer"] == entry.answer
        assert result["topic"] == entry.topic
        assert result["sources"] == [source_json(store, s) for s in entry.sources]
        assert result["source"] == result["sources"][0]
        assert isinstance(result["score"], (int, float)) and not isinstance(result["score"], bool)
        assert 0 <= result["score"] <= 100
        assert "explain" not in result
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True), "best first"


def test_ask_jsonl_is_the_json_results_with_rank(runner: CliRunner) -> None:
    results = ask_json(runner, QUERY)["results"]
    lines = run(runner, "ask", QUERY, "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line) for line in lines] == [
        {"query": QUERY, "rank": rank, "notice": None, "disclaimer": DISCLAIMER, **r}
        for rank, r in enumerate(results, 1)
    ]


def test_topics_json(runner: CliRunner, store: Store) -> None:
    counts = topic_counts(store)
    result = run(runner, "topics", "--format", "json")
    assert json.loads(result.stdout) == [
        {"id": t.id, "title": t.title, "description": t.description, "entries": counts[t.id]}
        for t in store.topics
    ]
    assert sum(counts.values()) == len(store.entries)


def test_list_json(runner: CliRunner, store: Store) -> None:
    result = run(runner, "list", "--format", "json")
    assert json.loads(result.stdout) == [
        {"id": e.id, "topic": e.topic, "question": e.question} for e in store.entries
    ]


def test_sources_json(runner: CliRunner, store: Store) -> None:
    counts = source_counts(store)
    result = run(runner, "sources", "--format", "json")
    assert json.loads(result.stdout) == [
        {**source_json(store, s.id), "entries": counts[s.id]} for s in store.sources
    ]


def test_show_json(runner: CliRunner, store: Store) -> None:
    entry = merged_entry(store)
    topic = store.topic(entry.topic)
    assert topic is not None
    sources = [source_json(store, s) for s in entry.sources]
    result = run(runner, "show", entry.id, "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "id": entry.id,
        "question": entry.question,
        "also_asked": list(entry.also_asked),
        "answer": entry.answer,
        "topic": entry.topic,
        "topic_title": topic.title,
        "source": sources[0],
        "sources": sources,
        "urgent": entry.urgent,
        "store": None,  # one store served
    }


# --- plain output --------------------------------------------------------------------


def test_list_plain_is_one_tab_separated_line_per_entry(runner: CliRunner, store: Store) -> None:
    result = run(runner, "list", "--format", "plain")
    assert result.stdout == "".join(f"{e.id}\t{e.topic}\t{e.question}\n" for e in store.entries)


def test_list_plain_topic(runner: CliRunner, store: Store) -> None:
    result = run(runner, "list", "--topic", "relief", "--format", "plain")
    relief = [e for e in store.entries if e.topic == "relief"]
    assert relief
    assert result.stdout == "".join(f"{e.id}\trelief\t{e.question}\n" for e in relief)


def test_topics_plain_lines_begin_with_id_and_count(runner: CliRunner, store: Store) -> None:
    counts = topic_counts(store)
    lines = run(runner, "topics", "--format", "plain").stdout.splitlines()
    assert [line.split("\t")[:2] for line in lines] == [
        [t.id, str(counts[t.id])] for t in store.topics
    ]
    assert lines == [f"{t.id}\t{counts[t.id]}\t{t.title}\t{t.description}" for t in store.topics]


def test_sources_plain(runner: CliRunner, store: Store) -> None:
    counts = source_counts(store)
    result = run(runner, "sources", "--format", "plain")
    assert result.stdout == "".join(
        f"{s.id}\t{counts[s.id]}\t{s.file}\t{s.title}\n" for s in store.sources
    )


def test_show_plain_is_the_whole_record(runner: CliRunner, store: Store) -> None:
    entry = merged_entry(store)
    result = run(runner, "show", entry.id, "--format", "plain")
    assert result.exit_code == 0
    assert result.stdout == expected_plain_record(store, entry)


def test_show_rich_has_every_phrasing_and_source(runner: CliRunner, store: Store) -> None:
    entry = merged_entry(store)
    result = run(runner, "show", entry.id, "--format", "rich")
    assert result.exit_code == 0
    out = result.stdout
    assert entry.question in out
    for phrasing in entry.also_asked:
        assert phrasing in out
    for source_id in entry.sources:
        source = store.source(source_id)
        assert source is not None
        assert source.file in out


def test_ask_plain_record(runner: CliRunner, store: Store) -> None:
    result = run(runner, "ask", QUERY, "-n", "1", "--format", "plain")
    assert result.exit_code == 0
    match = re.fullmatch(r"rank: 1\nscore: (\d{1,3}\.\d)\nid: ([a-z0-9-]+)\n.*", result.stdout,
                         re.DOTALL)
    assert match, result.stdout
    assert 0 <= float(match[1]) <= 100
    entry = store.entry(match[2])
    assert entry is not None
    assert result.stdout == (
        f"rank: 1\nscore: {match[1]}\n" + expected_plain_record(store, entry)
        + f"\ndisclaimer: {DISCLAIMER}\n"
    )


# --- ask -----------------------------------------------------------------------------


def test_ask_unquoted_words_find_pain_between_shoulder_blades(
    runner: CliRunner, store: Store
) -> None:
    data = ask_json(runner, "pain", "between", "shoulder", "blades")
    assert data["query"] == QUERY
    top = data["results"][0]
    entry = store.entry(top["id"])
    assert entry is not None
    assert any("between shoulder blades" in p.lower() for p in entry.phrasings), entry.phrasings
    assert top["answer"] == entry.answer


def test_ask_limit_one(runner: CliRunner) -> None:
    assert len(ask_json(runner, QUERY, "-n", "1")["results"]) == 1
    assert len(ask_json(runner, QUERY, "--limit", "1")["results"]) == 1


@pytest.mark.parametrize("value", ["0", "-1", "x", "1.5", ""])
def test_ask_bad_limit_is_a_usage_error(runner: CliRunner, value: str) -> None:
    result = run(runner, "ask", QUERY, "--limit", value)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--limit" in result.stderr


def test_ask_topic_filters_results(runner: CliRunner) -> None:
    results = ask_json(runner, "upper back pain", "--topic", "exercises")["results"]
    assert results
    assert {r["topic"] for r in results} == {"exercises"}


@pytest.mark.parametrize("command", [["ask", QUERY], ["list"]])
def test_unknown_topic_is_a_usage_error_listing_topics(
    runner: CliRunner, store: Store, command: list[str]
) -> None:
    result = run(runner, *command, "--topic", "nosuch")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "unknown topic 'nosuch'" in result.stderr
    assert "choose one of: " + ", ".join(t.id for t in store.topics) in result.stderr


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_unknown_format_is_a_usage_error(runner: CliRunner, command: str) -> None:
    result = run(runner, *COMMANDS[command], "--format", "xml")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "'xml'" in result.stderr


@pytest.mark.parametrize("query", OFF_TOPIC)
def test_off_topic_plain(runner: CliRunner, store: Store, query: str) -> None:
    result = run(runner, "ask", query, "--format", "plain")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"No good answer for {query!r}.\n")
    for topic in store.topics:
        assert topic.id in result.stderr


@pytest.mark.parametrize("query", OFF_TOPIC)
def test_off_topic_json(runner: CliRunner, query: str) -> None:
    result = run(runner, "ask", query, "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == {
        "query": query, "notice": None, "urgent": [], "results": [], "disclaimer": DISCLAIMER
    }
    assert "No good answer" in result.stderr


@pytest.mark.parametrize("query", OFF_TOPIC)
def test_off_topic_jsonl_writes_no_lines(runner: CliRunner, query: str) -> None:
    result = run(runner, "ask", query, "--format", "jsonl")
    assert result.exit_code == 1
    assert result.stdout == ""


@pytest.mark.parametrize("words", [[""], ["   "], [" ", "\t"], ["\n"]])
def test_empty_query_is_a_usage_error(runner: CliRunner, words: list[str]) -> None:
    result = run(runner, "ask", *words)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "the query is empty" in result.stderr


def test_missing_query_is_a_usage_error(runner: CliRunner) -> None:
    result = run(runner, "ask")
    assert result.exit_code == 2
    assert "Missing argument" in result.stderr


def test_explain_adds_fields_and_terms(runner: CliRunner) -> None:
    results = ask_json(runner, QUERY, "--explain")["results"]
    assert results
    for result in results:
        explain = result["explain"]
        assert isinstance(explain, dict)
        assert {"fields", "terms"} <= set(explain)
        assert {"question", "answer", "phrase"} <= set(explain["fields"])
        assert isinstance(explain["terms"], list) and explain["terms"]
        for term in explain["terms"]:
            assert {"query", "corrected", "matched", "synonym", "related", "weight",
                    "strength"} <= set(term)


def test_explain_in_plain(runner: CliRunner) -> None:
    plain = run(runner, "ask", QUERY, "--format", "plain", "--explain").stdout
    without = run(runner, "ask", QUERY, "--format", "plain").stdout
    assert "why: question " in plain
    assert plain.count("why: question ") == plain.count("\nrank: ") + 1
    assert "why:" not in without


# --- show ----------------------------------------------------------------------------


def test_show_unknown_id_suggests_closest(runner: CliRunner, store: Store) -> None:
    real = "scapulothoracic-bursitis"
    assert store.entry(real) is not None
    near = real[:-2] + "u" + real[-1]  # one letter changed
    assert store.entry(near) is None
    result = run(runner, "show", near)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"no entry with id {near!r}" in result.stderr
    closest = result.stderr.split("closest ids:", 1)[1].strip().split(", ")
    assert closest[0] == real


def test_show_nosuch(runner: CliRunner) -> None:
    result = run(runner, "show", "nosuch")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "no entry with id 'nosuch'" in result.stderr


# --- version and help ----------------------------------------------------------------


def test_version(runner: CliRunner) -> None:
    result = run(runner, "--version")
    assert result.exit_code == 0
    assert result.stdout == f"backfaq, version {__version__}\n"


EVERY_COMMAND = sorted(cli.list_commands(click.Context(cli)))  # `import` too, loaded when run


@pytest.mark.parametrize("command", [[], *([name] for name in EVERY_COMMAND)])
def test_short_help_is_help(runner: CliRunner, command: list[str]) -> None:
    short = run(runner, *command, "-h")
    long = run(runner, *command, "--help")
    assert short.exit_code == long.exit_code == 0
    assert short.stdout == long.stdout
    assert short.stdout.startswith("Usage: ")


@pytest.mark.parametrize("name", sorted(cli.list_commands(click.Context(cli))))
def test_every_command_has_help_with_an_example(runner: CliRunner, name: str) -> None:
    result = run(runner, name, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout
    assert "backfaq " + name in result.stdout
    # Every example is one command line: an escape in a docstring ("\\n"
    # written as "\n") would split it across lines.
    examples = result.stdout.split("Example", 1)[1].split("Options:", 1)[0]
    for line in examples.strip().splitlines()[1:]:
        assert "backfaq " in line, line


def test_group_help_lists_every_command(runner: CliRunner) -> None:
    out = run(runner, "--help").stdout
    assert "Example" in out
    for name in cli.list_commands(click.Context(cli)):
        assert name in out


# --- other stores --------------------------------------------------------------------

TINY_ENTRIES = [
    ("bonsai", "How do I water a bonsai tree?", "Water it when the soil feels dry."),
    ("fern", "Where should a fern grow?", "Ferns like shade and damp air."),
    ("cactus", "How often should I repot a cactus?", "Repot a cactus every few years."),
]


def write_store(path: Path, prefix: str = "") -> Path:
    doc = {
        "version": 1,
        "topics": [{"id": "plants", "title": "Plants", "description": "Looking after plants."}],
        "sources": [{"id": "notes", "title": "Garden notes", "file": "notes.txt"}],
        "entries": [
            {"id": prefix + ident, "question": q, "answer": a, "topic": "plants",
             "sources": ["notes"]}
            for ident, q, a in TINY_ENTRIES
        ],
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def listed_ids(result: Result) -> list[str]:
    assert result.exit_code == 0, result.stderr
    return [row["id"] for row in json.loads(result.stdout)]


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    return write_store(tmp_path / "tiny.json")


def test_data_option_serves_another_store(runner: CliRunner, tiny: Path) -> None:
    assert listed_ids(run(runner, "--data", str(tiny), "list", "--format", "json")) == [
        "bonsai", "fern", "cactus"
    ]
    result = run(runner, "--data", str(tiny), "ask", "repot", "a", "cactus", "--format", "json")
    assert result.exit_code == 0, result.stderr
    top = json.loads(result.stdout)["results"][0]
    assert top["id"] == "cactus"
    assert top["answer"] == "Repot a cactus every few years."
    assert top["source"] == {"id": "notes", "title": "Garden notes", "file": "notes.txt",
                             "url": None}


def test_data_env_var_serves_another_store(runner: CliRunner, tiny: Path) -> None:
    result = run(runner, "topics", "--format", "json", env={"BACKFAQ_DATA": str(tiny)})
    assert json.loads(result.stdout) == [
        {"id": "plants", "title": "Plants", "description": "Looking after plants.", "entries": 3}
    ]


def test_data_option_wins_over_env_var(runner: CliRunner, tiny: Path, tmp_path: Path) -> None:
    other = write_store(tmp_path / "other.json", prefix="other-")
    result = run(runner, "--data", str(tiny), "list", "--format", "json",
                 env={"BACKFAQ_DATA": str(other)})
    assert listed_ids(result) == ["bonsai", "fern", "cactus"]
    # A broken store named by the variable is never read when the option is given.
    result = run(runner, "--data", str(tiny), "list", "--format", "json",
                 env={"BACKFAQ_DATA": str(tmp_path / "missing.json")})
    assert listed_ids(result) == ["bonsai", "fern", "cactus"]


BROKEN = {
    "invalid JSON": ("{not json", "invalid JSON at line 1"),
    "empty file": ("", "empty file"),
    "not a store": ('{"version": 1}', "topics: missing"),
    "wrong version": (None, "unsupported version 2"),
    "missing file": (None, "no such file"),
}


def broken_store(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / "broken-store.json"
    if kind == "missing file":
        return path
    if kind == "wrong version":
        write_store(path)
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc["version"] = 2
        path.write_text(json.dumps(doc), encoding="utf-8")
        return path
    path.write_text(BROKEN[kind][0] or "", encoding="utf-8")
    return path


@pytest.mark.parametrize("via", ["option", "env"])
@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_broken_store_is_a_data_error(
    runner: CliRunner, tmp_path: Path, kind: str, via: str
) -> None:
    path = broken_store(tmp_path, kind)
    if via == "option":
        result = run(runner, "--data", str(path), "list")
    else:
        result = run(runner, "list", env={"BACKFAQ_DATA": str(path)})
    assert result.exit_code == 2
    assert isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    assert str(path) in result.stderr
    assert BROKEN[kind][1] in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_refuses_a_broken_store(
    runner: CliRunner, tmp_path: Path, command: str
) -> None:
    path = broken_store(tmp_path, "invalid JSON")
    result = run(runner, "--data", str(path), *COMMANDS[command], "--format", "json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert path.name in result.stderr


def test_no_command_prints_help_and_succeeds(runner: CliRunner) -> None:
    result = runner.invoke(cli, [])
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: backfaq")
    assert "ask" in result.stdout


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [("SCAPULOTHORACIC-BURSITIS", "scapulothoracic-bursitis"),
     ("overhead-arm-rech", "overhead-arm-reach")],
)
def test_show_suggests_ids_whatever_the_case(runner: CliRunner, typed: str, suggested: str) -> None:
    result = runner.invoke(cli, ["show", typed])
    assert result.exit_code == 1
    assert f"closest ids: {suggested}" in result.stderr


# --- disclaimer, quiet, no answer -------------------------------------------------------


@pytest.mark.parametrize("fmt", ["rich", "plain"])
def test_answers_end_with_the_disclaimer(runner: CliRunner, fmt: str) -> None:
    out = run(runner, "ask", QUERY, "--format", fmt).stdout
    last = " ".join(out.split("\n\n")[-1].split())
    assert last.endswith(DISCLAIMER)


@pytest.mark.parametrize("fmt", ["rich", "plain"])
def test_quiet_drops_the_disclaimer(runner: CliRunner, fmt: str) -> None:
    out = run(runner, "ask", QUERY, "--format", fmt, "--quiet").stdout
    assert out
    assert "medical advice" not in out


def test_quiet_rich_draws_no_boxes(runner: CliRunner) -> None:
    out = run(runner, "ask", QUERY, "--format", "rich", "-q").stdout
    assert not BOX_DRAWING.search(out)


def test_quiet_plain_is_the_records(runner: CliRunner) -> None:
    quiet = run(runner, "ask", QUERY, "--format", "plain", "-q").stdout
    full = run(runner, "ask", QUERY, "--format", "plain").stdout
    assert full == quiet + f"\ndisclaimer: {DISCLAIMER}\n"


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_quiet_changes_no_json(runner: CliRunner, fmt: str) -> None:
    quiet = run(runner, "ask", QUERY, "--format", fmt, "-q").stdout
    assert quiet == run(runner, "ask", QUERY, "--format", fmt).stdout


def test_no_answer_suggests_questions_and_topics(runner: CliRunner, store: Store) -> None:
    result = run(runner, "ask", OFF_TOPIC[0])
    lines = result.stderr.splitlines()
    assert lines[1] == "Closest questions:"
    suggested = [line for line in lines if line.startswith("  ")]
    assert suggested
    for line in suggested:
        entry_id = line.rsplit("(backfaq show ", 1)[1].rstrip(")")
        entry = store.entry(entry_id)
        assert entry is not None and line == f"  {entry.question} (backfaq show {entry.id})"
    assert "`backfaq topics`" in lines[-1]


def test_no_answer_in_a_topic_names_the_topic_that_has_one(runner: CliRunner) -> None:
    result = run(runner, "ask", "chin tucks", "--topic", "causes", "--format", "plain")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0] == "No good answer for 'chin tucks' in topic 'causes'."
    assert lines[1].startswith("Topic 'posture' has one: ")


def test_the_readme_shows_why_a_query_was_rejected_as_it_is(runner: CliRunner) -> None:
    """The README's --explain example of a rejection: its `why:` lines, as printed."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split('$ backfaq ask "how do I descale my kettle" --explain\n', 1)[1]
    shown = block.split("Closest questions:", 1)[0]
    result = run(runner, "ask", "how do I descale my kettle", "--explain")
    assert result.exit_code == 1
    assert result.stderr.split("Closest questions:", 1)[0] == shown


def test_dash_capital_v_is_the_version(runner: CliRunner) -> None:
    for flag in ("-V", "--version"):
        result = run(runner, flag)
        assert result.exit_code == 0 and result.stdout == f"backfaq, version {__version__}\n"


@pytest.mark.parametrize("named", ["Relief", "RELIEF", "relief and self-care",
                                   "Relief and Self-Care"])
def test_topic_is_matched_by_id_or_title_whatever_the_case(
    runner: CliRunner, named: str
) -> None:
    listed = run(runner, "list", "--topic", named, "--format", "json")
    assert listed.exit_code == 0, listed.stderr
    assert {row["topic"] for row in json.loads(listed.stdout)} == {"relief"}
    asked = run(runner, "ask", "stretches", "--topic", named, "--format", "json")
    assert asked.exit_code == 0, asked.stderr
    assert {r["topic"] for r in json.loads(asked.stdout)["results"]} == {"relief"}


def _shell_lines(text: str) -> set[str]:
    """Command lines as a reader would type them: a console's ``$ `` and a
    trailing ``# comment`` left out, spaces between words made one."""
    out = set()
    for line in text.splitlines():
        line = re.sub(r"\s{2,}#.*$", "", line.strip()).removeprefix("$ ")
        if line:
            out.add(" ".join(line.split()))
    return out


def test_every_help_example_is_printed_as_written_and_is_in_the_readme(
    runner: CliRunner,
) -> None:
    """What `--help` shows under Examples is one command a line, exactly as the
    docstring has it, and the README shows the same command."""
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    blocks = "\n".join(re.findall(r"^```[a-z]*\n(.*?)^```$", readme, flags=re.M | re.S))
    spans = "\n".join(re.findall(r"`([^`\n]+)`", readme))
    known = _shell_lines(blocks) | _shell_lines(spans)
    commands = [[], *([name] for name in cli.list_commands(click.Context(cli)))]
    for command in commands:
        shown = run(runner, *command, "--help").stdout
        examples = re.search(r"^  Examples?:\n((?:    .*\n)+)", shown, flags=re.M)
        assert examples, command
        for line in _shell_lines(examples.group(1)):
            assert line.startswith(("backfaq", "eval", "printf")), (command, line)
            assert line in known, (command, line)
