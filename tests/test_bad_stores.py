"""Stores that cannot be used, given by ``--data PATH`` or ``BACKFAQ_DATA``.

Every one is refused the same way: exit 2, nothing on stdout, and stderr is
exactly one line, ``Error: FILE: PROBLEM``, never a traceback. A store with a
UTF-8 byte order mark is fine.
"""

from __future__ import annotations

import copy
import gc
import json
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from processes import MODULE, assert_no_crash, environment, one_error_line, run

from backfaq.cli import cli
from backfaq.errors import StoreError
from backfaq.store import bundled_path, collector_paused, load_store
from backfaq.text import printable

TINY: dict[str, Any] = {
    "version": 1,
    "topics": [{"id": "plants", "title": "Plants", "description": "Looking after plants."}],
    "sources": [{"id": "notes", "title": "Garden notes", "file": "notes.txt"}],
    "entries": [
        {"id": "bonsai", "question": "How do I water a bonsai tree?",
         "answer": "Water it when the soil feels dry.", "topic": "plants", "sources": ["notes"]},
        {"id": "fern", "question": "Where should a fern grow?",
         "answer": "Ferns like shade and damp air.", "topic": "plants", "sources": ["notes"]},
    ],
}
TINY_IDS = ["bonsai", "fern"]


def tiny(change: Callable[[dict[str, Any]], Any] | None = None) -> bytes:
    doc = copy.deepcopy(TINY)
    if change is not None:
        change(doc)
    return json.dumps(doc, indent=2).encode("utf-8")


def entry(doc: dict[str, Any], i: int = 0) -> dict[str, Any]:
    entries: list[dict[str, Any]] = doc["entries"]
    return entries[i]


