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
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backfaq.analyzer import STOP_WORDS, fold, terms
from backfaq.errors import PageError, UnknownTopic
from backfaq.pages import Page, Pair, fold_words, is_question
from backfaq.store import (
    FORMAT_VERSION,
    SLUG,
    STORE_TEXTS,
    build_store,
    load_document,
    tidy_line,
)

GENERAL = "general"
SLUG_MAX = 60  # characters of a generated id


@dataclass(frozen=True, slots=True)
class Action:
    """What happened to one question: ``added``, ``merged``, ``unchanged``,
    ``updated`` (a new answer), ``skipped`` (``why``: no answer, or no
    question), or with ``--sync`` ``removed`` or ``unsourced`` (the page no
    longer has it)."""

    kind: str
    question: str
    entry_id: str | None = None
    topic: str | None = None
    why: str | None = None


@dataclass(frozen=True, slots=True)
class PageReport:
    name: str
    format: str
    source_id: str
    source_title: str
    new_source: bool
    actions: tuple[Action, ...]
    tidied: int = 0  # texts whose tabs, line breaks or bidi controls were removed (Page.tidied)
    gone: int = 0  # entries of its source no longer on the page, left in place (no --sync)


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


def plan_import(
    document: dict[str, Any],
    pages: list[tuple[str, Page]],
    *,
    topic: str | None = None,
    topic_title: str | None = None,
    source_title: str | None = None,
    source_url: str | None = None,
    disclaimer: str | None = None,
    title: str | None = None,
    sync: bool = False,
) -> ImportPlan:
    """The document with the pages merged in; ``document`` itself is left unchanged.
    The pages are as ``load_pages`` gives them: tidied (``tidy_page``).

    A new entry's topic is ``topic`` (created, titled ``topic_title``, when
    the store lacks it), else the page's own heading or category for it
    (created when new), else the best-matching topic. An entry of the page's
    source whose question the page answers differently now is updated; with
    ``sync``, the entries of that source the page no longer has lose it (and
    go, when it was their only source). ``title`` and ``disclaimer`` become
    the store's own (``Store.title``, ``Store.disclaimer``).
    """
    doc = copy.deepcopy(document)
    texts_set = []
    for name, text in (("title", title), ("disclaimer", disclaimer)):
        if text is not None and doc.get(name) != tidy_line(text).strip():
            doc = _with_text(doc, name, tidy_line(text).strip())
            texts_set.append(name)
    topics = _Topics(doc, document)
    if topic is not None:
        topics.require(topic, topic_title)
    elif topic_title is not None:
        raise UnknownTopic("--topic-title names a new topic: give its id with --topic")
    by_answer = {_fold(e["answer"]): e for e in doc["entries"]}
    ids = {e["id"] for e in doc["entries"]}
    read: list[tuple[str, Page, dict[str, str], bool, list[Action]]] = []
    seen_by_source: dict[str, set[str]] = {}
    for name, page in pages:
        if sync and page.unnamed and not (source_url or page.url or source_title or page.title):
            # Its source would be a new one every time: every entry of it
            # would stay, and none of another page's may go in its stead.
            raise PageError(name, "read from a pipe or a descriptor, the page has no name "
                                  "of its own, nor a title or address to find its source by "
                                  "for --sync; give --source-title or --source-url")
        source, new_source = _source_for(doc, tidy_line(Path(name).name), page, source_title,
                                         source_url)
        by_question = _questions_of(doc, source["id"])
        seen = seen_by_source.setdefault(source["id"], set())
        actions: list[Action] = []
        for pair in page.pairs:
            if not is_question(pair.question):  # punctuation alone ("## ?")
                actions.append(Action("skipped", pair.question,
                                      why="no question, only punctuation"))
                continue
            if not pair.answer:
                actions.append(Action("skipped", pair.question, why="no answer"))
                continue
            entry = by_answer.get(_fold(pair.answer))
            if entry is not None:
                changed = _merge(entry, pair.question, source["id"])
                actions.append(Action("merged" if changed else "unchanged", pair.question,
                                      entry["id"], entry["topic"]))
                seen.add(entry["id"])
                continue
            asked = by_question.get(_fold(pair.question))
            was_in: str | None = None  # the topic of the entry a question left
            if asked is not None and asked["id"] not in seen:
                # The page answers its question differently now: its words win.
                if len(asked["sources"]) == 1:
                    old = _fold(asked["answer"])
                    if by_answer.get(old) is asked:  # two entries may have shared it
                        del by_answer[old]
                    asked["answer"] = pair.answer
                    by_answer[_fold(pair.answer)] = asked
                    actions.append(Action("updated", pair.question, asked["id"],
                                          asked["topic"]))
                    seen.add(asked["id"])
                    continue
                # Other pages still give the old answer: it stays theirs, and
                # this page's question takes its new answer to an entry of its own.
                _leave(asked, pair.question, source["id"])
                was_in = asked["topic"]
            chosen = topic or was_in or topics.for_page(pair)
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
            seen.add(entry["id"])
            actions.append(Action("added", pair.question, entry["id"], chosen))
        read.append((name, page, source, new_source, actions))
    # What a page no longer has is judged once every page is in: another page
    # of this import may hold it still.
    reports: list[PageReport] = []
    for name, page, source, new_source, actions in read:
        seen = seen_by_source[source["id"]]
        gone = [e for e in doc["entries"] if source["id"] in e["sources"] and e["id"] not in seen]
        if sync:
            actions += _drop_source(doc, gone, source["id"])
        reports.append(PageReport(name, page.format, source["id"], source["title"], new_source,
                                  tuple(actions), page.tidied, 0 if sync else len(gone)))
    return ImportPlan(doc, tuple(reports), tuple(topics.created), doc != document,
                      tuple(texts_set))


