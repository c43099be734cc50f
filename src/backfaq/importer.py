"""Merge the question/answer pairs of FAQ pages into a store document.

Planning is pure: ``plan_import`` takes a document and parsed pages and returns
the new document with a report of what was added, merged and skipped; nothing
is written here (see ``writer``). An answer already in the store, once case,
whitespace and punctuation are folded, is the same answer: its question joins
the entry's phrasings and the page joins its sources, so importing a page twice
changes nothing.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backfaq.analyzer import STOP_WORDS, fold, terms
from backfaq.errors import PageError, UnknownTopic
from backfaq.pages import Page, Pair, fold_words, parse_page
from backfaq.store import (
    CONTROL,
    FORMAT_VERSION,
    SLUG,
    STORE_TEXTS,
    build_store,
    load_document,
    read_bounded,
    tidy_answer,
    tidy_line,
)

GENERAL = "general"
SLUG_MAX = 60  # characters of a generated id


@dataclass(frozen=True, slots=True)
class Action:
    """What happened to one question: ``added``, ``merged``, ``unchanged`` or ``skipped``."""

    kind: str
    question: str
    entry_id: str | None = None
    topic: str | None = None


@dataclass(frozen=True, slots=True)
class PageReport:
    name: str
    format: str
    source_id: str
    source_title: str
    new_source: bool
    actions: tuple[Action, ...]
    tidied: int = 0  # texts whose tabs, line breaks or bidi controls were removed (Page.tidied)


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """The store document after the import, and what each page contributed."""

    document: dict[str, Any]
    pages: tuple[PageReport, ...]
    new_topics: tuple[str, ...]
    changed: bool
    texts_set: tuple[str, ...] = ()  # store-level texts given new wording (STORE_TEXTS)

    def count(self, kind: str) -> int:
        return sum(a.kind == kind for p in self.pages for a in p.actions)


def empty_document() -> dict[str, Any]:
    """A store with nothing in it yet: what an import into a new file starts from."""
    return {"version": FORMAT_VERSION, "topics": [], "sources": [], "entries": [], "synonyms": []}


def read_page(path: Path) -> str:
    """A page's text, or PageError naming why it cannot be imported."""
    name = str(path)
    raw = read_bounded(path, noun="a page", error=PageError)
    if b"\x00" in raw:
        raise PageError(name, "binary file, not a text page")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PageError(name, f"not UTF-8 text (bad byte at offset {exc.start})") from None
    if not text.strip():
        raise PageError(name, "empty page")
    return text


def load_pages(paths: list[Path], *, fmt: str | None) -> list[tuple[str, Page]]:
    """Read and parse every page; any page without an answered question is an error."""
    pages: list[tuple[str, Page]] = []
    for path in paths:
        if not _is_text(path.name):
            # Its name would be the source's "file": a store holds only text.
            raise PageError(str(path), "the file name is not UTF-8 text; rename the page")
        if CONTROL.search(path.name):
            raise PageError(str(path), "the file name holds control characters; rename the page")
        # Tidied before it is judged: an answer of bidi controls alone is none.
        page = tidy_page(parse_page(read_page(path), name=str(path), fmt=fmt), path.name)
        if not any(pair.answer for pair in page.pairs):
            found = "no question with an answer" if page.pairs else "no questions"
            raise PageError(str(path), f"{found} found (as {page.format})")
        pages.append((str(path), page))
    return pages


def _is_text(name: str) -> bool:
    """Whether ``name`` is Unicode text (undecodable bytes arrive as lone surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def plan_import(
    document: dict[str, Any],
    pages: list[tuple[str, Page]],
    *,
    topic: str | None = None,
    source_title: str | None = None,
    disclaimer: str | None = None,
) -> ImportPlan:
    """The document with the pages merged in; ``document`` itself is left unchanged.
    The pages are as ``load_pages`` gives them: tidied (``tidy_page``).
    ``disclaimer`` becomes the store's own (``Store.disclaimer``)."""
    doc = copy.deepcopy(document)
    texts_set = []
    if disclaimer is not None and doc.get("disclaimer") != tidy_line(disclaimer).strip():
        doc = _with_text(doc, "disclaimer", tidy_line(disclaimer).strip())
        texts_set.append("disclaimer")
    topic_ids = [t["id"] for t in doc["topics"]]
    if topic is not None and topic not in topic_ids:
        if topic_ids:
            raise UnknownTopic(f"unknown topic '{topic}'; choose one of: {', '.join(topic_ids)}")
        if not SLUG.fullmatch(topic):
            raise UnknownTopic(
                f"a new topic needs a lowercase slug like 'neck-pain', not '{topic}'"
            )
    chooser = _TopicChooser(document) if topic is None else None
    by_answer = {_fold(e["answer"]): e for e in doc["entries"]}
    ids = {e["id"] for e in doc["entries"]}
    reports: list[PageReport] = []
    new_topics: list[str] = []
    for name, page in pages:
        source, new_source = _source_for(doc, tidy_line(Path(name).name), page, source_title)
        actions: list[Action] = []
        for pair in page.pairs:
            if not pair.answer:
                actions.append(Action("skipped", pair.question))
                continue
            entry = by_answer.get(_fold(pair.answer))
            if entry is not None:
                changed = _merge(entry, pair.question, source["id"])
                actions.append(Action("merged" if changed else "unchanged", pair.question,
                                      entry["id"], entry["topic"]))
                continue
            chosen = topic or (chooser.choose(pair.question) if chooser else None) or GENERAL
            if chosen not in topic_ids:
                doc["topics"].append(_new_topic(chosen))
                topic_ids.append(chosen)
                new_topics.append(chosen)
            entry = {
                "id": _unique(slugify(pair.question) or "entry", ids),
                "question": pair.question,
                "also_asked": [],
                "answer": pair.answer,
                "topic": chosen,
                "sources": [source["id"]],
            }
            ids.add(entry["id"])
            doc["entries"].append(entry)
            by_answer[_fold(pair.answer)] = entry
            actions.append(Action("added", pair.question, entry["id"], chosen))
        reports.append(PageReport(name, page.format, source["id"], source["title"], new_source,
                                  tuple(actions), page.tidied))
    return ImportPlan(doc, tuple(reports), tuple(new_topics), doc != document, tuple(texts_set))


