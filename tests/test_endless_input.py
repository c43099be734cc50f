"""Input without end: an endless line on `ask -`, a query of many thousand
words, a store larger than the memory a process may use. What a query may
cost is bounded, and running out of memory is one line, exit 2.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from processes import MODULE, assert_no_crash, environment, one_error_line, run

from backfaq.analyzer import MAX_QUERY_WORDS, Query
from backfaq.batch import MAX_LINE_BYTES
from backfaq.limits import CHECK_MEMORY_FROM

needs_limits = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="needs Linux address-space limits"
)
GIB = 2**30


def _limit_memory(size: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (size, size))


def batch(lines: bytes) -> list[dict[str, object]]:
    proc = subprocess.run([*MODULE, "ask", "-", "-n", "1"], input=lines, capture_output=True,
                          env=environment(), timeout=120)
    assert proc.returncode == 0, proc.stderr[-500:]
    assert_no_crash(proc.stderr)
    return [json.loads(line) for line in proc.stdout.splitlines()]


# --- an endless line -----------------------------------------------------------


@needs_limits
def test_dev_zero_on_stdin_is_answered_with_an_error_object_in_bounded_memory() -> None:
    with open("/dev/zero", "rb") as zero, subprocess.Popen(
        [*MODULE, "ask", "-"], stdin=zero, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        env=environment(), preexec_fn=lambda: _limit_memory(GIB),
    ) as proc:
        try:
            assert proc.stdout is not None
            ready, _, _ = select.select([proc.stdout], [], [], 60)
            assert ready, "no answer to an endless line"
            first = json.loads(proc.stdout.readline())
            assert first["query"] == "\u0000" * 200
            assert "longer than 65,536 bytes" in first["error"]
            assert first["results"] == []
            # Still reading the endless line, a piece at a time, under a 1 GiB
            # limit that holding it whole would have hit within two seconds.
            time.sleep(3)
            assert proc.poll() is None
        finally:
            proc.kill()


def test_an_over_long_line_gets_one_error_object_and_the_next_lines_their_answers() -> None:
    long_line = b"chin tucks " * (MAX_LINE_BYTES // 11 + 10)
    objects = batch(b"rhomboids\n" + long_line + b"\nchin tucks\n")
    assert len(objects) == 3
    assert objects[0]["results"] and objects[2]["results"]
    assert "error" not in objects[0] and "error" not in objects[2]
    assert objects[1] == {
        "query": long_line[:200].decode(),
        "error": "the line is longer than 65,536 bytes; ask a shorter question",
        "results": [],
    }


def test_a_line_just_under_the_limit_is_answered() -> None:
    line = b"chin tucks" + b" " * (MAX_LINE_BYTES - len(b"chin tucks"))
    [answer] = batch(line + b"\n")
    assert "error" not in answer
    assert answer["results"]


# --- a query of many words ---------------------------------------------------


def test_a_query_is_read_up_to_its_word_limit() -> None:
    words = ["chin", "tucks"] * MAX_QUERY_WORDS
    query = Query(" ".join(words))
    assert query.truncated
    assert query.text.split() == words[:MAX_QUERY_WORDS]
    whole = Query(" ".join(words[:MAX_QUERY_WORDS]) + "  \n")
    assert not whole.truncated


def test_a_long_query_says_it_was_cut_and_answers_its_first_words() -> None:
    head = "chin tucks for my neck " * (MAX_QUERY_WORDS // 5)
    cut = run("ask", head + "and then a lot more " * 500, "--format", "json")
    whole = run("ask", head, "--format", "json")
    assert cut.returncode == whole.returncode == 0
    assert one_error_line(cut.stderr.replace(b"Warning:", b"Error:")) == (
        "Error: the query is longer than 1,000 words; only the first 1,000 were read"
    )
    assert json.loads(cut.stdout)["results"] == json.loads(whole.stdout)["results"]


def test_seventy_thousand_argv_words_are_answered() -> None:
    proc = run("ask", *(["shoulder", "blade", "pain,"] * 23_334), "--format", "json",
               timeout=120)
    assert proc.returncode in (0, 1)
    assert_no_crash(proc.stderr)
    assert b"only the first 1,000 were read" in proc.stderr


def test_one_endless_clause_is_analysed_in_linear_time() -> None:
    # Below the word limit the analysis must not be quadratic either: a
    # clause of a million words (quadratic: an hour) runs in a subprocess that
    # is given a minute.
    code = ("from backfaq.analyzer import _kept_by_clause as k;"
            "kept, _, _ = k([['w'] * 1_000_000]); assert len(kept) == 1_000_000")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# --- out of memory -----------------------------------------------------------


@needs_limits
def test_a_store_too_large_for_the_memory_limit_is_one_line(tmp_path: Path) -> None:
    # Under the size from which a store is weighed before it is read
    # (limits.CHECK_MEMORY_FROM), yet too large to index in 200 MiB.
    store = tmp_path / "big.json"
    answer = "Keep the part clean and dry, and check it every week. " * 20
    doc = {
        "version": 1,
        "topics": [{"id": "general", "title": "General", "description": "Everything."}],
        "sources": [{"id": "manual", "title": "Manual", "file": "manual.md"}],
        "entries": [
            {"id": f"entry-{i}", "question": f"How do I look after part {i}?",
             "also_asked": [], "answer": f"{answer}{i}", "topic": "general",
             "sources": ["manual"]}
            for i in range(50_000)
        ],
        "synonyms": [],
    }
    store.write_text(json.dumps(doc), encoding="utf-8")
    proc = subprocess.run([*MODULE, "--data", str(store), "ask", "part 7"],
                          stdin=subprocess.DEVNULL, capture_output=True,
                          env=environment(XDG_CACHE_HOME=str(tmp_path / "cache")),
                          preexec_fn=lambda: _limit_memory(200 * 2**20), timeout=120)
    assert proc.returncode == 2
    assert one_error_line(proc.stderr).startswith("Error: out of memory")
    assert 50 * 2**20 < os.path.getsize(store) < CHECK_MEMORY_FROM
