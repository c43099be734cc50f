"""Output through real processes: pipes closed early, Ctrl-C, full disks, terminals
with and without colour, narrow and wide, ASCII-only locales, odd home directories.
"""

from __future__ import annotations

import errno
import gc
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from processes import (
    MODULE,
    assert_no_crash,
    console_script,
    environment,
    one_error_line,
    run,
)

import backfaq.cli
from backfaq.cli import cli
from backfaq.model import Store
from backfaq.store import load_store

POSIX = os.name == "posix"
FORMATS = ("rich", "plain", "json", "jsonl")
ASK = ["ask", "shoulder blade"]

# SGR parameters that set a colour: 30-39, 40-49, 90-97, 100-107 (38/48 take more).
SGR = re.compile(rb"\x1b\[([0-9;]*)m")
COLOUR_CODES = {*range(30, 50), *range(90, 98), *range(100, 108)}


def colour_codes(output: bytes) -> set[int]:
    found = set()
    for match in SGR.finditer(output):
        found |= {int(p) for p in match[1].split(b";") if p} & COLOUR_CODES
    return found


def typographic_entries() -> list[str]:
    """Entries whose text has curly quotes or ellipses (cannot be written as ASCII)."""
    store = load_store()
    wanted = ["chair-rotation-stronger-upper-back"]
    for mark in ("\u201c", "\u2026"):
        for e in store.entries:
            if mark in e.question + e.answer + "".join(e.also_asked):
                wanted.append(e.id)
                break
    ids = [i for i in dict.fromkeys(wanted) if store.entry(i) is not None]
    return ids or ["no-typographic-entry"]


TYPOGRAPHIC = typographic_entries()


def show_args(entry_id: str) -> list[str]:
    if entry_id == "no-typographic-entry":
        pytest.skip("the store has no entry with curly quotes or ellipses")
    return ["show", entry_id]


@pytest.fixture(params=["module", "script"])
def program(request: pytest.FixtureRequest) -> list[str]:
    if request.param == "module":
        return MODULE
    script = console_script()
    if script is None:
        pytest.skip("the backfaq console script is not installed")
    return script


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store whose listings are far larger than a pipe's buffer."""
    entries = [
        {"id": f"plant-{i}", "question": f"How do I water plant number {i} in the garden?",
         "answer": "Water it when the soil feels dry. " * 8, "topic": "plants",
         "sources": ["notes"]}
        for i in range(3000)
    ]
    doc = {
        "version": 1,
        "topics": [{"id": "plants", "title": "Plants", "description": "Looking after plants."}],
        "sources": [{"id": "notes", "title": "Garden notes", "file": "notes.txt"}],
        "entries": entries,
    }
    path = tmp_path_factory.mktemp("big") / "big.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


# --- readers that stop early ----------------------------------------------------------

SMALL = {
    "list": ["list"],
    "ask-plain": ["ask", "pain between shoulder blades", "-n", "10"],
    "ask-rich": ["ask", "pain between shoulder blades", "--format", "rich"],
    "show-json": ["show", "pain-between-shoulder-blades-meaning", "--format", "json"],
    "topics-jsonl": ["topics", "--format", "jsonl"],
}


def read_one_line_then_close(args: list[Any], program: list[str]) -> tuple[int, bytes, bytes]:
    proc = subprocess.Popen([*program, *args], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment())
    assert proc.stdout is not None and proc.stderr is not None
    line = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    proc.stderr.close()
    return proc.wait(timeout=60), line, err


@pytest.mark.parametrize("name", sorted(SMALL))
def test_reader_closes_after_one_line(program: list[str], name: str) -> None:
    code, line, err = read_one_line_then_close(SMALL[name], program)
    assert line
    assert code in (0, 1)
    assert_no_crash(err)
    assert err == b""


@pytest.mark.parametrize("fmt", FORMATS)
def test_reader_closes_while_a_large_output_is_written(
    program: list[str], big_store: Path, fmt: str
) -> None:
    code, line, err = read_one_line_then_close(
        ["--data", str(big_store), "list", "--format", fmt], program
    )
    assert line
    assert code in (0, 1)
    assert_no_crash(err)
    assert err == b""


@pytest.mark.parametrize("args", [["list"], ASK, ["ask", "--format", "json", "shoulder"]],
                         ids=["list", "ask", "ask-json"])
