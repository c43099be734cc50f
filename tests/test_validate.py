"""`backfaq validate` and the shipped JSON Schema agree on what a store is."""

from __future__ import annotations

import copy
import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from backfaq.cli import cli
from backfaq.store import bundled_path, check_document

SCHEMA = json.loads((files("backfaq") / "store.schema.json").read_text(encoding="utf-8"))
BUNDLED = json.loads(Path(bundled_path()).read_text(encoding="utf-8"))


def schema_errors(doc: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    return [e.message for e in validator.iter_errors(doc)]


def broken(change: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BUNDLED)
    change(doc)
    return doc


# Each breakage is one the schema can see; validate must see it too.
BREAKAGES = {
    "only an empty entries list": lambda d: d.clear() or d.update({"entries": []}),
    "version missing": lambda d: d.pop("version"),
    "version is a string": lambda d: d.update(version="1"),
    "entries not a list": lambda d: d.update(entries={}),
    "entry is a string": lambda d: d["entries"].append("oops"),
    "answer empty": lambda d: d["entries"][3].update(answer="   "),
    "answer missing": lambda d: d["entries"][3].pop("answer"),
    "question a number": lambda d: d["entries"][0].update(question=7),
    "id not a slug": lambda d: d["entries"][0].update(id="Not A Slug"),
    "sources empty": lambda d: d["entries"][0].update(sources=[]),
    "a source named twice": lambda d: d["entries"][0].update(sources=["strength-and-pain"] * 2),
    "topic id not a slug": lambda d: d["topics"][0].update(id="Bad Topic"),
    "source id not a slug": lambda d: d["sources"][0].update(id="Strength & pain"),
    "also_asked not a list": lambda d: d["entries"][0].update(also_asked="x"),
    "unknown entry field": lambda d: d["entries"][0].update(anwser="typo"),
    "unknown top-level field": lambda d: d.update(extra=1),
    "topic without title": lambda d: d["topics"][0].pop("title"),
    "source file null": lambda d: d["sources"][0].update(file=None),
    "synonym group of one": lambda d: d["synonyms"].append(["alone"]),
    "urgent is a string": lambda d: d["entries"][0].update(urgent="yes"),
    "red_flags not a list": lambda d: d.update(red_flags={}),
    "red flag without terms": lambda d: d["red_flags"][0].pop("terms"),
    "red flag with empty terms": lambda d: d["red_flags"][0].update(terms=[]),
    "red flag sign empty": lambda d: d["red_flags"][0].update(sign=" "),
    "red flag term a number": lambda d: d["red_flags"][0].update(terms=[3]),
    "red flag except not a list": lambda d: d["red_flags"][0].update(**{"except": "fell"}),
    "unknown red flag field": lambda d: d["red_flags"][0].update(terms_=["x"]),
    "store title empty": lambda d: d.update(title=""),
    "disclaimer a list": lambda d: d.update(disclaimer=["General information"]),
    "notice null": lambda d: d.update(notice=None),
    "source url a number": lambda d: d["sources"][0].update(url=7),
    "source url not an address": lambda d: d["sources"][0].update(url="support page"),
    "source url another scheme": lambda d: d["sources"][0].update(url="javascript:alert(1)"),
    "source url with a space": lambda d: d["sources"][0].update(url="https://a.example/x y"),
}


def test_bundled_store_matches_the_schema() -> None:
    assert schema_errors(BUNDLED) == []
    assert check_document(BUNDLED) == []


@pytest.mark.parametrize("name", sorted(BREAKAGES))
def test_validate_and_schema_agree(name: str) -> None:
    doc = broken(BREAKAGES[name])
    assert schema_errors(doc), f"schema accepts: {name}"
    assert check_document(doc), f"validate accepts: {name}"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["entries"][1].update(id=d["entries"][0]["id"]), "entries[1].id: duplicate id"),
        (lambda d: d["entries"][2].update(topic="nope"), "entries[2].topic: unknown topic 'nope'"),
        (lambda d: d["entries"][2].update(sources=["nope"]),
         "entries[2].sources[0]: unknown source 'nope'"),
    ],
)
def test_validate_checks_what_a_schema_cannot(change: Any, problem: str) -> None:
    # Uniqueness and references are beyond JSON Schema: only validate sees them.
    problems = [str(p) for p in check_document(broken(change))]
    assert any(p.startswith(problem) for p in problems), problems