def _with_text(doc: dict[str, Any], name: str, text: str) -> dict[str, Any]:
    """``doc`` with its store-level ``name`` (``STORE_TEXTS``) set to ``text``,
    kept in the format's field order: after ``version`` and the texts before it."""
    order = ("version", *STORE_TEXTS)
    rank = order.index(name)
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if name not in out and (key not in order or order.index(key) > rank):
            out[name] = text
        if key != name:
            out[key] = value
    out.setdefault(name, text)
    return out


def tidy_page(page: Page, file: str) -> Page:
    """The page with every text made fit for its field (see ``store.tidy_line``),
    counting the texts that changed, its file name (the source's ``file``) among them."""
    title = tidy_line(page.title).strip() if page.title is not None else None
    pairs = tuple(Pair(tidy_line(p.question).strip(), tidy_answer(p.answer).strip())
                  for p in page.pairs)
    changed = (title != page.title) + (tidy_line(file) != file) + sum(
        (new.question != old.question) + (new.answer != old.answer)
        for new, old in zip(pairs, page.pairs)
    )
    # A question of bidi controls alone is no question.
    kept = tuple(pair for pair in pairs if pair.question)
    return Page(title or None, page.format, kept, changed)


def slugify(text: str) -> str:
    """A lowercase slug of the content words of ``text`` (all its words if none are)."""
    all_words = fold(text).split()
    chosen = [w for w in all_words if w not in STOP_WORDS] or all_words
    slug = ""
    for word in chosen:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > SLUG_MAX and slug:
            break
        slug = longer[:SLUG_MAX].strip("-")
    return slug


def _fold(text: str) -> str:
    """Case, whitespace and punctuation folded; punctuation alone stays itself."""
    return fold_words(text) or text.strip()


def _unique(base: str, taken: set[str]) -> str:
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _merge(entry: dict[str, Any], question: str, source_id: str) -> bool:
    """Add a phrasing and a source to an entry that has the same answer; whether it changed."""
    changed = False
    phrasings = [entry["question"], *entry.get("also_asked", [])]
    if _fold(question) not in {_fold(p) for p in phrasings}:
        also = [*entry.get("also_asked", []), question]
        # Keep the field order of the format: also_asked follows question.
        rebuilt: dict[str, Any] = {}
        for key, value in entry.items():
            if key != "also_asked":
                rebuilt[key] = value
            if key == "question":
                rebuilt["also_asked"] = also
        entry.clear()
        entry.update(rebuilt)
        changed = True
    if source_id not in entry["sources"]:
        entry["sources"].append(source_id)
        changed = True
    return changed


def _source_for(
    doc: dict[str, Any], file: str, page: Page, title: str | None
) -> tuple[dict[str, str], bool]:
    """The store's source for the page file named ``file``, added when the
    store does not have one yet."""
    for source in doc["sources"]:
        if source["file"] == file:
            return source, False
    title = title or page.title
    base = slugify(title or Path(file).stem) or "page"
    ids = {s["id"] for s in doc["sources"]}
    source = {"id": _unique(base, ids), "title": title or file, "file": file}
    doc["sources"].append(source)
    return source, True


def _new_topic(topic_id: str) -> dict[str, str]:
    if topic_id == GENERAL:
        return {"id": GENERAL, "title": "General",
                "description": "Questions that fit no other topic."}
    title = topic_id.replace("-", " ").capitalize()
    return {"id": topic_id, "title": title,
            "description": f"Imported questions about {title.lower()}."}


class _TopicChooser:
    """The best existing topic for a new question, or None (then it goes to 'general').

    First the store's own search: the topic of the entry that would answer the
    question, when the search is confident enough to answer it. Else the topic
    whose title and description share the most content words with the question.
    """

    def __init__(self, document: dict[str, Any]) -> None:
        self.index = None
        if document["entries"]:
            from backfaq.search import Index

            self.index = Index(build_store(document, "(import)"))
        self.topics = [
            (t["id"], set(terms(f"{t['title']} {t['description']}"))) for t in document["topics"]
        ]

    def choose(self, question: str) -> str | None:
        if self.index is not None:
            hits = self.index.search(question, limit=1).hits
            if hits:
                return hits[0].entry.topic
        asked = set(terms(question))
        best, overlap = None, 0
        for topic_id, words in self.topics:
            if len(asked & words) > overlap:
                best, overlap = topic_id, len(asked & words)
        return best


def load_target(path: Path) -> dict[str, Any] | None:
    """The checked document of an existing store, None when there is no file yet."""
    if not path.exists() and not path.is_symlink():
        return None
    return load_document(path)

