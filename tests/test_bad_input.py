"""Whatever a person or a script types, backfaq answers with an exit code and a clear
message: no traceback, no raw control characters echoed back, no hang.

Exit codes: 0 answered, 1 nothing found, 2 usage or data error.
"""

from __future__ import annotations

import json
import os
import unicodedata
from typing import Any

import pytest
from click.testing import CliRunner, Result
from processes import (
    assert_no_crash,
    console_script,
    environment,
    final_error_line,
    one_error_line,
    run,
)

from backfaq.cli import cli
from backfaq.model import Store

QUERY = "shoulder blade"
LONG_QUERY = ("upper back " + "x" * 99_989)  # 100 kB, one argv element
assert len(LONG_QUERY) == 100_000


def invoke(runner: CliRunner, *args: str) -> Result:
    result = runner.invoke(cli, list(args))
    # Anything but a deliberate exit is an exception the user would see as a traceback.
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception
    )
    assert_no_crash(result.stderr)
    return result


BIDI_CONTROLS = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def is_unsafe(ch: str) -> bool:
    """A character a terminal may act on: C0/C1 controls, DEL, line separators and the
    bidirectional controls that reorder what is displayed."""
    return ch not in "\n\t" and (
        unicodedata.category(ch) in ("Cc", "Zl", "Zp") or ch in BIDI_CONTROLS
    )


def unsafe_chars(text: str) -> set[str]:
    return {ch for ch in text if is_unsafe(ch)}


# --- empty and huge queries ----------------------------------------------------------


@pytest.mark.parametrize(
    "words",
    [[""], ["   "], ["\t\n"], ["", ""], ["\u00a0"], ["\u3000", "\u2003"],
     ["\u200b\u200b"], ["\u200e", "\ufeff"], ["\u0301\u0308\u0301"]],
    ids=["empty", "spaces", "tab-newline", "two-empty", "nbsp", "unicode-spaces",
         "zero-width-spaces", "marks-alone", "only-combining-marks"],
)
def test_blank_query_is_a_usage_error(runner: CliRunner, words: list[str]) -> None:
    result = invoke(runner, "ask", *words)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "the query is empty" in final_error_line(result.stderr)


def test_blank_query_real_process() -> None:
    proc = run("ask", "  ")
    assert proc.returncode == 2
    assert proc.stdout == b""
    assert "the query is empty" in final_error_line(proc.stderr)


@pytest.mark.parametrize("fmt", ["plain", "json"])
def test_100kb_query_returns(fmt: str) -> None:
    proc = run("ask", LONG_QUERY, "--format", fmt)
    assert proc.returncode in (0, 1)
    assert_no_crash(proc.stderr)
    if proc.returncode == 1:
        first = proc.stderr.decode("utf-8").splitlines()[0]
        assert first.startswith("No good answer for ")
        assert len(first) < 300, "the echoed query is cut, not 100 kB of stderr"
    if fmt == "json":
        assert json.loads(proc.stdout)["query"] == LONG_QUERY


@pytest.mark.parametrize("words", [["a" * 100_000], ["pain "] * 20_000, ["1" * 100_000]],
                         ids=["one-word", "many-words", "digits"])
def test_huge_queries_in_process(runner: CliRunner, words: list[str]) -> None:
    result = invoke(runner, "ask", *words, "--format", "json")
    assert result.exit_code in (0, 1)
    assert json.loads(result.stdout)["query"] == " ".join(words)


# --- control characters and terminal escapes -----------------------------------------

CONTROL_QUERIES = {
    "csi-colour": "\x1b[31mred\x1b[0m",
    "bell": "ring \x07 ring",
    "osc-title": "\x1b]0;owned\x07",
    "c1-csi": "\x9b31mred",
    "carriage-return": "fake\rline",
    "backspace": "ab\x08\x08cd",
    "nul": "nul\x00byte",
    "delete": "del\x7fete",
    "bidi-override": "\u202eevil",
    "line-separator": "zorp\u2028blick",
    "newline": "first\nsecond",
}


