"""Streams that fail: stderr on a full disk, stdin closed or not text, and
shell completion called with a line it cannot read. Real processes: each
keeps the exit status its command would have had, and never a traceback.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from processes import MODULE, assert_no_crash, environment, one_error_line
from test_interactive import PROMPT_BYTES, Terminal

POSIX = os.name == "posix"
needs_dev_full = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
needs_posix = pytest.mark.skipif(not POSIX, reason="needs POSIX file descriptors")


def run_with(args: list[str], **streams: object) -> subprocess.CompletedProcess[bytes]:
    options: dict[str, object] = {"stdin": subprocess.DEVNULL, "stdout": subprocess.PIPE,
                                  "stderr": subprocess.PIPE}
    options.update(streams)
    return subprocess.run([*MODULE, *args], env=environment(), timeout=60,
                          **options)  # type: ignore[call-overload, no-any-return]


# --- stderr on a full disk ---------------------------------------------------------


@needs_dev_full
@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["ask", "how do I back up my laptop"], 1),  # the no-answer message is on stderr
        (["ask", "chin tucks"], 0),
        (["show", "no-such-entry"], 1),
        (["ask", "--limit", "many", "chin tucks"], 2),  # a usage error
        (["no-such-command"], 2),
        (["--data", "/no/such/store.json", "ask", "chin tucks"], 2),
        (["validate", "/no/such/store.json"], 1),
        (["import", "/no/such/page.md", "--into", "store.json"], 2),
        (["list", "--topic", "no-such-topic"], 2),
    ],
    ids=["no-answer", "answer", "show-unknown", "usage", "command", "bad-store", "validate",
         "import", "topic"],
)
def test_a_full_stderr_keeps_the_exit_status(
    args: list[str], code: int, tmp_path: Path
) -> None:
    with open("/dev/full", "wb") as full:
        proc = run_with(args, stderr=full, cwd=tmp_path)
    assert proc.returncode == code, proc.stdout[-300:]


@needs_dev_full
def test_full_stdout_and_stderr_still_exit_2() -> None:
    with open("/dev/full", "wb") as full:
        proc = run_with(["list"], stdout=full, stderr=full)
    assert proc.returncode == 2


@needs_dev_full
def test_a_full_stderr_in_batch_mode_keeps_answering() -> None:
    with open("/dev/full", "wb") as full:
        proc = run_with(["ask", "-"], input=b"chin tucks\n" + b"w " * 1500 + b"\n",
                        stdin=None, stderr=full)
    # The second line is over the word limit: its warning cannot be written,
    # and the answers go on all the same.
    assert proc.returncode == 0
    assert len(proc.stdout.splitlines()) == 2


# --- standard input closed or not text ---------------------------------------------


@needs_posix
@pytest.mark.parametrize("args", [["ask", "-"], ["interactive"]], ids=["batch", "prompt"])
def test_a_closed_stdin_is_one_error_line(args: list[str]) -> None:
    proc = subprocess.run([*MODULE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=environment(), preexec_fn=lambda: os.close(0), timeout=60)
    assert proc.returncode == 2
    assert one_error_line(proc.stderr) == "Error: cannot read input: standard input is closed"
    assert proc.stdout == b""


@pytest.mark.parametrize("encoding", [None, "ascii"], ids=["utf8", "ascii"])
def test_the_prompt_reads_a_pipe_that_is_not_text(encoding: str | None) -> None:
    env = environment() if encoding is None else environment(PYTHONIOENCODING=encoding)
    proc = subprocess.run([*MODULE, "interactive", "--format", "plain"],
                          input=b"\xff\xfe caf\xc3\xa9 chin tucks\nrhomboids\n:quit\n",
                          capture_output=True, env=env, timeout=60)
    assert proc.returncode == 0
    assert_no_crash(proc.stderr)
    # Every line was read: the first, its undecodable bytes read as U+FFFD,
    # finds the chin-tuck entry (answered, or closest), and "rhomboids" is answered.
    assert b"fix-upper-back-and-neck-posture" in proc.stdout
    assert b"id: upper-back-strengthening-exercises" in proc.stdout


@needs_posix
def test_the_prompt_takes_a_letter_its_locale_cannot_encode(tmp_path: Path) -> None:
    terminal = Terminal("interactive", "--format", "plain", tmp_path=tmp_path,
                        env={"PYTHONIOENCODING": "ascii"})
    try:
        terminal.expect(PROMPT_BYTES)
        terminal.type("café chin tucks\r".encode())
        out = terminal.expect(PROMPT_BYTES)
        assert b"Traceback" not in out
        terminal.type(b"rhomboids\r")
        out = terminal.expect(PROMPT_BYTES)
        assert b"id: " in out
        terminal.type(b":quit\r")
        assert terminal.wait() == 0
    finally:
        terminal.close()


# --- completion with a line it cannot read -----------------------------------------


@pytest.mark.parametrize(
    "settings",
    [
        {"COMP_CWORD": "1"},  # no COMP_WORDS
        {"COMP_WORDS": "backfaq ask"},  # no COMP_CWORD
        {"COMP_WORDS": "backfaq ask", "COMP_CWORD": ""},
        {"COMP_WORDS": "backfaq ask", "COMP_CWORD": "two"},
        {"COMP_WORDS": "backfaq ask", "COMP_CWORD": "99"},
        {"COMP_WORDS": "backfaq ask", "COMP_CWORD": "-5"},
        {"COMP_WORDS": 'backfaq "unclosed', "COMP_CWORD": "1"},
        {"COMP_WORDS": "", "COMP_CWORD": "0"},
    ],
    ids=["no-words", "no-cword", "empty-cword", "word-cword", "past-end", "negative",
         "unclosed-quote", "empty-words"],
)
@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_with_a_malformed_line_prints_nothing(
    shell: str, settings: dict[str, str]
) -> None:
    env = {k: v for k, v in environment().items() if k not in ("COMP_WORDS", "COMP_CWORD")}
    env.update(settings, _BACKFAQ_COMPLETE=f"{shell}_complete")
    proc = subprocess.run([*MODULE], stdin=subprocess.DEVNULL, capture_output=True, env=env,
                          timeout=60)
    assert proc.returncode in (0, 1)
    assert proc.stderr == b""
    assert_no_crash(proc.stdout)


@needs_posix
def test_the_prompt_with_stderr_closed_still_answers() -> None:
    proc = subprocess.run([*MODULE, "interactive", "--format", "plain"],
                          input=b"chin tucks\n", stdout=subprocess.PIPE, env=environment(),
                          preexec_fn=lambda: os.close(2), timeout=60)
    assert proc.returncode == 0
    assert b"id: " in proc.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_completion_never_waits_on_a_named_pipe_given_as_the_store(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    env = environment(_BACKFAQ_COMPLETE="bash_complete",
                      COMP_WORDS=f"backfaq --data {fifo} show ", COMP_CWORD="4")
    proc = subprocess.run([*MODULE], stdin=subprocess.DEVNULL, capture_output=True, env=env,
                          timeout=60)
    assert proc.returncode == 0
    assert proc.stderr == b""


@needs_posix
def test_a_stdin_open_only_for_writing_is_an_input_error(tmp_path: Path) -> None:
    target = tmp_path / "written-to"
    with open(target, "wb") as write_only:
        proc = subprocess.run([*MODULE, "ask", "-"], stdin=write_only, capture_output=True,
                              env=environment(), timeout=60)
    assert proc.returncode == 2
    assert one_error_line(proc.stderr) == "Error: cannot read input: Bad file descriptor"


def test_batch_mode_reads_under_an_encoding_that_cannot_replace() -> None:
    # The punycode codec raises on bad input even when told to replace.
    proc = subprocess.run([*MODULE, "ask", "-"], input="é chin tucks\nrhomboids\n".encode(),
                          capture_output=True, env=environment(PYTHONIOENCODING="punycode"),
                          timeout=60)
    assert proc.returncode == 0
    assert_no_crash(proc.stderr)
    # Each line answered (what punycode makes of the JSON is its own affair).
    assert proc.stdout.count(b'"query": ') == 2


def test_the_prompt_under_a_codec_that_cannot_read_the_input_is_one_error_line() -> None:
    proc = subprocess.run([*MODULE, "interactive", "--format", "plain"], input=b"chin tucks\n",
                          capture_output=True, env=environment(PYTHONIOENCODING="utf-16"),
                          timeout=60)
    assert proc.returncode == 2
    assert one_error_line(proc.stderr.decode("utf-16")) == (  # stderr in utf-16 too
        "Error: cannot read input: it is not text in its encoding"
    )


# --- a reader that quits early ------------------------------------------------------


@needs_posix
@pytest.mark.parametrize("fmt", ["json", "jsonl", "plain", "rich"])
def test_output_cut_off_by_a_reader_that_quits_exits_1(tmp_path: Path, fmt: str) -> None:
    """A listing far larger than a pipe holds, read a little and then let go
    of: the command must say it was cut off (exit 1, as the README has it),
    whatever the format. One large write would have been reported written."""
    import json
    import sys
    import time

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import synthetic

    store = tmp_path / "big.json"
    store.write_text(json.dumps(synthetic.generate(3000)), encoding="utf-8")
    writer = subprocess.Popen([*MODULE, "--data", str(store), "list", "--format", fmt],
                              env=environment(), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    assert writer.stdout is not None and writer.stderr is not None
    with writer.stdout, writer.stderr:
        time.sleep(1.5)  # until the command waits in a write, the pipe full
        assert len(os.read(writer.stdout.fileno(), 4096)) == 4096
        writer.stdout.close()
        assert writer.wait(timeout=60) == 1
        assert_no_crash(writer.stderr.read().decode())


def test_a_large_write_goes_in_pieces_so_that_a_cut_off_pipe_is_seen() -> None:
    """Python's buffered writer reports a large write that a closing pipe cut
    short as written; a write in pieces meets the error at the next piece."""
    from backfaq.text import InPieces

    class ClosingPipe:
        def __init__(self) -> None:
            self.taken: list[str] = []

        def write(self, text: str) -> int:
            if self.taken:
                raise BrokenPipeError(32, "Broken pipe")
            self.taken.append(text)
            return len(text)

    pipe = ClosingPipe()
    with pytest.raises(BrokenPipeError):
        InPieces(pipe).write("x" * (3 * InPieces.PIECE))
    assert pipe.taken == ["x" * InPieces.PIECE]
