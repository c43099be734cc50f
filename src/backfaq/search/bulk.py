"""Bulk build: a large store's analysed text, postings and wording, in arrays.

At 100,000 entries a store has millions of words and of (stem, entry)
postings, and the loops that build a small store's index (``Documents``'s
analyser, ``postings._RawPostings``, ``pruning._RawWording``) took four times
what SQLite FTS5 takes to insert the same entries. Here each text is read
once into word numbers (``reading``: ``analyzer.words`` and a dict lookup
per word), and everything
else is sorts and reductions over whole arrays: stop
words dropped, words stemmed (once per distinct word), counted per field,
weighed by BM25F with the loop's arithmetic in the loop's order, and laid
out as the index keeps them. Every text and posting is the loop's to the bit
(the asked bounds too where ``sum`` adds in plain order, as before Python
3.12); the tests build stores both ways and compare.

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
from backfaq.search import reading
from backfaq.search.postings import LaidOut
from backfaq.search.pruning import _RawWording
from backfaq.search.reading import STOPS
from backfaq.search.scoring import ANSWER_WEIGHT, K1, QUESTION_WEIGHT, B

_Ints = npt.NDArray[np.int64]


class Bulk:
    """A store's analysed words as arrays: every kept word's stem (by number)
    and the text it is in; each text's entry and whether it is the answer.
    Texts are each entry's questions, then its answer, as ``Documents``
    lays them out."""

    def __init__(self, store: Store) -> None:
        words = reading.read(store.entries)
        self.words = words.words  # by number
        self.size = len(words.phrasings)
        self.texts = len(words.ends)
        per_entry = words.phrasings + 1
        self.text_entry = np.repeat(np.arange(self.size, dtype=np.int64), per_entry)
        self.is_answer = np.zeros(self.texts, dtype=bool)
        self.is_answer[np.cumsum(per_entry) - 1] = True
        # Stop words dropped, the rest stemmed: each distinct word once.
        self.stem_ids: dict[str, int] = {}
        self.word_stem = word_stem = np.array(
            [-1] * STOPS + [self.stem_ids.setdefault(analyzer.stem(w), len(self.stem_ids))
                            for w in self.words[STOPS:]], dtype=np.int32)
        # Arrays of one number a word are of 32 bits (a store has far fewer
        # texts and stems than that counts): half the memory, and the pages
        # a first build must be given.
        tokens = words.tokens
        kept = tokens >= STOPS
        self.word_tokens = tokens[kept]
        self.stems = word_stem[self.word_tokens]
        # Each text's kept words: a running count of them, read at its end.
        counted = np.concatenate(([0], np.cumsum(kept, dtype=np.int64)))
        self.lengths = np.diff(counted[words.ends], prepend=np.int64(0))
        self.token_text = np.repeat(np.arange(self.texts, dtype=np.int32), self.lengths)
        self.in_question = ~self.is_answer[self.token_text]
        # How often each stem is in each text: (stem, text) keys, sorted and
        # counted; those of the questions apart, for the wording's bounds.
        keys = np.sort(_paired(self.stems, self.token_text, self.texts))
        starts = _run_starts(keys)
        self.pair_counts = np.diff(starts, append=len(keys)).astype(np.int32)
        firsts = keys[starts]
        del keys, starts
        pair_stem, pair_text = _parted(firsts, self.texts)
        del firsts
        self.pair_stem, self.pair_text = pair_stem.astype(np.int32), pair_text.astype(np.int32)
        del pair_stem, pair_text
        asked = ~self.is_answer[self.pair_text]
        self.question_stem = self.pair_stem[asked]
        self.question_text = self.pair_text[asked]
        self.question_counts = self.pair_counts[asked]

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
        """How often each word of letters alone was read (``_Analyser``'s count),
        stop words aside."""
        counts = np.bincount(self.word_tokens, minlength=len(self.words)).tolist()
        return Counter({w: n for w, n in zip(self.words[STOPS:], counts[STOPS:])
                        if n and w.isalpha()})

    def postings(
        self, question_lens: array[float], answer_lens: array[int],
        averages: tuple[float, float], full: float,
    ) -> LaidOut:
        """Every stem's entries, ascending, with its BM25F strength in each:
        ``_RawPostings.add`` and ``Scoring._strengths``, over all entries at once."""
        # The (stem, text) pairs are in order, and texts in entry order: the
        # pairs of one stem and entry are a run. Its question count is the
        # stem's most in any one phrasing; its answer count, the answer's.
        entry = self.text_entry[self.pair_text]
        starts = _run_starts(_paired(self.pair_stem, entry, self.size))
        in_answer = self.is_answer[self.pair_text]
        q_tf = np.maximum.reduceat(np.where(in_answer, 0, self.pair_counts), starts)
        a_tf = np.add.reduceat(np.where(in_answer, self.pair_counts, 0), starts)
        stems, docs = self.pair_stem[starts], entry[starts]
        # Scoring._field_weights and the strength, as the loop works them out.
        average_question, average_answer = averages
        question_len = np.frombuffer(question_lens, dtype=np.float64)
        answer_len = np.frombuffer(answer_lens, dtype=np.uint32).astype(np.float64)
        question_weight = QUESTION_WEIGHT / (1 - B + B * question_len / average_question)
        answer_weight = ANSWER_WEIGHT / (1 - B + B * answer_len / average_answer)
        q = question_weight[docs] * q_tf
        tf = answer_weight[docs] * a_tf
        tf += q  # (q + a, as the loop adds them)
        strength = tf / (K1 + tf)
        strength /= full
        np.minimum(strength, 1.0, out=strength)
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
        count = len(self.stem_ids)
        keys = np.sort(_paired(self.token_text[self.in_question],
                               self._rank[self.stems[self.in_question]], count))
        texts, ranks = _parted(keys, count)
        by_rank = np.zeros(count, dtype=np.int64)
        by_rank[self._rank] = np.arange(count)
        return texts, by_rank[ranks]

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


def _paired(high: npt.NDArray[Any], low: npt.NDArray[Any], lows: int) -> _Ints:
    """Each (high, low) pair as one key, ``low`` (under ``lows``) in the key's
    low bits: keys sort as the pairs do, and ``_parted`` takes them apart
    with a shift and a mask (a division, over millions of keys, took
    longer)."""
    return (high.astype(np.int64) << _bits(lows)) | low.astype(np.int64)


def _parted(keys: _Ints, lows: int) -> tuple[_Ints, _Ints]:
    """The (high, low) pairs of ``_paired``'s keys."""
    bits = _bits(lows)
    return keys >> bits, keys & ((1 << bits) - 1)


def _bits(lows: int) -> int:
    """The bits a number under ``lows`` takes."""
    return max(1, lows - 1).bit_length()


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