@pytest.mark.parametrize("query", CONTROL_QUERIES.values(), ids=CONTROL_QUERIES.keys())
def test_no_answer_message_escapes_control_characters(runner: CliRunner, query: str) -> None:
    result = invoke(runner, "ask", query, "--format", "plain")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert not unsafe_chars(result.stderr), repr(result.stderr)
    first, *_ = result.stderr.splitlines()
    assert first.startswith("No good answer for ")
    # The query is shown escaped on the message's first line, not acted upon.
    assert "\\x" in first or "\\u" in first or "\\r" in first or "\\n" in first, first


@pytest.mark.parametrize("fmt", ["json", "jsonl", "plain", "rich"])
@pytest.mark.parametrize("query", CONTROL_QUERIES.values(), ids=CONTROL_QUERIES.keys())
def test_control_characters_never_reach_stdout(
    runner: CliRunner, query: str, fmt: str
) -> None:
    # With the answer's words added the query may be answered: then the results and
    # (for JSON) the echoed query are on stdout; either way nothing raw.
    result = invoke(runner, "ask", query, "pain between shoulder blades", "--format", fmt)
    assert result.exit_code in (0, 1)
    assert not unsafe_chars(result.stdout), repr(result.stdout[:300])
    assert not unsafe_chars(result.stderr), repr(result.stderr[:300])
    if fmt == "json":
        assert json.loads(result.stdout)["query"] == f"{query} pain between shoulder blades"


def test_escape_sequences_real_process() -> None:
    proc = run("ask", "\x1b[31mred\x1b[0m \x07", "--format", "json")
    assert proc.returncode == 1
    assert b"\x1b" not in proc.stdout + proc.stderr
    assert b"\x07" not in proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["query"] == "\x1b[31mred\x1b[0m \x07"
    assert json.loads(proc.stdout)["results"] == []
    assert proc.stderr.startswith(b"No good answer for ")


@pytest.mark.parametrize(
    "args",
    [["ask", QUERY, "--topic", "\x1b[31mx"], ["list", "--topic", "\x07"],
     ["show", "\x1b]0;owned\x07"], ["ask", QUERY, "--format", "\x1b[2J"]],
    ids=["ask-topic", "list-topic", "show-id", "format"],
)
def test_escapes_in_option_values_are_not_echoed(runner: CliRunner, args: list[str]) -> None:
    result = invoke(runner, *args)
    assert result.exit_code in (1, 2)
    assert result.stdout == ""
    assert not unsafe_chars(result.stderr), repr(result.stderr)


# --- invalid UTF-8 in argv (real processes: Python decodes with surrogateescape) ----

BAD_BYTES: dict[str, tuple[list[Any], set[int]]] = {
    "query-only-invalid": (["ask", b"\xff\xfe"], {1}),
    "query-with-invalid-byte": (["ask", b"shoulder blade \xff"], {0, 1}),
    "query-latin-1": (["ask", b"caf\xe9 douleur \xe9paule"], {1}),
    "query-truncated-utf8": (["ask", b"pain \xe2\x80"], {0, 1}),
    "query-json": (["ask", b"\xff\xfe", "--format", "json"], {1}),
    "query-rich": (["ask", b"shoulder \xff blade", "--format", "rich"], {0, 1}),
    "topic": (["ask", "pain", "--topic", b"\xff"], {2}),
    "limit": (["ask", "pain", "--limit", b"\xff"], {2}),
    "format": (["ask", "pain", "--format", b"\xff"], {2}),
    "show-id": (["show", b"\xff\xfe"], {1}),
    "command": ([b"\xff"], {2}),
    "option": (["ask", "pain", b"--\xff"], {2}),
    "data-path": (["--data", b"/nonexistent-dir/\xff.json", "list"], {2}),
    "validate-path": (["validate", b"/nonexistent-dir/\xff.json"], {1}),
}


def check_bad_bytes(proc: Any, codes: set[int]) -> None:
    assert proc.returncode in codes, proc.stderr
    assert_no_crash(proc.stderr)
    # What backfaq writes is text in the output encoding, never the raw bad bytes.
    proc.stdout.decode("utf-8")
    proc.stderr.decode("utf-8")
    assert not unsafe_chars(proc.stderr.decode("utf-8"))


