"""Shell completion through Click's protocol: the shell sets COMP_WORDS and
COMP_CWORD and runs backfaq with _BACKFAQ_COMPLETE; backfaq answers with the
candidates, one per line, and must never fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from processes import console_script, environment, run

from backfaq.cli import cli
from backfaq.model import Store


def complete(runner: CliRunner, line: str, env: dict[str, str] | None = None) -> list[str]:
    """The values bash would be offered for the last word of ``line``."""
    words = line.split(" ")
    result = runner.invoke(
        cli, [], prog_name="backfaq",
        env={"_BACKFAQ_COMPLETE": "bash_complete", "COMP_WORDS": line,
             "COMP_CWORD": str(len(words) - 1), **(env or {})},
    )
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return [item.split(",", 1)[1] for item in result.stdout.splitlines() if item]


def test_commands(runner: CliRunner) -> None:
    assert complete(runner, "backfaq ") == sorted(cli.list_commands(click.Context(cli)))


def test_options(runner: CliRunner) -> None:
    offered = complete(runner, "backfaq ask --")
    assert {"--limit", "--topic", "--explain", "--quiet", "--format", "--help"} <= set(offered)


@pytest.mark.parametrize("command", ["ask pain --topic", "list --topic"])
def test_topic_names(runner: CliRunner, store: Store, command: str) -> None:
    assert complete(runner, f"backfaq {command} ") == [t.id for t in store.topics]
    assert complete(runner, f"backfaq {command} ex") == ["exercises"]


def test_entry_ids(runner: CliRunner, store: Store) -> None:
    assert complete(runner, "backfaq show ") == [e.id for e in store.entries]
    assert complete(runner, "backfaq show scap") == ["scapulothoracic-bursitis"]


def test_format_values(runner: CliRunner) -> None:
    assert complete(runner, "backfaq topics --format j") == ["json", "jsonl"]


def test_shell_names(runner: CliRunner) -> None:
    assert complete(runner, "backfaq completion ") == ["bash", "zsh", "fish"]


def tiny_store(path: Path) -> Path:
    path.write_text(json.dumps({
        "version": 1,
        "topics": [{"id": "plants", "title": "Plants", "description": "Plants."}],
        "sources": [{"id": "notes", "title": "Notes", "file": "notes.txt"}],
        "entries": [{"id": "cactus", "question": "How often should I water a cactus?",
                     "answer": "Rarely.", "topic": "plants", "sources": ["notes"]}],
    }), encoding="utf-8")
    return path


def test_values_come_from_the_store_given_by_data(runner: CliRunner, tmp_path: Path) -> None:
    store = tiny_store(tmp_path / "tiny.json")
    assert complete(runner, f"backfaq --data {store} show ") == ["cactus"]
    assert complete(runner, f"backfaq --data {store} list --topic ") == ["plants"]
    assert complete(runner, "backfaq show ", env={"BACKFAQ_DATA": str(store)}) == ["cactus"]


def test_values_come_from_every_store_given_and_the_config_file(
    runner: CliRunner, tmp_path: Path
) -> None:
    one = tiny_store(tmp_path / "one.json")
    two = tiny_store(tmp_path / "two.json")
    # --data after the command counts, with those before it; clashing ids qualified.
    assert complete(runner, f"backfaq --data {one} show --data {two} ") == [
        "one:cactus", "two:cactus"]
    config = tmp_path / "config.toml"
    config.write_text(f'data = ["{one}"]\n', encoding="utf-8")
    assert complete(runner, "backfaq show ", env={"BACKFAQ_CONFIG": str(config)}) == [
        "cactus"]
    config.write_text("data = [\n", encoding="utf-8")  # broken: nothing, no traceback
    assert complete(runner, "backfaq show ", env={"BACKFAQ_CONFIG": str(config)}) == []


@pytest.mark.parametrize("data", ["missing.json", "broken.json"])
def test_a_bad_store_completes_nothing_and_never_fails(
    runner: CliRunner, tmp_path: Path, data: str
) -> None:
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    assert complete(runner, f"backfaq --data {tmp_path / data} show ") == []


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_the_script(runner: CliRunner, shell: str) -> None:
    result = runner.invoke(cli, ["completion", shell])
    assert result.exit_code == 0
    assert "_BACKFAQ_COMPLETE" in result.stdout
    assert f"{shell}_complete" in result.stdout


def test_unknown_shell_is_a_usage_error(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["completion", "tcsh"])
    assert result.exit_code == 2
    assert "'tcsh'" in result.stderr


def test_completion_in_a_real_process(store: Store) -> None:
    proc = run(env=environment(_BACKFAQ_COMPLETE="zsh_complete",
                               COMP_WORDS="backfaq show pain-u", COMP_CWORD="2"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == b""
    lines = proc.stdout.decode("utf-8").splitlines()
    assert lines[:3] == ["plain", "pain-under-shoulder-blade-causes",
                         "What causes upper back pain below shoulder blades?"]


@pytest.mark.skipif(shutil.which("bash") is None or console_script() is None,
                    reason="needs bash and the installed backfaq script")
def test_bash_completes_with_the_printed_script() -> None:
    script = console_script()
    assert script is not None
    env = environment(PATH=os.pathsep.join([str(Path(script[0]).parent),
                                            os.environ.get("PATH", "")]))
    proc = subprocess.run(
        ["bash", "--norc", "--noprofile", "-c",
         'eval "$(backfaq completion bash)"; COMP_WORDS=(backfaq list --topic ex);'
         ' COMP_CWORD=3; _backfaq_completion backfaq; printf "%s\\n" "${COMPREPLY[@]}"'],
        capture_output=True, env=env, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b"exercises\n"


@pytest.mark.skipif(shutil.which("fish") is None or console_script() is None,
                    reason="needs fish and the installed backfaq script")
def test_fish_completes_with_the_printed_script() -> None:
    script = console_script()
    assert script is not None
    env = environment(PATH=os.pathsep.join([str(Path(script[0]).parent),
                                            os.environ.get("PATH", "")]))
    proc = subprocess.run(
        ["fish", "--no-config", "-c",
         'backfaq completion fish | source; complete -C "backfaq show scapulo"'],
        capture_output=True, env=env, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split(b"\t")[0] == b"scapulothoracic-bursitis"
