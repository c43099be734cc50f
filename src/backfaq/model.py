"""The types every layer shares: a loaded store and the hits a search returns.

They are frozen so that a store, once validated, cannot drift out of shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    title: str
    description: str


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    title: str
    file: str


@dataclass(frozen=True, slots=True)
class Entry:
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


@dataclass(frozen=True, slots=True)
class RedFlag:
    """A warning sign that needs a doctor, and the wordings that name it.

    ``terms`` are phrases that name the sign; ``exceptions`` are phrases that
    only look like it ("fell asleep" is not a fall).
    """

    id: str
    sign: str
    terms: tuple[str, ...]
    exceptions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Store:
    """A validated FAQ store; ``path`` names where it came from, for messages."""

    path: str
    version: int
    topics: tuple[Topic, ...]
    sources: tuple[Source, ...]
    entries: tuple[Entry, ...]
    synonyms: tuple[tuple[str, ...], ...] = ()
    red_flags: tuple[RedFlag, ...] = ()
    _topics: dict[str, Topic] = field(init=False, repr=False, compare=False)
    _sources: dict[str, Source] = field(init=False, repr=False, compare=False)
    _entries: dict[str, Entry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_topics", {t.id: t for t in self.topics})
        object.__setattr__(self, "_sources", {s.id: s for s in self.sources})
        object.__setattr__(self, "_entries", {e.id: e for e in self.entries})

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
            return self.entries
        return tuple(e for e in self.entries if e.topic == topic_id)


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked answer. ``score`` is 0..100; ``explain`` says why it matched."""

    entry: Entry
    score: float
    explain: dict[str, Any] = field(default_factory=dict, compare=False)
