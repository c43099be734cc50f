"""The interactive prompt, driven in a real pseudo-terminal the way a person uses it,
and the session loop in-process with scripted input.
"""

from __future__ import annotations

import io
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from processes import MODULE, assert_no_crash, environment, run

import backfaq.store
from backfaq.cli import App, cli
from backfaq.interactive import PROMPT, Session
from backfaq.model import Store
from backfaq.store import bundled_path

POSIX = os.name == "posix"
PROMPT_BYTES = PROMPT.encode()
URGENT = "when-to-worry-about-shoulder-blade-pain"


class Terminal:
    """backfaq running on a pty it controls: type keys, wait for text, collect the exit code.

    The waits only stop a hung prompt from stalling the suite; nothing asserts on time.
    """

    def __init__(self, *args: str, tmp_path: Path, env: dict[str, str] | None = None) -> None:
        pty = pytest.importorskip("pty")
        pytest.importorskip("termios")
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            [*MODULE, *args], stdin=slave, stdout=slave, stderr=slave, cwd=tmp_path,
            env=environment(TERM="dumb", COLUMNS="100", **(env or {})),
            preexec_fn=_take_terminal,
        )
        os.close(slave)
        self.seen = b""

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def interrupt(self) -> None:
        """Press Ctrl-C once the prompt is waiting for a key.

        Python's readline notices a signal only while it waits in select(); one
        that lands in the instant between drawing the prompt and waiting is
        held until the next line. A person never types that fast; a test does,
        so it waits until the kernel shows backfaq blocked waiting for input.
        """
        wchan = Path(f"/proc/{self.proc.pid}/wchan")
        for _ in range(6000):  # at most about a minute, only against a hang
            try:
                waiting = wchan.read_text()
            except OSError:
                break  # no /proc: press and hope, as before
            if "poll" in waiting or "select" in waiting:  # "0" while it runs
                break
            time.sleep(0.01)
        self.type(b"\x03")

    def expect(self, text: bytes, timeout: float = 60) -> bytes:
        """Everything up to and including the next ``text``; fails if the output ends first."""
        import select

        while text not in self.seen:
            ready, _, _ = select.select([self.master], [], [], timeout)
            assert ready, f"no {text!r} in {self.seen[-2000:]!r}"
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: the program closed the terminal
                data = b""
            assert data, f"ended without {text!r}: {self.seen[-2000:]!r}"
            self.seen += data
        before, _, self.seen = self.seen.partition(text)
        return before + text

    def wait(self) -> int:
        code = self.proc.wait(timeout=60)
        rest = b""
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                break
            if not data:
                break
            rest += data
        self.seen += rest
        return code

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=60)
        os.close(self.master)


def _take_terminal() -> None:
    """In the child: a session of its own with the pty as controlling terminal, so
    that Ctrl-C typed on it becomes SIGINT."""
    import fcntl
    import termios

    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    if not POSIX:
        pytest.skip("needs a pty")
    term = Terminal(tmp_path=tmp_path)
    try:
        term.expect(PROMPT_BYTES)
        yield term
    finally:
        term.close()


def test_question_then_answer(terminal: Terminal) -> None:
    terminal.type(b"pain between shoulder blades\r")
    out = terminal.expect(PROMPT_BYTES)
    assert b"pain between shoulder blades" in out.lower()
    assert b"id: pain-between-shoulder-blades-meaning" in out
    assert b"not medical advice" in out
    assert b"Warning" not in out
    terminal.type(b":quit\r")
    assert terminal.wait() == 0


def test_warning_sign_at_the_prompt(terminal: Terminal) -> None:
    terminal.type(b"sharp chest pain and pain between my shoulder blades\r")
    out = terminal.expect(PROMPT_BYTES)
    assert b"Warning sign: chest pain or pressure" in out
    assert out.index(b"Warning sign") < out.index(URGENT.encode())


def test_topics(terminal: Terminal, store: Store) -> None:
    terminal.type(b":topics\r")
    out = terminal.expect(PROMPT_BYTES)
    for topic in store.topics:
        assert topic.id.encode() in out and topic.title.encode() in out


def test_tab_completes_a_command_and_an_id(terminal: Terminal) -> None:
    terminal.type(b":sh\t")
    terminal.type(b"scapulothoracic-b\t")
    terminal.type(b"\r")
    out = terminal.expect(PROMPT_BYTES)
    assert b"snapping scapula syndrome" in out


