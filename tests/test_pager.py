"""The pager, on a real pseudo-terminal with a stub pager that records what it
was given: only rich output to a terminal, only when taller than the screen."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from processes import MODULE, environment

from backfaq.pager import pager_command

pytestmark = pytest.mark.skipif(os.name != "posix", reason="needs a pty")
TALL = ["ask", "pain between shoulder blades", "-n", "5"]


def stub(tmp_path: Path) -> tuple[str, Path]:
    """A pager that writes what it reads to a file, and says so on stderr."""
    seen = tmp_path / "paged.txt"
    script = tmp_path / "stub-pager"
    script.write_text(f"#!/bin/sh\necho STUB-PAGER >&2\ncat > '{seen}'\n", encoding="utf-8")
    script.chmod(0o755)
    return str(script), seen


def on_a_terminal(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, bytes]:
    """backfaq with its standard output (and input) a pty; what the pty showed."""
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen([*MODULE, *args], stdin=slave, stdout=slave, stderr=slave,
                            env=env, cwd=cwd)
    os.close(slave)
    shown = b""
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: every writer is gone
            break
        if not data:
            break
        shown += data
    os.close(master)
    return proc.wait(timeout=60), shown


def env_for(pager: str | None = None, **settings: str) -> dict[str, str]:
    env = environment(LINES="20", COLUMNS="80", TERM="xterm", **settings)
    env.pop("PAGER", None)
    if pager is not None:
        env["BACKFAQ_PAGER"] = pager
    return env


def test_tall_rich_output_goes_through_the_pager(tmp_path: Path) -> None:
    pager, seen = stub(tmp_path)
    code, shown = on_a_terminal(*TALL, env=env_for(pager), cwd=tmp_path)
    assert code == 0
    assert b"STUB-PAGER" in shown
    assert b"shoulder blades" not in shown  # the answers went to the pager alone
    paged = seen.read_text(encoding="utf-8")
    assert "\x1b[" in paged  # with its colours, for less -R
    assert "shoulder blades" in paged and paged.count("\n") > 20


@pytest.mark.parametrize("case", ["fits", "--no-pager", "config", "empty variable",
                                  "dumb terminal"])
def test_no_pager_when_not_wanted(tmp_path: Path, case: str) -> None:
    pager, seen = stub(tmp_path)
    args, env = list(TALL), env_for(pager)
    if case == "fits":
        env["LINES"] = "500"
    elif case == "--no-pager":
        args.append("--no-pager")
    elif case == "config":
        config = tmp_path / "config.toml"
        config.write_text("pager = false\n", encoding="utf-8")
        env["BACKFAQ_CONFIG"] = str(config)
    elif case == "empty variable":
        env["BACKFAQ_PAGER"] = ""
    else:
        env["TERM"] = "dumb"
    code, shown = on_a_terminal(*args, env=env, cwd=tmp_path)
    assert code == 0
    assert b"STUB-PAGER" not in shown and not seen.exists()
    assert b"shoulder blades" in shown


def test_piped_output_is_never_paged(tmp_path: Path) -> None:
    pager, seen = stub(tmp_path)
    for fmt in ("rich", "plain", "json"):
        proc = subprocess.run([*MODULE, *TALL, "--format", fmt], capture_output=True,
                              env=env_for(pager), cwd=tmp_path, timeout=60)
        assert proc.returncode == 0
        assert b"shoulder blades" in proc.stdout and not seen.exists()


def test_listings_page_too_and_a_pager_that_cannot_start_is_skipped(tmp_path: Path) -> None:
    pager, seen = stub(tmp_path)
    code, _ = on_a_terminal("list", env=env_for(pager), cwd=tmp_path)
    assert code == 0 and "scapulothoracic-bursitis" in seen.read_text(encoding="utf-8")
    code, shown = on_a_terminal(*TALL, env=env_for(str(tmp_path / "no-such-pager")),
                                cwd=tmp_path)
    assert code == 0 and b"shoulder blades" in shown


def test_the_pager_is_backfaq_pager_then_pager_then_less() -> None:
    assert pager_command({"BACKFAQ_PAGER": "most -s", "PAGER": "more"}) == ["most", "-s"]
    assert pager_command({"PAGER": "more"}) == ["more"]
    assert pager_command({"BACKFAQ_PAGER": "", "PAGER": "more"}) is None
    assert pager_command({"BACKFAQ_PAGER": "'unbalanced"}) is None
    found = pager_command({})
    assert found is None or (found[0].endswith("less") and found[1:] == ["-FRX"])


def test_the_prompt_never_pages(tmp_path: Path) -> None:
    import pty

    pager, seen = stub(tmp_path)
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "backfaq", "interactive"], stdin=slave,
                            stdout=slave, stderr=slave, env=env_for(pager), cwd=tmp_path)
    os.close(slave)
    os.write(master, b":limit 5\rpain between shoulder blades\r:quit\r")
    shown = b""
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        shown += data
    os.close(master)
    assert proc.wait(timeout=60) == 0
    assert not seen.exists() and b"STUB-PAGER" not in shown


@pytest.mark.parametrize("failing", ["false", "sh -c 'exit 3'"])
def test_a_pager_that_fails_does_not_lose_the_output(tmp_path: Path, failing: str) -> None:
    code, shown = on_a_terminal(*TALL, env=env_for(failing), cwd=tmp_path)
    assert code == 0 and b"shoulder blades" in shown
