"""The config file: where it is, what it may hold, how it ranks against options
and the environment, and one clear error for each way it can be wrong."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import platformdirs
import pytest
from click.testing import CliRunner

from backfaq.cli import cli
from backfaq.config import config_dir, config_path

STORE = {
    "version": 1,
    "topics": [{"id": "desk", "title": "Desk", "description": "Working at a desk."}],
    "sources": [{"id": "notes", "title": "My notes", "file": "notes.md"}],
    "entries": [
        {"id": "chair", "question": "How high should my chair be?",
         "answer": "Feet flat on the floor.", "topic": "desk", "sources": ["notes"]},
        {"id": "chair-arms", "question": "Should my chair have arms?",
         "answer": "Arms that let your shoulders relax.", "topic": "desk", "sources": ["notes"]},
    ],
}


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A config directory of our own, with a store beside it."""
    config = tmp_path / "config"
    (config / "backfaq").mkdir(parents=True)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    monkeypatch.delenv("BACKFAQ_CONFIG", raising=False)
    (config / "backfaq" / "notes.json").write_text(json.dumps(STORE), encoding="utf-8")
    return config / "backfaq"


def configure(home: Path, text: str) -> Path:
    path = home / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run(runner: CliRunner, *args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(cli, list(args), env=env)


def ids(runner: CliRunner, *args: str, env: dict[str, str] | None = None) -> list[str]:
    result = run(runner, *args, "list", "--format", "json", env=env)
    assert result.exit_code == 0, result.stderr
    return [row["id"] for row in json.loads(result.stdout)]


@pytest.mark.parametrize("xdg", ["/somewhere/config", "", "relative/config", "  "])
def test_the_config_directory_is_the_one_platformdirs_names(
    monkeypatch: pytest.MonkeyPatch, xdg: str
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", xdg)
    assert config_dir() == platformdirs.user_config_dir("backfaq", appauthor=False)
    monkeypatch.delenv("XDG_CONFIG_HOME")
    assert config_dir() == platformdirs.user_config_dir("backfaq", appauthor=False)


def test_backfaq_config_names_another_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKFAQ_CONFIG", "/etc/backfaq.toml")
    assert config_path() == "/etc/backfaq.toml"


def test_no_file_is_fine_and_shows_the_defaults(runner: CliRunner, home: Path) -> None:
    result = run(runner, "config")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == (
        f"config file: {home / 'config.toml'} (no such file)\n"
        "data: bundled (default)\n"
        "format: rich on a terminal, plain when piped (default)\n"
        "limit: 3 (default)\n"
        "history: off (default)\n"
        "pager: on (default)\n"
    )


def test_the_files_settings_apply(runner: CliRunner, home: Path) -> None:
    configure(home, 'data = ["notes.json"]\nformat = "json"\nlimit = 1\n')
    result = run(runner, "ask", "how high should my chair be")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)  # format = "json"
    assert [r["id"] for r in data["results"]] == ["chair"]  # limit = 1, notes.json beside it
    shown = json.loads(run(runner, "config").stdout)
    assert shown["exists"] is True
    assert shown["settings"] == {
        "data": {"value": [str(home / "notes.json")], "from": "config file"},
        "format": {"value": "json", "from": "config file"},
        "limit": {"value": 1, "from": "config file"},
        "history": {"value": False, "from": "default"},
        "pager": {"value": True, "from": "default"},
    }


def test_an_option_then_the_environment_then_the_file_then_the_default(
    runner: CliRunner, home: Path, tmp_path: Path
) -> None:
    configure(home, 'data = ["notes.json", "bundled"]\nlimit = 1\n')
    other = tmp_path / "other.json"
    other.write_text(json.dumps({**STORE, "entries": STORE["entries"][1:]}), encoding="utf-8")
    from_file = ids(runner)
    assert from_file[0] == "chair" and len(from_file) > 2
    assert ids(runner, env={"BACKFAQ_DATA": str(other)}) == ["chair-arms"]
    assert ids(runner, "--data", str(other), env={"BACKFAQ_DATA": "nope.json"}) == [
        "chair-arms"]
    # A --data after the command is an option too: it stands in for the file's.
    after = run(runner, "list", "--data", str(other), "--format", "json")
    assert [r["id"] for r in json.loads(after.stdout)] == ["chair-arms"]
    two = run(runner, "ask", "chair", "-n", "2", "--format", "json")
    assert len(json.loads(two.stdout)["results"]) == 2  # -n beats limit
    plain = run(runner, "ask", "chair", "--format", "plain")
    assert plain.stdout.count("rank: ") == 1
    origins = run(runner, "--data", str(other), "config").stdout
    assert f"data: {other} (--data)\n" in origins and "limit: 1 (config file)\n" in origins


def test_a_home_relative_store(runner: CliRunner, home: Path, monkeypatch: pytest.MonkeyPatch,
                               tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(home))
    configure(home, 'data = ["~/notes.json"]\n')
    assert ids(runner) == ["chair", "chair-arms"]


def test_the_prompt_takes_only_a_format_it_draws(runner: CliRunner, home: Path) -> None:
    configure(home, 'format = "json"\n')
    result = runner.invoke(cli, ["interactive"], input="chin tucks\n:quit\n")
    assert result.exit_code == 0, result.stderr  # json is for ask; the prompt draws plain
    assert result.stdout.startswith("rank: 1\nscore: ")


@pytest.mark.parametrize(("text", "message"), [
    ("limit = [\n", "not valid TOML: "),
    ('format = "plain"\n\ncolour = true\n',
     "line 3: unknown key 'colour' (known: data, format, limit, history, pager)"),
    ('data = "notes.json"\n',
     "line 1: 'data' must be a list of store files ('bundled' for the bundled FAQ), "
     "not 'notes.json'"),
    ("data = []\n", "line 1: 'data' must be a list of store files ('bundled' for the "
                    "bundled FAQ), not an empty list"),
    ('data = ["a.json", 3]\n', "line 1: 'data' must be a list of store files "
                               "('bundled' for the bundled FAQ), not a list holding 3"),
    ('format = "html"\n', "line 1: 'format' must be one of rich, plain, json, jsonl, "
                          "not 'html'"),
    ("\n  limit = 0\n", "line 2: 'limit' must be a whole number of answers, at least 1, "
                        "not 0"),
    ("limit = 2.5\n", "line 1: 'limit' must be a whole number of answers, at least 1, "
                      "not 2.5"),
    ("limit = true\n", "line 1: 'limit' must be a whole number of answers, at least 1, "
                       "not true"),
    ('history = "yes"\n', "line 1: 'history' must be true or false (keep the prompt's "
                           "history across sessions), not 'yes'"),
    ("[data]\nx = 1\n", "line 1: 'data' must be a list of store files ('bundled' for "
                        "the bundled FAQ), not a table"),
])
def test_a_broken_file_is_one_error_naming_file_line_and_key(
    runner: CliRunner, home: Path, text: str, message: str
) -> None:
    path = configure(home, text)
    for args in (["ask", "chair"], ["list"], ["config"]):
        result = run(runner, *args)
        assert result.exit_code == 2
        assert result.stdout == ""
        [line] = result.stderr.splitlines()
        assert line.startswith(f"Error: {path}: {message}"), line


def test_files_that_are_not_config_files(
    runner: CliRunner, home: Path, tmp_path: Path
) -> None:
    (home / "config.toml").mkdir()
    result = run(runner, "list")
    assert result.exit_code == 2
    assert result.stderr == f"Error: {home / 'config.toml'}: is a directory, not a config file\n"
    env = {"BACKFAQ_CONFIG": str(tmp_path / "missing.toml")}
    missing = run(runner, "list", env=env)
    assert missing.exit_code == 2
    assert missing.stderr == (f"Error: {tmp_path / 'missing.toml'}: no such file "
                              "(named by BACKFAQ_CONFIG)\n")
    latin = tmp_path / "latin.toml"
    latin.write_bytes('format = "plain" # caf\xe9\n'.encode("latin-1"))
    bad = run(runner, "list", env={"BACKFAQ_CONFIG": str(latin)})
    assert bad.exit_code == 2 and "not UTF-8 text" in bad.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_is_not_waited_on(runner: CliRunner, home: Path) -> None:
    os.mkfifo(home / "config.toml")
    result = run(runner, "list")
    assert result.exit_code == 2
    assert result.stderr == f"Error: {home / 'config.toml'}: not a regular file\n"


def test_import_never_writes_the_config_files_stores(
    runner: CliRunner, home: Path, tmp_path: Path
) -> None:
    configure(home, 'data = ["notes.json"]\n')
    page = tmp_path / "page.md"
    page.write_text("## Why?\n\nBecause.\n", encoding="utf-8")
    before = (home / "notes.json").read_bytes()
    result = run(runner, "import", str(page))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == "Error: name the store to write with --into STORE"
    assert (home / "notes.json").read_bytes() == before


def test_hints_name_the_stores_given_with_data(runner: CliRunner, home: Path) -> None:
    store = home / "notes.json"
    result = run(runner, "--data", str(store), "ask", "how do I descale my kettle")
    assert result.exit_code == 1
    assert f"(backfaq --data {store} show chair)" in result.stderr
    assert f"`backfaq --data {store} topics`" in result.stderr
    missing = run(runner, "--data", str(store), "show", "nothing-like-it")
    assert missing.stderr.strip().endswith(f"see `backfaq --data {store} list`")
    configure(home, 'data = ["notes.json"]\n')  # the file still holds them: plain hints
    again = run(runner, "ask", "how do I descale my kettle")
    assert "(backfaq show chair)" in again.stderr


def test_a_byte_order_mark_is_not_part_of_the_file(runner: CliRunner, home: Path) -> None:
    (home / "config.toml").write_bytes(b"\xef\xbb\xbflimit = 1\n")
    result = run(runner, "ask", "pain between shoulder blades", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)["results"]) == 1


def test_an_unreadable_file_is_one_error(
    runner: CliRunner, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = configure(home, "limit = 1\n")
    real_open = open

    def refusing(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file) == str(path):  # as chmod 000 would, for a user it applies to
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", refusing)
    result = run(runner, "list")
    assert result.exit_code == 2
    assert result.stderr == f"Error: {path}: cannot read: Permission denied\n"