@pytest.mark.parametrize("case", sorted(BAD_BYTES))
def test_invalid_utf8_argv(case: str) -> None:
    args, codes = BAD_BYTES[case]
    proc = run(*args)
    check_bad_bytes(proc, codes)
    if case == "query-json":
        assert json.loads(proc.stdout)["results"] == []


@pytest.mark.parametrize("case", ["query-only-invalid", "show-id", "data-path"])
def test_invalid_utf8_argv_in_c_locale(case: str) -> None:
    args, codes = BAD_BYTES[case]
    proc = run(*args, env=environment(LC_ALL="C", LANG="C"))
    check_bad_bytes(proc, codes)


def test_invalid_utf8_argv_console_script() -> None:
    script = console_script()
    if script is None:
        pytest.skip("the backfaq console script is not installed")
    for case in ("query-only-invalid", "topic", "show-id"):
        args, codes = BAD_BYTES[case]
        check_bad_bytes(run(*args, program=script), codes)


# --- Unicode that is valid but unusual -----------------------------------------------

UNICODE_QUERIES = {
    "emoji": "\U0001f600\U0001f915",
    "emoji-with-words": "\U0001f915 pain between shoulder blades",
    "arabic": "\u0623\u0644\u0645 \u0628\u064a\u0646 "
              "\u0644\u0648\u062d\u064a \u0627\u0644\u0643\u062a\u0641",
    "hebrew": "\u05db\u05d0\u05d1 \u05d2\u05d1 \u05e2\u05dc\u05d9\u05d5\u05df",
    "rtl-mark": "\u200fshoulder blade",
    "combining-accent": "shoulder bla\u0301de",
    "zero-width-space": "shoulder\u200bblade",
    "zero-width-joiner": "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "bom": "\ufeffshoulder blade",
    "fullwidth": "\uff53\uff48\uff4f\uff55\uff4c\uff44\uff45\uff52 \uff42\uff4c\uff41\uff44\uff45",
    "cjk": "\u80a9\u80db\u9aa8\u75bc\u75db",
    "ligature": "\ufb01nd pain",
    "dotted-capital-i": "\u0130 \u0131 stretch",
    "sharp-s": "STRASSE \u00df back",
    "math-bold": "\U0001d42c\U0001d421\U0001d428\U0001d42e\U0001d425\U0001d41d\U0001d41e\U0001d42b",
    "private-use": "\ue000\uf8ff",
    "noncharacter": "\uffff\ufffe pain",
}


@pytest.mark.parametrize("query", UNICODE_QUERIES.values(), ids=UNICODE_QUERIES.keys())
def test_unusual_unicode_queries(runner: CliRunner, query: str) -> None:
    result = invoke(runner, "ask", query, "--format", "json")
    assert result.exit_code in (0, 1)
    data = json.loads(result.stdout)
    assert data["query"] == query
    if result.exit_code == 0:
        assert data["results"] and result.stderr == ""
    else:
        assert data["results"] == []
        assert result.stderr.startswith("No good answer for ")


@pytest.mark.parametrize("name", ["emoji-with-words", "arabic", "combining-accent",
                                  "zero-width-space", "zero-width-joiner"])
@pytest.mark.parametrize("fmt", ["plain", "rich", "jsonl"])
def test_unusual_unicode_real_process(name: str, fmt: str) -> None:
    proc = run("ask", UNICODE_QUERIES[name], "--format", fmt)
    assert proc.returncode in (0, 1)
    assert_no_crash(proc.stderr)
    proc.stdout.decode("utf-8")


# --- options -------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "-1", "x", "", "1.5", "1e3", "--", "3x"])
def test_bad_limit_is_a_usage_error(runner: CliRunner, value: str) -> None:
    result = invoke(runner, "ask", QUERY, "--limit", value)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "limit" in final_error_line(result.stderr).lower()


def test_missing_limit_value_is_a_usage_error(runner: CliRunner) -> None:
    result = invoke(runner, "ask", QUERY, "-n")
    assert result.exit_code == 2
    assert "-n" in final_error_line(result.stderr)


def test_huge_limit_lists_at_most_every_entry(runner: CliRunner, store: Store) -> None:
    result = invoke(runner, "ask", QUERY, "-n", "9" * 30, "--format", "jsonl")
    assert result.exit_code == 0
    assert 1 <= len(result.stdout.splitlines()) <= len(store.entries)


