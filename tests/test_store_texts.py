"""A store speaks for itself: its title, disclaimer, warning advice and source
addresses come from the store, never from the code."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from backfaq.cli import App, cli
from backfaq.interactive import Session
from backfaq.store import load_store

BUNDLED = load_store()
URL = "https://support.example/kettle/faq"


def kettle(tmp_path: Path, **texts: str) -> Path:
    """A small store of another subject, with the store-level ``texts`` given."""
    doc: dict[str, Any] = {
        "version": 1,
        **texts,
        "topics": [{"id": "care", "title": "Care", "description": "Looking after the kettle."}],
        "sources": [{"id": "manual", "title": "Kettle manual", "file": "manual.html",
                     "url": URL}],
        "entries": [
            {"id": "descale", "question": "How do I descale my kettle?",
             "answer": "Boil a mix of water and citric acid, then rinse twice.",
             "topic": "care", "sources": ["manual"]},
        ],
        "red_flags": [{"id": "smoke", "sign": "smoke from the base", "terms": ["smoke"]}],
    }
    path = tmp_path / "kettle.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def ask(runner: CliRunner, store: Path | None, query: str, fmt: str, code: int = 0) -> str:
    data = ["--data", str(store)] if store else []
    result = runner.invoke(cli, [*data, "ask", query, "--format", fmt])
    assert result.exit_code == code, result.stderr
    return result.stdout


def test_a_store_without_a_disclaimer_prints_none(runner: CliRunner, tmp_path: Path) -> None:
    store = kettle(tmp_path)
    assert json.loads(ask(runner, store, "descale kettle", "json"))["disclaimer"] is None
    for fmt in ("plain", "rich"):
        out = ask(runner, store, "descale kettle", fmt)
        assert "citric acid" in out
        assert "disclaimer" not in out and "medical" not in out
    for line in ask(runner, store, "descale kettle", "jsonl").splitlines():
        assert json.loads(line)["disclaimer"] is None


def test_the_disclaimer_is_the_stores_own(runner: CliRunner, tmp_path: Path) -> None:
    store = kettle(tmp_path, disclaimer="Unplug the kettle before cleaning it.")
    assert json.loads(ask(runner, store, "descale kettle", "json"))["disclaimer"] == (
        "Unplug the kettle before cleaning it.")
    plain = ask(runner, store, "descale kettle", "plain")
    assert plain.endswith("\ndisclaimer: Unplug the kettle before cleaning it.\n")
    assert "Unplug the kettle" in ask(runner, store, "descale kettle", "rich")


def test_the_bundled_store_keeps_its_medical_texts(runner: CliRunner) -> None:
    assert BUNDLED.disclaimer is not None and "not medical advice" in BUNDLED.disclaimer
    assert BUNDLED.notice is not None and "see a doctor" in BUNDLED.notice
    data = json.loads(ask(runner, None, "chest pain and upper back pain", "json"))
    assert data["disclaimer"] == BUNDLED.disclaimer
    assert data["notice"].endswith(BUNDLED.notice)


def test_a_warning_notice_gives_the_stores_advice(runner: CliRunner, tmp_path: Path) -> None:
    calm = json.loads(ask(runner, kettle(tmp_path), "smoke when I descale the kettle", "json"))
    assert calm["notice"] == "Warning sign: smoke from the base."
    advised = kettle(tmp_path, notice="Unplug it at once and call the service line.")
    data = json.loads(ask(runner, advised, "smoke when I descale the kettle", "json"))
    assert data["notice"] == (
        "Warning sign: smoke from the base. Unplug it at once and call the service line.")
    assert "upper back" not in json.dumps(data)


@pytest.mark.parametrize("fmt", ["plain", "rich"])
def test_a_warning_is_shown_when_nothing_answers(
    runner: CliRunner, tmp_path: Path, fmt: str
) -> None:
    # The store has no urgent-care entry and nothing answers: the warning
    # still comes, and the exit status still says there was no answer.
    store = kettle(tmp_path, notice="Unplug it at once.")
    result = runner.invoke(cli, ["--data", str(store), "ask", "smoke from the toaster",
                                 "--format", fmt])
    assert result.exit_code == 1
    assert "smoke from the base" in result.stdout and "Unplug it at once." in result.stdout
    assert "No good answer" in result.stderr


@pytest.mark.parametrize(("texts", "first_line"), [
    ({"title": "Kettle care"}, "Kettle care: ask a question."),
    ({}, "Ask a question."),
])
def test_the_prompt_greets_with_the_stores_title(
    tmp_path: Path, texts: dict[str, str], first_line: str
) -> None:
    out = io.StringIO()
    lines = iter([":quit"])
    session = Session(App(str(kettle(tmp_path, **texts))), fmt="plain", out=out,
                      read=lambda prompt: next(lines))
    assert session.run() == 0
    assert out.getvalue().splitlines()[0].startswith(first_line + " :help for commands")


def test_a_source_shows_its_address(runner: CliRunner, tmp_path: Path) -> None:
    store = kettle(tmp_path)
    data = json.loads(ask(runner, store, "descale kettle", "json"))
    assert data["results"][0]["source"]["url"] == URL
    assert f"source: Kettle manual (manual.html) {URL}\n" in ask(
        runner, store, "descale kettle", "plain")
    assert URL in ask(runner, store, "descale kettle", "rich")
    listed = runner.invoke(cli, ["--data", str(store), "sources", "--format", "plain"])
    assert listed.stdout == f"manual\t1\tmanual.html\tKettle manual\t{URL}\n"
    rows = json.loads(runner.invoke(cli, ["--data", str(store), "sources",
                                          "--format", "json"]).stdout)
    assert rows[0]["url"] == URL


def test_the_bundled_sources_have_no_invented_address(runner: CliRunner) -> None:
    assert all(source.url is None for source in BUNDLED.sources)
    listed = runner.invoke(cli, ["sources", "--format", "plain"]).stdout
    assert all(line.count("\t") == 3 for line in listed.splitlines())


def test_import_sets_the_disclaimer_once(runner: CliRunner, tmp_path: Path) -> None:
    page = tmp_path / "kettle.md"
    page.write_text("# Kettle\n\n## How do I descale it?\n\nWith citric acid.\n",
                    encoding="utf-8")
    store = tmp_path / "store.json"
    args = ["import", str(page), "--into", str(store), "--disclaimer", "Unplug it first."]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.stderr
    assert "disclaimer set: Unplug it first.\n" in first.stdout
    doc = json.loads(store.read_text(encoding="utf-8"))
    assert list(doc)[:2] == ["version", "disclaimer"]  # the format's field order
    assert doc["disclaimer"] == "Unplug it first."
    again = runner.invoke(cli, args)
    assert again.exit_code == 0 and "nothing to change" in again.stdout
    assert "disclaimer set" not in again.stdout
    changed = runner.invoke(cli, [*args[:-1], "Unplug it and let it cool."])
    assert "disclaimer set: Unplug it and let it cool.\n" in changed.stdout
    assert load_store(store).disclaimer == "Unplug it and let it cool."


def test_import_sets_the_title_the_prompt_greets_with(runner: CliRunner, tmp_path: Path) -> None:
    page = tmp_path / "kettle.md"
    page.write_text("## How do I descale it?\n\nWith citric acid.\n", encoding="utf-8")
    store = tmp_path / "store.json"
    result = runner.invoke(cli, ["import", str(page), "--into", str(store), "--title",
                                 "Kettle care", "--disclaimer", "Unplug it first."])
    assert result.exit_code == 0, result.stderr
    assert "title set: Kettle care\n" in result.stdout
    doc = json.loads(store.read_text(encoding="utf-8"))
    assert list(doc)[:3] == ["version", "title", "disclaimer"]
    out = io.StringIO()
    lines = iter([":quit"])
    Session(App(str(store)), fmt="plain", out=out, read=lambda prompt: next(lines)).run()
    assert out.getvalue().startswith("Kettle care: ask a question.")
