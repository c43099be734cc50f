"""The installed console script and ``python -m backfaq``, as real processes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

QUERY = "pain between shoulder blades"
OFF_TOPIC = "how do I back up my laptop"


def console_script() -> list[str] | None:
    # The running interpreter's scripts directory first (its environment may not be
    # activated), then PATH.
    path = os.pathsep.join(
        p for p in (sysconfig.get_path("scripts"), os.environ.get("PATH", "")) if p
    )
    found = shutil.which("backfaq", path=path)
    return [found] if found else None


def module() -> list[str]:
    return [sys.executable, "-m", "backfaq"]


@pytest.fixture(params=["module", "script"])
def program(request: pytest.FixtureRequest) -> list[str]:
    if request.param == "module":
        return module()
    script = console_script()
    if script is None:
        pytest.skip("the backfaq console script is not installed")
    return script


def run(program: list[str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*program, *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )


def test_ask_json(program: list[str], tmp_path: Path) -> None:
    proc = run(program, "ask", QUERY, "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["query"] == QUERY
    assert data["results"]
    assert all(0 <= r["score"] <= 100 for r in data["results"])
    assert proc.stderr == ""


def test_piped_output_defaults_to_plain(program: list[str], tmp_path: Path) -> None:
    proc = run(program, "ask", QUERY, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stdout
    assert proc.stdout.startswith("rank: 1\nscore: ")
    plain = run(program, "ask", QUERY, "--format", "plain", cwd=tmp_path)
    assert proc.stdout == plain.stdout


def test_no_answer_exits_1_with_message_on_stderr(program: list[str], tmp_path: Path) -> None:
    proc = run(program, "ask", OFF_TOPIC, cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.startswith(f"No good answer for {OFF_TOPIC!r}.")
    assert "Traceback" not in proc.stderr


def test_broken_store_exits_2_without_traceback(program: list[str], tmp_path: Path) -> None:
    store = tmp_path / "broken.json"
    store.write_text("{oops", encoding="utf-8")
    proc = run(program, "--data", str(store), "topics", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "broken.json" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_version(program: list[str], tmp_path: Path) -> None:
    from backfaq import __version__

    proc = run(program, "--version", cwd=tmp_path)
    assert proc.returncode == 0
    assert proc.stdout == f"backfaq, version {__version__}\n"


# What a command imports: run as a whole process, listed when it exits.
_IMPORTED = """
import atexit, sys
atexit.register(lambda: sys.stderr.write("\\nIMPORTED " + " ".join(sorted(sys.modules))))
sys.argv = ["backfaq", *sys.argv[1:]]
from backfaq.cli import main
main()
"""


def imported_by(*args: str, cwd: Path) -> set[str]:
    proc = subprocess.run([sys.executable, "-c", _IMPORTED, *args], capture_output=True,
                          cwd=cwd, env={**os.environ, "XDG_CACHE_HOME": str(cwd / "cache")})
    marker = proc.stderr.rindex(b"\nIMPORTED ")
    return set(proc.stderr[marker + len(b"\nIMPORTED "):].decode().split())


def test_numpy_is_loaded_only_by_a_query_of_common_words_on_a_large_store(
    tmp_path: Path,
) -> None:
    """numpy's import costs a tenth of a second: the bundled store's `ask`
    and listings never pay it (search.dense is for stores of many thousands)."""
    for args in (["ask", QUERY, "--format", "plain"], ["ask", "chin tucks pain upper back"],
                 ["list", "--format", "plain"]):
        modules = imported_by(*args, cwd=tmp_path)
        assert not {"numpy", "backfaq.search.dense"} & modules, args


def test_only_import_loads_the_html_parser(tmp_path: Path) -> None:
    """bs4 costs start-up time: `ask` and the listings never load it."""
    for args in (["ask", QUERY, "--format", "plain"], ["list", "--format", "plain"],
                 ["sources"]):
        modules = imported_by(*args, cwd=tmp_path)
        assert "backfaq.cli" in modules
        assert not {"bs4", "lxml", "backfaq.html_pages", "backfaq.html_text",
                    "backfaq.importer", "backfaq.page_files"} & modules, args
    page = tmp_path / "faq.html"
    page.write_text("<h2>Why?</h2><p>Because.</p>", encoding="utf-8")
    modules = imported_by("import", str(page), "--into", str(tmp_path / "s.json"), cwd=tmp_path)
    assert {"bs4", "lxml", "backfaq.html_pages"} <= modules