# name -> (the file's bytes, or None for "do not create it"; what the message says)
BAD_STORES: dict[str, tuple[bytes | None, str]] = {
    "missing file": (None, "no such file"),
    "empty file": (b"", "empty file"),
    "only whitespace": (b" \n\t\n", "empty file"),
    "truncated JSON": (b'{\n  "version": 1,\n  "topics": [\n', "invalid JSON at line 4, column 1"),
    "truncated mid-record": (b'{\n  "version": 1,\n  "topics": [{"id": "a"',
                             "invalid JSON at line 3, column 24"),
    "trailing garbage": (tiny() + b"\n}", "invalid JSON at line"),
    # Python's json reads these; JSON has no such values.
    "NaN": (b'{"version": NaN}', "invalid JSON: NaN is not a JSON value"),
    "Infinity": (b'{"version": 1, "topics": [-Infinity]}',
                 "invalid JSON: -Infinity is not a JSON value"),
    # Python's json keeps the last; the first list of entries would vanish.
    "duplicate key": (b'{"version": 1, "entries": [], "entries": []}',
                      "key 'entries' appears twice at the top"),
    "duplicate key inside": (b'{"version": 1, "entries": [{"id": "a"}, {"id": "b", "id": "c"}]}',
                             "key 'id' appears twice in one object"),
    # A repeat read before a later fault of the JSON itself: the fault is it.
    "duplicate key then truncated": (b'{"version": 1, "topics": [{"id": "a", "id": "b"}],'
                                     b' "entries": [', "invalid JSON at line 1"),
    "duplicate key then NaN": (b'{"version": 1, "topics": [{"id": "a", "id": "b"}],'
                               b' "entries": NaN}', "invalid JSON: NaN is not a JSON value"),
    "top level is a list": (b"[]", "expected a JSON object at the top level, got a list"),
    "top level is a string": (b'"faq"', "expected a JSON object at the top level, got a string"),
    "top level is a number": (b"42", "expected a JSON object at the top level, got a number"),
    "top level is null": (b"null", "expected a JSON object at the top level, got null"),
    "version is a string": (tiny(lambda d: d.update(version="1")),
                            "version: expected an integer, got a string"),
    "version is a float": (tiny(lambda d: d.update(version=1.0)),
                           "version: expected an integer, got a number"),
    "entries is an object": (tiny(lambda d: d.update(entries={})),
                             "entries: expected a list, got an object"),
    "entry is a string": (tiny(lambda d: d["entries"].insert(0, "bonsai")),
                          "entries[0]: expected an object, got a string"),
    "question is a number": (tiny(lambda d: entry(d).update(question=7)),
                             "entries[0].question: expected a string, got a number"),
    "answer is null": (tiny(lambda d: entry(d).update(answer=None)),
                       "entries[0].answer: expected a string, got null"),
    "also_asked is a string": (tiny(lambda d: entry(d).update(also_asked="x")),
                               "entries[0].also_asked: expected a list, got a string"),
    "sources holds a number": (tiny(lambda d: entry(d).update(sources=[1])),
                               "entries[0].sources[0]: expected a string, got a number"),
    "topic title is a boolean": (tiny(lambda d: d["topics"][0].update(title=True)),
                                 "topics[0].title: expected a string, got a boolean"),
    "missing topics": (tiny(lambda d: d.pop("topics")), "topics: missing"),
    "missing answer": (tiny(lambda d: entry(d).pop("answer")), "entries[0].answer: missing"),
    "missing entry id": (tiny(lambda d: entry(d).pop("id")), "entries[0].id: missing"),
    "missing entry sources": (tiny(lambda d: entry(d).pop("sources")),
                              "entries[0].sources: missing"),
    "duplicate ids": (tiny(lambda d: entry(d, 1).update(id="bonsai")),
                      "entries[1].id: duplicate id 'bonsai'"),
    "empty answer": (tiny(lambda d: entry(d).update(answer="")), "entries[0].answer: empty"),
    "blank answer": (tiny(lambda d: entry(d).update(answer=" \n ")), "entries[0].answer: empty"),
    "no entries": (tiny(lambda d: d.update(entries=[])), "entries: empty"),
    "dangling topic": (tiny(lambda d: entry(d).update(topic="nosuch")),
                       "entries[0].topic: unknown topic 'nosuch'"),
    "dangling source": (tiny(lambda d: entry(d).update(sources=["nosuch"])),
                        "entries[0].sources[0]: unknown source 'nosuch'"),
    "unknown field": (tiny(lambda d: entry(d).update(anwser="typo")),
                      "entries[0].anwser: unknown field"),
    "wrong version": (tiny(lambda d: d.update(version=2)), "unsupported version 2"),
    "invalid UTF-8": (tiny().replace(b"Looking", b"Look\xe9ing"), "not UTF-8 text (bad byte at"),
    "UTF-16 with BOM": ("\ufeff".encode("utf-16-le") + tiny().decode().encode("utf-16-le"),
                        "not UTF-8 text"),
    "binary garbage": (bytes(range(256)) * 8, "not UTF-8 text (bad byte at offset 128)"),
    "gzip bytes": (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + bytes(range(200, 256)),
                   "not UTF-8 text (bad byte at offset 1)"),
    "NUL bytes": (b"\x00" * 64, "invalid JSON at line 1, column 1"),
    "nested too deeply": (b"[" * 200_000, "nested too deeply"),
    "number with too many digits": (b'{"version": ' + b"9" * 5000 + b"}",
                                    "a number has too many digits"),
}


def write_bad_store(tmp_path: Path, kind: str) -> Path:
    content, _ = BAD_STORES[kind]
    path = tmp_path / "store.json"
    if content is not None:
        path.write_bytes(content)
    return path


def check_refusal(path: Path, stdout: bytes | str, stderr: bytes | str, problem: str) -> str:
    """Nothing on stdout; stderr is one line naming the file and the problem."""
    assert not stdout
    line = one_error_line(stderr)
    assert line.startswith(f"Error: {printable(str(path), limit=1000)}: "), line
    assert problem in line, line
    return line


def invoke(runner: CliRunner, args: list[str], env: dict[str, str] | None = None) -> Result:
    result = runner.invoke(cli, args, env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception
    )
    return result


@pytest.mark.parametrize("kind", sorted(BAD_STORES))
def test_bad_store_via_option_real_process(tmp_path: Path, kind: str) -> None:
    path = write_bad_store(tmp_path, kind)
    proc = run("--data", str(path), "list")
    assert proc.returncode == 2
    check_refusal(path, proc.stdout, proc.stderr, BAD_STORES[kind][1])