@pytest.mark.parametrize("fmt", ["xml", "", "JSON", "plain ", "rich,plain"])
@pytest.mark.parametrize("command", [["ask", QUERY], ["list"], ["topics"], ["sources"],
                                     ["validate"]])
def test_unknown_format_is_a_usage_error(
    runner: CliRunner, command: list[str], fmt: str
) -> None:
    result = invoke(runner, *command, "--format", fmt)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "--format" in final_error_line(result.stderr)


@pytest.mark.parametrize("args", [
    ["--data", "", "ask", QUERY],
    ["ask", "--data", "", QUERY],
    ["--data", "", "--data", "bundled", "list"],
    ["--data", "", "config"],
])
def test_an_empty_store_path_is_a_usage_error_not_the_bundled_faq(
    runner: CliRunner, args: list[str]
) -> None:
    """``--data "$STORE"`` with the variable unset must not be answered from
    the bundled FAQ."""
    result = invoke(runner, *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert final_error_line(result.stderr) == (
        "Error: Invalid value for '--data': an empty path (is a variable unset?)")


def test_an_empty_part_of_backfaq_data_is_skipped(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["ask", QUERY, "--format", "json"],
                           env={"BACKFAQ_DATA": os.pathsep + "bundled" + os.pathsep})
    assert result.exit_code == 0 and json.loads(result.stdout)["results"]


@pytest.mark.parametrize("topic", ["nosuch", "", "reliefs", "relief,causes",
                                   "x" * 10_000])
@pytest.mark.parametrize("command", [["ask", QUERY], ["list"]])
def test_unknown_topic_is_a_usage_error(
    runner: CliRunner, store: Store, command: list[str], topic: str
) -> None:
    result = invoke(runner, *command, "--topic", topic)
    assert result.exit_code == 2
    assert result.stdout == ""
    line = final_error_line(result.stderr)
    assert "unknown topic" in line
    assert "choose one of: " + ", ".join(t.id for t in store.topics) in line
    assert len(line) < 1000


@pytest.mark.parametrize("entry_id", ["nosuch", "", " ", "../../etc/passwd", "Scapula",
                                      "x" * 100_000, "\U0001f915"])
def test_unknown_id_for_show_exits_1(runner: CliRunner, entry_id: str) -> None:
    result = invoke(runner, "show", entry_id)
    assert result.exit_code == 1
    assert result.stdout == ""
    line = one_error_line(result.stderr)
    assert line.startswith("Error: no entry with id ")
    assert len(line) < 1000


def test_unknown_id_real_process() -> None:
    proc = run("show", "no-such-entry", "--format", "json")
    assert proc.returncode == 1
    assert proc.stdout == b""
    assert one_error_line(proc.stderr).startswith("Error: no entry with id 'no-such-entry'")


@pytest.mark.parametrize(
    "args",
    [["nosuch"], ["ask"], ["ask", QUERY, "--nosuch"], ["show"], ["show", "a", "b"],
     ["--data"], ["list", "extra"], ["topics", "--topic", "relief"], ["-x"]],
    ids=["command", "no-query", "option", "no-id", "two-ids", "data-no-value", "list-arg",
         "topics-topic", "short-option"],
)
def test_usage_errors_exit_2(runner: CliRunner, args: list[str]) -> None:
    result = invoke(runner, *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    final_error_line(result.stderr)


def test_usage_error_real_process() -> None:
    proc = run("ask", QUERY, "--limit", "0")
    assert proc.returncode == 2
    assert proc.stdout == b""
    assert "--limit" in final_error_line(proc.stderr)


def test_query_starting_with_a_dash(runner: CliRunner) -> None:
    # A leading "-" reads as an option (a usage error); "--" makes the rest a query.
    result = invoke(runner, "ask", "-5", "degrees")
    assert result.exit_code == 2
    assert "-5" in final_error_line(result.stderr)
    result = invoke(runner, "ask", "--format", "json", "--", "-5 degrees", "--limit")
    assert result.exit_code in (0, 1)
    assert json.loads(result.stdout)["query"] == "-5 degrees --limit"