def _questions_of(doc: dict[str, Any], source_id: str) -> dict[str, dict[str, Any]]:
    """The entries ``source_id`` is a source of, by each of their phrasings,
    folded: a question of the page answered differently now is one of them."""
    found: dict[str, dict[str, Any]] = {}
    for entry in doc["entries"]:
        if source_id in entry["sources"]:
            for phrasing in (entry["question"], *entry.get("also_asked", ())):
                found.setdefault(_fold(phrasing), entry)
    return found


def _leave(entry: dict[str, Any], question: str, source_id: str) -> None:
    """Take ``source_id``, and its ``question`` unless no other phrasing is
    left, out of a shared entry whose answer it no longer gives."""
    entry["sources"].remove(source_id)
    phrasings = [entry["question"], *entry.get("also_asked", [])]
    kept = [p for p in phrasings if _fold(p) != _fold(question)]
    if kept and len(kept) < len(phrasings):
        entry["question"] = kept[0]
        if "also_asked" in entry:
            entry["also_asked"] = kept[1:]


def _drop_source(doc: dict[str, Any], gone: list[dict[str, Any]], source_id: str) -> list[Action]:
    """Remove ``source_id`` from the entries the page no longer has; an entry
    it was the only source of goes."""
    actions = []
    for entry in gone:
        if entry["sources"] == [source_id]:
            doc["entries"].remove(entry)
            actions.append(Action("removed", entry["question"], entry["id"], entry["topic"]))
        else:
            entry["sources"].remove(source_id)
            actions.append(Action("unsourced", entry["question"], entry["id"], entry["topic"]))
    return actions


class _Topics:
    """The store's topics as an import finds and creates them."""

    def __init__(self, doc: dict[str, Any], original: dict[str, Any]) -> None:
        self.doc = doc
        self.created: list[str] = []
        self._chooser: _TopicChooser | None = None
        self._original = original

    def _ids(self) -> list[str]:
        return [t["id"] for t in self.doc["topics"]]

    def require(self, topic_id: str, title: str | None) -> None:
        """``--topic``: an existing topic, or a new one when ``topic_id`` is a slug."""
        if topic_id in self._ids():
            if title is not None:
                raise UnknownTopic(f"topic '{topic_id}' exists already; --topic-title "
                                   "names a new topic")
            return
        if not SLUG.fullmatch(topic_id):
            raise UnknownTopic(
                f"a new topic needs a lowercase slug like 'neck-pain', not '{topic_id}'"
            )
        self._add(topic_id, title)

    def for_page(self, pair: Pair) -> str:
        """The topic of a new entry: the page's own heading or category for it,
        else the best-matching topic, else 'general'."""
        if pair.topic:
            found = self._named(pair.topic)
            if found:
                return found
        if self._chooser is None:
            self._chooser = _TopicChooser(self._original)
        chosen = self._chooser.choose(pair.question) or GENERAL
        if chosen not in self._ids():
            self._add(chosen, None)
        return chosen

    def _named(self, heading: str) -> str | None:
        """The topic called ``heading`` (by id or title), created when new."""
        slug = slugify(heading)
        folded = fold_words(heading)
        for existing in self.doc["topics"]:
            if existing["id"] == slug or fold_words(existing["title"]) == folded:
                return str(existing["id"])
        if not folded:
            return None
        # A heading in a script a slug cannot spell ("付款") keeps its title.
        topic_id = slug or _unique("topic", set(self._ids()))
        self._add(topic_id, heading)
        return topic_id

    def _add(self, topic_id: str, title: str | None) -> None:
        self.doc["topics"].append(_new_topic(topic_id, title))
        self.created.append(topic_id)


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


