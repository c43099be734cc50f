"""Reading FAQ pages: plain text laid out as the source pages are, and Markdown.

Each case is a small page and the exact title and (question, answer) pairs it
gives; answers keep the page's words and line breaks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from backfaq.errors import PageError
from backfaq.pages import Page, Pair, detect_format, parse_page

SOURCES = Path(__file__).resolve().parents[1] / "data" / "sources"


def pairs(text: str, *, name: str = "page.txt", fmt: str | None = None) -> list[tuple[str, str]]:
    return [(p.question, p.answer) for p in parse_page(text, name=name, fmt=fmt).pairs]


# --- plain text ------------------------------------------------------------------------

TEXT_PAGE = """\
Looking after your back
Table of Contents
How do I sit well?

Sit back in the chair.   
Keep your feet flat.

Why stretch?
Stretching steps
  1. Reach up.
  2. Reach down.
  \u2022 Breathe out.


Is it serious?

When do I call a doctor?
Call a doctor if the pain is severe.
Share this article
"""


def test_text_page_questions_answers_title_and_furniture() -> None:
    page = parse_page(TEXT_PAGE, name="back.txt")
    assert page == Page(
        title="Looking after your back",
        format="text",
        pairs=(
            Pair("How do I sit well?", "Sit back in the chair.\nKeep your feet flat."),
            Pair("Why stretch?",
                 "Stretching steps\n1. Reach up.\n2. Reach down.\n\u2022 Breathe out."),
            Pair("Is it serious?", ""),
            Pair("When do I call a doctor?", "Call a doctor if the pain is severe."),
        ),
    )


def test_windows_and_old_mac_line_endings_read_the_same() -> None:
    expected = parse_page(TEXT_PAGE, name="back.txt")
    assert parse_page(TEXT_PAGE.replace("\n", "\r\n"), name="back.txt") == expected
    assert parse_page(TEXT_PAGE.replace("\n", "\r"), name="back.txt") == expected


def test_byte_order_mark_is_not_part_of_the_title() -> None:
    assert parse_page("\ufeffMy FAQ\nWhy?\nBecause.", name="p.txt").title == "My FAQ"


def test_one_blank_line_between_paragraphs_is_kept_runs_are_one() -> None:
    text = "Why?\n\n\nFirst part.\n\n\n\nSecond part.\n\n\n"
    assert pairs(text) == [("Why?", "First part.\n\nSecond part.")]


def test_an_introduction_before_the_first_question_is_not_a_title() -> None:
    text = "This page answers the questions people ask most about backs.\nWhy?\nBecause."
    page = parse_page(text, name="p.txt")
    assert page.title is None
    assert page.pairs == (Pair("Why?", "Because."),)


def test_a_question_inside_an_answer_line_is_part_of_the_answer() -> None:
    text = "When should I worry?\nWhen should I worry? Call your doctor now.\n"
    assert pairs(text) == [("When should I worry?", "When should I worry? Call your doctor now.")]


@pytest.mark.parametrize("line", ["  Do you have a fever?", "- Do you have a fever?",
                                  "\u2022 Do you have a fever?", "2. Do you have a fever?"])
def test_indented_and_list_lines_ending_in_a_question_mark_stay_in_the_answer(line: str) -> None:
    text = f"When should I see a doctor?\nAsk yourself:\n{line}\n"
    assert pairs(text) == [("When should I see a doctor?",
                            f"Ask yourself:\n{line.strip()}")]


def test_a_page_without_questions_has_no_pairs() -> None:
    assert parse_page("Just some notes.\nNothing asked here.\n", name="p.txt").pairs == ()


def test_both_source_pages_parse_into_their_questions() -> None:
    first = parse_page((SOURCES / "000_e6524879e6cdcbc3.txt").read_text("utf-8"), name="000.txt")
    second = parse_page((SOURCES / "001_21e0dcd4b713d5da.txt").read_text("utf-8"), name="001.txt")
    # The first page opens with an introduction (too long for a title) and a
    # "Table of Contents" line; the second starts with its first question.
    assert (first.title, second.title) == (None, None)
    assert (len(first.pairs), len(second.pairs)) == (12, 16)
    assert first.pairs[0].question == "How can I make my upper back stronger?"
    unanswered = [p.question for p in (*first.pairs, *second.pairs) if not p.answer]
    assert unanswered == ["How can seniors strengthen their upper back muscles?"]
    assert second.pairs[0].answer == (
        "Strengthening exercises for the upper back muscles\n1. Infraspinatus exercise I.\n"
        "2. Standing shoulder exercise I.\n3. \u201cOstrich\u201d exercise.\n4. Side plank I.\n"
        "5. Standing shoulder pull I.\n6. Shoulder pull."
    )


# --- Markdown --------------------------------------------------------------------------

MARKDOWN_PAGE = """\
# Back care FAQ

Some words about this page.

## How do I sit well?

Sit back in the chair.  
Keep your feet flat.

## Which stretches help?

Try these:

- Reach up.
  - Hold for 5 seconds.
- Reach down.

1. Breathe in.
2. Breathe out.

### Before you start

Warm up first.

## Is it serious?

## Extra reading

Links nobody needs.

## When do I call a doctor?

```
# not a heading
```
Call a doctor if the pain is severe.

