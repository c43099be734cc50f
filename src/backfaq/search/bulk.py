"""Bulk build: a large store's analysed text, postings and wording, in arrays.

At 100,000 entries a store has millions of words and of (stem, entry)
postings, and the loops that build a small store's index (``Documents``'s
analyser, ``postings._RawPostings``, ``pruning._RawWording``) took four times
what SQLite FTS5 takes to insert the same entries. Here each text is read
once into word numbers, in C (``analyzer.words`` and a dict lookup per
word), and everything else is sorts and reductions over whole arrays: stop
words dropped, words stemmed (once per distinct word), counted per field,
weighed by BM25F with the loop's arithmetic in the loop's order, and laid
out as the index keeps them. Every text, posting and bound is the loop's to
the bit; the tests build stores both ways and compare.

numpy is imported here alone, and this module only by the build of a store
of ``index.BULK_FROM`` entries or more: a small store never loads it.
"""

from __future__ import annotations

from array import array
from collections import Counter
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from backfaq import analyzer
from backfaq.model import Store
from backfaq.search.postings import LaidOut
from backfaq.search.pruning import _RawWording
from backfaq.search.scoring import ANSWER_WEIGHT, K1, QUESTION_WEIGHT, B

_Ints = npt.NDArray[np.int64]


class _WordIds(dict[str, int]):
    """Each word's number, given the first time it is read."""

    def __missing__(self, word: str) -> int:
        found = self[word] = len(self)
        return found