def _session(tmp_path: Path, *args: str, keys: list[bytes]) -> tuple[int, bytes]:
    """A prompt on a pty: each of ``keys`` typed once the prompt is there."""
    term = Terminal("interactive", *args, tmp_path=tmp_path)
    seen = b""
    try:
        for key in keys:
            seen += term.expect(PROMPT_BYTES)
            term.type(key)
        code = term.wait()
        return code, seen + term.seen
    finally:
        term.close()


@pytest.mark.skipif(not POSIX, reason="needs a pty")
def test_history_is_kept_only_when_asked_owner_only(tmp_path: Path) -> None:
    history = Path(os.environ["HOME"]) / ".local" / "state" / "backfaq" / "history"
    code, _ = _session(tmp_path, keys=[b"chin tucks\r", b":quit\r"])
    assert code == 0 and not history.exists()  # off unless asked: nothing written
    code, _ = _session(tmp_path, "--history", keys=[b"chin tucks\r", b":quit\r"])
    assert code == 0
    assert history.stat().st_mode & 0o777 == 0o600
    assert "chin tucks" in history.read_text(encoding="utf-8")
    # The next session recalls it with the up arrow (twice: ":quit" came last).
    code, seen = _session(tmp_path, "--history", keys=[b"\x1b[A\x1b[A\r", b":quit\r"])
    assert code == 0 and b"id: fix-upper-back-and-neck-posture" in seen.replace(b"\r", b"")


@pytest.mark.skipif(not POSIX, reason="needs a pty")
def test_a_history_that_cannot_be_written_leaves_the_prompt_working(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "state-is-a-file"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocked))
    code, seen = _session(tmp_path, "--history", keys=[b"chin tucks\r", b":quit\r"])
    assert code == 0
    assert b"id: fix-upper-back-and-neck-posture" in seen.replace(b"\r", b"")
    assert seen.count(b"Warning: history not kept: cannot") == 1  # one warning, not two


def test_show_an_id(terminal: Terminal) -> None:
    terminal.type(b":show scapulothoracic-bursitis\r")
    out = terminal.expect(PROMPT_BYTES)
    assert b"What is pain under shoulder blade called?" in out
    assert b"snapping scapula syndrome" in out


def test_show_an_unknown_id_suggests_ids(terminal: Terminal) -> None:
    terminal.type(b":show scapulothoracic-bursits\r")
    out = terminal.expect(PROMPT_BYTES)
    assert (b"No entry with id 'scapulothoracic-bursits';"
            b" closest ids: scapulothoracic-bursitis") in out
    terminal.type(b"\x04")
    assert terminal.wait() == 0


def test_help(terminal: Terminal) -> None:
    terminal.type(b":help\r")
    out = terminal.expect(PROMPT_BYTES)
    for command in (b":topics", b":show ID", b":help", b":quit"):
        assert command in out


def test_unknown_command(terminal: Terminal) -> None:
    terminal.type(b":frobnicate\r")
    assert b"Unknown command ':frobnicate'. Type :help." in terminal.expect(PROMPT_BYTES)


def test_quit_exits_0(terminal: Terminal) -> None:
    terminal.type(b":quit\r")
    assert terminal.wait() == 0
    assert_no_crash(terminal.seen)


def test_ctrl_d_exits_0(terminal: Terminal) -> None:
    terminal.type(b"\x04")
    assert terminal.wait() == 0
    assert_no_crash(terminal.seen)


def test_ctrl_c_clears_the_line_and_a_second_exits_130(terminal: Terminal) -> None:
    terminal.type(b"half a question")
    terminal.expect(b"half a question")
    terminal.interrupt()
    terminal.expect(b"line cleared")
    terminal.expect(PROMPT_BYTES)
    terminal.interrupt()
    assert terminal.wait() == 130
    assert_no_crash(terminal.seen)


def test_ctrl_c_once_then_the_prompt_still_answers(terminal: Terminal) -> None:
    terminal.interrupt()
    terminal.expect(PROMPT_BYTES)
    terminal.type(b"chin tucks\r")
    out = terminal.expect(PROMPT_BYTES)
    assert b"id: fix-upper-back-and-neck-posture" in out
    terminal.interrupt()  # not a second Ctrl-C in a row: a question came between
    terminal.expect(PROMPT_BYTES)
    terminal.type(b":q\r")
    assert terminal.wait() == 0


