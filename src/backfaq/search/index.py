"""The index: builds a store's search state, and answers a query with it.

``Index(store).search(query, limit=3, topic=None)`` is the whole interface the
CLI sees. The index is made of one part per job, each in its own module:
``Documents`` (the entries' analysed text), ``Postings`` (the entries holding
each stem), ``Scoring`` (an entry's score for a query) and ``Pruning`` (the
best entries of a large store without scoring them all). Their state is the
Index's own attributes, which the cache (``backfaq.cache``) saves and restores
as they are; this module builds it, ranks, and asks ``backfaq.decision``
whether the best entry answers the query.

Each part declares the attributes it holds at the top of its class, and what
it reads from the other parts in an ``if TYPE_CHECKING:`` block, which mypy
checks against the part that defines it.
"""

from __future__ import annotations

from array import array
from collections import Counter
from functools import cached_property
from typing import NamedTuple

from backfaq import analyzer, meaning
from backfaq.decision import Decision, decide
from backfaq.model import Entry, Hit, Store
from backfaq.search.documents import Documents, _Analyser
from backfaq.search.postings import Postings, _RawPostings
from backfaq.search.pruning import PRUNE_FROM, Pruning, _RawWording
from backfaq.search.scoring import _NOTHING, K1, QUESTION_WEIGHT, Scoring, _evidence, _Query
from backfaq.store import collector_paused
from backfaq.vocabulary import Vocabulary

# The best entries by words (as many as asked for, at least three) are
# reordered by two more readings of the query, each counting its share of
# the blended score (chosen on backfaq's labelled queries; see
# benchmarks/quality.py): every query, by how near it is in general English
# to the entry's phrasings (``backfaq.meaning``); a message of several
# sentences also by the score of its best sentence, RERANK deep (or as many
# as asked for, if more), a fixed depth that keeps a message's first answers
# the same whatever ``limit`` asks for, up to RERANK. Deeper reranks gave
# the same first answers on every labelled set, at up to twice the time.
RERANK = 5
SENTENCE_SHARE = 0.3
MEANING_SHARE = 0.15
MEANINGS_KEPT = 20_000  # entries' vectors kept at once: about 15 MB
# A pruned store of this many entries or more has its postings and wording
# built in arrays (``backfaq.search.bulk``): the loop that builds a smaller
# store's took four times FTS5's insert time at 100,000 entries.
BULK_FROM = 5_000


class _Readings(NamedTuple):
    """What the rerank reads besides the words: the query's sentences (for
    a message of several), and its vector in general English."""

    sentences: list[_Query]
    meaning: array[float] | None


class SearchResult(NamedTuple):
    """Ranked hits; when there are none, ``closest`` holds the nearest misses.
    ``decision`` says why the query was answered or not."""

    query: str
    hits: tuple[Hit, ...]
    closest: tuple[Hit, ...] = ()
    decision: Decision | None = None
    best: Hit | None = None  # the best answer in the whole store, whatever the topic


