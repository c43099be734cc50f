"""The types every layer shares: a loaded store and the hits a search returns.

They are immutable so that a store, once validated, cannot drift out of shape.
They are named tuples rather than frozen dataclasses because they are built
on every start: a frozen dataclass costs about half a millisecond to define,
a named tuple a tenth of that, and backfaq has a start-up budget.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class Topic(NamedTuple):
    id: str
    title: str
    description: str


class Source(NamedTuple):
    id: str
    title: str
    file: str
    url: str | None = None  # the page's address, when known: where a reader can check


class Entry(NamedTuple):
    id: str
    question: str
    also_asked: tuple[str, ...]
    answer: str
    topic: str
    sources: tuple[str, ...]
    urgent: bool = False  # the answer tells people when to seek care

    @property
    def phrasings(self) -> tuple[str, ...]:
        """Every way the source pages ask this question, the main one first."""
        return (self.question, *self.also_asked)


class RedFlag(NamedTuple):
    """A warning sign that needs a doctor, and the wordings that name it.

    ``terms`` are phrases that name the sign; ``exceptions`` are phrases that
    only look like it ("fell asleep" is not a fall).
    """

    id: str
    sign: str
    terms: tuple[str, ...]
    exceptions: tuple[str, ...] = ()


class Part(NamedTuple):
    """One store of several served together (``stores.combine``): its name
    (``bundled``, else its file's stem) and what it says about itself."""

    name: str
    path: str
    disclaimer: str | None
    notice: str | None


class Store:
    """A validated FAQ store; ``path`` names where it came from, for messages.

    Read-only once built, with its records looked up by id. What the store says
    about itself is its own, not backfaq's: ``title`` (the prompt greets with
    it), ``disclaimer`` (printed under every answer; a store without one
    prints none) and ``notice`` (what a warning sign's notice advises).
    """

    __slots__ = ("path", "version", "topics", "sources", "entries", "synonyms", "red_flags",
                 "title", "disclaimer", "notice", "parts", "_origins", "_sign_origins", "_topics",
                 "_sources",
                 "_entries")

    path: str
    version: int
    topics: tuple[Topic, ...]
    sources: tuple[Source, ...]
    entries: Sequence[Entry]  # a tuple, or a stored index's entries, read as needed
    synonyms: tuple[tuple[str, ...], ...]
    red_flags: tuple[RedFlag, ...]
    title: str | None
    disclaimer: str | None
    notice: str | None
    # Several stores served as one: each of them, and the part each entry and
    # each warning sign (by id: the two may share one) comes from. Empty for
    # a store served alone.
    parts: tuple[Part, ...]
    _origins: Mapping[str, int]
    _sign_origins: Mapping[str, int]
    _topics: dict[str, Topic]
    _sources: dict[str, Source]
    _entries: dict[str, Entry]

    def __init__(
        self,
        path: str,
        version: int,
        topics: tuple[Topic, ...],
        sources: tuple[Source, ...],
        entries: tuple[Entry, ...],
        synonyms: tuple[tuple[str, ...], ...] = (),
        red_flags: tuple[RedFlag, ...] = (),
        *,
        title: str | None = None,
        disclaimer: str | None = None,
        notice: str | None = None,
        parts: tuple[Part, ...] = (),
        origins: Mapping[str, int] = _EMPTY,
        sign_origins: Mapping[str, int] = _EMPTY,
    ) -> None:
        fields = {
            "path": path, "version": version, "topics": topics, "sources": sources,
            "entries": entries, "synonyms": synonyms, "red_flags": red_flags,
            "title": title, "disclaimer": disclaimer, "notice": notice,
            "parts": parts, "_origins": origins, "_sign_origins": sign_origins,
            "_topics": {t.id: t for t in topics},
            "_sources": {s.id: s for s in sources},
            "_entries": {e.id: e for e in entries},
        }
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"a Store is read-only; cannot set {name!r}")

    def __repr__(self) -> str:
        return f"Store({self.path!r}, {len(self.entries)} entries)"

    @property
    def texts(self) -> dict[str, str | None]:
        """What the store says about itself, by field name (as the format spells it)."""
        return {"title": self.title, "disclaimer": self.disclaimer, "notice": self.notice}

    @property
    def origins(self) -> Mapping[str, int]:
        """Several stores served as one: each entry's store (its place in
        ``parts``), by entry id; empty for a store served alone."""
        return self._origins

    @property
    def sign_origins(self) -> Mapping[str, int]:
        """Each warning sign's store, by its id (see ``origins``)."""
        return self._sign_origins

    def part_of(self, entry_id: str) -> Part | None:
        """The store an entry comes from, when several are served together;
        None for a store served alone."""
        found = self._origins.get(entry_id)
        return self.parts[found] if found is not None else None

    def part_of_sign(self, flag_id: str) -> Part | None:
        """The store a warning sign comes from (see ``part_of``)."""
        found = self._sign_origins.get(flag_id)
        return self.parts[found] if found is not None else None

    def disclaimer_for(self, entries: tuple[Entry, ...]) -> str | None:
        """What to print under these answers: their stores' own disclaimers,
        each once."""
        if not self.parts:
            return self.disclaimer
        return _each_once([(p.name, p.disclaimer) for e in entries
                           if (p := self.part_of(e.id)) and p.disclaimer])

    def advice_for(self, signs: tuple[RedFlag, ...]) -> str | None:
        """The notice advice for these warning signs, from their stores."""
        if not self.parts:
            return self.notice
        return _each_once([(p.name, p.notice) for f in signs
                           if (p := self.part_of_sign(f.id)) and p.notice])

    def topic(self, topic_id: str) -> Topic | None:
        return self._topics.get(topic_id)

    def source(self, source_id: str) -> Source | None:
        return self._sources.get(source_id)

    def entry(self, entry_id: str) -> Entry | None:
        return self._entries.get(entry_id)

    @property
    def urgent_entries(self) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.urgent)

    def entries_in(self, topic_id: str | None) -> tuple[Entry, ...]:
        if topic_id is None:
            return tuple(self.entries)  # the same tuple, not a copy
        return tuple(e for e in self.entries if e.topic == topic_id)


class Hit(NamedTuple):
    """One ranked answer. ``score`` is 0..100; ``explain`` says why it matched."""

    entry: Entry
    score: float
    explain: Mapping[str, Any] = _EMPTY


def _each_once(said: list[tuple[str, str]]) -> str | None:
    """Several stores' texts (a disclaimer, a warning's advice) as one line:
    each text once, word for word; when they differ, each followed by its
    store's name, so that none reads as the end of another's sentence."""
    texts = dict.fromkeys(text for _, text in said)
    if len(texts) <= 1:
        return next(iter(texts), None)
    named: dict[str, list[str]] = {}
    for name, text in said:
        if name not in named.setdefault(text, []):
            named[text].append(name)
    return "; ".join(f"{text} ({', '.join(names)})" for text, names in named.items())