@pytest.mark.skipif(not POSIX, reason="needs a pty")
def test_interactive_command_in_plain(tmp_path: Path) -> None:
    term = Terminal("interactive", "--format", "plain", tmp_path=tmp_path)
    try:
        term.expect(PROMPT_BYTES)
        term.type(b"chin tucks\r")
        out = term.expect(PROMPT_BYTES)
        assert b"rank: 1\r\n" in out and b"\x1b" not in out
        term.type(b":quit\r")
        assert term.wait() == 0
    finally:
        term.close()


# --- without a terminal ---------------------------------------------------------------


def test_no_command_without_a_terminal_prints_help() -> None:
    proc = run()
    assert proc.returncode == 0
    assert proc.stdout.startswith(b"Usage: backfaq")
    assert PROMPT_BYTES not in proc.stdout


def test_interactive_offers_only_what_it_draws(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["interactive", "--format", "json"])
    assert result.exit_code == 2
    assert "Invalid value for '--format': 'json' is not one of 'rich', 'plain'" in result.stderr
    shown = runner.invoke(cli, ["interactive", "--help"]).stdout
    assert "[rich|plain]" in shown and "json" not in shown


def test_questions_from_a_pipe_get_answers_alone(runner: CliRunner) -> None:
    # No greeting and no prompt run into the answers of `backfaq interactive < file`.
    result = runner.invoke(cli, ["interactive", "--format", "plain"],
                           input="chin tucks\n:limit 1\nchin tucks\n")
    assert result.exit_code == 0, result.output
    assert PROMPT not in result.output
    assert ":help for commands" not in result.output
    assert result.output.startswith("rank: 1\n")
    assert result.output.count("rank: 1\n") == 2