@pytest.mark.parametrize("kind", sorted(BAD_STORES))
def test_bad_store_via_env_var(runner: CliRunner, tmp_path: Path, kind: str) -> None:
    path = write_bad_store(tmp_path, kind)
    result = invoke(runner, ["ask", "water a bonsai", "--format", "json"],
                    env={"BACKFAQ_DATA": str(path)})
    assert result.exit_code == 2
    check_refusal(path, result.stdout, result.stderr, BAD_STORES[kind][1])


@pytest.mark.parametrize("command", [["topics"], ["sources"], ["show", "bonsai"],
                                     ["ask", "bonsai"], ["list", "--topic", "plants"]])
def test_every_command_refuses_a_bad_store(
    runner: CliRunner, tmp_path: Path, command: list[str]
) -> None:
    path = write_bad_store(tmp_path, "dangling topic")
    result = invoke(runner, ["--data", str(path), *command])
    assert result.exit_code == 2
    check_refusal(path, result.stdout, result.stderr, "unknown topic 'nosuch'")


@pytest.mark.parametrize("kind", sorted(BAD_STORES))
def test_validate_reports_a_bad_store(runner: CliRunner, tmp_path: Path, kind: str) -> None:
    # ``validate`` is the one command that reports a bad store as its answer: exit 1.
    path = write_bad_store(tmp_path, kind)
    result = invoke(runner, ["validate", str(path)])
    assert result.exit_code == 1
    assert_no_crash(result.stderr)
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith(f"{path}: ") for line in lines)
    assert BAD_STORES[kind][1] in result.stdout
    count = f"{len(lines)} problem{'' if len(lines) == 1 else 's'}"
    assert result.stderr == f"{path}: {count}\n"


