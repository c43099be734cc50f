"""Batch mode, ``backfaq ask -``: one query per input line, one JSON line per query."""

from __future__ import annotations

import json
import select
import signal
import subprocess
import time

from click.testing import CliRunner
from processes import MODULE, assert_no_crash, environment

from backfaq.cli import cli


def lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines()]


def test_one_json_line_per_input_line(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["ask", "-", "-n", "1"],
                           input="chin tucks\n\nhow do I back up my laptop\nrhomboids")
    assert result.exit_code == 0, result.stderr
    answers = lines(result.stdout)
    assert [a["query"] for a in answers] == [
        "chin tucks", "", "how do I back up my laptop", "rhomboids"
    ]
    assert [len(a["results"]) for a in answers] == [1, 0, 0, 1]  # type: ignore[arg-type]
    assert result.stderr == ""


def test_batch_answers_match_single_queries(runner: CliRunner) -> None:
    queries = ["pain between shoulder blades", "sholder blade sqeeze", "thoracic spine"]
    batch = lines(runner.invoke(cli, ["ask", "-"], input="\n".join(queries) + "\n").stdout)
    for query, answer in zip(queries, batch):
        single = json.loads(runner.invoke(cli, ["ask", query, "--format", "json"]).stdout)
        assert answer == single


def test_options_apply_to_every_line(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["ask", "-", "-n", "2", "--topic", "exercises", "--explain"],
                           input="shoulder blade squeeze\nis walking good\n")
    for answer in lines(result.stdout):
        results = answer["results"]
        assert isinstance(results, list) and 1 <= len(results) <= 2
        assert all(r["topic"] == "exercises" and "explain" in r for r in results)


def test_windows_line_endings_and_bad_bytes_are_tolerated(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["ask", "-"], input=b"chin tucks\r\nneck \xff pain\r\n")
    assert result.exit_code == 0
    assert [a["query"] for a in lines(result.stdout)] == ["chin tucks", "neck \ufffd pain"]


def test_empty_input_writes_nothing(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["ask", "-"], input="")
    assert (result.exit_code, result.stdout) == (0, "")


def test_other_formats_are_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["ask", "-", "--format", "plain"], input="chin tucks\n")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: `ask -` writes one JSON object per line; use json or jsonl"
    )


def test_json_and_jsonl_formats_are_the_batch_lines(runner: CliRunner) -> None:
    plain = runner.invoke(cli, ["ask", "-"], input="chin tucks\n").stdout
    for fmt in ("json", "jsonl"):
        assert runner.invoke(cli, ["ask", "-", "--format", fmt], input="chin tucks\n").stdout \
            == plain


def test_a_dash_among_words_is_an_ordinary_query(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["ask", "-", "chin", "tucks", "--format", "json"])
    assert json.loads(result.stdout)["query"] == "- chin tucks"


def start() -> subprocess.Popen[bytes]:
    return subprocess.Popen([*MODULE, "ask", "-", "-n", "1"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment())


def answer_of(proc: subprocess.Popen[bytes]) -> dict[str, object]:
    """The next JSON line, failing (rather than hanging) if it never comes."""
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 30)
    assert ready, "no answer within 30 s: the line was not flushed"
    answer: dict[str, object] = json.loads(proc.stdout.readline())
    return answer


def test_each_answer_is_flushed_before_the_next_query() -> None:
    """As a co-process: write a query, read its answer, while stdin stays open."""
    with start() as proc:
        assert proc.stdin is not None and proc.stdout is not None
        for query in ("chin tucks", "rhomboids"):
            proc.stdin.write(query.encode() + b"\n")
            proc.stdin.flush()
            answer = answer_of(proc)
            assert answer["query"] == query and answer["results"]
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0
        assert proc.stdout.read() == b""


def test_ctrl_c_while_waiting_for_input_exits_130_quietly() -> None:
    with start() as proc:
        assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
        proc.stdin.write(b"chin tucks\n")
        proc.stdin.flush()
        assert answer_of(proc)["query"] == "chin tucks"
        time.sleep(0.1)  # back to waiting for the next line
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=60) == 130
        err = proc.stderr.read()
        assert_no_crash(err)
        assert err == b""