def slugify(text: str) -> str:
    """A lowercase slug of the content words of ``text`` (all its words if none
    are); ASCII only, as ids are: empty for a text in another script."""
    all_words = [w for w in fold(text).split() if w.isascii()]
    chosen = [w for w in all_words if w not in STOP_WORDS] or all_words
    slug = ""
    for word in chosen:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > SLUG_MAX and slug:
            break
        slug = longer[:SLUG_MAX].strip("-")
    return slug


def _fold(text: str) -> str:
    """What makes two texts the same text: case, whitespace, sentence
    punctuation, quotes and Markdown's marks folded (two pages quote one
    answer, one without a full stop, one with a ``####`` heading in it), and
    every other mark kept: "+5" and "-5", "$5" and "€5", "> 10" and "< 10",
    "5%" and "5" are different answers."""
    if not text.isascii():  # the punctuation of every script: 。？！«»¡¿…
        text = "".join(" " if _punctuates(c) else c for c in text)
    return " ".join(text.translate(_SENTENCE_MARKS).casefold().split()) or text.strip()


# Marks that punctuate or format a sentence, not what it says: read as
# spaces by _fold (with every other punctuation mark of Unicode but dashes
# and _KEPT_MARKS, which say something: "-5", "5%", "1/2", "a@b").
_KEPT_MARKS = frozenset("%\u2030\u2031/@&\\")


def _punctuates(char: str) -> bool:
    """Whether ``char`` only punctuates (see _fold): Unicode punctuation
    but dashes and _KEPT_MARKS."""
    kind = unicodedata.category(char)
    return kind[0] == "P" and kind != "Pd" and char not in _KEPT_MARKS
_SENTENCE_MARKS = str.maketrans(
    dict.fromkeys(".,;:!?\"'()[]#*_`\u2018\u2019\u201c\u201d\u2026", " "))


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
    doc: dict[str, Any], file: str, page: Page, title: str | None, url: str | None
) -> tuple[dict[str, str], bool]:
    """The store's source for the page file named ``file`` (at the same address,
    when both are known), added when the store does not have one yet; its
    address is ``url``, else the page's own."""
    if page.unnamed:
        return _source_of_unnamed(doc, page, title, url)
    url = url or page.url
    title = title or page.title
    for source in doc["sources"]:
        # The same file name is the same page, unless both say where they
        # live and the addresses differ (two shops' faq.html), or the page
        # (or --source-title) names itself otherwise and gives none of the
        # source's answers: a printer's faq.md and a router's would update
        # and remove each other's entries, where a page retitled keeps most.
        if source["file"] != file or (url and source.get("url") and source["url"] != url):
            continue
        if title and source["title"] != title and not _gives_any(doc, source["id"], page):
            continue
        if url and source.get("url") != url:
            source["url"] = url
        return source, False
    return _new_source(doc, slugify(title or Path(file).stem) or "page", title or file, file,
                       url), True


def _source_of_unnamed(
    doc: dict[str, Any], page: Page, given_title: str | None, given_url: str | None
) -> tuple[dict[str, str], bool]:
    """The source of a page read from a pipe (``Page.unnamed``), which has no
    file name to be known by: the source at its address; else the source of
    the title given with ``--source-title``; else, of the page's own title,
    one that it gives an answer of (a title such as "FAQ" names many pages);
    else a new one, its file ``-``."""
    url = given_url or page.url
    title = given_title or page.title
    for source in doc["sources"]:
        if url:
            if source.get("url") == url:
                return source, False
        elif title and source["title"] == title and not source.get("url") and (
                given_title or _gives_any(doc, source["id"], page)):
            return source, False
    return _new_source(doc, slugify(title or "") or "page", title or "page read from a pipe",
                       "-", url), True


def _new_source(doc: dict[str, Any], base: str, title: str, file: str,
                url: str | None) -> dict[str, str]:
    """A source added to ``doc``, its id ``base`` made unique."""
    source = {"id": _unique(base, {s["id"] for s in doc["sources"]}), "title": title,
              "file": file}
    if url:
        source["url"] = url
    doc["sources"].append(source)
    return source


def _gives_any(doc: dict[str, Any], source_id: str, page: Page) -> bool:
    """Whether ``page`` gives one of the answers the store has from ``source_id``."""
    answers = {_fold(pair.answer) for pair in page.pairs if pair.answer}
    return any(source_id in e["sources"] and _fold(e["answer"]) in answers
               for e in doc["entries"])


def _new_topic(topic_id: str, title: str | None = None) -> dict[str, str]:
    if topic_id == GENERAL and title is None:
        return {"id": GENERAL, "title": "General",
                "description": "Questions that fit no other topic."}
    title = title or topic_id.replace("-", " ").capitalize()
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
    try:
        os.lstat(path)
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        pass  # a name too long, a file for a directory: the reader says so
    return load_document(path)