@pytest.mark.parametrize("term", ["the", "!!!", "  ?  ", "it's"])
def test_a_warning_phrase_no_query_can_match_is_a_problem(term: str) -> None:
    """A sign named only by a stop word or punctuation would never warn."""
    problems = [str(p) for p in check_document(
        broken(lambda d: d["red_flags"][0]["terms"].append(term)))]
    assert any("no query can match it" in p for p in problems), problems


@pytest.mark.parametrize("term", ["hit by", "can't breathe", "out of breath", "fever"])
def test_a_warning_phrase_of_words_side_by_side_is_fine(term: str) -> None:
    assert check_document(broken(lambda d: d["red_flags"][0]["terms"].append(term))) == []


def test_validate_lists_every_problem_with_its_location(runner: Any, tmp_path: Path) -> None:
    doc = broken(lambda d: (d["entries"][3].update(answer=""), d["entries"][5].pop("topic")))
    path = tmp_path / "store.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.stdout == (
        f"{path}: entries[3].answer: empty\n{path}: entries[5].topic: missing\n"
    )
    assert result.stderr == f"{path}: 2 problems\n"


def test_validate_bundled_store_is_clean(runner: Any) -> None:
    result = runner.invoke(cli, ["validate"])
    assert result.exit_code == 0
    assert result.stdout.endswith(": ok\n")


def test_validate_json_report(runner: Any, tmp_path: Path) -> None:
    path = tmp_path / "store.json"
    path.write_text("[]", encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(path), "--format", "json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["valid"] is False
    assert report["problems"] == [
        {"location": "", "message": "expected a JSON object at the top level, got a list"}
    ]


@pytest.mark.parametrize(
    ("change", "location"),
    [
        (lambda d: d["entries"][0].update(question="Why\x1b[31m?"), "entries[0].question"),
        (lambda d: d["entries"][1].update(answer="Bell\x07"), "entries[1].answer"),
        (lambda d: d["entries"][0].update(also_asked=["Title\x1b]0;x\x07"]),
         "entries[0].also_asked[0]"),
        (lambda d: d["topics"][0].update(title="\x9bred"), "topics[0].title"),
    ],
)
def test_control_characters_in_store_text_are_refused(change: Any, location: str) -> None:
    problems = [str(p) for p in check_document(broken(change))]
    assert f"{location}: contains control characters" in problems


@pytest.mark.parametrize(
    ("change", "location", "message"),
    [
        (lambda d: d["entries"][0].update(question="Two\nlines?"), "entries[0].question",
         "contains a line break (U+000A)"),
        (lambda d: d["entries"][0].update(question="Tab\tbed?"), "entries[0].question",
         "contains a tab"),
        (lambda d: d["entries"][0].update(also_asked=["One\u2028two"]),
         "entries[0].also_asked[0]", "contains a line break (U+2028)"),
        (lambda d: d["topics"][0].update(title="Para\u2029graph"), "topics[0].title",
         "contains a line break (U+2029)"),
        (lambda d: d["sources"][0].update(title="evil \u202egnp.exe"), "sources[0].title",
         "contains a bidirectional control character (U+202E)"),
        (lambda d: d["entries"][1].update(answer="Isolate \u2066this\u2069."),
         "entries[1].answer", "contains a bidirectional control character (U+2066)"),
        (lambda d: d["entries"][1].update(answer="Step\tone."), "entries[1].answer",
         "contains a tab"),
        (lambda d: d["entries"][1].update(answer="Step one.\u2028Step two."),
         "entries[1].answer", "contains a line break (U+2028)"),
    ],
    ids=["newline-question", "tab-question", "ls-also-asked", "ps-topic", "bidi-source",
         "bidi-answer", "tab-answer", "ls-answer"],
)
def test_single_line_fields_hold_no_tab_break_or_bidi_control(
    change: Any, location: str, message: str
) -> None:
    problems = [str(p) for p in check_document(broken(change))]
    assert f"{location}: {message}" in problems


def test_an_answer_keeps_its_line_breaks() -> None:
    doc = broken(lambda d: d["entries"][1].update(answer="Step one.\nStep two."))
    assert check_document(doc) == []


def test_red_flags_and_urgent_are_optional() -> None:
    doc = broken(lambda d: (d.pop("red_flags"), [e.pop("urgent", None) for e in d["entries"]]))
    assert schema_errors(doc) == []
    assert check_document(doc) == []


def test_the_store_texts_and_source_urls_are_optional() -> None:
    def strip(d: dict[str, Any]) -> None:
        for name in ("title", "disclaimer", "notice"):
            d.pop(name)
    doc = broken(strip)
    assert schema_errors(doc) == [] and check_document(doc) == []
    doc = broken(lambda d: d["sources"][0].update(url="https://support.example/faq?x=1#top"))
    assert schema_errors(doc) == [] and check_document(doc) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d.update(disclaimer="Two\nlines"), "disclaimer: contains a line break (U+000A)"),
        (lambda d: d.update(notice="\u202eevil"),
         "notice: contains a bidirectional control character (U+202E)"),
        (lambda d: d.update(title=3), "title: expected a string, got a number"),
        (lambda d: d["sources"][1].update(url="ftp://files.example/faq"),
         "sources[1].url: expected an http:// or https:// address"),
    ],
    ids=["disclaimer-break", "notice-bidi", "title-number", "url-scheme"],
)
def test_store_texts_and_urls_are_checked_where_they_are(change: Any, problem: str) -> None:
    assert problem in [str(p) for p in check_document(broken(change))]


