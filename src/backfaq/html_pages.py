"""Parse a saved FAQ web page (HTML) into its title, address and question/answer pairs.

Real support pages say their FAQ in one of a few ways; the first that holds
pairs wins:

1. schema.org ``FAQPage`` JSON-LD (``mainEntity`` -> ``Question.name`` and
   ``acceptedAnswer.text``, which may hold HTML): what the site declares, so
   the pairs come from there, and only the section headings of the visible
   page are read (an entry's topic);
2. ``<details><summary>question</summary>answer</details>``;
3. question headings (``h2``-``h4``) followed by their answer, up to the next
   question or section heading, or the end of the element around them;
4. a definition list (``dt`` question, ``dd`` answer).

Page furniture (navigation, header and footer, sidebars, cookie banners,
forms, scripts, "Was this helpful?" widgets, related-article lists) is
removed before anything is read, and ``main`` or ``article`` is preferred
to the whole body. Lists stay lists, one ``- item`` line each, as the text
importer keeps them; entities are decoded and whitespace normalised
(``html_text``: an element's text, as an answer keeps it).

BeautifulSoup with lxml (libxml2's HTML parser) does the parsing, as a
browser would where it matters: an unclosed ``<p>``, ``<li>``, ``<dt>`` or
``<dd>`` ends at the next one or at the next heading (the standard
library's ``html.parser`` nests them, and a page of unclosed paragraphs
became one answer), in time that grows with the page, not its depth.
Imported only here, and this module only by ``import``.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from bs4 import BeautifulSoup
from bs4.element import (
    NavigableString,
    Tag,
)

from backfaq.html_text import (
    BLOCKS,
    HEADINGS,
    NOT_TEXT,
    SPACE,
    block_text,
    inline,
    is_furniture_text,
    own_text,
)
from backfaq.pages import Page, Pair, answer_text, fold_words
from backfaq.store import WEB_ADDRESS

# Elements that are never part of a FAQ, whatever the page.
_FURNITURE_TAGS = ("nav", "aside", "form", "button", "script", "style", "noscript",
                   "template", "iframe", "svg", "canvas", "object", "select", "textarea",
                   "input", "dialog")
_FURNITURE_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary",
                              "search", "dialog", "alertdialog", "form"})
# A class or id naming furniture, as one of its hyphen- or underscore-separated
# parts ("cookie-banner", "feedback_widget", "related-articles"), or a part
# starting with one of _FURNITURE_STEMS ("CybotCookiebotDialog", "helpfulness").
_FURNITURE_NAMES = frozenset({
    "cookie", "cookies", "consent", "gdpr", "breadcrumb", "breadcrumbs", "helpful",
    "feedback", "rating", "vote", "votes", "related", "sidebar", "newsletter",
    "subscribe", "share", "sharing", "social", "banner", "promo", "advert",
    "advertisement", "ad", "ads", "popup", "modal", "toc", "pagination", "cta",
    "skip", "masthead", "headerlink", "permalink", "anchorjs",
})
# Whole class names that hide an element from the page.
_FURNITURE_STEMS = ("cookie", "consent", "helpful", "feedback", "breadcrumb", "newsletter",
                    "sidebar", "cybot")
_HIDING_NAMES = frozenset({"hidden", "d-none", "invisible", "sr-only", "visually-hidden",
                           "screen-reader-text", "is-hidden", "hide"})
_HIDING_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_SEPARATORS = re.compile(r"[-_\s]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_QUESTION_LEVELS = (2, 3, 4)
_MARKUP = re.compile(r"<[a-zA-Z/!]")  # a text holding HTML, not plain text
_QUESTION_WORDS = frozenset({
    "how", "what", "why", "when", "where", "which", "who", "whom", "whose", "can",
    "could", "do", "does", "did", "is", "are", "was", "were", "should", "will",
    "would", "may", "might", "must", "has", "have", "am",
})


# Elements nested deeper than this are refused as soon as the page is parsed
# (pages.parse_page says "nested too deeply"): the walks below are recursive,
# and a search under each of thousands of nested elements is quadratic.
# Real pages nest a few dozen deep.
MAX_DEPTH = 400


def parse_html(text: str) -> Page:
    """The title, canonical address and pairs of an HTML page. Raises
    RecursionError for a page nested deeper than MAX_DEPTH."""
    soup = BeautifulSoup(text, "lxml")
    if _depth(soup) > MAX_DEPTH:
        raise RecursionError("nested too deeply")
    url = _address(soup)
    declared = _declared_pairs(soup)  # read before the scripts holding it go
    _remove_furniture(soup)
    title = _title(soup)  # a site header's h1 is gone by now
    root = _content(soup)
    events = list(_events(root))
    if declared:
        sections = _sections(events)
        pairs = tuple(Pair(q, a, sections.get(fold_words(q))) for q, a in declared)
    else:
        pairs = _details_pairs(events) or _heading_pairs(events) or _definition_pairs(root)
    return Page(title, "html", pairs, url=url)


def _depth(soup: BeautifulSoup) -> int:
    """How deep the page's elements nest, by a walk without recursion."""
    deepest = 0
    stack: list[tuple[Tag, int]] = [(soup, 0)]
    while stack:
        tag, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in tag.children if isinstance(child, Tag))
    return deepest