def test_reader_exits_before_reading(program: list[str], args: list[str]) -> None:
    proc = subprocess.Popen([*program, *args], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment())
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=60) in (0, 1)
    assert_no_crash(err)
    assert err == b""


@pytest.mark.skipif(shutil.which("head") is None, reason="needs head(1)")
def test_shell_pipeline_into_head(big_store: Path) -> None:
    """``backfaq list | head -1``, with head exiting while backfaq still writes."""
    backfaq = subprocess.Popen([*MODULE, "--data", str(big_store), "list"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=environment())
    assert backfaq.stdout is not None and backfaq.stderr is not None
    head = subprocess.run(["head", "-1"], stdin=backfaq.stdout, capture_output=True,
                          timeout=60)
    backfaq.stdout.close()
    err = backfaq.stderr.read()
    backfaq.stderr.close()
    assert backfaq.wait(timeout=60) in (0, 1)
    assert head.stdout.startswith(b"plant-0\tplants\t")
    assert_no_crash(err)
    assert err == b""


# --- output that cannot be written ----------------------------------------------------


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["list"], [*ASK, "--format", "json"], ["--version"],
                                  ["show", "pain-between-shoulder-blades-meaning"]],
                         ids=["list", "ask-json", "version", "show"])
def test_full_disk_is_one_error_line(args: list[str]) -> None:
    with open("/dev/full", "wb") as full:
        proc = subprocess.run([*MODULE, *args], stdin=subprocess.DEVNULL, stdout=full,
                              stderr=subprocess.PIPE, env=environment(), timeout=60)
    assert proc.returncode == 2
    assert one_error_line(proc.stderr) == "Error: cannot write output: No space left on device"


@pytest.mark.skipif(not POSIX, reason="needs POSIX file descriptors")
def test_stdout_closed_is_one_error_line() -> None:
    proc = subprocess.run([*MODULE, "list"], stdin=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          env=environment(), preexec_fn=lambda: os.close(1), timeout=60)
    assert proc.returncode == 2
    assert one_error_line(proc.stderr) == (
        "Error: cannot write output: standard output is closed"
    )


@pytest.mark.skipif(not POSIX, reason="needs POSIX file descriptors")
def test_stderr_closed_still_exits_with_the_right_code() -> None:
    proc = subprocess.run([*MODULE, "ask", "how do I back up my laptop"],
                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          env=environment(), preexec_fn=lambda: os.close(2), timeout=60)
    assert proc.returncode == 1
    assert proc.stdout == b""


# --- main() in-process: each way out is an exit code and at most one line ---------------


