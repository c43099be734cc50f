"""Several stores served together: `--data` twice, `bundled`, BACKFAQ_DATA
with several paths; one ranking over all of them; ids that clash; each
store's own disclaimer and warning signs."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from backfaq.cli import cli
from backfaq.search import Index
from backfaq.store import bundled_path, load_store
from backfaq.stores import combine, part_names

BUNDLED = load_store()


def write(path: Path, entries: list[tuple[str, str, str]], **extra: Any) -> Path:
    doc = {
        "version": 1,
        **extra,
        "topics": [{"id": "desk", "title": "Desk", "description": "Working at a desk."}],
        "sources": [{"id": "notes", "title": "My notes", "file": "notes.md"}],
        "entries": [{"id": i, "question": q, "answer": a, "topic": "desk", "sources": ["notes"]}
                    for i, q, a in entries],
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    return write(tmp_path / "notes.json", [
        ("chair-height", "How high should my chair be?",
         "Feet flat on the floor, knees level with the hips."),
        ("screen-distance", "How far away should my screen be?",
         "About an arm's length away, the top at eye level."),
    ], disclaimer="My own notes.", red_flags=[
        {"id": "smoke", "sign": "smoke from a device", "terms": ["smoke"]}],
        notice="Stand up and walk around.")


@pytest.fixture
def more(tmp_path: Path) -> Path:
    return write(tmp_path / "more.json", [
        ("chair-height", "What chair height is right for me?",
         "Adjust the seat until your thighs are level."),
        ("breaks", "How often should I take a break?", "Every half hour, for a minute."),
    ])


def ask(runner: CliRunner, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    result = runner.invoke(cli, [*args, "--format", "json"], env=env)
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def ids(runner: CliRunner, *args: str, env: dict[str, str] | None = None) -> list[str]:
    result = runner.invoke(cli, [*args, "list", "--format", "json"], env=env)
    assert result.exit_code == 0, result.stderr
    return [row["id"] for row in json.loads(result.stdout)]


def test_the_bundled_faq_and_a_store_of_ones_own(runner: CliRunner, notes: Path) -> None:
    data = ask(runner, "--data", "bundled", "--data", str(notes), "ask", "chair height")
    top = data["results"][0]
    assert (top["id"], top["store"]) == ("chair-height", "notes")
    assert data["disclaimer"] == "My own notes."  # the answer's own store's
    back = ask(runner, "--data", "bundled", "--data", str(notes), "ask", "chin tucks")
    assert back["results"][0]["store"] == "bundled"
    assert back["disclaimer"] == BUNDLED.disclaimer
    listed = ids(runner, "--data", "bundled", "--data", str(notes))
    assert listed == [e.id for e in BUNDLED.entries] + ["chair-height", "screen-distance"]


def test_backfaq_data_holds_several_paths(runner: CliRunner, notes: Path, more: Path) -> None:
    env = {"BACKFAQ_DATA": os.pathsep.join([str(notes), str(more)])}
    assert ids(runner, env=env) == ["notes:chair-height", "screen-distance",
                                    "more:chair-height", "breaks"]


def test_data_after_the_command_adds_in_order(
    runner: CliRunner, notes: Path, more: Path
) -> None:
    result = runner.invoke(cli, ["--data", str(more), "list", "--data", str(notes),
                                 "--format", "json"])
    assert result.exit_code == 0, result.stderr
    assert [r["id"] for r in json.loads(result.stdout)] == [
        "more:chair-height", "breaks", "notes:chair-height", "screen-distance"]
    alone = runner.invoke(cli, ["ask", "break", "--data", str(more), "--format", "json"])
    assert json.loads(alone.stdout)["results"][0]["id"] == "breaks"
    assert json.loads(alone.stdout)["results"][0]["store"] is None  # one store: no name


def test_a_clashing_id_is_qualified_and_show_lists_the_candidates(
    runner: CliRunner, notes: Path, more: Path
) -> None:
    both = ["--data", str(notes), "--data", str(more)]
    result = runner.invoke(cli, [*both, "show", "chair-height"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: several stores have an entry 'chair-height'; "
        "choose one of: notes:chair-height, more:chair-height")
    shown = runner.invoke(cli, [*both, "show", "more:chair-height", "--format", "json"])
    assert shown.exit_code == 0
    assert json.loads(shown.stdout)["answer"] == "Adjust the seat until your thighs are level."
    assert runner.invoke(cli, [*both, "show", "breaks"]).exit_code == 0


def test_one_ranking_as_one_store_holding_them_all(notes: Path, more: Path) -> None:
    """Shared term statistics and one decision: the scores are those of a
    single store with every entry, not per-store scores side by side."""
    paths = [bundled_path(), str(notes), str(more)]
    stores = [load_store(p) for p in paths]
    together = Index(combine(stores, part_names(paths, bundled_path())))
    merged = json.loads(Path(bundled_path()).read_text(encoding="utf-8"))
    merged["topics"].append({"id": "desk", "title": "Desk", "description": "Working at a desk."})
    merged["sources"].append({"id": "notes", "title": "My notes", "file": "notes.md"})
    for name, store in (("notes", stores[1]), ("more", stores[2])):
        for e in store.entries:
            ident = f"{name}-{e.id}" if e.id == "chair-height" else e.id
            merged["entries"].append({"id": ident, "question": e.question, "answer": e.answer,
                                      "topic": "desk", "sources": ["notes"]})
    one = Path(notes.parent / "merged.json")
    one.write_text(json.dumps(merged), encoding="utf-8")
    single = Index(load_store(one))
    for query in ("chair height", "pain between shoulder blades", "how often a break",
                  "screen at eye level", "descale my kettle"):
        a = together.search(query, limit=5)
        b = single.search(query, limit=5)
        assert [h.score for h in a.hits] == [h.score for h in b.hits], query
        assert [h.entry.question for h in a.hits] == [h.entry.question for h in b.hits]
        assert (a.decision and a.decision.answer) == (b.decision and b.decision.answer)


def test_every_stores_warning_signs_apply_with_their_own_advice(
    runner: CliRunner, notes: Path
) -> None:
    both = ["--data", "bundled", "--data", str(notes)]
    mine = ask(runner, *both, "ask", "smoke from my screen at the desk")
    assert mine["notice"] == "Warning sign: smoke from a device. Stand up and walk around."
    theirs = ask(runner, *both, "ask", "chest pain and upper back pain")
    assert theirs["notice"].endswith(str(BUNDLED.notice))
    assert "Stand up and walk around" not in theirs["notice"]
    assert [e["id"] for e in theirs["urgent"]] == [e.id for e in BUNDLED.urgent_entries]


def test_a_sign_two_stores_name_is_named_once(runner: CliRunner, tmp_path: Path) -> None:
    copy = tmp_path / "copy.json"
    copy.write_bytes(Path(bundled_path()).read_bytes())
    data = ask(runner, "--data", "bundled", "--data", str(copy), "ask",
               "chest pain and upper back pain")
    assert data["notice"].startswith("Warning sign: chest pain or pressure. ")


def test_topics_and_sources_cover_every_store(runner: CliRunner, notes: Path) -> None:
    both = ["--data", "bundled", "--data", str(notes)]
    topics = json.loads(runner.invoke(cli, [*both, "topics", "--format", "json"]).stdout)
    assert [t["id"] for t in topics] == [t.id for t in BUNDLED.topics] + ["desk"]
    sources = json.loads(runner.invoke(cli, [*both, "sources", "--format", "json"]).stdout)
    assert [s["id"] for s in sources] == [s.id for s in BUNDLED.sources] + ["notes"]


def test_plain_and_rich_name_the_store(runner: CliRunner, notes: Path) -> None:
    both = ["--data", "bundled", "--data", str(notes), "ask", "chair height", "-n", "1"]
    plain = runner.invoke(cli, [*both, "--format", "plain"]).stdout
    assert "\nstore: notes\n" in plain and plain.endswith("disclaimer: My own notes.\n")
    assert "store: notes" in runner.invoke(cli, [*both, "--format", "rich"]).stdout


def test_import_writes_exactly_one_store(runner: CliRunner, notes: Path, tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("## Why?\n\nBecause.\n", encoding="utf-8")
    before = notes.read_bytes()
    several = runner.invoke(cli, ["--data", str(notes), "--data", "bundled", "import",
                                  str(page)])
    assert several.exit_code == 2
    assert "name the one to write with --into STORE" in several.stderr
    bundled = runner.invoke(cli, ["--data", "bundled", "import", str(page)])
    assert bundled.exit_code == 2 and "never writes the bundled FAQ" in bundled.stderr
    assert notes.read_bytes() == before
    chosen = runner.invoke(cli, ["--data", str(notes), "--data", "bundled", "import",
                                 str(page), "--into", str(notes)])
    assert chosen.exit_code == 0, chosen.stderr


def test_validate_checks_every_store(runner: CliRunner, notes: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"version": 2}', encoding="utf-8")
    result = runner.invoke(cli, ["--data", str(notes), "--data", str(broken), "validate",
                                 "--format", "json"])
    assert result.exit_code == 1
    reports = json.loads(result.stdout)
    assert [(r["path"], r["valid"]) for r in reports] == [(str(notes), True),
                                                          (str(broken), False)]
    assert result.stderr.startswith(f"{broken}: ")


def test_a_store_named_twice_is_served_once(runner: CliRunner, notes: Path) -> None:
    assert ids(runner, "--data", str(notes), "--data", str(notes)) == [
        "chair-height", "screen-distance"]


def test_a_missing_store_among_several_is_one_error(runner: CliRunner, notes: Path) -> None:
    result = runner.invoke(cli, ["--data", str(notes), "--data", "nope.json", "ask", "chair"])
    assert result.exit_code == 2
    assert result.stderr == "Error: nope.json: no such file\n"


def test_data_after_the_command_stands_in_for_the_environments(
    runner: CliRunner, notes: Path, more: Path
) -> None:
    env = {"BACKFAQ_DATA": str(notes)}
    assert ids(runner, env=env) == ["chair-height", "screen-distance"]
    result = runner.invoke(cli, ["list", "--data", str(more), "--format", "json"], env=env)
    assert [r["id"] for r in json.loads(result.stdout)] == ["chair-height", "breaks"]


def test_a_store_of_ones_own_called_bundled_is_not_the_bundled_faq(
    runner: CliRunner, notes: Path, tmp_path: Path
) -> None:
    own = tmp_path / "bundled.json"
    own.write_bytes(notes.read_bytes())
    listed = ids(runner, "--data", str(own), "--data", "bundled", "--data", str(notes))
    assert "bundled-2:chair-height" in listed and "notes:chair-height" in listed
    assert [e.id for e in BUNDLED.entries][0] in listed  # the bundled FAQ's ids stay bare


def test_a_topic_id_two_stores_mean_differently_is_qualified(
    runner: CliRunner, notes: Path, tmp_path: Path
) -> None:
    other = write(tmp_path / "other.json", [("plants", "Should I have plants?", "Yes.")])
    doc = json.loads(other.read_text(encoding="utf-8"))
    doc["topics"][0]["title"] = "Desk plants"
    other.write_text(json.dumps(doc), encoding="utf-8")
    topics = json.loads(runner.invoke(cli, ["--data", str(notes), "--data", str(other),
                                            "topics", "--format", "json"]).stdout)
    assert [(t["id"], t["title"]) for t in topics] == [("notes:desk", "Desk"),
                                                       ("other:desk", "Desk plants")]
    data = ask(runner, "--data", str(notes), "--data", str(other), "ask", "plants")
    assert data["results"][0]["topic_title"] == "Desk plants"
    same = write(tmp_path / "same.json", [("lamp", "Which lamp?", "A warm one.")])
    shared = json.loads(runner.invoke(cli, ["--data", str(notes), "--data", str(same),
                                            "topics", "--format", "json"]).stdout)
    assert [t["id"] for t in shared] == ["desk"]  # the same topic in both: one topic


def test_import_never_writes_the_bundled_file(runner: CliRunner, tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("## Why?\n\nBecause.\n", encoding="utf-8")
    before = Path(bundled_path()).read_bytes()
    result = runner.invoke(cli, ["import", str(page), "--into", bundled_path()])
    assert result.exit_code == 2
    assert "import never writes the bundled FAQ" in result.stderr
    assert Path(bundled_path()).read_bytes() == before


def test_import_into_the_name_bundled_writes_no_file_of_that_name(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # --data bundled always serves the bundled FAQ: a ./bundled written here
    # could never be served.
    monkeypatch.chdir(tmp_path)
    page = tmp_path / "page.md"
    page.write_text("## Why?\n\nBecause.\n", encoding="utf-8")
    result = runner.invoke(cli, ["import", str(page), "--into", "bundled"])
    assert result.exit_code == 2
    assert "import never writes the bundled FAQ" in result.stderr
    assert not (tmp_path / "bundled").exists()


def test_an_entry_and_a_warning_sign_may_share_an_id(runner: CliRunner, tmp_path: Path) -> None:
    clinic = write(tmp_path / "clinic.json", [("fever", "What if I have a fever?",
                                              "Rest and drink water.")],
                   disclaimer="Clinic advice.")
    data = ask(runner, "--data", "bundled", "--data", str(clinic), "ask", "fever rest water")
    top = data["results"][0]
    assert (top["id"], top["store"]) == ("fever", "clinic")  # not the bundled sign's store
    assert "Clinic advice." in data["disclaimer"]


def no_building(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make building an index fail: what answers now comes from the cache."""
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("an index was built")

    monkeypatch.setattr(Index, "__init__", refuse)


