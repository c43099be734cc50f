"""Support pages and help-desk exports as teams have them: HTML (JSON-LD,
<details>, headings, definition lists), CSV/TSV and JSON, each read into
exactly its pairs, with no page furniture, and imported into a store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from backfaq.cli import cli
from backfaq.errors import PageError
from backfaq.html_pages import parse_html
from backfaq.page_files import load_pages
from backfaq.pages import Page, parse_page
from backfaq.store import load_store

PAGES = Path(__file__).parent / "data" / "pages"
TICKETS, ON_BOARD, DELAYS = "Tickets", "On board", "Delays & cancellations"
# The FAQ every page in tests/data/pages holds, as its HTML pages give it.
FAQ = [
    ("Can I change my booking?",
     "Yes, up to 2 hours before departure. A change costs £5 & any fare difference.\n\n"
     "- Online: open My trips and choose Change\n- By phone: call 0800 123 456", TICKETS),
    ("Do children travel free?",
     "Children under 4 travel free. Children aged 4 to 15 pay half fare.", TICKETS),
    ("Can I bring my dog?",
     "Dogs are welcome on the outside decks and in the pet lounge.\n\nAssistance dogs\n\n"
     "Assistance dogs may go anywhere on board.", ON_BOARD),
    ("Is there Wi-Fi on board?",
     "Free Wi-Fi is available in the lounges. Streaming is slow at sea.", ON_BOARD),
    ("What happens if my sailing is cancelled?",
     "We rebook you on the next sailing or refund you in full.\nCall us if you need a hotel.",
     DELAYS),
    ("The ferry is late",
     "Check live departures on our website. Delays over 1 hour get a 25% voucher.", DELAYS),
]
# Words of the page around the FAQ: none may enter a question or an answer.
FURNITURE = ["cookies", "Accept", "Timetables", "Related articles", "luggage", "helpful",
             "Save 20%", "Share this page", "Popular questions", "Everything you need",
             "Our ships have", "Harbour Line Ferries", "dataLayer", "comment"]


def triples(page: Page) -> list[tuple[str, str, str | None]]:
    return [(p.question, p.answer, p.topic) for p in page.pairs]


def loose(items: list[tuple[str, str, str | None]]) -> list[tuple[str, str, str | None]]:
    """Whitespace normalised, as formats that lay out an answer differently compare."""
    return [(q, " ".join(a.split()), t) for q, a, t in items]


def read(name: str) -> Page:
    [(_, page)] = load_pages([PAGES / name], fmt=None)
    return page


def no_furniture(page: Page) -> None:
    text = json.dumps(triples(page))
    for words in FURNITURE:
        assert words not in text, words


# --- HTML -------------------------------------------------------------------------------


def test_json_ld_gives_the_pairs_and_the_visible_page_the_topics() -> None:
    page = read("ferry-support.html")
    assert page.format == "html"
    assert triples(page) == FAQ
    assert page.title == "Harbour Line: questions and answers"
    assert page.url == "https://help.harbourline.example/faq"  # canonical before og:url
    no_furniture(page)


def test_the_pairs_come_from_json_ld_alone_not_also_from_the_page() -> None:
    text = (PAGES / "ferry-support.html").read_text(encoding="utf-8")
    # The visible page says something else: what the site declares wins.
    page = parse_html(text.replace("<h3>Do children travel free?</h3>",
                                   "<h3>Do kids ride free?</h3>"))
    assert [p.question for p in page.pairs] == [q for q, _, _ in FAQ]
    # A question the visible page does not show has no section to take a topic from.
    assert page.pairs[1].topic is None


def test_question_headings_of_mixed_levels_and_wrappers() -> None:
    page = read("ferry-headings.html")
    assert triples(page) == FAQ
    assert page.title == "Harbour Line: questions and answers"
    assert page.url == "https://help.harbourline.example/faq"  # og:url without canonical
    no_furniture(page)


def test_the_same_page_without_json_ld_reads_the_same_from_its_headings() -> None:
    text = (PAGES / "ferry-support.html").read_text(encoding="utf-8")
    start = text.index('<script type="application/ld+json">\n  {\n    "@context"')
    end = text.index("</script>", start) + len("</script>")
    assert triples(parse_html(text[:start] + text[end:])) == FAQ


def test_details_and_summary() -> None:
    page = read("ferry-details.html")
    assert triples(page) == FAQ
    assert page.url == "https://help.harbourline.example/quick"
    no_furniture(page)


def test_definition_lists() -> None:
    page = read("ferry-definitions.html")
    assert triples(page) == [(q, a, None) for q, a, _ in FAQ]
    assert page.url is None


@pytest.mark.parametrize(("html", "pairs"), [
    # A heading with nothing under it is a question without an answer.
    ("<h2>Why?</h2><h2>How?</h2><p>Like this.</p>", [("Why?", ""), ("How?", "Like this.")]),
    # Statement headings alone: the deepest level asks.
    ("<h2>Shipping</h2><h3>Delivery times</h3><p>Two days.</p><h3>Costs</h3><p>Free.</p>",
     [("Delivery times", "Two days."), ("Costs", "Free.")]),
    # Nested and numbered lists stay lists.
    ("<h3>Steps?</h3><ol start='3'><li>Open<ul><li>the lid</li></ul></li><li>Fill</li></ol>",
     [("Steps?", "3. Open\n  - the lid\n4. Fill")]),
    # A table keeps one line per row.
    ("<h3>Prices?</h3><table><tr><th>Adult</th><td>£10</td></tr>"
     "<tr><th>Child</th><td>£5</td></tr></table>", [("Prices?", "Adult | £10\nChild | £5")]),
    # Hidden and aria-hidden text is not read.
    ("<h3>Open?</h3><p>Daily.</p><p hidden>Secret.</p><span aria-hidden='true'>x</span>",
     [("Open?", "Daily.")]),
    # Broken JSON-LD declares nothing; the headings still answer.
    ("<script type='application/ld+json'>{oops</script><h3>Why?</h3><p>Because.</p>",
     [("Why?", "Because.")]),
    # Inline markup adds no space; a line break does.
    ("<h3>Reset my <b>password</b>?</h3><p>Use the e<b>-</b>mail<br>link.</p>"
     "<h3>Is it 5<sup>th</sup>?</h3><p>Yes.</p>",
     [("Reset my password?", "Use the e-mail\nlink."), ("Is it 5th?", "Yes.")]),
    # An accordion's question is a button in its heading.
    ("<div class='accordion-item'><h3><button class='accordion-button'>Can I pay later?"
     "</button></h3><div class='accordion-collapse'><div>Yes, within 30 days.</div></div>"
     "</div>", [("Can I pay later?", "Yes, within 30 days.")]),
    # One article per question; an article that only introduces the page.
    ("<article><h2>Why?</h2><p>Because.</p></article><article><h2>How?</h2><p>So.</p>"
     "</article>", [("Why?", "Because."), ("How?", "So.")]),
    ("<article><h1>FAQ</h1><p>Intro.</p></article><div><h2>Why?</h2><p>Because.</p></div>",
     [("Why?", "Because.")]),
    # Preformatted lines stay lines.
    ("<h3>Install?</h3><p>Run:</p><pre>pip install acme\nacme --init\n</pre>",
     [("Install?", "Run:\n\npip install acme\nacme --init")]),
    # Furniture told by its class (camelCase too), its style or its words.
    ("<h3>Why?</h3><p>Because.</p><div id='CybotCookiebotDialog'>We use cookies.</div>"
     "<div class='wasThisHelpful'>Rate it</div><div class='sideBar'>Popular</div>"
     "<p style='display: none'>Hidden.</p><span class='visually-hidden'>Opens a menu</span>"
     "<p>Was this article helpful?</p><p><a href='#top'>Back to top</a></p>",
     [("Why?", "Because.")]),
    # A Sphinx heading's permalink is not part of the question.
    ("<h2>What is it?<a class='headerlink' href='#what'>¶</a></h2><p>A tool.</p>",
     [("What is it?", "A tool.")]),
    # Terms one after another share their answer; a dt and dd in a div of their own.
    ("<dl><dt>Shipping?</dt><dt>Delivery?</dt><dd>Three days.</dd>"
     "<div><dt>Wrapped?</dt><dd>Yes.</dd></div></dl>",
     [("Shipping?", "Three days."), ("Delivery?", "Three days."), ("Wrapped?", "Yes.")]),
])
def test_html_layouts(html: str, pairs: list[tuple[str, str]]) -> None:
    assert [(p.question, p.answer) for p in parse_html(html).pairs] == pairs


def test_details_inside_details_are_a_section_of_questions() -> None:
    page = parse_html("<details><summary>Shipping</summary>"
                      "<details><summary>How long?</summary><p>Three days.</p></details>"
                      "<details><summary>Abroad?</summary><p>Yes.</p></details></details>")
    assert triples(page) == [("How long?", "Three days.", "Shipping"),
                             ("Abroad?", "Yes.", "Shipping")]


def test_markdown_answers_keep_the_words_a_reader_sees_not_the_markup() -> None:
    """Emphasis, links, code spans and escapes are what a browser shows
    (as the HTML page's answers are); a star between words, a word with
    underscores, a thematic break and a fenced block stay as written."""
    html = {(p.question, p.answer) for p in parse_html(
        (PAGES / "ferry-headings.html").read_text(encoding="utf-8")).pairs}
    markdown = parse_page((PAGES / "ferry.md").read_text(encoding="utf-8"), name="ferry.md")
    assert markdown.format == "markdown"
    assert {(p.question, " ".join(p.answer.replace("####", "").split()))
            for p in markdown.pairs} == {(q, " ".join(a.split())) for q, a in html}
    page = parse_page("# FAQ\n\n## Why **not**?\n\nUse 2 * 3 and snake_case_name, \\*not\\* "
                      "<https://ex.example/a>.\n\n***\n\n```\n**kept**\n```\n", name="p.md")
    assert [(p.question, p.answer) for p in page.pairs] == [
        ("Why not?", "Use 2 * 3 and snake_case_name, *not* https://ex.example/a.\n\n"
                     "```\n**kept**\n```")]


@pytest.mark.parametrize(("html", "pairs"), [
    ("<h2>Can I pay by card?</h2>\n<p>Yes, all major cards.\n"
     "<h2>Do you ship abroad?</h2>\n<p>Only within the EU.\n",
     [("Can I pay by card?", "Yes, all major cards."),
      ("Do you ship abroad?", "Only within the EU.")]),
    ("<dl>\n<dt>Can I pay by card?\n<dd>Yes, all major cards.\n"
     "<dt>Do you ship abroad?\n<dd>Only within the EU.\n</dl>\n",
     [("Can I pay by card?", "Yes, all major cards."),
      ("Do you ship abroad?", "Only within the EU.")]),
    ("<h2>Can I pay by card?</h2>\n<ul><li>Yes, all major cards.\n<li>Even Amex.</ul>\n",
     [("Can I pay by card?", "- Yes, all major cards.\n- Even Amex.")]),
    ("<p>" * 3000 + "<h2>What?</h2><p>Yes", [("What?", "Yes")]),
], ids=["paragraphs", "definitions", "list-items", "thousands-of-paragraphs"])
def test_end_tags_html_leaves_out_are_where_a_browser_puts_them(
    html: str, pairs: list[tuple[str, str]]
) -> None:
    """Valid HTML5 leaves out ``</p>``, ``</li>``, ``</dt>`` and ``</dd>``: each
    ends at the next one or the next heading, never nesting the rest."""
    assert [(p.question, p.answer) for p in parse_html(html).pairs] == pairs


def test_a_section_of_statement_headings_is_their_topic() -> None:
    """A heading whose questions are all statements ("The red light is
    blinking", questions by their level) is their section, as one over
    question-like headings is; its introduction is no answer."""
    page = parse_html(
        "<h1>Help</h1><h2>Cleaning</h2><h3>How do I clean it?</h3><p>Rinse.</p>"
        "<h2>Error lights</h2><p class='intro'>The lights say what it needs.</p>"
        "<h3>The red light is blinking</h3><p>Refill the tank.</p>"
        "<h3>All the lights flash</h3><p>Switch it off.</p>")
    assert triples(page) == [("How do I clean it?", "Rinse.", "Cleaning"),
                             ("The red light is blinking", "Refill the tank.", "Error lights"),
                             ("All the lights flash", "Switch it off.", "Error lights")]


def test_the_page_title_is_not_a_topic() -> None:
    page = parse_html("<h1>Desk work</h1><h2>How high should my screen be?</h2><p>Eye level.</p>")
    assert triples(page) == [("How high should my screen be?", "Eye level.", None)]
    assert page.title == "Desk work"


def test_json_ld_answers_lose_their_furniture_and_plain_ones_keep_their_lines() -> None:
    data = {"@type": "FAQPage", "mainEntity": [
        {"@type": "Question", "name": "How do I pay?", "acceptedAnswer": {
            "text": "<p>By card.</p><script>track()</script><style>a{}</style>"
                    "<div class='cookie-note'>Cookies!</div>"}},
        {"@type": "Question", "name": "Steps?", "acceptedAnswer": {
            "text": "Line one.\nLine two.\n\nPara two &amp; more."}},
    ]}
    # Inside a script, a page writes "</" as "<\\/", as JSON allows.
    declared = json.dumps(data).replace("</", "<\\/")
    page = parse_html(f"<script type='application/ld+json'>{declared}</script>")
    assert [(p.question, p.answer) for p in page.pairs] == [
        ("How do I pay?", "By card."), ("Steps?", "Line one.\nLine two.\n\nPara two & more.")]


def test_a_page_nested_too_deeply_is_one_error() -> None:
    with pytest.raises(PageError, match="nested too deeply"):
        parse_page("<div>" * 3000 + "<h3>Why?</h3><p>Because.</p>", name="deep.html")


def test_a_page_nested_too_deeply_is_refused_at_once() -> None:
    """Refused when parsed, not after a search under each element (20,000
    nested elements took minutes), and a page nested as deep as the limit
    is read."""
    import time

    from backfaq.html_pages import MAX_DEPTH

    start = time.perf_counter()
    with pytest.raises(PageError, match="nested too deeply"):
        parse_page("<div>" * 20_000 + "<h3>Why?</h3><p>Because.</p>" + "</div>" * 20_000,
                   name="deep.html")
    assert time.perf_counter() - start < 10  # a guard against the quadratic walk
    depth = MAX_DEPTH - 10  # html, body and the heading's own depth under the divs
    page = parse_page("<div>" * depth + "<h3>Why?</h3><p>Because.</p>" + "</div>" * depth,
                      name="deep.html")
    assert [(p.question, p.answer) for p in page.pairs] == [("Why?", "Because.")]


def test_many_questions_in_one_wrapper_take_linear_time() -> None:
    import time

    items = "".join(f"<h3>Question {i}?</h3><p>Answer {i}.</p>" for i in range(3000))
    start = time.perf_counter()
    page = parse_html(f"<div class='faq'>{items}</div>")
    assert len(page.pairs) == 3000
    # Guards against the quadratic walk (about a minute here), not a benchmark.
    assert time.perf_counter() - start < 30


def test_an_html_answer_with_a_control_character_is_refused() -> None:
    with pytest.raises(PageError, match="holds control characters"):
        parse_page("<h3>Why?</h3><p>Bell\x07.</p>", name="p.html")


def test_a_web_address_that_is_not_one_is_not_taken() -> None:
    page = parse_html('<link rel="canonical" href="/faq"><h3>Why?</h3><p>Because.</p>')
    assert page.url is None


# --- CSV, TSV, JSON ---------------------------------------------------------------------


def test_a_csv_export_with_semicolons_a_bom_and_quoted_lines() -> None:
    page = read("ferry.csv")
    assert page.format == "csv"
    got = triples(page)
    assert loose(got[:-1]) == loose(FAQ)
    assert got[-1] == ("Is there a cafe on board?", "", ON_BOARD)  # no answer: skipped later


def test_a_utf16_tab_separated_export(tmp_path: Path) -> None:
    rows = ["question\tanswer"] + [f"{q}\t{a.replace(chr(10), ' ')}" for q, a, _ in FAQ[:2]]
    path = tmp_path / "export.tsv"
    path.write_bytes("\r\n".join(rows).encode("utf-16"))  # with its byte-order mark
    [(_, page)] = load_pages([path], fmt=None)
    assert loose(triples(page)) == loose([(q, a, None) for q, a, _ in FAQ[:2]])


def test_another_encoding_is_named(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes("question,answer\nCafé?,Yes.\n".encode("cp1252"))
    with pytest.raises(PageError, match="not UTF-8 text"):
        load_pages([path], fmt=None)
    [(_, page)] = load_pages([path], fmt=None, encoding="cp1252")
    assert triples(page) == [("Café?", "Yes.", None)]


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"])
def test_any_line_ending(ending: str) -> None:
    text = ending.join(["question,answer", "How?,By card.", "Where?,Here.", ""])
    assert [(p.question, p.answer) for p in parse_page(text, name="x.csv").pairs] == [
        ("How?", "By card."), ("Where?", "Here.")]


def test_a_tsv_is_split_at_tabs_and_a_long_header_is_recognised() -> None:
    text = "Question\tAnswer (short, plain)\nHow do I pay?\tBy card, or cash.\n"
    assert triples(parse_page(text, name="x.tsv")) == [("How do I pay?", "By card, or cash.",
                                                        None)]


def test_categories_in_any_script_become_topics(runner: CliRunner, tmp_path: Path) -> None:
    page = tmp_path / "intl.csv"
    page.write_text("question,answer,category\n如何付款?,用卡.,付款\n"
                    "Как оплатить?,Картой.,Оплата\n", encoding="utf-8")
    store = tmp_path / "intl.json"
    import_(runner, str(page), "--into", str(store))
    doc = json.loads(store.read_text(encoding="utf-8"))
    assert [(t["id"], t["title"]) for t in doc["topics"]] == [("topic", "付款"),
                                                              ("topic-2", "Оплата")]
    assert [e["topic"] for e in doc["entries"]] == ["topic", "topic-2"]


def test_a_json_answer_with_a_lone_surrogate_is_refused_as_the_page(tmp_path: Path) -> None:
    page = tmp_path / "faq.json"
    page.write_text('[{"question": "Q?", "answer": "A\\ud800B."}]', encoding="utf-8")
    with pytest.raises(PageError, match="faq.json: .* holds a lone surrogate"):
        load_pages([page], fmt=None)


def test_columns_are_named_or_recognised() -> None:
    text = 'id,Title,Body\n1,"Why ""now""?",Because.\n'
    assert triples(parse_page(text, name="x.csv")) == [('Why "now"?', "Because.", None)]
    chosen = parse_page("a,b,c\nx,Why?,Because.\n", name="x.csv",
                        question_column="b", answer_column="3")
    assert triples(chosen) == [("Why?", "Because.", None)]
    by_number = parse_page("question,question,answer\nWhy?,How?,Because.\n", name="x.csv",
                           question_column="2")
    assert triples(by_number) == [("How?", "Because.", None)]
    with pytest.raises(PageError, match="no column '²' for --answer-column"):
        parse_page("q,b\nWhy?,Because.\n", name="x.csv", answer_column="²")


@pytest.mark.parametrize(("text", "options", "message"), [
    ("title,text\nWhy?,Because.\n", {}, "no answer column in the header ('title', 'text'); "
                                        "name it with --answer-column"),
    ("q,a\nWhy?,Because.\n", {"question_column": "Frage"}, "no column 'Frage' for "
                                                           "--question-column"),
    ('q,a\nWhy?,"Because\n', {}, "not valid CSV"),
    # Two columns of one name, as a JSON export's two keys: one would be lost.
    ("question,question,answer\nWhy?,How?,Because.\n", {},
     "2 columns could be the question: 'question', 'question'; "
     "name the one to use with --question-column"),
    ("QUESTION,Answer,Question\nWhy?,Because.,How?\n", {},
     "2 columns could be the question"),
    ("q,Answer (short),Answer (long)\nWhy?,So.,Because.\n", {}, "2 columns could be the answer"),
    ("q,a,category,Category\nWhy?,So.,a,b\n", {}, "2 columns could be the topic: 'category', "
                                              "'Category'; remove one"),
    ("q,x,x\nWhy?,a,b\n", {"answer_column": "x"},
     "2 columns are called 'x'; name the one for --answer-column by its number (2, 3)"),
    ("q,a\nWhy?,Because.\n", {"question_column": "2", "answer_column": "2"},
     "the question and the answer would be one column"),
])
def test_a_csv_that_cannot_be_read_says_why(
    text: str, options: dict[str, str], message: str
) -> None:
    with pytest.raises(PageError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_page(text, name="x.csv", **options)


def test_a_json_export() -> None:
    page = read("ferry.json")
    assert page.format == "json"
    assert loose(triples(page)) == loose(FAQ)


@pytest.mark.parametrize(("text", "message"), [
    ('{"question": "Why?"}', "expected a JSON list"),
    ('[{"question": 3, "answer": "x"}]', "item 0: question is not a string"),
    ('["Why?"]', "item 0: expected an object"),
    ('[{"question": "Why?", "answer": "x"', "not valid JSON at line 1"),
    ('{"version": 1, "entries": []}', "this is a backfaq store"),
    # Python's json keeps the last of two keys: the first answer would vanish.
    ('[{"question": "Why?", "answer": "x", "answer": "y"}]',
     "key 'answer' appears twice in one object"),
    ('[{"Question": "Why?", "question": "How?", "answer": "x"}]',
     "item 0: two keys name the same field"),
])
def test_a_json_export_that_cannot_be_read_says_why(text: str, message: str) -> None:
    with pytest.raises(PageError, match=message):
        parse_page(text, name="x.json")


# --- importing them ---------------------------------------------------------------------


def import_(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(cli, ["import", *args])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_every_format_imports_into_one_entry_per_answer(
    runner: CliRunner, tmp_path: Path
) -> None:
    store = tmp_path / "ferry.json"
    first = import_(runner, str(PAGES / "ferry-support.html"), "--into", str(store))
    assert "6 added" in first
    doc = json.loads(store.read_text(encoding="utf-8"))
    assert [t["title"] for t in doc["topics"]] == [TICKETS, ON_BOARD, DELAYS]
    assert [t["id"] for t in doc["topics"]] == ["tickets", "board", "delays-cancellations"]
    assert [e["topic"] for e in doc["entries"]] == ["tickets"] * 2 + ["board"] * 2 + [
        "delays-cancellations"] * 2
    assert doc["sources"] == [{"id": "harbour-line-questions-answers",
                               "title": "Harbour Line: questions and answers",
                               "file": "ferry-support.html",
                               "url": "https://help.harbourline.example/faq"}]
    # The same answers from the other pages join the entries; nothing is added twice.
    others = [str(PAGES / name) for name in ("ferry-headings.html", "ferry-details.html",
                                             "ferry-definitions.html", "ferry.json", "ferry.md")]
    import_(runner, *others, "--into", str(store))
    again = json.loads(store.read_text(encoding="utf-8"))
    assert len(again["entries"]) == 6
    assert all(len(e["sources"]) == 6 for e in again["entries"])
    assert load_store(store).entry("change-booking") is not None


def test_reimporting_a_page_changes_nothing(runner: CliRunner, tmp_path: Path) -> None:
    store = tmp_path / "ferry.json"
    for name in ("ferry-support.html", "ferry.csv", "ferry.json"):
        import_(runner, str(PAGES / name), "--into", str(store))
        before = store.read_bytes()
        assert "nothing to change" in import_(runner, str(PAGES / name), "--into", str(store))
        assert store.read_bytes() == before


def test_csv_categories_become_topics_of_an_existing_store(
    runner: CliRunner, tmp_path: Path
) -> None:
    store = tmp_path / "ferry.json"
    import_(runner, str(PAGES / "ferry.json"), "--into", str(store), "--topic", "tickets",
            "--topic-title", "Tickets")
    out = import_(runner, str(PAGES / "ferry.csv"), "--into", str(store))
    assert "skipped: no answer: Is there a cafe on board?" in out
    doc = json.loads(store.read_text(encoding="utf-8"))
    # "Tickets" is the topic there already (by title); the others are new.
    assert [t["id"] for t in doc["topics"]] == ["tickets"]
    assert "new topic" not in out  # the CSV's answers are all in the store already


def test_source_url_option_and_the_page_address(runner: CliRunner, tmp_path: Path) -> None:
    store = tmp_path / "ferry.json"
    import_(runner, str(PAGES / "ferry.csv"), "--into", str(store),
            "--source-url", "https://help.harbourline.example/export")
    doc = json.loads(store.read_text(encoding="utf-8"))
    assert doc["sources"][0]["url"] == "https://help.harbourline.example/export"
    bad = runner.invoke(cli, ["import", str(PAGES / "ferry.csv"), "--into", str(store),
                              "--source-url", "help.example/faq"])
    assert bad.exit_code == 2 and "--source-url must be an http:// or https:// address" in (
        bad.stderr)


# "undefined" refuses every byte and "punycode" raises UnicodeError itself,
# not its decoding subclass: neither may reach the user as a traceback.
@pytest.mark.parametrize("codec", ["klingon", "rot13", "base64", "undefined", "punycode"])
def test_an_unknown_encoding_is_a_usage_error(
    runner: CliRunner, tmp_path: Path, codec: str
) -> None:
    result = runner.invoke(cli, ["import", str(PAGES / "ferry.csv"), "--into",
                                 str(tmp_path / "s.json"), "--encoding", codec])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == f"Error: unknown text encoding '{codec}'"
    assert not (tmp_path / "s.json").exists()


@pytest.mark.parametrize("charset", ["base64", "undefined", "punycode"])
def test_a_page_declaring_a_charset_that_is_not_of_text(tmp_path: Path, charset: str) -> None:
    page = tmp_path / "odd.html"
    page.write_bytes(b'<meta charset="%s"><h3>Caf\xe9?</h3><p>Yes.</p>' % charset.encode())
    with pytest.raises(PageError, match="not UTF-8 text"):
        load_pages([page], fmt=None)


def test_sync_over_several_pages_keeps_what_another_page_has(
    runner: CliRunner, tmp_path: Path
) -> None:
    one, two = tmp_path / "one.md", tmp_path / "two.md"
    one.write_text("## How do I pay?\n\nBy card.\n\n## Where is my order?\n\nSee Orders.\n",
                   encoding="utf-8")
    store = tmp_path / "s.json"
    import_(runner, str(one), "--into", str(store))
    one.write_text("## How do I pay?\n\nBy card.\n", encoding="utf-8")
    two.write_text("## Where is my order?\n\nSee Orders.\n", encoding="utf-8")
    out = import_(runner, str(one), str(two), "--into", str(store), "--sync")
    assert "kept order for its other sources" in out
    entry = load_store(store).entry("order")
    assert entry is not None and entry.sources == ("two",)
    again = import_(runner, str(one), str(two), "--into", str(store), "--sync")
    assert "nothing to change" in again


def test_an_edited_page_updates_and_with_sync_removes(runner: CliRunner, tmp_path: Path) -> None:
    store = tmp_path / "ferry.json"
    page = tmp_path / "faq.csv"
    page.write_text("question,answer\nWhy?,Because.\nHow?,Like this.\nWhen?,Now.\n",
                    encoding="utf-8")
    import_(runner, str(page), "--into", str(store))
    page.write_text("question,answer\nWhy?,Because it is.\nHow?,Like this.\n", encoding="utf-8")
    out = import_(runner, str(page), "--into", str(store))
    assert "updated why, a new answer: Why?" in out
    assert "1 entry of source faq no longer on the page (--sync removes them)" in out
    assert load_store(store).entry("why").answer == "Because it is."  # type: ignore[union-attr]
    assert load_store(store).entry("when") is not None
    synced = import_(runner, str(page), "--into", str(store), "--sync")
    assert "removed when, no longer on the page: When?" in synced
    assert synced.splitlines()[-1].startswith(
        f"{store}: 0 added, 0 merged, 2 unchanged, 0 skipped, 1 removed;")
    assert [e.id for e in load_store(store).entries] == ["why", "how"]


def test_sync_keeps_an_entry_another_source_still_has(
    runner: CliRunner, tmp_path: Path
) -> None:
    store = tmp_path / "ferry.json"
    one, two = tmp_path / "one.csv", tmp_path / "two.csv"
    one.write_text("question,answer\nWhy?,Because.\nHow?,Like this.\n", encoding="utf-8")
    two.write_text("question,answer\nHow so?,Like this.\n", encoding="utf-8")
    import_(runner, str(one), str(two), "--into", str(store))
    one.write_text("question,answer\nWhy?,Because.\n", encoding="utf-8")
    out = import_(runner, str(one), "--into", str(store), "--sync")
    assert "kept how for its other sources, no longer on the page: How?" in out
    entry = load_store(store).entry("how")
    assert entry is not None and entry.sources == ("two",)


def test_a_text_page_starting_with_a_bracket_is_text(tmp_path: Path) -> None:
    page = tmp_path / "draft.txt"
    page.write_text("[Draft] Our shop FAQ\nHow long is delivery?\nThree days.\n",
                    encoding="utf-8")
    [(_, read_back)] = load_pages([page], fmt=None)
    assert read_back.format == "text"
    assert triples(read_back) == [("How long is delivery?", "Three days.", None)]


def test_a_relative_canonical_link_gives_way_to_og_url_and_a_site_header_no_title() -> None:
    page = parse_html('<link rel="canonical" href="/help/faq">'
                      '<meta property="og:url" content="https://shop.example/help/faq">'
                      '<title>Help | Shop</title><header><h1>Shop</h1></header>'
                      "<main><h3>Why?</h3><p>Because.</p></main>")
    assert page.url == "https://shop.example/help/faq"
    assert page.title == "Help | Shop"  # the site's header is furniture, its h1 too


def test_updating_two_entries_that_shared_an_answer(runner: CliRunner, tmp_path: Path) -> None:
    store = tmp_path / "s.json"
    page = tmp_path / "p.md"
    page.write_text("## How do I pay?\n\nBy card.\n", encoding="utf-8")
    import_(runner, str(page), "--into", str(store))
    doc = json.loads(store.read_text(encoding="utf-8"))
    doc["entries"].append({**doc["entries"][0], "id": "pay-2", "question": "Can I pay later?"})
    store.write_text(json.dumps(doc), encoding="utf-8")
    page.write_text("## How do I pay?\n\nBy card or cash.\n\n## Can I pay later?\n\n"
                    "Yes, within 30 days.\n", encoding="utf-8")
    out = import_(runner, str(page), "--into", str(store))
    assert out.count("updated ") == 2
    assert {e.answer for e in load_store(store).entries} == {"By card or cash.",
                                                             "Yes, within 30 days."}


def test_two_pages_of_one_name_at_two_addresses_are_two_sources(
    runner: CliRunner, tmp_path: Path
) -> None:
    store = tmp_path / "s.json"
    for shop in ("a", "b"):
        (tmp_path / shop).mkdir()
        (tmp_path / shop / "faq.html").write_text(
            f'<link rel="canonical" href="https://{shop}.example/faq">'
            f"<h3>How do I pay?</h3><p>At shop {shop}.</p>", encoding="utf-8")
        import_(runner, str(tmp_path / shop / "faq.html"), "--into", str(store))
    doc = json.loads(store.read_text(encoding="utf-8"))
    assert [s["url"] for s in doc["sources"]] == ["https://a.example/faq",
                                                  "https://b.example/faq"]
    assert sorted(e["answer"] for e in doc["entries"]) == ["At shop a.", "At shop b."]