class Index(Documents, Postings, Scoring, Pruning):
    """Ranks a store's entries for free-text queries.

    ``prune`` (default: for stores of PRUNE_FROM entries or more) skips the
    entries whose score bound cannot reach the results; the results are the
    same either way, which the tests check on the bundled store.
    """

    def __init__(self, store: Store, *, prune: bool | None = None) -> None:
        self.store = store
        n = len(store.entries)
        # A term found once in a question of average length scores a full 1.0.
        self._full = QUESTION_WEIGHT / (K1 + QUESTION_WEIGHT)
        self._prune = n >= PRUNE_FROM if prune is None else prune
        # The build makes millions of objects and no cycles: a collector
        # left on walks them over and over as they pile up (a quarter of
        # the build at 100,000 entries).
        with collector_paused():
            if self._prune and n >= BULK_FROM:
                counts, stems = self._build_in_bulk()
            else:
                counts, stems = self._build_by_entry()
        self.vocabulary = Vocabulary([], store.synonyms, counts=counts, stems=stems, general=True)
        # A scanned (small) store scores every entry for every query: its
        # entries are unpacked for scoring here, once, and saved with the
        # index, so a one-off query loads them instead of working them out.
        self._scan = [] if self._prune else [self._unpack(i) for i in range(n)]

    def _keep_lengths(self, question_lens: array[float], answer_lens: array[int]) -> None:
        n = len(question_lens)
        self.avg_question_len = sum(question_lens) / n or 1.0
        self.avg_answer_len = sum(answer_lens) / n or 1.0

    def _build_by_entry(self) -> tuple[Counter[str], dict[str, str]]:
        """The analysed text, every stem's posting and, for a pruned search,
        every question's wording, an entry at a time: entries are unpacked one
        at a time, so the whole store's tuples never sit in memory at once.
        The store's words, counted, and their stems, for the vocabulary."""
        analyse = _Analyser()
        self._keep_lengths(*self._lay_out(analyse))
        postings = _RawPostings(self._full)
        wording = _RawWording()
        for i in range(len(self)):
            doc = self._doc(i)
            postings.add(i, doc, self._field_weights(doc))
            if self._prune:
                wording.add(i, doc)
        self._keep_postings(postings.laid_out())
        self._keep_wording(wording, wording.asked_bound(self.rarity))
        return analyse.words, analyse.stems

    def _build_in_bulk(self) -> tuple[Counter[str], dict[str, str]]:
        """What ``_build_by_entry`` builds, in arrays (``backfaq.search.bulk``)."""
        from backfaq.search.bulk import Bulk

        bulk = Bulk(self.store)
        self._keep_text(bulk.texts_by_entry())
        lengths = bulk.lengths_by_entry()
        self._keep_lengths(*lengths)
        self._keep_postings(bulk.postings(*lengths, (self.avg_question_len, self.avg_answer_len),
                                          self._full))
        rarity = {stem: self.rarity(stem) for stem in bulk.question_stems()}
        self._keep_wording(bulk.wording(), bulk.asked_bound(rarity))
        return bulk.word_counts(), bulk.word_stems()

    @property
    def prune(self) -> bool:
        """Whether search prunes; fixed when the index is built, which prepares
        what that search needs (and, for a full scan, keeps entries unpacked)."""
        return self._prune

    def search(
        self, query: str | analyzer.Query, *, limit: int = 3, topic: str | None = None,
        explain: bool = True,
    ) -> SearchResult:
        """The best entries for ``query``, best first; no hits when nothing fits.

        Whether the query is answerable at all is decided on the best entry of
        the whole store, before the topic filter (a topic of one entry has no
        background), by ``decision.decide``; every hit shown must pass it too.
        ``explain`` is accepted for callers that will not read explanations;
        the decision reads them, so hits carry them either way."""
        analysed = analyzer.analyse(query)
        query = analysed.text
        q = self._prepare(analysed)
        if q is None:
            return SearchResult(query, (), decision=decide(_NOTHING))
        wanted = max(limit, 3)
        readings = _Readings(
            [s for s in map(q.part, analysed.sentences()) if s is not None], analysed.meaning)
        depth = RERANK if readings.sentences else 0
        best = self._reranked(self._best(q, max(3 if topic else wanted, depth), None), readings)
        verdict = decide(_evidence(q, best[0]))
        if not verdict.answer:
            return SearchResult(query, (), tuple(best[:3]), verdict)
        if topic is None:
            in_scope = best
        else:
            in_scope = self._reranked(self._best(q, max(wanted, depth), topic), readings)
        # The best entry has passed already; each other hit must pass too.
        hits = tuple(h for h in in_scope
                     if h.entry is best[0].entry or decide(_evidence(q, h)).answer)[:limit]
        return SearchResult(query, hits, () if hits else tuple(in_scope[:3]), verdict, best[0])

    def _best(self, q: _Query, k: int, topic: str | None) -> list[Hit]:
        """The ``k`` best entries (of ``topic``), pruned or by a full scan."""
        return self._top(q, k, topic) if self._prune else self._ranked(q, topic, k)

    def _reranked(self, hits: list[Hit], readings: _Readings) -> list[Hit]:
        """``hits`` reordered by the blend of their score with the other
        readings of the query, each weighing its share: the best sentence's
        score (SENTENCE_SHARE, for a message of several sentences) and the
        entry's nearness in meaning (MEANING_SHARE, a cosine as points of
        100; none without the table). The readings stay in the hit's
        explanation, where the decision reads the meaning."""
        if not readings.sentences and readings.meaning is None:
            return hits
        blended = []
        for hit in hits:
            total, shares, extra = hit.score, 1.0, {}
            if readings.sentences:
                i = self._position(hit.entry)
                sentence = max(self._score(i, s, explain=False).score for s in readings.sentences)
                total += SENTENCE_SHARE * sentence
                shares += SENTENCE_SHARE
                extra["sentence"] = round(sentence, 2)
            near = meaning.similarity(readings.meaning, self._meaning_of(hit.entry))
            if near is not None:
                near = max(0.0, near)
                total += MEANING_SHARE * 100 * near
                shares += MEANING_SHARE
                extra["meaning"] = round(near, 3)
            explain = {**(hit.explain or {}), **extra}
            blended.append(Hit(hit.entry, round(total / shares, 2), explain))
        blended.sort(key=lambda h: (-h.score, h.entry.id))
        return blended

    def _meaning_of(self, entry: Entry) -> array[float] | None:
        """An entry's vector: its question and other phrasings, worked out
        the first time the entry is a candidate (a query has three or more) and kept,
        up to MEANINGS_KEPT entries (a long session on a large store)."""
        if entry.id in self._meanings:
            return self._meanings[entry.id]
        if len(self._meanings) >= MEANINGS_KEPT:
            self._meanings.clear()
        found = self._meanings[entry.id] = meaning.vector(
            analyzer.fold(" ".join((entry.question, *entry.also_asked))))
        return found

    @cached_property
    def _meanings(self) -> dict[str, array[float] | None]:
        return {}

    def _position(self, entry: Entry) -> int:
        """Where ``entry`` is in the store: the number the postings know it by."""
        return self._positions[entry.id]

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {e.id: i for i, e in enumerate(self.store.entries)}

    def _ranked(self, q: _Query, topic: str | None, k: int) -> list[Hit]:
        """The ``k`` best entries (of ``topic``) by a full scan, the reference the
        pruned search must agree with: every entry is scored without its
        explanation, then the ``k`` kept are scored again with it."""
        scored = [self._score(i, q, explain=False) for i in range(len(self))
                  if topic is None or self.store.entries[i].topic == topic]
        scored.sort(key=lambda h: (-h.score, h.entry.id))
        return [self._score(self._position(h.entry), q) for h in scored[:k]]