# --- stores that are fine -------------------------------------------------------------


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + tiny())
    proc = run("--data", str(path), "list", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == b""
    assert [row["id"] for row in json.loads(proc.stdout)] == TINY_IDS


def test_bundled_store_with_bom_is_accepted(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + Path(bundled_path()).read_bytes())
    result = invoke(runner, ["--data", str(path), "ask", "pain between shoulder blades"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""


# --- what is not a store file ---------------------------------------------------------


def test_directory(tmp_path: Path) -> None:
    proc = run("--data", str(tmp_path), "topics")
    assert proc.returncode == 2
    check_refusal(tmp_path, proc.stdout, proc.stderr, "is a directory")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_device_is_refused_not_read_forever(device: str) -> None:
    proc = run("--data", device, "list")
    assert proc.returncode == 2
    check_refusal(Path(device), proc.stdout, proc.stderr, "is a device")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs POSIX permissions and a user that they apply to")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.json"
    path.write_bytes(tiny())
    path.chmod(0)
    try:
        proc = run("--data", str(path), "list")
    finally:
        path.chmod(0o600)
    assert proc.returncode == 2
    check_refusal(path, proc.stdout, proc.stderr, "cannot read: Permission denied")


def test_control_characters_in_keys_stay_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "evil.json"
    path.write_bytes(tiny(lambda d: d.update({"x\n\x1b[31mEvil\x07": 1})))
    proc = run("--data", str(path), "list")
    assert proc.returncode == 2
    line = check_refusal(path, proc.stdout, proc.stderr, "unknown field")
    assert b"\x1b" not in proc.stderr and b"\x07" not in proc.stderr
    assert "x\\n\\x1b[31mEvil\\x07" in line
    validate = run("validate", str(path))
    assert validate.returncode == 1
    assert b"\x1b" not in validate.stdout + validate.stderr
    assert validate.stdout.decode().count("\n") == 1


@pytest.mark.skipif(os.name != "posix", reason="needs newlines in file names")
def test_file_name_with_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "bad\nname\x1b[2J.json"
    proc = run("--data", str(path), "list")
    assert proc.returncode == 2
    line = check_refusal(path, proc.stdout, proc.stderr, "no such file")
    assert "bad\\nname\\x1b[2J.json" in line
    assert b"\x1b" not in proc.stderr


def test_file_name_with_invalid_utf8(tmp_path: Path) -> None:
    path = os.path.join(os.fsencode(tmp_path), b"caf\xe9.json")
    proc = run("--data", path, "list")
    assert proc.returncode == 2
    line = one_error_line(proc.stderr)
    assert str(tmp_path) in line and "no such file" in line


# --- which store is served --------------------------------------------------------------


def listed(result: Result) -> list[str]:
    assert result.exit_code == 0, result.stderr
    return [row["id"] for row in json.loads(result.stdout)]


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "good.json"
    path.write_bytes(tiny())
    return path


@pytest.fixture
def bad(tmp_path: Path) -> Path:
    return write_bad_store(tmp_path, "truncated JSON")


def test_option_wins_over_a_bad_env_var(runner: CliRunner, good: Path, bad: Path) -> None:
    result = invoke(runner, ["--data", str(good), "list", "--format", "json"],
                    env={"BACKFAQ_DATA": str(bad)})
    assert listed(result) == TINY_IDS


def test_bad_option_is_reported_not_the_env_var(runner: CliRunner, good: Path, bad: Path) -> None:
    result = invoke(runner, ["--data", str(bad), "list"], env={"BACKFAQ_DATA": str(good)})
    assert result.exit_code == 2
    check_refusal(bad, result.stdout, result.stderr, "invalid JSON")


def test_env_var_wins_over_the_bundled_store(runner: CliRunner, good: Path) -> None:
    result = invoke(runner, ["list", "--format", "json"], env={"BACKFAQ_DATA": str(good)})
    assert listed(result) == TINY_IDS


def test_bad_env_var_is_reported_not_replaced_by_the_bundled_store(
    runner: CliRunner, bad: Path
) -> None:
    result = invoke(runner, ["list"], env={"BACKFAQ_DATA": str(bad)})
    assert result.exit_code == 2
    check_refusal(bad, result.stdout, result.stderr, "invalid JSON")


def test_empty_env_var_means_the_bundled_store(runner: CliRunner) -> None:
    result = invoke(runner, ["list", "--format", "json"], env={"BACKFAQ_DATA": ""})
    assert "bonsai" not in listed(result) and listed(result)


def test_precedence_real_process(good: Path, bad: Path) -> None:
    both = run("--data", str(good), "list", "--format", "json",
               env=environment(BACKFAQ_DATA=str(bad)))
    assert both.returncode == 0, both.stderr
    assert [row["id"] for row in json.loads(both.stdout)] == TINY_IDS
    env_only = run("list", env=environment(BACKFAQ_DATA=str(bad)))
    assert env_only.returncode == 2
    check_refusal(bad, env_only.stdout, env_only.stderr, "invalid JSON at line 4, column 1")


def test_too_large_is_refused(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import backfaq.limits

    path = tmp_path / "store.json"
    path.write_bytes(tiny())
    monkeypatch.setattr(backfaq.limits, "MAX_BYTES", 100)  # instead of writing 1 GiB
    result = invoke(runner, ["--data", str(path), "list"])
    assert result.exit_code == 2
    check_refusal(path, result.stdout, result.stderr, "too large for a store file")


class WeighedStore:
    """A tiny store weighed as a big one, in a process with just enough
    memory for it (``enough(False)``: one byte too little)."""

    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        import backfaq.limits

        self.path = tmp_path / "store.json"
        self.path.write_bytes(tiny())
        self.needs = self.path.stat().st_size * backfaq.limits.MEMORY_PER_BYTE
        self._monkeypatch = monkeypatch
        monkeypatch.setattr(backfaq.limits, "CHECK_MEMORY_FROM", 10)  # instead of 64 MiB
        self.enough(True)

    def enough(self, memory: bool | None) -> None:
        """Just enough memory, one byte too little, or (None) nothing said."""
        import backfaq.limits

        available = None if memory is None else self.needs - (not memory)
        self._monkeypatch.setattr(backfaq.limits, "memory_available", lambda: available)


def test_a_store_too_large_for_the_memory_is_one_clear_error(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = WeighedStore(tmp_path, monkeypatch)
    path = store.path
    # Just enough memory to read and index it: served.
    assert invoke(runner, ["--data", str(path), "list"]).exit_code == 0
    # Less: refused before it is read, in one line naming what it needs.
    store.enough(False)
    for command in (["list"], ["ask", "stretches"], ["show", "x"], ["topics"]):
        result = invoke(runner, ["--data", str(path), *command])
        assert result.exit_code == 2, command
        check_refusal(path, result.stdout, result.stderr, "too large for the memory available")
        assert "to read and index" in result.stderr
    validated = invoke(runner, ["--data", str(path), "validate"])  # a problem, as validate says
    assert validated.exit_code == 1 and "too large for the memory available" in validated.stdout
    # A system that does not say what it has: served.
    store.enough(None)
    assert invoke(runner, ["--data", str(path), "list"]).exit_code == 0


def test_a_cached_index_of_a_store_too_large_for_the_memory_is_not_loaded(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = WeighedStore(tmp_path, monkeypatch)
    path = store.path
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    assert invoke(runner, ["--data", str(path), "ask", "stretches"], env=env).exit_code in (0, 1)
    assert list((tmp_path / "cache").rglob("*.marshal"))  # the index is cached
    store.enough(False)
    result = invoke(runner, ["--data", str(path), "ask", "stretches"], env=env)
    assert result.exit_code == 2
    check_refusal(path, result.stdout, result.stderr, "too large for the memory available")


def test_a_nul_in_a_store_name_is_one_error(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('data = ["a\\u0000b"]\n')
    for command in (["list"], ["ask", "stretches"], ["validate"]):
        result = invoke(runner, command, env={"BACKFAQ_CONFIG": str(config)})
        assert result.exit_code in (1, 2), (command, result.output)
        assert "NUL character" in result.stderr + result.stdout


def test_the_memory_available_is_a_positive_number_or_unknown() -> None:
    import backfaq.limits

    available = backfaq.limits.memory_available()
    assert available is None or available >= 0
    if os.path.exists("/proc/meminfo"):
        assert available is not None and available > 0


@pytest.mark.skipif(not os.path.isdir("/dev/fd"), reason="needs /dev/fd")
def test_store_from_a_pipe() -> None:
    """``backfaq --data <(command)``: a pipe is read like a file (devices are not)."""
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, tiny())  # a tiny store fits in the pipe's buffer
        os.close(write_end)
        proc = subprocess.run([*MODULE, "--data", f"/dev/fd/{read_end}", "list",
                               "--format", "json"], stdin=subprocess.DEVNULL,
                              capture_output=True, env=environment(), pass_fds=[read_end],
                              timeout=60)
    finally:
        os.close(read_end)
    assert proc.returncode == 0, proc.stderr
    assert [row["id"] for row in json.loads(proc.stdout)] == TINY_IDS


@pytest.mark.parametrize("enabled", [True, False], ids=["collector-on", "collector-off"])
def test_loading_leaves_the_cycle_collector_as_it_was(tmp_path: Path, enabled: bool) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    was = gc.isenabled()
    gc.enable() if enabled else gc.disable()
    try:
        assert load_store().entries
        assert gc.isenabled() is enabled
        with pytest.raises(StoreError):
            load_store(broken)
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_a_frozen_load_leaves_its_objects_out_of_the_collectors_sight() -> None:
    """What a whole-process command loads is frozen; anything else is not."""
    before = gc.get_freeze_count()
    try:
        with collector_paused():
            kept = load_store()
        assert gc.get_freeze_count() == before
        with collector_paused(freeze=True):
            kept = load_store()
        assert gc.get_freeze_count() > before + len(kept.entries)
        assert gc.isenabled()
    finally:
        gc.unfreeze()  # back where the tests can collect them



def test_a_key_repeated_deep_in_a_store_is_named_where_it_is(tmp_path: Path) -> None:
    path = write_bad_store(tmp_path, "duplicate key inside")
    with pytest.raises(StoreError, match=re.escape(
            "invalid store: key 'id' appears twice in one object (entries[1])")):
        load_store(path)