class Bulk:
    """A store's analysed words as arrays: every kept word's stem (by number)
    and the text it is in; each text's entry and whether it is the answer.
    Texts are each entry's questions, then its answer, as ``Documents``
    lays them out."""

    def __init__(self, store: Store) -> None:
        ids = _WordIds()
        number = ids.__getitem__
        words = analyzer.words
        # (A list grows faster than an array from an iterator, and becomes one
        # array at the end.)
        read: list[int] = []
        extend = read.extend
        ends, phrasings = array("Q"), array("I")
        for entry in store.entries:
            phrasings.append(len(entry.phrasings))
            for text in (*entry.phrasings, entry.answer):
                extend(map(number, words(text)))
                ends.append(len(read))
        self.words = list(ids)  # by number
        self.size = len(phrasings)
        self.texts = len(ends)
        per_entry = np.frombuffer(phrasings, dtype=np.uint32).astype(np.int64) + 1
        self.text_entry = np.repeat(np.arange(self.size, dtype=np.int64), per_entry)
        self.is_answer = np.zeros(self.texts, dtype=bool)
        self.is_answer[np.cumsum(per_entry) - 1] = True
        # Stop words dropped, the rest stemmed: each distinct word once.
        stop = np.array([w in analyzer.STOP_WORDS for w in self.words], dtype=bool)
        self.stem_ids: dict[str, int] = {}
        self.word_stem = word_stem = np.array(
            [-1 if s else self.stem_ids.setdefault(analyzer.stem(w), len(self.stem_ids))
             for w, s in zip(self.words, stop.tolist())], dtype=np.int64)
        tokens = np.array(read, dtype=np.int64)
        del read
        text_ends = np.frombuffer(ends, dtype=np.uint64).astype(np.int64)
        token_text = np.repeat(np.arange(self.texts, dtype=np.int64),
                               np.diff(text_ends, prepend=np.int64(0)))
        kept = ~stop[tokens] if len(tokens) else np.zeros(0, dtype=bool)
        self.word_tokens = tokens[kept]
        self.stems = word_stem[self.word_tokens]
        self.token_text = token_text[kept]
        self.lengths = np.bincount(self.token_text, minlength=self.texts)
        self.in_question = ~self.is_answer[self.token_text]
        # How often each stem is in each question: (stem, text) keys, counted.
        keys, self.question_counts = np.unique(
            self.stems[self.in_question] * self.texts + self.token_text[self.in_question],
            return_counts=True)
        self.question_stem = keys // self.texts
        self.question_text = keys % self.texts

    def texts_by_entry(self) -> list[str]:
        """Each entry's stems as ``Documents`` lays them out: stems joined by
        spaces, questions by newlines, then a tab and the answer."""
        stems = np.array(list(self.stem_ids), dtype=object)[self.stems].tolist()
        texts, start = [], 0
        for end in np.cumsum(self.lengths).tolist():
            texts.append(" ".join(stems[start:end]))
            start = end
        out, start = [], 0
        for end in np.cumsum(np.bincount(self.text_entry, minlength=self.size)).tolist():
            out.append("\n".join(texts[start : end - 1]) + "\t" + texts[end - 1])
            start = end
        return out

    def lengths_by_entry(self) -> tuple[array[float], array[int]]:
        """Each entry's mean question length and its answer's, in stems (as
        ``Documents._lay_out`` works them out)."""
        questions = ~self.is_answer
        summed = np.bincount(self.text_entry[questions], weights=self.lengths[questions],
                             minlength=self.size)
        phrasings = np.bincount(self.text_entry[questions], minlength=self.size)
        return (_array("d", summed / phrasings),
                _array("I", self.lengths[self.is_answer].astype(np.uint32)))

    def word_stems(self) -> dict[str, str]:
        """Each word's stem, stop words aside."""
        names = list(self.stem_ids)
        return {w: names[s] for w, s in zip(self.words, self.word_stem.tolist()) if s >= 0}

    def question_stems(self) -> list[str]:
        """The stems the questions hold."""
        names = list(self.stem_ids)
        return [names[s] for s in np.unique(self.question_stem).tolist()]

    def word_counts(self) -> Counter[str]:
        """How often each word of letters alone was read (``_Analyser``'s count)."""
        counts = np.bincount(self.word_tokens, minlength=len(self.words)).tolist()
        return Counter({w: n for w, n in zip(self.words, counts) if n and w.isalpha()})

    def postings(
        self, question_lens: array[float], answer_lens: array[int],
        averages: tuple[float, float], full: float,
    ) -> LaidOut:
        """Every stem's entries, ascending, with its BM25F strength in each:
        ``_RawPostings.add`` and ``Scoring._strengths``, over all entries at once."""
        n = self.size
        # A question's count is a stem's most in any one phrasing of the entry;
        # keys (stem, entry) are in order, for texts are in entry order.
        entry_keys = self.question_stem * n + self.text_entry[self.question_text]
        starts = _run_starts(entry_keys)
        question_keys = entry_keys[starts]
        question_tf = (np.maximum.reduceat(self.question_counts, starts) if len(starts)
                       else np.zeros(0, dtype=np.int64))
        in_answer = ~self.in_question
        answer_keys, answer_tf = np.unique(
            self.stems[in_answer] * n + self.text_entry[self.token_text[in_answer]],
            return_counts=True)
        # Two sorted runs: a stable sort merges them (numpy's union1d hashes,
        # ten times slower).
        keys = np.sort(np.concatenate((question_keys, answer_keys)), kind="stable")
        keys = keys[_run_starts(keys)]
        q_tf = np.zeros(len(keys), dtype=np.int64)
        q_tf[np.searchsorted(keys, question_keys)] = question_tf
        a_tf = np.zeros(len(keys), dtype=np.int64)
        a_tf[np.searchsorted(keys, answer_keys)] = answer_tf
        stems, docs = keys // n, keys % n
        # Scoring._field_weights and the strength, as the loop works them out.
        average_question, average_answer = averages
        question_len = np.frombuffer(question_lens, dtype=np.float64)
        answer_len = np.frombuffer(answer_lens, dtype=np.uint32).astype(np.float64)
        question_weight = QUESTION_WEIGHT / (1 - B + B * question_len / average_question)
        answer_weight = ANSWER_WEIGHT / (1 - B + B * answer_len / average_answer)
        q = question_weight[docs] * q_tf
        tf = q + answer_weight[docs] * a_tf
        strength = np.minimum((tf / (K1 + tf)) / full, 1.0)
        offsets = np.zeros(len(self.stem_ids) + 1, dtype=np.uint64)
        np.cumsum(np.bincount(stems, minlength=len(self.stem_ids)), out=offsets[1:])
        return LaidOut(
            dict(self.stem_ids),
            _array("Q", offsets),
            _array("I", docs.astype(np.uint32)),
            _array("f", strength.astype(np.float32)),
            bytearray((q > 0).astype(np.uint8).tobytes()),
        )

    def wording(self) -> _RawWording:
        """Every question with its stems sorted, and each entry's shortest and
        longest question in letters (what ``_RawWording.add`` gathers)."""
        names = sorted(self.stem_ids)
        letters = np.array([len(s) for s in self.stem_ids], dtype=np.int64)
        texts, stems = self._question_tokens
        in_order = np.array(names, dtype=object)[self._rank[stems]].tolist()
        questions = np.flatnonzero(~self.is_answer)
        raw = _RawWording()
        start = 0
        for end in np.cumsum(self.lengths[questions]).tolist():
            raw.sorted_phrasings.append(" ".join(in_order[start:end]))
            start = end
        # A question's letters: its stems' and the spaces between them.
        size = np.bincount(texts, weights=letters[stems], minlength=self.texts)[questions]
        size = np.maximum(size + self.lengths[questions] - 1, 0).astype(np.uint32)
        owner = self.text_entry[questions]
        firsts = _run_starts(owner)
        raw.owner = _array("I", owner.astype(np.uint32))
        raw.shortest = _array("I", np.minimum.reduceat(size, firsts))
        raw.longest = _array("I", np.maximum.reduceat(size, firsts))
        raw.most_phrasings = int(np.diff(np.append(firsts, len(owner))).max(initial=1))
        return raw

    @cached_property
    def _rank(self) -> _Ints:
        """Each stem's place among the stems in sorted order."""
        rank = np.zeros(len(self.stem_ids), dtype=np.int64)
        rank[np.array([self.stem_ids[s] for s in sorted(self.stem_ids)], dtype=np.int64)] = (
            np.arange(len(self.stem_ids)))
        return rank

    @cached_property
    def _question_tokens(self) -> tuple[_Ints, _Ints]:
        """The questions' tokens (text, stem), each question's stems sorted as
        ``_RawWording`` sorts them."""
        texts = self.token_text[self.in_question]
        stems = self.stems[self.in_question]
        order = np.lexsort((self._rank[stems], texts))
        return texts[order], stems[order]

    def asked_bound(self, rarity: dict[str, float]) -> array[float]:
        """Per entry, the most any stem repeats in one of its questions over
        that question's summed rarity, the largest over its questions
        (``_RawWording.asked_bound``)."""
        by_stem = np.zeros(len(self.stem_ids))
        for stem, r in rarity.items():
            by_stem[self.stem_ids[stem]] = r
        # Summed in the loop's order (each question's stems sorted), so
        # each total is the loop's to the bit.
        texts, stems = self._question_tokens
        total = np.bincount(texts, weights=by_stem[stems], minlength=self.texts)
        most = np.zeros(self.texts, dtype=np.int64)
        np.maximum.at(most, self.question_text, self.question_counts)
        asked = ~self.is_answer & (total > 0)
        ratio = np.zeros(self.texts)
        ratio[asked] = most[asked] / total[asked]
        bound = np.zeros(self.size, dtype=np.float32)
        np.maximum.at(bound, self.text_entry, ratio.astype(np.float32))
        return _array("f", bound)


def _run_starts(keys: _Ints) -> _Ints:
    """Where each run of equal keys starts, in sorted ``keys``."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))


def _array(typecode: str, values: npt.NDArray[Any]) -> array[Any]:
    """``values`` as a standard array, as the index keeps (and saves) them."""
    out: array[Any] = array(typecode)
    out.frombytes(np.ascontiguousarray(values).tobytes())
    return out