def test_duplicate_red_flag_ids_are_refused() -> None:
    problems = [str(p) for p in check_document(broken(
        lambda d: d["red_flags"][1].update(id=d["red_flags"][0]["id"])))]
    assert any(p.startswith("red_flags[1].id: duplicate id") for p in problems), problems


def test_answers_keep_their_lines() -> None:
    assert any("\n" in e["answer"] for e in BUNDLED["entries"])
    assert check_document(BUNDLED) == []


def test_id_with_a_trailing_newline_is_not_a_slug() -> None:
    problems = [str(p) for p in check_document(broken(lambda d: d["entries"][0].update(
        id=d["entries"][0]["id"] + "\n")))]
    assert any(p.startswith("entries[0].id: must be a lowercase slug") for p in problems)


@pytest.mark.parametrize(
    ("phrase", "message"),
    [("zorbex\x1b[31m", "contains control characters"), ("two\twords", "contains a tab"),
     ("two\nlines", "contains a line break (U+000A)"),
     ("gnik\u202e", "contains a bidirectional control character (U+202E)")],
    ids=["escape", "tab", "newline", "bidi"],
)
def test_synonyms_follow_the_rules_of_single_line_fields(phrase: str, message: str) -> None:
    doc = broken(lambda d: d["synonyms"].append([phrase, "rhomboids"]))
    where = f"synonyms[{len(doc['synonyms']) - 1}][0]"
    assert f"{where}: {message}" in [str(p) for p in check_document(doc)]


def test_problems_are_listed_in_document_order(runner: Any, tmp_path: Path) -> None:
    """As a reader of the file meets them, whichever check finds each."""
    doc = copy.deepcopy(BUNDLED)
    doc["entries"][0]["id"] = "Not A Slug"           # found by the id pass
    doc["entries"][0]["answer"] = ""                 # found by the record pass
    doc["entries"][1]["topic"] = "nowhere"           # found by the reference pass
    del doc["entries"][2]["question"]                # missing: where the format puts it
    doc["sources"][0]["url"] = "ftp://x.example/"    # found by the address pass
    doc = {"zzz": 1, **doc}                          # an unknown field, first in the file
    path = tmp_path / "store.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(path), "--format", "json"])
    assert [p["location"] for p in json.loads(result.stdout)["problems"]] == [
        "zzz", "sources[0].url", "entries[0].id", "entries[0].answer", "entries[1].topic",
        "entries[2].question",
    ]


def test_keys_repeated_are_listed_where_they_are_beside_the_other_problems(
    runner: Any, tmp_path: Path
) -> None:
    """A repeated key makes the file no store, but hides nothing else: each
    is listed at its object, in document order, with every other problem of
    the document (read with the last of each repeated key's values)."""
    doc = copy.deepcopy(BUNDLED)
    doc["entries"][0]["answer"] = ""
    text = json.dumps(doc)
    text = text.replace('"version": 1', '"version": 1, "version": 1', 1)
    second = json.dumps(doc["entries"][1])
    text = text.replace(second, second[:-1] + ', "topic": "' + doc["entries"][1]["topic"] + '"}', 1)
    path = tmp_path / "store.json"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(cli, ["validate", str(path), "--format", "json"])
    assert result.exit_code == 1
    assert [(p["location"], p["message"]) for p in json.loads(result.stdout)["problems"]] == [
        ("", "key 'version' appears twice at the top"),
        ("entries[0].answer", "empty"),
        ("entries[1]", "key 'topic' appears twice in one object"),
    ]
