"""The analysed text of a store's entries, as the index keeps it.

A large store's entries, as tuples of stems, would take several times the
memory of their text; so the index keeps every entry's stems in one string
(``Documents._lay_out``) and turns one entry back into tuples (``_doc``) only
when it is scored or its postings are built. The analyser that makes the stems, and
counts the words for the vocabulary's typo correction, lives here too: it is
what reads every word of a store, millions at 100,000 entries.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Sequence
from itertools import accumulate, filterfalse
from typing import NamedTuple

from backfaq import analyzer
from backfaq.model import Entry, Store

_TermCounts = tuple[dict[str, int], dict[str, int]]  # question, answer


class _Doc(NamedTuple):
    """An entry's analysed text; term counts are derived when it is scored, so a
    large store keeps only its stems in memory (and in the cache)."""

    entry: Entry
    phrasings: tuple[tuple[str, ...], ...]
    answer: tuple[str, ...]
    question_len: float

    def spaced(self) -> str:
        """The questions and the answer as one string, each text's stems padded
        with spaces: stems side by side in one text are then a substring
        (" shoulder blade "), found in C rather than by a loop over positions."""
        return "\n".join(" " + " ".join(text) + " " for text in (*self.phrasings, self.answer))

    def term_counts(self) -> _TermCounts:
        """Per field, how often each stem occurs (a question: its most in one phrasing)."""
        question_tf: dict[str, int] = {}
        for phrasing in self.phrasings:
            for term in set(phrasing):
                question_tf[term] = max(question_tf.get(term, 0), phrasing.count(term))
        return question_tf, dict(Counter(self.answer))  # Counter counts in C


class Documents:
    """The part of the index that holds its entries' analysed text: every
    entry's stems in one string (stems joined by spaces, questions by
    newlines, then a tab and the answer), found by offset. A fraction of the
    memory of tuples, and quick to save and load."""

    store: Store
    _text: str
    _text_starts: array[int]

    def _lay_out(self, analyse: _Analyser) -> tuple[array[float], array[int]]:
        """Analyse every entry into ``_text``; each entry's mean question length
        (as ``_Doc.question_len``) and answer length, in stems."""
        texts = []
        question_lens = array("d")
        answer_lens = array("I")
        for entry in self.store.entries:
            phrasings = [analyse(p) for p in entry.phrasings]
            answer = analyse(entry.answer)
            question_lens.append(sum(len(p) for p in phrasings) / len(phrasings))
            answer_lens.append(len(answer))
            texts.append("\n".join(" ".join(p) for p in phrasings) + "\t" + " ".join(answer))
        self._keep_text(texts)
        return question_lens, answer_lens

    def _keep_text(self, texts: list[str]) -> None:
        """Keep every entry's laid-out stems (``_lay_out``) end to end."""
        self._text = "".join(texts)
        self._text_starts = array("Q", accumulate(map(len, texts), initial=0))

    def __len__(self) -> int:
        return len(self._text_starts) - 1

    def _doc(self, i: int) -> _Doc:
        """Entry ``i``'s analysed text back as tuples, for scoring it."""
        return unpack_doc(self.store.entries[i], self._laid_out(i))

    def _laid_out(self, i: int) -> str:
        """Entry ``i``'s stems as ``_lay_out`` lays them out."""
        return self._text[self._text_starts[i] : self._text_starts[i + 1]]

    def _read_ahead(self, positions: Sequence[int]) -> None:
        """Fetch at once what scoring the entries at ``positions`` reads: an
        index whose entries are stored elsewhere (``StoredIndex``) reads them
        in a few statements rather than one each; this one holds them all."""


def unpack_doc(entry: Entry, text: str) -> _Doc:
    """An entry's analysed text, laid out as ``Documents`` keeps it, back as tuples."""
    questions, answer = text.split("\t")
    phrasings = tuple(tuple(p.split()) for p in questions.split("\n"))
    return _Doc(
        entry,
        phrasings,
        tuple(answer.split()),
        sum(len(p) for p in phrasings) / len(phrasings),
    )


class _Stems(dict[str, str]):
    """Each word's stem, worked out the first time it is looked up (a large
    store has far more distinct words than the stemmer's own cache holds)."""

    def __missing__(self, word: str) -> str:
        found = self[word] = analyzer.stem(word)
        return found


class _Analyser:
    """``terms``, with every word stemmed once, counting the words it reads
    for the vocabulary's typo correction. Its loops are filterfalse, map and
    Counter.update, which run in C: at 100,000 entries they see millions of
    words."""

    def __init__(self) -> None:
        self.stems = _Stems()
        self.words: Counter[str] = Counter()

    def __call__(self, text: str) -> list[str]:
        kept = list(filterfalse(analyzer.STOP_WORDS.__contains__, analyzer.words(text)))
        self.words.update(filter(str.isalpha, kept))
        return list(map(self.stems.__getitem__, kept))