# --- the page around the FAQ ----------------------------------------------------------


def _address(soup: BeautifulSoup) -> str | None:
    """The page's canonical address: ``<link rel="canonical">``, else ``og:url``."""
    for link in soup.find_all("link", href=True):
        if "canonical" in _tokens(link.get("rel")) and (found := _web_address(str(link["href"]))):
            return found  # a relative one says nothing: og:url may
    meta = soup.find("meta", attrs={"property": "og:url", "content": True})
    return _web_address(str(meta["content"])) if isinstance(meta, Tag) else None


def _web_address(href: str) -> str | None:
    """``href`` when it is an absolute http(s) address without spaces."""
    href = href.strip()
    return href if re.fullmatch(WEB_ADDRESS, href) else None


def _title(soup: BeautifulSoup) -> str | None:
    """The page's own heading (``h1``), else ``og:title``, else ``<title>``."""
    heading = soup.find("h1")
    if isinstance(heading, Tag) and (text := inline(heading)):
        return text
    meta = soup.find("meta", attrs={"property": "og:title", "content": True})
    if isinstance(meta, Tag) and (text := SPACE.sub(" ", str(meta["content"])).strip()):
        return text
    title = soup.find("title")
    return (inline(title) or None) if isinstance(title, Tag) else None


def _remove_furniture(soup: BeautifulSoup) -> None:
    for tag in soup.find_all("button"):
        # An accordion's question is a button inside its heading: keep the words.
        if tag.find_parent((*HEADINGS, "summary", "dt")) or tag.find(HEADINGS):
            tag.unwrap()
    doomed = [tag for tag in soup.find_all(True) if _is_furniture(tag)]
    for tag in doomed:
        if not tag.decomposed:
            tag.decompose()


def _is_furniture(tag: Tag) -> bool:
    if tag.name in _FURNITURE_TAGS:
        return True
    if tag.name in ("html", "body", "main", "article") or _holds_content(tag):
        return False  # "has-sidebar" on a page's body names its layout, not furniture
    hidden = (tag.has_attr("hidden") or _HIDING_STYLE.search(str(tag.get("style", "")))
              or str(tag.get("aria-hidden", "")).lower() == "true")
    if hidden:
        # An accordion's answer is hidden until its question is clicked.
        return not _is_panel(tag)
    if str(tag.get("role", "")).lower() in _FURNITURE_ROLES:
        return True
    if tag.name in ("header", "footer") and tag.find_parent(("article", "main")) is None:
        return True  # the site's header and footer; an article's own stay
    names = [*_tokens(tag.get("class"), camel=True), *_tokens(tag.get("id"), camel=True)]
    if any(name in _HIDING_NAMES for name in names):
        return True
    parts = [part for name in names for part in _SEPARATORS.split(name)]
    parts += [_SEPARATORS.sub("", name) for name in names]  # "sideBar" is "sidebar"
    return any(part in _FURNITURE_NAMES or part.startswith(_FURNITURE_STEMS) for part in parts)


def _holds_content(tag: Tag) -> bool:
    """Whether ``tag`` wraps the page's content: its main part, or questions
    (two headings or more, or a ``<details>``), not a sidebar's one heading."""
    if tag.find(("main", "article")) is not None or tag.find("details") is not None:
        return True
    return len(tag.find_all(HEADINGS[1:4], limit=2)) > 1


def _is_panel(tag: Tag) -> bool:
    """An accordion's answer panel: labelled by its question, a region, or
    named as one (``collapse``, ``accordion-body``, ``faq-answer``)."""
    if tag.has_attr("aria-labelledby") or str(tag.get("role", "")).lower() == "region":
        return True
    names = " ".join(_tokens(tag.get("class")) + _tokens(tag.get("id")))
    return bool(re.search(r"collaps|accordion|answer|panel|content", names))


def _tokens(value: Any, *, camel: bool = False) -> list[str]:
    """An attribute's tokens: bs4 gives multi-valued ones (class, rel) as lists.
    With ``camel``, ``cookieConsent`` reads as ``cookie-consent``."""
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split()
    if camel:
        items = [_CAMEL.sub("-", str(item)) for item in items]
    return [str(item).lower() for item in items]