def call_main(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> int:
    def fail(*args: Any, **kwargs: Any) -> None:
        raise exc

    monkeypatch.setattr(backfaq.cli.cli, "main", fail)
    with pytest.raises(SystemExit) as exit_info:
        backfaq.cli.main()
    code = exit_info.value.code
    assert isinstance(code, int)
    return code


def test_main_ctrl_c_exits_130_quietly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert call_main(monkeypatch, KeyboardInterrupt()) == 130
    assert capsys.readouterr() == ("", "")


def test_main_ctrl_c_inside_a_command_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Click turns Ctrl-C inside a command into its Abort; main() still exits 130."""

    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(backfaq.cli.views, "list_rows", interrupted)
    monkeypatch.setattr(sys, "argv", ["backfaq", "list"])
    with pytest.raises(SystemExit) as exit_info:
        backfaq.cli.main()
    assert exit_info.value.code == 130
    out, err = capsys.readouterr()
    assert out == ""
    assert err.strip() == "" and "Aborted" not in err


def test_main_broken_pipe_exits_quietly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert call_main(monkeypatch, BrokenPipeError(errno.EPIPE, "Broken pipe")) == 1
    assert capsys.readouterr().err == ""


def test_main_write_error_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert call_main(monkeypatch, OSError(errno.ENOSPC, "No space left on device")) == 2
    assert one_error_line(capsys.readouterr().err) == (
        "Error: cannot write output: No space left on device"
    )


def test_main_without_stdout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "argv", ["backfaq", "list"])
    with pytest.raises(SystemExit) as exit_info:
        backfaq.cli.main()
    assert exit_info.value.code == 2
    assert "standard output is closed" in one_error_line(capsys.readouterr().err)


@pytest.mark.parametrize(
    "argv, code",
    [(["list"], 0), (["ask", "how do I back up my laptop"], 1), (["ask", " "], 2),
     (["show", "nosuch"], 1), (["--version"], 0), (["--help"], 0), ([], 0),
     (["--data", "/nonexistent-dir/x.json", "list"], 2)],
    ids=["list", "no-answer", "empty-query", "show-unknown", "version", "help", "no-command",
         "bad-store"],
)
def test_main_exit_codes(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str],
    code: int
) -> None:
    monkeypatch.setattr(sys, "argv", ["backfaq", *argv])
    with pytest.raises(SystemExit) as exit_info:
        backfaq.cli.main()
    assert exit_info.value.code == code
    assert_no_crash(capsys.readouterr().err)


def test_only_main_treats_the_command_as_the_whole_process(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[bool] = []
    real_index = backfaq.cli.App.index

    def noting(app: backfaq.cli.App) -> Any:
        seen.append(app.whole_process)
        return real_index.fget(app)  # type: ignore[attr-defined]

    monkeypatch.setattr(backfaq.cli.App, "index", property(noting))
    monkeypatch.setattr(sys, "argv", ["backfaq", "ask", "chin tucks", "--format", "json"])
    with pytest.raises(SystemExit) as exit_info:
        backfaq.cli.main()
    assert exit_info.value.code == 0 and json.loads(capsys.readouterr().out)["results"]
    assert seen and all(seen)
    # Afterwards (as in a test runner, which lives on), a command run in
    # process loads what it needs without freezing it.
    assert backfaq.cli.App.whole_process is False
    assert CliRunner().invoke(cli, ["ask", "chin tucks"]).exit_code == 0
    assert seen[-1] is False
    gc.unfreeze()  # what main() froze, back where the tests can collect it


# --- Ctrl-C in a real process ----------------------------------------------------------


@pytest.fixture
def waiting_store(tmp_path: Path) -> Iterator[Path]:
    """A named pipe: backfaq blocks reading it until the test lets it go."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("needs named pipes")
    path = tmp_path / "store.fifo"
    os.mkfifo(path)
    yield path


def open_writer_when_read(path: Path, proc: subprocess.Popen[bytes]) -> int:
    """Open the pipe's write end once backfaq has opened it for reading."""
    while True:
        try:
            return os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            assert exc.errno == errno.ENXIO, exc  # no reader yet
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.01)