---
"""


def test_markdown_headings_are_questions_sections_are_answers() -> None:
    page = parse_page(MARKDOWN_PAGE, name="faq.md")
    assert page == Page(
        title="Back care FAQ",
        format="markdown",
        pairs=(
            Pair("How do I sit well?", "Sit back in the chair.\nKeep your feet flat."),
            Pair("Which stretches help?",
                 "Try these:\n\n- Reach up.\n  - Hold for 5 seconds.\n- Reach down.\n\n"
                 "1. Breathe in.\n2. Breathe out.\n\n### Before you start\n\nWarm up first."),
            Pair("Is it serious?", ""),
            Pair("When do I call a doctor?",
                 "```\n# not a heading\n```\nCall a doctor if the pain is severe."),
        ),
    )


def test_markdown_sections_above_the_questions_are_their_topics() -> None:
    text = ("# Bikes\n\n## Repairs\n\n### How long does a service take?\n\nA day.\n\n"
            "### Do you fix e-bikes?\n\nYes.\n\n## Buying\n\n### Can I try one first?\n\n"
            "Book a test ride.\n")
    page = parse_page(text, name="bikes.md")
    assert [(p.question, p.topic) for p in page.pairs] == [
        ("How long does a service take?", "Repairs"), ("Do you fix e-bikes?", "Repairs"),
        ("Can I try one first?", "Buying")]
    # A label at the questions' own level ends the answer above it, and
    # holds nothing: "Extra reading" is no topic of the question after it.
    assert {p.topic for p in parse_page(MARKDOWN_PAGE, name="faq.md").pairs} == {None}
    # A section ends at a heading at its level or above, a question too.
    ended = parse_page("# Shop\n\n## Repairs\n\n### How long does it take?\n\nA day.\n\n"
                       "## Can I pay by card?\n\nYes.\n\n### Is there a fee?\n\nNo.\n",
                       name="shop.md")
    assert ended.title == "Shop"
    assert [(p.question, p.topic) for p in ended.pairs] == [
        ("How long does it take?", "Repairs"), ("Can I pay by card?", None),
        ("Is there a fee?", None)]
    # Two top-level labels are two sections, the first no title.
    tops = parse_page("# Repairs\n\n## How long?\n\nA day.\n\n# Returns\n\n"
                      "## Can I return it?\n\nYes.\n", name="shop.md")
    assert tops.title is None
    assert [p.topic for p in tops.pairs] == ["Repairs", "Returns"]


def test_markdown_with_windows_line_endings_reads_the_same() -> None:
    expected = parse_page(MARKDOWN_PAGE, name="faq.md")
    assert parse_page(MARKDOWN_PAGE.replace("\n", "\r\n"), name="faq.md") == expected


def test_markdown_headings_without_question_marks_are_all_questions() -> None:
    text = "# Plants\n\n## Watering\n\nWhen the soil is dry.\n\n## Light\n\nBright shade.\n"
    page = parse_page(text, name="plants.md")
    assert page.title == "Plants"
    assert page.pairs == (Pair("Watering", "When the soil is dry."), Pair("Light", "Bright shade."))


def test_markdown_setext_headings_and_front_matter() -> None:
    text = "---\ntitle: x\n---\nBack FAQ\n========\n\nWhy stretch?\n------------\nIt helps.\n"
    page = parse_page(text, name="faq.md")
    assert page.title == "Back FAQ"
    assert page.pairs == (Pair("Why stretch?", "It helps."),)


def test_markdown_indented_answer_is_dedented_keeping_nesting() -> None:
    text = "## Why?\n\n    - one\n      - two\n"
    assert pairs(text, name="x.md") == [("Why?", "- one\n  - two")]


# --- format detection and errors ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("faq.md", "Why?\nBecause.", "markdown"),
        ("FAQ.MARKDOWN", "Why?\nBecause.", "markdown"),
        ("faq.txt", "## Why?\nBecause.", "markdown"),
        ("faq", "# Title\n\n## Why?\nBecause.", "markdown"),
        ("faq.txt", "Why?\nBecause.", "text"),
        ("faq.page", "#hashtag is not a heading?\nBecause.", "text"),
        ("faq.html", "Why?\nBecause.", "html"),
        ("saved", "<!-- saved -->\n<!DOCTYPE html><html><body>", "html"),
        ("export.CSV", "question,answer", "csv"),
        ("export.tsv", "question\tanswer", "csv"),
        ("export.json", "{}", "json"),
        ("export", "  [{\"question\": \"Why?\"}]", "json"),
        ("faq.txt", "<p>Why?</p>", "text"),
    ],
)
def test_detect_format(name: str, text: str, expected: str) -> None:
    assert detect_format(name, text) == expected


def test_format_can_be_forced() -> None:
    text = "## Why?\nBecause."
    assert pairs(text, name="x.md", fmt="text") == [("## Why?", "Because.")]
    assert pairs("Why?\nBecause.", name="x.txt", fmt="markdown") == []


@pytest.mark.parametrize("bad", ["\x1b[31m", "\x07", "\x00", "\x9b"])
def test_control_characters_are_refused_with_their_line(bad: str) -> None:
    with pytest.raises(PageError) as caught:
        parse_page(f"Why?\nBecause{bad}.\n", name="p.txt")
    assert str(caught.value) == "p.txt: line 2: contains control characters"


def test_unknown_format_is_refused() -> None:
    with pytest.raises(PageError, match="unknown page format 'pdf'"):
        parse_page("Why?\nBecause.", name="p.txt", fmt="pdf")


def test_statement_headings_at_the_question_level_are_questions() -> None:
    """Support pages often state a problem as a heading ("The red light is
    blinking") among headings that ask; short labels stay labels."""
    page = parse_page(
        "# Help\n\n## How do I descale it?\n\nRun the descale program.\n\n"
        "## The red light is blinking\n\nFill the water tank.\n\n"
        "## Returns\n\nSee our returns page.\n",
        name="help.md",
    )
    assert page.pairs == (
        Pair("How do I descale it?", "Run the descale program."),
        Pair("The red light is blinking", "Fill the water tank."),
    )
