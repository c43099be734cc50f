"""Load and validate a FAQ store (the JSON format documented in the README).

Loading is all or nothing: the document is checked completely before any
model object is built, so a bad store never yields a half-loaded one.
"""

from __future__ import annotations

import gc
import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

from backfaq.errors import StoreError
from backfaq.limits import check_memory, read_bounded
from backfaq.model import Entry, RedFlag, Source, Store, Topic

FORMAT_VERSION = 1
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Text a terminal would act on (escape sequences, bells, carriage returns):
# never served. An answer may hold newlines (its steps).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# What a store's text may not hold: control characters, and lone surrogates
# (a JSON escape such as "\ud800" alone), which no UTF-8 file can hold.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Bidirectional controls reorder what a terminal shows around them; no field
# may hold one. A single-line field (an id, a question, a title) holds no tab
# or line break either: `list` and `topics` print it in a tab-separated row.
# An answer keeps its line breaks ("\n") and holds no tab.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_LINE_BREAKS = "\n\u2028\u2029"  # the others (\r, \v, \f, \x85) are control characters
# Compiled when first needed, by a check or an import: a class of
# characters past U+00FF takes half a millisecond to compile, which a query
# served from the cache need not pay.
_NOT_IN_A_LINE = f"[\t{_LINE_BREAKS}{_BIDI}]"
_NOT_IN_AN_ANSWER = f"[\t\u2028\u2029{_BIDI}]"
_BIDI_CHARS = f"[{_BIDI}]"

# Each record kind: required string fields, optional list-of-string fields.
_TOPIC = ("id", "title", "description")
_SOURCE = ("id", "title", "file")
_SOURCE_OPTIONAL = ("url",)
_ENTRY = ("id", "question", "answer", "topic")
_ENTRY_LISTS = ("also_asked", "sources")
_ENTRY_FLAGS = ("urgent",)
_RED_FLAG = ("id", "sign")
_RED_FLAG_LISTS = ("terms", "except")
# What a store says about itself (``Store.texts``): optional, one line each.
STORE_TEXTS = ("title", "disclaimer", "notice")
_TOP_LEVEL = {"version", "topics", "sources", "entries", "synonyms", "red_flags", *STORE_TEXTS}
# A source's address: one a reader can open (import checks pages' with it too).
WEB_ADDRESS = r"(?i)https?://[^\s/?#]+\S*"