def test_a_store_edited_while_the_prompt_is_open_is_read_once(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The prompt reads the store (and its index) before it opens; a store
    broken by an edit afterwards does not end the session."""
    path = tmp_path / "faq.json"
    path.write_bytes(Path(bundled_path()).read_bytes())
    loads: list[object] = []
    real_load = backfaq.store.load_store

    def counting(*args: Any) -> Store:
        loads.append(args)
        return real_load(*args)

    real_run = Session.run

    def run_after_an_edit(self: Session) -> int:
        path.write_text('{"broken', encoding="utf-8")
        return real_run(self)

    monkeypatch.setattr(backfaq.store, "load_store", counting)
    monkeypatch.setattr(Session, "run", run_after_an_edit)
    result = runner.invoke(cli, ["--data", str(path), "interactive", "--format", "plain"],
                           input="chin tucks\n:quit\n")
    assert result.exit_code == 0, result.output
    assert "id: fix-upper-back-and-neck-posture" in result.output
    assert len(loads) == 1  # parsed once, with the index


# --- the session loop with scripted input ---------------------------------------------


def scripted(lines: list[str | type[BaseException]]) -> tuple[Session, io.StringIO]:
    feed = iter(lines)

    def read(prompt: str) -> str:
        item = next(feed, EOFError)
        if isinstance(item, str):
            return item
        raise item()

    out = io.StringIO()
    return Session(App(None), fmt="plain", out=out, read=read), out


def test_session_answers_and_quits() -> None:
    session, out = scripted(["", "chin tucks", ":quit", "never read"])
    assert session.run() == 0
    assert "id: fix-upper-back-and-neck-posture" in out.getvalue()


def test_session_no_answer_hints_in_the_prompts_words() -> None:
    session, out = scripted(["how do I back up my laptop"])
    assert session.run() == 0
    text = out.getvalue()
    assert "Or browse with :topics and :list TOPIC (" in text
    assert "(:show " in text and "backfaq show" not in text and "`backfaq" not in text


def test_session_list_all_or_one_topic_by_id_or_title(store: Store) -> None:
    session, out = scripted([":list", ":list Relief", ":list nowhere"])
    assert session.run() == 0
    rows = [line.split("\t") for line in out.getvalue().splitlines() if "\t" in line]
    relief = [e.id for e in store.entries if e.topic == "relief"]
    assert [r[0] for r in rows] == [e.id for e in store.entries] + relief
    assert "Unknown topic 'nowhere'; choose one of: causes" in out.getvalue()


def test_session_limit_and_explain() -> None:
    session, out = scripted([":limit", ":limit 1", "pain between shoulder blades",
                             ":limit 0", ":limit x", ":limit 100",
                             ":limit 9223372036854775807", ":limit 1", ":explain on",
                             "pain between shoulder blades", ":explain maybe", ":help"])
    assert session.run() == 0
    text = out.getvalue()
    assert "Showing at most 3 answers. :limit N to change it." in text
    assert "Showing at most 1 answer." in text
    assert text.count("Usage: :limit N, a whole number from 1") == 2
    assert "Showing at most 100 answers." in text  # as `ask --limit` and the config take
    assert "Showing at most 9223372036854775807 answers." in text
    first, second = text.split("Explanations on.")
    assert first.count("rank: ") == 1 and "why: " not in first
    assert second.count("rank: ") == 1 and "why: question" in second
    assert "Usage: :explain on|off (now on)" in second
    assert ":limit [N]       show at most N answers (now: 1)" in second


def test_session_unknown_id_suggests_in_the_prompts_words() -> None:
    session, out = scripted([":show zzzzzzzz-qqqq"])
    assert session.run() == 0
    assert "No entry with id 'zzzzzzzz-qqqq'; see :list" in out.getvalue()


@pytest.mark.parametrize(("line", "text", "offered"), [
    (":", ":", [":topics ", ":list ", ":show ", ":limit ", ":explain ", ":help ", ":quit "]),
    (":sh", ":sh", [":show "]),
    (":show scapulo", "scapulo", ["scapulothoracic-bursitis"]),
    (":list re", "re", ["relief"]),
    (":explain o", "o", ["on", "off"]),
    (":show scapulothoracic-bursitis x", "x", []),
    ("pain between sh", "sh", []),  # a question: nothing to complete
])
def test_tab_completes_commands_and_ids(line: str, text: str, offered: list[str]) -> None:
    session, _ = scripted([])
    assert session.complete(line, text) == offered


def test_session_interrupts_must_be_consecutive() -> None:
    session, _ = scripted([KeyboardInterrupt, ":help", KeyboardInterrupt, ":help"])
    assert session.run() == 0
    session, _ = scripted([":help", KeyboardInterrupt, KeyboardInterrupt, ":help"])
    assert session.run() == 130


def test_session_show_without_an_id() -> None:
    session, out = scripted([":show", ":show  "])
    assert session.run() == 0
    assert out.getvalue().count("Usage: :show ID") == 2


def test_the_history_file_is_capped(tmp_path: Path) -> None:
    readline = pytest.importorskip("readline")
    from backfaq.line_editing import HISTORY_LINES, LineEditor

    editor = LineEditor(readline, lambda line, text: [])
    path = tmp_path / "state" / "history"
    try:
        assert editor.keep_history(str(path)) is None  # none yet: fine
        for n in range(HISTORY_LINES + 200):
            readline.add_history(f"question {n}")
        assert editor.save_history() is None
    finally:
        readline.clear_history()
        readline.set_history_length(-1)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len([line for line in lines if line.startswith("question")]) == HISTORY_LINES
    assert lines[-1] == f"question {HISTORY_LINES + 199}"
    assert path.stat().st_mode & 0o777 == 0o600


def test_ctrl_c_while_answers_are_drawn_keeps_the_prompt(monkeypatch: pytest.MonkeyPatch) -> None:
    session, out = scripted([":topics", "chin tucks", ":quit"])
    calls = []

    def interrupted(self: Session, text: str) -> None:
        calls.append(text)
        raise KeyboardInterrupt

    monkeypatch.setattr(Session, "ask", interrupted)
    assert session.run() == 0  # one Ctrl-C in the middle of drawing: still there
    assert calls == ["chin tucks"]
    assert "(stopped; press Ctrl-C again or type :quit to leave)" in out.getvalue()


def test_a_history_file_that_cannot_be_read_is_left_alone(tmp_path: Path) -> None:
    readline = pytest.importorskip("readline")
    from backfaq.line_editing import LineEditor

    editor = LineEditor(readline, lambda line, text: [])
    blocked = tmp_path / "history"
    blocked.mkdir()  # read_history_file fails on a directory, as on an unreadable file
    try:
        assert "history not kept: cannot read" in str(editor.keep_history(str(blocked)))
        readline.add_history("only this session")
        assert editor.save_history() is None  # nothing to save: it was never kept
    finally:
        readline.clear_history()
        readline.set_history_length(-1)
    assert blocked.is_dir()