def test_several_stores_are_indexed_once(
    runner: CliRunner, notes: Path, more: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stores = ("--data", "bundled", "--data", str(notes), "--data", str(more))
    first = ask(runner, *stores, "ask", "chair height", "-n", "3")
    signs = ask(runner, *stores, "ask", "smoke from my laptop")
    no_building(monkeypatch)
    # Read back whole: every answer's store, its disclaimer, each store's signs.
    assert ask(runner, *stores, "ask", "chair height", "-n", "3") == first
    assert ask(runner, *stores, "ask", "smoke from my laptop") == signs
    assert {"notes", "more"} <= {r["store"] for r in first["results"]}
    assert signs["notice"] is not None


def test_an_edited_store_among_several_is_indexed_again(
    runner: CliRunner, notes: Path, more: Path
) -> None:
    stores = ("--data", "bundled", "--data", str(notes), "--data", str(more))
    ask(runner, *stores, "ask", "break")
    write(more, [("breaks", "How often should I take a break?", "Every twenty minutes.")])
    data = ask(runner, *stores, "ask", "how often should I take a break")
    assert data["results"][0]["answer"] == "Every twenty minutes."
    # The same stores in another order are another ranking's ids: indexed apart.
    swapped = ask(runner, "--data", str(more), "--data", str(notes), "ask", "chair height")
    assert [r["store"] for r in swapped["results"]][:1] == ["notes"]


def test_a_large_combination_is_read_back_with_its_stores(
    runner: CliRunner, tmp_path: Path, notes: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 120 entries and the bundled 24: pruned, so cached as a SQLite index.
    big = write(tmp_path / "big.json", [
        (f"gadget-{n}", f"How do I reset gadget model {n}?", f"Hold the button for {n} seconds.")
        for n in range(120)])
    stores = ("--data", str(big), "--data", "bundled", "--data", str(notes))
    first = ask(runner, *stores, "ask", "reset gadget model 7")
    cached = list((tmp_path / "xdg-cache" / "backfaq").glob("index-*-several-*.sqlite"))
    assert len(cached) == 1
    no_building(monkeypatch)
    again = ask(runner, *stores, "ask", "reset gadget model 7")
    assert again == first and again["results"][0]["store"] == "big"
    chair = ask(runner, *stores, "ask", "chair height")
    assert chair["results"][0]["store"] == "notes" and chair["disclaimer"] == "My own notes."


def test_a_cached_combination_must_name_every_entrys_store(notes: Path, more: Path) -> None:
    from backfaq import snapshot

    paths = [str(notes), str(more)]
    built = Index(combine([load_store(p) for p in paths], part_names(paths, bundled_path())))
    payload = list(snapshot.pack(built))
    restored = snapshot.unpack(tuple(payload), " + ".join(paths))
    assert restored is not None
    assert [restored.store.part_of(e.id) for e in restored.store.entries] == [
        built.store.part_of(e.id) for e in built.store.entries]
    parts, origins, signs = payload[7]
    assert "breaks" in origins
    for wrong in ({**origins, "breaks": len(parts)},  # past the last store
                  {k: v for k, v in origins.items() if k != "breaks"}):  # an entry of none
        payload[7] = (parts, wrong, signs)
        assert snapshot.unpack(tuple(payload), " + ".join(paths)) is None


def test_a_stored_combination_missing_an_entrys_store_is_answered_from_the_stores(
    tmp_path: Path, notes: Path
) -> None:
    from backfaq import stored_index
    from backfaq.model import Store

    big = write(tmp_path / "big.json", [
        (f"gadget-{n}", f"How do I reset gadget model {n}?", f"Hold the button for {n} seconds.")
        for n in range(120)])
    paths = [str(big), str(notes)]
    good = combine([load_store(p) for p in paths], part_names(paths, bundled_path()))
    # As a buggy writer would save it, checksums and all: one entry's store
    # filed under an id no entry has.
    origins = dict(good.origins)
    origins["no-such-entry"] = origins.pop("gadget-0")
    bad = Store(good.path, good.version, good.topics, good.sources, tuple(good.entries),
                good.synonyms, good.red_flags, parts=good.parts, origins=origins,
                sign_origins=good.sign_origins)
    file = tmp_path / "index.sqlite"
    stored_index.write(str(file), Index(bad, prune=True), b"header")
    index = stored_index.read(str(file), b"header", good.path, lambda: Index(good))
    assert index is not None
    assert index.search("reset gadget model 0").hits[0].entry.id == "gadget-0"
    part = index.store.part_of("gadget-0")
    assert part is not None and part.name == "big"


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name != "posix", reason="needs symlinks")
def test_a_stores_name_is_part_of_the_cached_combination(
    runner: CliRunner, tmp_path: Path, notes: Path
) -> None:
    # A link to the bundled file is the bundled FAQ; the same bytes copied
    # there are a store of one's own, named after its file.
    link = tmp_path / "x.json"
    link.symlink_to(bundled_path())
    stores = ("--data", str(link), "--data", str(notes))
    assert ask(runner, *stores, "ask", "chin tucks")["results"][0]["store"] == "bundled"
    link.unlink()
    link.write_bytes(Path(bundled_path()).read_bytes())
    assert ask(runner, *stores, "ask", "chin tucks")["results"][0]["store"] == "x"


def test_disclaimers_of_several_stores_stay_apart_and_say_whose(
    runner: CliRunner, tmp_path: Path
) -> None:
    # Joined with a space, "Ask Bloom about your own plant" and "not medical
    # advice" read as one sentence, neither attributable.
    bloom = write(tmp_path / "bloom.json", [("repot", "How do I repot a fern?",
                                            "Use a bigger pot.")],
                  disclaimer="Ask Bloom about your own plant")
    clinic = write(tmp_path / "clinic.json", [("repot", "How do I repot a fern?",
                                              "Use fresh soil.")],
                   disclaimer="not medical advice")
    data = ask(runner, "--data", str(bloom), "--data", str(clinic), "ask", "repot fern",
               "-n", "2")
    assert {r["store"] for r in data["results"]} == {"bloom", "clinic"}
    assert data["disclaimer"] == ("Ask Bloom about your own plant (bloom); "
                                  "not medical advice (clinic)")
    one = ask(runner, "--data", str(bloom), "--data", str(clinic), "ask", "repot fern",
              "bigger pot", "-n", "1")
    assert one["disclaimer"] == "Ask Bloom about your own plant"  # one store's: as it is


@pytest.mark.skipif(os.name != "posix", reason="control characters in file names")
def test_a_store_file_name_never_brings_control_characters_into_the_output(
    runner: CliRunner, notes: Path, tmp_path: Path
) -> None:
    for name in ("evil\x1b]0;pwned\x07\x1b[31m.json", "new\nline.json", "rtl\u202eelif.json"):
        odd = write(tmp_path / name, [("chair-height", "How low should my chair be?",
                                       "Low enough for flat feet.")])
        result = runner.invoke(cli, ["--data", str(notes), "--data", str(odd), "list",
                                     "--format", "plain"])
        assert result.exit_code == 0, result.stderr
        rows = result.stdout.splitlines()
        assert len(rows) == 3 and all(len(row.split("\t")) == 3 for row in rows)
        assert all(ch.isprintable() for ch in result.stdout.replace("\n", "").replace("\t", ""))
        shown = runner.invoke(cli, ["--data", str(notes), "--data", str(odd), "show",
                                    "chair-height"])
        assert shown.exit_code == 2
        assert all(ch.isprintable() for ch in shown.stderr.replace("\n", ""))


def test_a_topic_in_several_stores_is_named_so_not_unknown(
    runner: CliRunner, notes: Path, tmp_path: Path
) -> None:
    other = write(tmp_path / "other.json", [("breaks", "How often should I take a break?",
                                            "Every half hour.")])
    for path, title in ((notes, "Desk work"), (other, "Desk breaks")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        doc["topics"][0]["title"] = title  # the same id, two topics: qualified
        path.write_text(json.dumps(doc), encoding="utf-8")
    result = runner.invoke(cli, ["--data", str(notes), "--data", str(other), "list",
                                 "--topic", "desk"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: topic 'desk' is in several stores; choose one of: notes:desk, other:desk")


def test_a_store_name_keeps_its_spaces_and_loses_only_what_cannot_be_shown() -> None:
    names = part_names(["/x/My plants.json", "/x/tab\there.json", "/x/\u202eodd.json"],
                       str(bundled_path()))
    assert names == ["My plants", "tab-here", "odd"]