def _content(soup: BeautifulSoup) -> Tag:
    """Where the FAQ is: ``main``, or the page's one ``article`` when the
    questions are in it (a page of several articles, one per question, or an
    article that only introduces the page, is read whole)."""
    for found in (soup.find("main"), soup.find(None, {"role": "main"})):
        if isinstance(found, Tag):
            return found
    articles = soup.find_all("article")
    if len(articles) == 1 and articles[0].find((*HEADINGS[1:4], "details", "dt")):
        return articles[0]
    body = soup.find("body")
    return body if isinstance(body, Tag) else soup


# --- 1. JSON-LD ------------------------------------------------------------------------


def _declared_pairs(soup: BeautifulSoup) -> list[tuple[str, str]]:
    """The pairs of every schema.org FAQPage the page declares in JSON-LD."""
    pairs: list[tuple[str, str]] = []
    for script in soup.find_all("script", attrs={"type": re.compile(r"ld\+json", re.I)}):
        try:
            data = json.loads(script.string or "")
        except (ValueError, RecursionError):
            continue  # a broken block declares nothing
        for page in _things(data):
            if "FAQPage" in _types(page):
                pairs += [pair for q in _listed(page.get("mainEntity")) if (pair := _qa(q))]
    return pairs


def _things(data: Any) -> Iterator[dict[str, Any]]:
    """Every object of a JSON-LD document: a list, an ``@graph`` or one object."""
    if isinstance(data, list):
        for item in data:
            yield from _things(item)
    elif isinstance(data, dict):
        yield data
        yield from _things(data.get("@graph"))


def _types(thing: dict[str, Any]) -> list[str]:
    kind = thing.get("@type")
    return [str(k) for k in _listed(kind)]


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _qa(question: Any) -> tuple[str, str] | None:
    if not isinstance(question, dict) or not isinstance(question.get("name"), str):
        return None
    answers = [a for a in _listed(question.get("acceptedAnswer"))
               if isinstance(a, dict) and isinstance(a.get("text"), str)]
    name = inline(BeautifulSoup(question["name"], "lxml"))
    if not name:
        return None
    answer = ""
    if answers:
        text = answers[0]["text"]
        if _MARKUP.search(text):
            fragment = BeautifulSoup(text, "lxml")
            _remove_furniture(fragment)
            answer = block_text(fragment)
        else:  # plain text, as many sites declare it: its lines are its own
            answer = answer_text(html.unescape(text))
    return name, answer


# --- the visible page as a stream ------------------------------------------------------
# The content element flattened, in document order, into events:
#   ("heading", level, text, scope)  scope: the element an answer under it stays in
#   ("block", text)                  a paragraph, a list, a table row...
#   ("details", summary, answer)
#   ("end", element id)              the end of a block element

Event = tuple[Any, ...]


def _events(root: Tag) -> Iterator[Event]:
    for child in root.children:
        yield from _node_events(child)


def _node_events(node: Any) -> Iterator[Event]:
    if not isinstance(node, Tag):
        return
    if node.name in HEADINGS:
        text = inline(node)
        if text:
            yield ("heading", int(node.name[1]), text, id(_scope(node)))
        return
    if node.name == "details":
        summary = node.find("summary", recursive=False)
        question = inline(summary) if isinstance(summary, Tag) else ""
        if isinstance(summary, Tag):
            summary.extract()
        if node.find("details") is not None:
            # A category holding its questions: a section, then what it holds.
            if question:
                yield ("heading", 2, question, id(node))
            for child in node.children:
                yield from _node_events(child)
            yield ("end", id(node))
        elif question:
            yield ("details", question, block_text(node))
        return
    if _holds_structure(node):
        for child in node.children:
            yield from _node_events(child)
        yield ("end", id(node))
        return
    text = own_text(node) if node.name in BLOCKS else inline(node)
    if text and not is_furniture_text(text):
        yield ("block", text)


def _holds_structure(node: Tag) -> bool:
    """Whether an element holds headings or ``details`` to find (so it is
    walked into), rather than being one block of answer text."""
    return node.find((*HEADINGS, "details")) is not None


def _scope(heading: Tag) -> Tag:
    """The element an answer under ``heading`` cannot leave: its parent, or the
    nearest ancestor holding more than the heading (``<div><h3>Q</h3></div>``
    followed by ``<div>answer</div>``)."""
    node = heading
    while isinstance(node.parent, Tag) and node.parent.name not in ("body", "main", "article"):
        if _has_company(node):
            return node.parent
        node = node.parent
    return node.parent if isinstance(node.parent, Tag) else node


def _has_company(node: Tag) -> bool:
    """Whether ``node``'s parent holds anything else: an element or words
    beside it (the first one found ends the look)."""
    return bool(_first(node.previous_siblings) or _first(node.next_siblings))


