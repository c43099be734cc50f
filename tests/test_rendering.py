"""Rich output as a person sees it, recorded at a fixed width and compared with
golden files in tests/data/ (the answer text is the store's; the layout is ours).

To accept a deliberate change of layout, delete the golden file and run the
test once: it writes the file and fails, so a review sees the new one.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from rich.console import Console

from backfaq import views
from backfaq.analyzer import stem
from backfaq.answer import compose
from backfaq.model import Hit, Store
from backfaq.render.terminal import RichRenderer, answer_body, highlighted

GOLDEN = Path(__file__).parent / "data"
WIDTH = 80


def recording_renderer(*, quiet: bool = False, width: int = WIDTH) -> RichRenderer:
    console = Console(file=io.StringIO(), width=width, record=True, highlight=False,
                      color_system=None)
    return RichRenderer(io.StringIO(), quiet=quiet, console=console)


def hit(store: Store, entry_id: str, score: float, stems: list[str]) -> Hit:
    entry = store.entry(entry_id)
    assert entry is not None
    return Hit(entry, score, {"terms": [{"stems": stems}]})


def warned_answer(store: Store) -> dict[str, Any]:
    """A fixed answer (fixed scores, so ranking changes do not move it) with a warning."""
    ranked = [
        hit(store, "upper-back-strengthening-exercises", 71.25, ["shoulder"]),
        hit(store, "overhead-arm-reach", 64.0, ["arm"]),
    ]
    signs = [f for f in store.red_flags if f.id == "numbness"]
    answer = compose(store, "weak arms", ranked, signs, limit=2)
    return views.ask_dict(store, answer, explain=True)


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if not path.exists():
        path.write_text(text, encoding="utf-8")
        pytest.fail(f"wrote {path.name}; review it and run again")
    assert text == path.read_text(encoding="utf-8")


def test_ask_with_a_warning(store: Store) -> None:
    renderer = recording_renderer()
    renderer.ask(warned_answer(store))
    check_golden("ask-warning-80.txt", renderer.console.export_text())


@pytest.mark.parametrize(("width", "label"), [
    (80, "shown for the warning sign"), (32, "shown for the warning sign"),
    (30, "warning sign"), (20, "warning sign"),
])
def test_the_urgent_panels_label_is_never_cut_mid_word(
    store: Store, width: int, label: str
) -> None:
    renderer = recording_renderer(width=width)
    renderer.ask(warned_answer(store))
    borders = [line for line in renderer.console.export_text().splitlines()
               if line.startswith("╰") and "warning" in line]
    assert len(borders) == 1 and borders[0].endswith(f"─ {label} ─╯")


def test_show_run_on_steps_as_a_list_narrow(store: Store) -> None:
    renderer = recording_renderer(width=60)
    entry = store.entry("back-muscle-definition")
    assert entry is not None
    renderer.entry(views.entry_dict(store, entry))
    check_golden("show-run-on-steps-60.txt", renderer.console.export_text())


def test_quiet_ask_is_text_without_boxes(store: Store) -> None:
    renderer = recording_renderer(quiet=True)
    renderer.ask(warned_answer(store))
    text = renderer.console.export_text()
    assert text.startswith("Warning sign: numbness")
    assert "╭" not in text and "│" not in text
    assert "medical advice" not in text
    assert " 1. Infraspinatus exercise I." in [line.rstrip() for line in text.splitlines()]


@pytest.mark.parametrize("width", [40, 80, 120])
def test_long_answers_wrap_to_the_width(store: Store, width: int) -> None:
    renderer = recording_renderer(width=width)
    renderer.ask(warned_answer(store))
    lines = renderer.console.export_text().splitlines()
    # An id too long for its panel stands whole under it, for the terminal to fold.
    assert all(len(line) <= width or line.startswith("id: ") for line in lines)
    assert len(lines) > 10


def test_step_lines_hang_under_their_text(store: Store) -> None:
    renderer = recording_renderer(width=40)
    entry = store.entry("overhead-arm-reach")
    assert entry is not None
    renderer.entry(views.entry_dict(store, entry))
    lines = renderer.console.export_text().splitlines()
    first = next(i for i, line in enumerate(lines) if "• Extend your right arm" in line)
    indent = lines[first].index("Extend")
    continued = lines[first + 1]
    assert continued[indent - 1] == " " and continued[indent] != " ", (lines[first], continued)


def cell_column(line: str, word: str) -> int:
    return cell_len(line[: line.index(word)])


def test_wide_step_markers_keep_the_text_aligned() -> None:
    console = Console(file=io.StringIO(), width=24, record=True, color_system=None)
    console.print(answer_body("Steps:\n１. first wide digit step\n１０. tenth wide step", set()))
    lines = console.export_text().splitlines()
    assert lines[1].lstrip().startswith("１. first") and lines[3].lstrip().startswith("１０. tenth")
    assert lines[2].strip() == "step"  # the first item wraps
    columns = {cell_column(lines[1], "first"), cell_column(lines[2], "step"),
               cell_column(lines[3], "tenth")}
    assert len(columns) == 1, lines


@pytest.mark.parametrize("width", range(1, 13))
def test_steps_fit_a_very_narrow_terminal_and_keep_every_word(width: int) -> None:
    answer = "Do this:\n1. Stretch your back gently.\n10. Ask a doctor if pain persists."
    console = Console(file=io.StringIO(), width=width, record=True, color_system=None)
    console.print(answer_body(answer, set()))
    lines = console.export_text().splitlines()
    assert max(cell_len(line) for line in lines) <= width
    assert "".join("".join(lines).split()) == "".join(answer.split())
    words = answer.split()
    if width >= max(map(len, words)):  # room for every word: none is broken
        assert all(any(word in line.split() for line in lines) for word in words), lines


def test_matched_words_are_highlighted() -> None:
    text = highlighted("Squeeze your shoulder blades together.", {stem("shoulder"), stem("blade")})
    marked = [text.plain[s.start:s.end] for s in text.spans if "bold" in str(s.style)]
    assert marked == ["shoulder", "blades"]


def test_footer_names_topic_and_source(store: Store) -> None:
    renderer = recording_renderer()
    renderer.ask(warned_answer(store))
    text = renderer.console.export_text()
    assert "Topic: Exercises and strengthening" in text and "id: overhead-arm-reach" in text
    source = store.source("exercises-and-shoulder-blades")
    assert source is not None
    assert f"Source: {source.title}" in " ".join(text.replace("│", " ").split())


def test_store_text_in_tables_is_shown_as_written_never_as_markup() -> None:
    renderer = recording_renderer()
    question = "What about [red]colour[/red] and [/]?"
    renderer.entries([{"id": "a", "topic": "t", "question": question}])
    renderer.topics([{"id": "t", "title": "Causes [/]", "entries": 1, "description": "[x] note"}])
    text = renderer.console.export_text()
    assert question in text
    assert "Causes [/]" in text and "[x] note" in text


def test_quiet_keeps_an_explanation_that_was_asked_for(store: Store) -> None:
    console = Console(file=io.StringIO(), width=WIDTH, record=True, color_system=None)
    renderer = RichRenderer(io.StringIO(), quiet=True, show_explain=True, console=console)
    data = warned_answer(store)
    for result in data["results"]:
        result["explain"] = {"fields": {"question": 1.0, "answer": 2.0, "phrase": 3.0},
                             "terms": []}
    renderer.ask(data)
    assert "why: question 1.0 + answer 2.0 + phrase 3.0" in console.export_text()


# --- layouts at 40, 80 and 120 columns ------------------------------------------------

WIDTHS = (40, 80, 120)


def drawn(store: Store, what: str, width: int) -> str:
    renderer = recording_renderer(width=width)
    if what == "ask":
        renderer.ask(warned_answer(store))
    elif what == "list":
        renderer.entries(views.list_rows(store, None))
    elif what == "topics":
        renderer.topics(views.topic_rows(store))
    elif what == "sources":
        renderer.sources(views.source_rows(store))
    else:
        entry = store.entry("pain-between-shoulder-blades-meaning")
        assert entry is not None
        renderer.entry(views.entry_dict(store, entry))
    return str(renderer.console.export_text())


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("what", ["ask", "list", "topics", "sources", "show"])
def test_layouts_at_each_width(store: Store, what: str, width: int) -> None:
    text = drawn(store, what, width)
    ids = {e.id for e in store.entries}
    # Only an id longer than the terminal is wider: whole, for the terminal to fold.
    assert all(cell_len(line) <= width or line.strip().removeprefix("id: ") in ids
               for line in text.splitlines())
    check_golden(f"{what}-{width}.txt", text)


@pytest.mark.parametrize("width", range(30, 141, 7))
@pytest.mark.parametrize("what", ["list", "topics", "sources"])
def test_no_listing_loses_or_breaks_a_word_at_any_width(
    store: Store, what: str, width: int
) -> None:
    """Whatever the width, every id stands whole on one line (to paste into
    `show`) and no word of a question, title or description is lost."""
    text = drawn(store, what, width)
    lines = text.splitlines()
    rows = {"list": views.list_rows(store, None), "topics": views.topic_rows(store),
            "sources": views.source_rows(store)}[what]
    words = " ".join(text.split())
    for row in rows:
        assert any(row["id"] in line.split() for line in lines), row["id"]
        for key in ("question", "title", "description", "file"):
            for word in str(row.get(key, "")).split():
                assert word in words, (key, word)


@pytest.mark.parametrize("width", (40, 50))
def test_a_question_too_long_for_the_border_is_given_whole_inside(
    store: Store, width: int
) -> None:
    text = drawn(store, "show", width)
    border, first = text.splitlines()[:2]
    assert "…" in border
    assert first.startswith("│ What does back pain between shoulder")


def test_an_id_too_long_for_its_panel_stands_whole_under_it(store: Store) -> None:
    text = drawn(store, "show", 30)
    assert "\nid: pain-between-shoulder-blades-meaning\n" in text  # never folded inside
    assert "│ id:" not in text
    wide = drawn(store, "show", 80)
    assert "│ id: pain-between-shoulder-blades-meaning" in wide