def test_sigint_exits_130_without_traceback(waiting_store: Path) -> None:
    proc = subprocess.Popen([*MODULE, "--data", str(waiting_store), "list"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=environment())
    writer = open_writer_when_read(waiting_store, proc)
    proc.send_signal(signal.SIGINT)
    # The signal is pending once kill() returns; closing the pipe wakes a read that
    # started just before it arrived, so the interrupt is always seen.
    os.close(writer)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert out == b""
    assert_no_crash(err)
    assert err.strip() == b""


def _take_terminal() -> None:
    """In the child: setsid(), then make stdin (a pty) the controlling terminal."""
    import fcntl
    import termios

    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@pytest.mark.skipif(not POSIX, reason="needs a pty")
def test_ctrl_c_at_a_terminal_exits_130(waiting_store: Path) -> None:
    pty = pytest.importorskip("pty")
    pytest.importorskip("termios")
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([*MODULE, "--data", str(waiting_store), "list"],
                                stdin=slave, stdout=slave, stderr=subprocess.PIPE,
                                env=environment(TERM="xterm"), preexec_fn=_take_terminal)
        os.close(slave)
        writer = open_writer_when_read(waiting_store, proc)
        os.write(master, b"\x03")  # the user presses Ctrl-C
        echo = b""
        while b"^C" not in echo:  # the terminal has signalled backfaq when it echoes ^C
            echo += os.read(master, 1024)
        os.close(writer)
        assert proc.stderr is not None
        err = proc.stderr.read()
        proc.stderr.close()
        assert proc.wait(timeout=60) == 130, err
        assert_no_crash(err)
        assert err.strip() == b""
    finally:
        os.close(master)


# --- colour, width and encoding settings -----------------------------------------------

SETTINGS = {
    "NO_COLOR": {"NO_COLOR": "1"},
    "FORCE_COLOR": {"FORCE_COLOR": "1"},
    "TERM=dumb": {"TERM": "dumb"},
    "COLUMNS=12": {"COLUMNS": "12"},
    "COLUMNS=400": {"COLUMNS": "400"},
    "ascii-locale": {"LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": "ascii"},
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("setting", sorted(SETTINGS))
@pytest.mark.parametrize("command", ["ask", *TYPOGRAPHIC])
def test_every_format_under_every_setting(
    store: Store, command: str, setting: str, fmt: str
) -> None:
    args = ASK if command == "ask" else show_args(command)
    proc = run(*args, "--format", fmt, env=environment(**SETTINGS[setting]))
    assert proc.returncode == 0, proc.stderr
    assert_no_crash(proc.stderr)
    assert proc.stderr == b""
    assert proc.stdout.strip()
    if setting == "ascii-locale":
        assert proc.stdout.isascii()
    if setting == "NO_COLOR":
        assert not colour_codes(proc.stdout)
    if fmt == "plain":
        assert b"\x1b" not in proc.stdout
    if fmt in ("json", "jsonl"):
        # Valid JSON in every locale, carrying the store's exact text.
        text = proc.stdout.decode("ascii" if setting == "ascii-locale" else "utf-8")
        docs = [json.loads(text)] if fmt == "json" else [json.loads(x) for x in text.splitlines()]
        if command != "ask":
            entry = store.entry(command)
            assert entry is not None
            assert docs[0]["answer"] == entry.answer


@pytest.mark.parametrize("command", ["ask", *TYPOGRAPHIC])
def test_plain_output_ignores_terminal_settings(command: str) -> None:
    args = ASK if command == "ask" else show_args(command)
    outputs = {
        name: run(*args, "--format", "plain", env=environment(**SETTINGS[name])).stdout
        for name in ("NO_COLOR", "FORCE_COLOR", "TERM=dumb", "COLUMNS=12", "COLUMNS=400")
    }
    assert len(set(outputs.values())) == 1, "plain output never wraps or colours"


def test_ascii_locale_uses_ascii_lookalikes(store: Store) -> None:
    """Typographic characters become their ASCII look-alikes rather than errors."""
    entry_id = TYPOGRAPHIC[0]
    args = show_args(entry_id)
    proc = run(*args, "--format", "plain", env=environment(**SETTINGS["ascii-locale"]))
    assert proc.returncode == 0
    entry = store.entry(entry_id)
    assert entry is not None
    if "\u2026" in entry.answer:
        assert b"..." in proc.stdout


@pytest.mark.parametrize("columns", ["0", "-5", "abc", "1", "99999"])
def test_odd_columns_values(columns: str) -> None:
    proc = run(*ASK, "--format", "rich", env=environment(COLUMNS=columns))
    assert proc.returncode == 0
    assert_no_crash(proc.stderr)
    assert proc.stdout.strip()


# --- a real terminal (pty) --------------------------------------------------------------


def run_in_pty(args: list[str], **settings: str) -> tuple[int, bytes, bytes]:
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([*MODULE, *args], stdin=slave, stdout=slave,
                                stderr=subprocess.PIPE, env=environment(**settings))
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the process closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        assert proc.stderr is not None
        err = proc.stderr.read()
        proc.stderr.close()
        return proc.wait(timeout=60), b"".join(chunks), err
    finally:
        os.close(master)


PTY_SETTINGS = {
    "colour": {"TERM": "xterm-256color"},
    "NO_COLOR": {"TERM": "xterm-256color", "NO_COLOR": "1"},
    "TERM=dumb": {"TERM": "dumb"},
    "COLUMNS=12": {"TERM": "xterm-256color", "COLUMNS": "12"},
    "ascii-locale": {"TERM": "xterm", "LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": "ascii"},
}


@pytest.mark.skipif(not POSIX, reason="needs a pty")
@pytest.mark.parametrize("setting", sorted(PTY_SETTINGS))
@pytest.mark.parametrize("command", ["ask", TYPOGRAPHIC[0]])
def test_terminal_output(command: str, setting: str) -> None:
    args = ASK if command == "ask" else show_args(command)
    code, out, err = run_in_pty(args, **PTY_SETTINGS[setting])
    assert code == 0, err
    assert_no_crash(err)
    assert err == b""
    assert out.strip()
    if setting == "colour":
        assert colour_codes(out), "rich draws in colour on a colour terminal"
    if setting in ("NO_COLOR", "TERM=dumb"):
        assert not colour_codes(out)
    if setting == "ascii-locale":
        assert out.isascii()


@pytest.mark.skipif(not POSIX, reason="needs a pty")
@pytest.mark.parametrize("setting", sorted(PTY_SETTINGS))
def test_plain_at_a_terminal_has_no_escapes(setting: str) -> None:
    code, out, err = run_in_pty([*ASK, "--format", "plain"], **PTY_SETTINGS[setting])
    assert code == 0, err
    assert b"\x1b" not in out
    assert err == b""


# --- home and cache directories -------------------------------------------------------


def check_query_works(env: dict[str, str]) -> None:
    proc = run(*ASK, "--format", "json", env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == b""
    assert json.loads(proc.stdout)["results"]


def test_nonexistent_home_and_cache(tmp_path: Path) -> None:
    missing = tmp_path / "does-not-exist"
    check_query_works(environment(HOME=str(missing), XDG_CACHE_HOME=str(missing / "cache")))


def test_no_home_at_all() -> None:
    env = environment()
    env.pop("HOME", None)
    env.pop("XDG_CACHE_HOME", None)
    check_query_works(env)


@pytest.mark.skipif(not POSIX, reason="needs POSIX permissions")
def test_unwritable_home_and_cache(tmp_path: Path) -> None:
    # As root the mode does not stop writes; the query must work either way.
    home = tmp_path / "locked-home"
    cache = tmp_path / "locked-cache"
    home.mkdir()
    cache.mkdir()
    home.chmod(0o500)
    cache.chmod(0o500)
    try:
        check_query_works(environment(HOME=str(home), XDG_CACHE_HOME=str(cache)))
        assert list(home.iterdir()) == []
        writable = os.access(cache, os.W_OK)  # root ignores the mode
        assert list(cache.iterdir()) == ([cache / "backfaq"] if writable else [])
    finally:
        home.chmod(0o700)
        cache.chmod(0o700)


def test_home_is_a_file(tmp_path: Path) -> None:
    home = tmp_path / "home-file"
    home.write_text("not a directory", encoding="utf-8")
    check_query_works(environment(HOME=str(home), XDG_CACHE_HOME=str(home)))


def test_stdin_is_never_read() -> None:
    """backfaq never waits for input: with stdin an open pipe nobody writes to, it ends."""
    proc = subprocess.Popen([*MODULE, *ASK], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=environment())
    try:
        code = proc.wait(timeout=60)  # stdin stays open and empty meanwhile
    finally:
        out, err = proc.communicate(timeout=60)
    assert code == 0, err
    assert out


_ESCAPES = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")


@pytest.mark.skipif(not POSIX, reason="needs a pty")
@pytest.mark.parametrize("width", [40, 80, 120])
@pytest.mark.parametrize("what", ["list", "topics", "sources", "show"])
def test_a_real_terminal_shows_the_golden_layout(what: str, width: int) -> None:
    """The layouts of tests/data/*-WIDTH.txt, as a terminal of that width shows them."""
    args = [what, "--no-pager"] + (["pain-between-shoulder-blades-meaning"] if what == "show"
                                   else [])
    code, out, err = run_in_pty(args, TERM="xterm-256color", COLUMNS=str(width))
    assert code == 0, err
    shown = _ESCAPES.sub(b"", out).replace(b"\r\n", b"\n").decode("utf-8")
    golden = (Path(__file__).parent / "data" / f"{what}-{width}.txt").read_text(encoding="utf-8")
    assert [line.rstrip() for line in shown.splitlines()] == [
        line.rstrip() for line in golden.splitlines()]


@pytest.mark.skipif(not POSIX, reason="needs a pty")
@pytest.mark.parametrize("width", [40, 80, 120])
def test_a_real_terminal_fits_an_answer_with_a_warning(width: int) -> None:
    query = "what does back pain between shoulder blades mean, and I have chest pain"
    code, out, err = run_in_pty(["ask", query, "--no-pager"], TERM="xterm-256color",
                                COLUMNS=str(width))
    assert code == 0, err
    lines = _ESCAPES.sub(b"", out).replace(b"\r\n", b"\n").decode("utf-8").splitlines()
    assert all(len(line) <= width or line.startswith("id: ") for line in lines)
    text = " ".join(" ".join(lines).replace("│", " ").split())
    assert "Warning sign: chest pain or pressure." in text
    assert "What does back pain between shoulder blades mean?" in text  # whole, somewhere