class Problem(NamedTuple):
    """One thing wrong with a store, at a JSON location such as ``entries[3].answer``."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


BUNDLED = "bundled"  # the word that names the bundled FAQ where a store path goes


def bundled_path() -> str:
    """The store that ships with backfaq.

    A wheel carries it as ``backfaq/data/faq.json``; an editable install or a
    source checkout does not (hatchling's force-include skips them), so fall
    back to the checkout's top-level ``data/faq.json``. The path is found
    from this file with os.path: importlib.resources and pathlib cost more
    to import than loading the store does.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    packaged = os.path.join(here, "data", "faq.json")
    if os.path.isfile(packaged):
        return packaged
    checkout = os.path.dirname(os.path.dirname(os.path.realpath(here)))
    return os.path.join(checkout, "data", "faq.json")


class _NotJson(ValueError):
    """NaN, Infinity or -Infinity: Python's json reads them, JSON has no such values."""


def _not_json(constant: str) -> Any:
    raise _NotJson(constant)


class DuplicateKey(ValueError):
    """A key twice in one object: Python's json keeps the last, and the
    first's value (a whole list of entries, say) would vanish unseen."""


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object's ``object_pairs_hook`` that raises DuplicateKey."""
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return found


class _Repeats(dict[str, Any]):
    """A JSON object whose keys repeat (the last value of each kept), with the
    keys that do, in the order they first stand."""

    repeated: list[str]


def _marked(pairs: list[tuple[str, Any]], found: dict[str, Any]) -> _Repeats:
    """The object of ``pairs`` (``found``, the last value of each key kept),
    marked with the keys that repeat."""
    counts = Counter(key for key, _ in pairs)
    marked = _Repeats(found)
    marked.repeated = [key for key in found if counts[key] > 1]
    return marked


def _repeats_in(doc: Any) -> list[Problem]:
    """A problem for each key repeated in ``doc``'s objects (``_Repeats``), at
    its object's location (``entries[1]``), in the order they stand."""
    problems = []
    stack: list[tuple[str, Any]] = [("", doc)]
    while stack:
        where, value = stack.pop()
        children: list[tuple[str, Any]] = []
        if isinstance(value, dict):
            for key in getattr(value, "repeated", ()):
                problems.append(Problem(where, f"key {key!r} appears twice in one object"
                                        if where else f"key {key!r} appears twice at the top"))
            children = [(f"{where}.{k}" if where else k, v) for k, v in value.items()]
        elif isinstance(value, list):
            children = [(f"{where}[{i}]", v) for i, v in enumerate(value)]
        stack.extend(reversed(children))
    return problems


def read_document(path: str | os.PathLike[str], raw: bytes | None = None,
                  *, repeats: list[Problem] | None = None) -> Any:
    """Read and parse a store file, turning every failure into a StoreError.

    ``raw`` is the file's bytes when the caller has read them already (the
    index cache hashes them first): the document parsed is then the one hashed.
    Keys repeated in an object are an error, which names where; given a list
    as ``repeats``, they are added to it instead, and the document (the last
    value of each key) returned for its other problems to be found.
    """
    name = os.fspath(path)
    if raw is None:
        raw = read_bounded(path, noun="a store file", error=StoreError)
    else:
        check_memory(name, len(raw), StoreError)
    if not raw.strip():
        raise StoreError(name, "empty file, expected a JSON object")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StoreError(name, f"not UTF-8 text (bad byte at offset {exc.start})") from None
    repeated: list[bool] = []  # set by the first object whose keys repeat

    def noting_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        found = dict(pairs)
        if len(found) == len(pairs):
            return found
        repeated.append(True)
        return _marked(pairs, found)

    try:
        doc = json.loads(text, parse_constant=_not_json, object_pairs_hook=noting_repeats)
    except _NotJson as exc:
        raise StoreError(name, f"invalid JSON: {exc.args[0]} is not a JSON value") from None
    except json.JSONDecodeError as exc:
        raise StoreError(
            name, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise StoreError(name, "invalid JSON: nested too deeply") from None
    except ValueError:
        # The only other ValueError json raises: an integer too long to convert.
        raise StoreError(name, "invalid JSON: a number has too many digits") from None
    if not repeated:
        return doc
    found = _repeats_in(doc)
    if repeats is not None:
        repeats.extend(found)
        return doc
    where = f" ({found[0].location})" if found[0].location else ""
    raise StoreError(name, f"invalid store: {found[0].message}{where}")


def check_file(path: str | os.PathLike[str]) -> list[Problem]:
    """Every problem of the store file at ``path``, in document order, keys
    repeated in an object among them; a file that cannot be read or parsed
    is one problem, the reason."""
    repeats: list[Problem] = []
    try:
        doc = read_document(path, repeats=repeats)
    except StoreError as exc:
        return [Problem("", exc.problem)]
    problems = check_document(doc)
    if not repeats:
        return problems
    return sorted(repeats + problems, key=lambda p: _position(doc, p.location))


def check_document(doc: Any) -> list[Problem]:
    """Every way ``doc`` differs from the store format, in document order."""
    if not isinstance(doc, dict):
        return [Problem("", f"expected a JSON object at the top level, got {_kind(doc)}")]
    problems: list[Problem] = []
    for key in sorted(set(doc) - _TOP_LEVEL):
        problems.append(Problem(key, "unknown field"))
    version = doc.get("version")
    if "version" not in doc:
        problems.append(Problem("version", "missing"))
    elif type(version) is not int:
        problems.append(Problem("version", f"expected an integer, got {_kind(version)}"))
    elif version != FORMAT_VERSION:
        problems.append(
            Problem("version", f"unsupported version {version} (expected {FORMAT_VERSION})")
        )
    for name in STORE_TEXTS:
        if name in doc:
            _check_string(doc, name, "", problems)
    topics, topic_list = _check_records(doc, "topics", _TOPIC, (), problems)
    sources, source_list = _check_records(doc, "sources", _SOURCE, (), problems,
                                          optional=_SOURCE_OPTIONAL)
    for i, source in source_list:
        url = source.get("url")
        if isinstance(url, str) and url.strip() and not re.fullmatch(WEB_ADDRESS, url):
            problems.append(Problem(f"sources[{i}].url", "expected an http:// or https:// address"))
    _, entries = _check_records(doc, "entries", _ENTRY, _ENTRY_LISTS, problems, _ENTRY_FLAGS)
    for key, records in (("topics", topic_list), ("sources", source_list), ("entries", entries)):
        # Ids are typed on command lines (--topic, show): slugs only.
        for i, record in records:
            ident = record.get("id")
            if isinstance(ident, str) and ident.strip() and not SLUG.fullmatch(ident):
                problems.append(
                    Problem(f"{key}[{i}].id", "must be a lowercase slug like 'pain-relief'")
                )
    for i, entry in entries:
        where = f"entries[{i}]"
        topic = entry.get("topic")
        if isinstance(topic, str) and topic and topic not in topics:
            problems.append(Problem(f"{where}.topic", f"unknown topic {topic!r}"))
        refs = entry.get("sources")
        if "sources" not in entry:
            problems.append(Problem(f"{where}.sources", "missing"))
        elif isinstance(refs, list):
            if not refs:
                problems.append(Problem(f"{where}.sources", "empty, name at least one source"))
            for j, ref in enumerate(refs):
                if isinstance(ref, str) and ref and ref not in sources:
                    problems.append(Problem(f"{where}.sources[{j}]", f"unknown source {ref!r}"))
                elif isinstance(ref, str) and ref in refs[:j]:
                    problems.append(Problem(f"{where}.sources[{j}]", f"{ref!r} named twice"))
    _check_synonyms(doc, problems)
    _check_red_flags(doc, problems)
    return sorted(problems, key=lambda p: _position(doc, p.location))


_STEP = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")
# The format's own order of fields: where a missing one would stand.
_FIELD_ORDER = {
    "": ("version", *STORE_TEXTS, "topics", "sources", "entries", "synonyms", "red_flags"),
    "topics": _TOPIC,
    "sources": (*_SOURCE, *_SOURCE_OPTIONAL),
    "entries": ("id", "question", "also_asked", "answer", "topic", "sources", *_ENTRY_FLAGS),
    "red_flags": ("id", "sign", "terms", "except"),
}


def _position(doc: Any, location: str) -> list[float]:
    """Where ``location`` (``entries[3].sources[1]``) is in the document, as
    each step's place among its siblings: problems sorted by it are in the
    order a reader of the file meets them. A missing field stands where the
    format puts it, after the fields present that come before it."""
    where: list[float] = []
    node, kind = doc, ""
    for key, index in _STEP.findall(location):
        if index:
            i = int(index)
            where.append(i)
            node = node[i] if isinstance(node, list) and i < len(node) else None
            continue
        keys = list(node) if isinstance(node, dict) else []
        if key in keys:
            where.append(keys.index(key))
        else:
            order = _FIELD_ORDER.get(kind, ())
            rank = order.index(key) if key in order else len(order)
            where.append(sum(k in order and order.index(k) < rank for k in keys) - 0.5)
        node = node.get(key) if isinstance(node, dict) else None
        kind = key if not kind else kind
    return where


def _check_records(
    doc: dict[str, Any],
    key: str,
    strings: tuple[str, ...],
    string_lists: tuple[str, ...],
    problems: list[Problem],
    booleans: tuple[str, ...] = (),
    *,
    optional: tuple[str, ...] = (),
) -> tuple[dict[str, Any], list[tuple[int, dict[str, Any]]]]:
    """Check a list of records (``optional`` strings may be left out); return
    them by id, and every object with its index."""
    if key not in doc:
        problems.append(Problem(key, "missing"))
        return {}, []
    records = doc[key]
    if not isinstance(records, list):
        problems.append(Problem(key, f"expected a list, got {_kind(records)}"))
        return {}, []
    if key == "entries" and not records:
        problems.append(Problem(key, "empty, a store needs at least one entry"))
    seen: dict[str, Any] = {}
    good: list[tuple[int, dict[str, Any]]] = []
    for i, record in enumerate(records):
        where = f"{key}[{i}]"
        if not isinstance(record, dict):
            problems.append(Problem(where, f"expected an object, got {_kind(record)}"))
            continue
        known = {*strings, *string_lists, *booleans, *optional}
        for extra in sorted(set(record) - known):
            problems.append(Problem(f"{where}.{extra}", "unknown field"))
        for name in booleans:
            if name in record and not isinstance(record[name], bool):
                problems.append(
                    Problem(f"{where}.{name}", f"expected true or false, got {_kind(record[name])}")
                )
        for name in strings:
            _check_string(record, name, where, problems)
        for name in optional:
            if name in record:
                _check_string(record, name, where, problems)
        for name in string_lists:
            value = record.get(name, [])
            if not isinstance(value, list):
                problems.append(Problem(f"{where}.{name}", f"expected a list, got {_kind(value)}"))
                continue
            for j, item in enumerate(value):
                if not isinstance(item, str):
                    problems.append(
                        Problem(f"{where}.{name}[{j}]", f"expected a string, got {_kind(item)}")
                    )
                elif not item.strip():
                    problems.append(Problem(f"{where}.{name}[{j}]", "empty"))
                elif (unsafe := _unsafe(item, newlines=False)) is not None:
                    problems.append(Problem(f"{where}.{name}[{j}]", unsafe))
        ident = record.get("id")
        if isinstance(ident, str) and ident.strip():
            if ident in seen:
                problems.append(Problem(f"{where}.id", f"duplicate id {ident!r}"))
            else:
                seen[ident] = record
        good.append((i, record))
    return seen, good


def _check_string(record: dict[str, Any], name: str, where: str, problems: list[Problem]) -> None:
    location = f"{where}.{name}" if where else name
    if name not in record:
        problems.append(Problem(location, "missing"))
    elif not isinstance(record[name], str):
        problems.append(Problem(location, f"expected a string, got {_kind(record[name])}"))
    elif not record[name].strip():
        problems.append(Problem(location, "empty"))
    elif (unsafe := _unsafe(record[name], newlines=name == "answer")) is not None:
        problems.append(Problem(location, unsafe))


def _unsafe(text: str, *, newlines: bool) -> str | None:
    """Why ``text`` cannot be served or written back, or None when it can;
    ``newlines``: it is an answer, which may hold line breaks."""
    found = _UNSAFE.search(text)
    if found is not None:
        return _surrogate(found.group()) or "contains control characters"
    found = re.search(_NOT_IN_AN_ANSWER if newlines else _NOT_IN_A_LINE, text)
    if found is None:
        return None
    char = found.group()
    if char == "\t":
        return "contains a tab"
    if char in _LINE_BREAKS:
        return f"contains a line break (U+{ord(char):04X})"
    return f"contains a bidirectional control character (U+{ord(char):04X})"


def tidy_line(text: str) -> str:
    """``text`` made fit for a single-line field: tabs and line breaks become
    spaces, bidirectional controls are dropped (what ``import`` does)."""
    return re.sub(_BIDI_CHARS, "", re.sub(f"[\t{_LINE_BREAKS}]", " ", text))


def tidy_answer(text: str) -> str:
    """``text`` made fit for an answer: tabs become spaces, U+2028 and U+2029
    line breaks, bidirectional controls are dropped."""
    return re.sub(_BIDI_CHARS, "", re.sub("[\u2028\u2029]", "\n", text.replace("\t", " ")))


def _surrogate(text: str) -> str | None:
    """A lone surrogate in ``text``, which could not be written back as UTF-8."""
    found = _SURROGATE.search(text)
    if found is None:
        return None
    return f"contains a lone surrogate \\u{ord(found.group()):04x}, not Unicode text"


def _check_synonyms(doc: dict[str, Any], problems: list[Problem]) -> None:
    groups = doc.get("synonyms", [])
    if not isinstance(groups, list):
        problems.append(Problem("synonyms", f"expected a list, got {_kind(groups)}"))
        return
    for i, group in enumerate(groups):
        where = f"synonyms[{i}]"
        if not isinstance(group, list) or len(group) < 2:
            problems.append(Problem(where, "expected a list of at least two phrases"))
            continue
        for j, phrase in enumerate(group):
            if not isinstance(phrase, str) or not phrase.strip():
                problems.append(Problem(f"{where}[{j}]", "expected a non-empty string"))
            elif (unsafe := _unsafe(phrase, newlines=False)) is not None:
                problems.append(Problem(f"{where}[{j}]", unsafe))


def _check_red_flags(doc: dict[str, Any], problems: list[Problem]) -> None:
    """Warning signs: optional, but each needs an id, a sign and phrases that name it."""
    if "red_flags" not in doc:
        return
    _, flags = _check_records(doc, "red_flags", _RED_FLAG, _RED_FLAG_LISTS, problems)
    for i, flag in flags:
        terms = flag.get("terms")
        if "terms" not in flag:
            problems.append(Problem(f"red_flags[{i}].terms", "missing"))
        elif isinstance(terms, list) and not terms:
            problems.append(Problem(f"red_flags[{i}].terms", "empty, name the sign at least once"))
        elif isinstance(terms, list):
            for j, term in enumerate(terms):
                if isinstance(term, str) and term.strip() and _matches_nothing(term):
                    problems.append(Problem(
                        f"red_flags[{i}].terms[{j}]",
                        "no query can match it: it has no word but a stop word or punctuation"))


def _matches_nothing(term: str) -> bool:
    """A warning sign's phrase no query can match: one of no content word
    that is not several words side by side ("hit by" is; "the" and "!!!"
    are not), as ``red_flags`` reads phrases."""
    from backfaq.analyzer import terms, words

    return not terms(term) and len(words(term)) < 2


def _kind(value: Any) -> str:
    """JSON's name for a value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def build_store(doc: dict[str, Any], path: str) -> Store:
    """Turn a checked document into model objects."""
    return Store(
        path=path,
        version=doc["version"],
        topics=tuple(Topic(t["id"], t["title"], t["description"]) for t in doc["topics"]),
        sources=tuple(Source(s["id"], s["title"], s["file"], s.get("url"))
                      for s in doc["sources"]),
        entries=tuple(
            Entry(
                id=e["id"],
                question=e["question"],
                also_asked=tuple(e.get("also_asked", ())),
                answer=e["answer"],
                topic=e["topic"],
                sources=tuple(e["sources"]),
                urgent=e.get("urgent", False),
            )
            for e in doc["entries"]
        ),
        synonyms=tuple(tuple(g) for g in doc.get("synonyms", ())),
        red_flags=tuple(
            RedFlag(f["id"], f["sign"], tuple(f["terms"]), tuple(f.get("except", ())))
            for f in doc.get("red_flags", ())
        ),
        title=doc.get("title"),
        disclaimer=doc.get("disclaimer"),
        notice=doc.get("notice"),
    )


def load_store(path: str | os.PathLike[str] | None = None, raw: bytes | None = None) -> Store:
    """Load the store at ``path`` (the bundled one when None), or raise StoreError.

    ``raw``, when given, is the file's bytes, already read.
    """
    resolved = os.fspath(path) if path is not None else bundled_path()
    with collector_paused():
        return build_store(load_document(resolved, raw), resolved)


@contextmanager
def collector_paused(*, freeze: bool = False) -> Iterator[None]:
    """Pause the cycle collector while a store's records are made.

    Loading makes a few objects per entry, none of them in a cycle; a
    collector left on walks them over and over as they pile up, which at
    100,000 entries is more than half the time of a load. Even paused, it
    counts them, and walks them all once it is back on; with ``freeze``
    everything made is frozen (``gc.freeze``) first, out of its sight for
    good: for a caller that keeps the store until it exits, as the CLI does.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


def load_document(path: str | os.PathLike[str], raw: bytes | None = None) -> dict[str, Any]:
    """The parsed document at ``path`` (or in ``raw``, its bytes) once it passes
    every check, or raise StoreError."""
    doc = read_document(path, raw)
    problems = check_document(doc)
    if problems:
        others = len(problems) - 1
        more = f" (and {others} more problem{'s' if others > 1 else ''})" if others else ""
        raise StoreError(os.fspath(path), f"{problems[0]}{more}")
    checked: dict[str, Any] = doc
    return checked