def _first(siblings: Iterator[Any]) -> list[Any]:
    """The first sibling that is an element or holds words, if any."""
    for sibling in siblings:
        if isinstance(sibling, Tag) or (
                isinstance(sibling, NavigableString) and not isinstance(sibling, NOT_TEXT)
                and sibling.strip()):
            return [sibling]
    return []


def _is_question(text: str) -> bool:
    words = text.split()
    return text.endswith("?") or (bool(words) and words[0].lower().strip("¿") in _QUESTION_WORDS)


def _roles(events: list[Event]) -> tuple[set[int], set[int]]:
    """Which headings (by position in ``events``) are questions, which are
    sections: a heading with a question-like heading or a ``<details>``
    under it is a section;
    among the rest, every heading at a level where a question-like one
    stands is a question ("The red light is blinking" among "How do I...?").
    A page whose headings are all statements asks at its deepest level."""
    headings = [(i, e[1], e[2]) for i, e in enumerate(events) if e[0] == "heading"]

    def holding(asks: Callable[[int, Event], bool]) -> set[int]:
        """The headings (but the page's title) with a question under them."""
        found = set()
        for i, level, _ in headings:
            if level == 1:
                continue  # the page's title, not a section of it
            for j in range(i + 1, len(events)):
                event = events[j]
                if event[0] == "heading" and event[1] <= level:
                    break
                if asks(j, event):
                    found.add(i)
                    break
        return found

    # A question-like heading, or a <details> one, stands under it.
    sections = holding(lambda _, e: e[0] == "details" or e[0] == "heading" and _is_question(e[2]))
    candidates = [(i, level, text) for i, level, text in headings
                  if i not in sections and level in _QUESTION_LEVELS]
    levels = {level for _, level, text in candidates if _is_question(text)}
    if not levels and candidates:
        levels = {max(level for _, level, _ in candidates)}
    questions = {i for i, level, _ in candidates if level in levels}
    # And a heading over questions that are all statements ("Error lights"
    # over "The red light is blinking") is their section too.
    sections |= holding(lambda j, _: j in questions) - questions
    return questions, sections


def _sections(events: list[Event]) -> dict[str, str]:
    """Each visible question (folded) with its section heading's text."""
    questions, sections = _roles(events)
    found: dict[str, str] = {}
    current: list[tuple[int, str]] = []  # the open sections: (level, text)
    for i, event in enumerate(events):
        if event[0] == "heading":
            if i in sections:
                current = [(lv, t) for lv, t in current if lv < event[1]] + [(event[1], event[2])]
            elif i in questions and current:
                found.setdefault(fold_words(event[2]), current[-1][1])
        elif event[0] == "details" and current:
            found.setdefault(fold_words(event[1]), current[-1][1])
    return found


# --- 2. details ------------------------------------------------------------------------


def _details_pairs(events: list[Event]) -> tuple[Pair, ...]:
    sections = _sections(events)
    return tuple(Pair(e[1], e[2], sections.get(fold_words(e[1])))
                 for e in events if e[0] == "details" and e[1])


# --- 3. headings -----------------------------------------------------------------------


def _heading_pairs(events: list[Event]) -> tuple[Pair, ...]:
    questions, sections = _roles(events)
    topics = _sections(events)
    pairs: list[Pair] = []
    for i in sorted(questions):
        _, level, question, scope = events[i]
        blocks: list[str] = []
        for j in range(i + 1, len(events)):
            event = events[j]
            if event[0] == "end" and event[1] == scope:
                break
            if event[0] == "heading":
                if event[1] <= level or j in questions or j in sections:
                    break
                blocks.append(event[2])  # a sub-heading inside the answer
            elif event[0] == "block":
                blocks.append(event[1])
        pairs.append(Pair(question, "\n\n".join(blocks), topics.get(fold_words(question))))
    return tuple(pairs)


# --- 4. definition lists ---------------------------------------------------------------


def _definition_pairs(root: Tag) -> tuple[Pair, ...]:
    """Each ``dt`` with the ``dd`` after it; terms one after another share
    the answer that follows them (two phrasings of one question)."""
    pairs: list[Pair] = []
    for dl in root.find_all("dl"):
        questions: list[str] = []
        answer: list[str] = []
        # dt and dd may stand in a div of their own, as HTML allows.
        for child in (c for c in dl.find_all(("dt", "dd")) if c.find_parent("dl") is dl):
            if child.name == "dt":
                if answer:
                    pairs += [Pair(q, "\n\n".join(answer)) for q in questions]
                    questions, answer = [], []
                if text := inline(child):
                    questions.append(text)
            elif questions:
                answer.append(block_text(child))
        pairs += [Pair(q, "\n\n".join(answer)) for q in questions]
    return tuple(pairs)
