"""Text analysis shared by the index and the query: fold, tokenize, stem.

The same function must see both sides, or a query can never match its entry.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from array import array
from collections.abc import Iterable, Sequence
from functools import lru_cache

# Every character but a digit or a lowercase letter becomes a space: one pass
# of bytes.translate, four times as fast as a regular expression's sub, which
# counts when a large store's millions of words are indexed.
_TO_SPACE = bytes(c if 48 <= c <= 57 or 97 <= c <= 122 else 32 for c in range(256))

# Function words that carry no meaning in a search. Spatial words (between,
# under, below, middle) are deliberately absent: they tell entries apart.
STOP_WORDS = frozenset(
    """
    a about after again against all also am an and any are as at be because been before
    being both but by can could did do does doing don during each few for from further
    had has have having he her here hers him his how i id if ill im in into is it its
    itself ive just me might more most must my myself no nor not of off on once only onto
    or other our ours out over own really s same shall she should so some such t than
    that the their theirs them then there these they this those through to too until up
    very was we were what when where which while who whom whose why will with would you
    your yours yourself
    aint arent cant couldnt didnt doesnt dont hasnt havent isnt shouldnt wasnt werent wont
    wouldnt youre youve theyre
    """.split()
)

# Generic verbs and fillers: kept (they can be part of a phrase) but weighed
# lightly, so "what makes my back weak" is about weakness, not about "make".
LIGHT_WORDS = frozenset(
    """
    make makes made making get gets got getting need needs want wants feel feels felt
    keep keeps thing things way ways lot lots go goes going went use used try tried
    took taken came gone kept gotten knew known
    like likely good best better bad worse worst general generally usually often
    always sometimes anything something everything someone people person
    stop start look looks looking come comes know think see seem seems happen happens
    still just even ever much many stuff kind sort bit little actually maybe
    away around anymore already soon lately recently today now
    """.split()
)

# The last letters of every ending the stemmer removes (-s, -ed, -ment, -ful,
# -ation, -ly, -ing, -y, -e): a word ending otherwise is its own stem.
_ENDING_LETTERS = frozenset("sdtlnyge")
_DOUBLE_ENDINGS = ("bb", "dd", "ff", "gg", "mm", "nn", "pp", "rr", "tt")


def fold(text: str) -> str:
    """Lowercase, strip accents and apostrophes, turn punctuation into spaces."""
    return " ".join(words(text))


def words(text: str) -> list[str]:
    """The folded words of ``text``, stop words included."""
    if not text.isascii():
        # Accents come apart from their letters and are dropped, as are
        # apostrophes; the letters of every script stay letters ("Straße"
        # is "strasse", "Как сбросить" two words), and every other
        # character (a zero-width space among them) parts words.
        joining, parting, other_scripts = _word_marks()
        text = joining.sub("", unicodedata.normalize("NFKD", text))
        if other_scripts.search(text):
            # Marks of other scripts (Devanagari's vowel signs, Arabic's
            # vowels, kana's voicing marks) belong to their letters too.
            text = "".join(c for c in text if unicodedata.category(c)[0] != "M")
        return parting.sub(" ", text.casefold()).split()
    bare = text.lower().replace("'", "").encode("ascii")
    return bare.translate(_TO_SPACE).decode("ascii").split()


@lru_cache(maxsize=1)
def _word_marks() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """For text that is not ASCII: what joins a word's letters (Latin's
    combining accents, apostrophes, a soft hyphen), what parts words (any
    other mark), and a character of a script past Latin, Greek and
    Cyrillic's own accents (whose marks are looked up one by one; Latin
    text with curly quotes need not be); compiled only when such a text
    is read."""
    return (re.compile("[\u0300-\u036f'\u2019\u02bc\u00ad]"), re.compile(r"[\W_]+"),
            re.compile("[^\x00-\u03ff\u0400-\u0482\u048a-\u052f\u1e00-\u20cf]"))


def _is_consonant(word: str, i: int) -> bool:
    """Porter's definition: y after a consonant is a vowel."""
    if word[i] in "aeiou":
        return False
    if word[i] == "y":
        return i == 0 or not _is_consonant(word, i - 1)
    return True


def _measure(word: str) -> int:
    """Porter's m: how many vowel-consonant runs the word has ("car" 1, "rotat" 2)."""
    m, previous_vowel = 0, False
    for i in range(len(word)):
        consonant = _is_consonant(word, i)
        if consonant and previous_vowel:
            m += 1
        previous_vowel = not consonant
    return m


def _ends_cvc(word: str) -> bool:
    """Consonant-vowel-consonant ending ("car", "spin"), last letter not w, x or y:
    the short syllables whose silent e belongs to the word ("care", "spine")."""
    return (
        len(word) >= 3
        and _is_consonant(word, -3 % len(word))
        and not _is_consonant(word, len(word) - 2)
        and _is_consonant(word, len(word) - 1)
        and word[-1] not in "wxy"
    )


def _keeps_e(base: str) -> bool:
    """Whether "base" + "e" keeps its e: one short syllable ("care", "spine",
    "make") keeps it, so it never meets "car" or "spin"; longer words drop it
    ("rotate" -> "rotat", like "rotating")."""
    return _measure(base) == 1 and _ends_cvc(base)


# English forms no suffix rule reaches: irregular plurals and past tenses,
# each mapped to the word its rules give the base ("children" meets "child",
# "slept" meets "sleeping"). Forms that are also other words ("left", "lay",
# "saw", "found", "lives", "stuck", "tore", "fell": "every fall" is not
# "I fell") are left out.
IRREGULAR = {
    "children": "child", "women": "woman", "men": "man", "feet": "foot", "teeth": "tooth",
    "mice": "mouse", "geese": "goose", "knives": "knife", "wives": "wife",
    "halves": "half", "shelves": "shelf", "loaves": "loaf", "thieves": "thief",
    "slept": "sleep", "woke": "wake", "woken": "wake",
    "sat": "sit", "stood": "stand", "ran": "run", "wrote": "write", "written": "write",
    "drove": "drive", "driven": "drive", "broke": "break", "broken": "break",
    "bought": "buy", "brought": "bring", "caught": "catch", "taught": "teach",
    "lost": "lose", "held": "hold", "swam": "swim", "swum": "swim", "threw": "throw",
    "thrown": "throw", "bent": "bend",
    "wore": "wear", "worn": "wear", "began": "begin", "begun": "begin", "ate": "eat",
    "eaten": "eat", "sent": "send", "spent": "spend", "paid": "pay", "built": "build",
    "chose": "choose", "chosen": "choose", "forgot": "forget", "forgotten": "forget",
    "hid": "hide", "hidden": "hide", "rode": "ride", "ridden": "ride", "shook": "shake",
    "shaken": "shake", "struck": "strike", "swung": "swing",
    "understood": "understand", "took": "take", "taken": "take", "gave": "give",
    "given": "give", "came": "come", "went": "go", "gone": "go", "kept": "keep",
    "grew": "grow", "grown": "grow", "told": "tell", "said": "say", "knew": "know",
    "known": "know", "felt": "feel", "got": "get", "gotten": "get", "made": "make",
}


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """A light English stemmer: plurals, -ing/-ed, a few derivational endings.

    Deliberately conservative (no -er, it would turn "shoulder" into "should"):
    it only needs to join the forms people type with the forms the FAQ uses.
    The silent-e rules are Porter's, so "caring", "care" and "cares" meet at
    "care" and never at "car".
    """
    base = IRREGULAR.get(word)
    if base is not None:
        return stem(base)
    if len(word) <= 3 or word[-1] not in _ENDING_LETTERS or not word.isalpha():
        return word
    w = word
    if w.endswith("ies") or w.endswith("ied"):
        w = w[:-3] + "i"
    elif w.endswith(("sses", "ches", "shes", "xes", "zes")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    # -ly only after a base of four letters: "slowly" -> "slow", but "early"
    # and "apply" stay whole rather than meet "ear" and "app".
    endings = (("ness", "", 3), ("ment", "", 3), ("ful", "", 3), ("ation", "at", 3), ("ly", "", 4))
    for suffix, replacement, shortest in endings:
        if w.endswith(suffix) and len(w) - len(suffix) >= shortest:
            w = w[: -len(suffix)] + replacement
            break
    else:
        for suffix in ("ing", "ed"):
            base = w[: -len(suffix)]
            if (
                w.endswith(suffix)
                and len(base) >= 3
                and any(v in base for v in "aeiouy")
                and not w.endswith("eed")
            ):
                if base.endswith(_DOUBLE_ENDINGS):
                    w = base[:-1]
                else:
                    w = base + "e" if _keeps_e(base) else base
                break
    if len(w) > 3 and w.endswith("y") and w[-2] not in "aeiou":
        w = w[:-1] + "i"
    if len(w) > 3 and w.endswith("e") and not _keeps_e(w[:-1]):
        w = w[:-1]
    return w


# The dashes as an alternation: a character class holding characters past
# U+00FF is slower to compile, and this one is compiled on every start.
_CLAUSE = re.compile(r"[,.;:!?()\[\]]|\s(?:-|\u2013|\u2014)+\s")
# Contrasts that exclude what follows them, up to the end of the clause:
# "pain under the shoulder blade, not between" is not about "between". A bare
# "not" only contrasts at the start of a clause; inside one ("I can not
# sleep") it is part of what is asked.
CONTRASTS = (("rather", "than"), ("instead", "of"))
_SENTENCE_ENDS = frozenset(".?!;\u3002\uff01\uff1f\uff1b\u2026")


@lru_cache(maxsize=1)
def _wide_clause() -> re.Pattern[str]:
    """``_CLAUSE`` with the full-width marks of East Asian input methods
    (，、；：！？。) and the ellipsis (…): compiled only for a query that is not
    ASCII, so that no start-up pays for it."""
    return re.compile(_CLAUSE.pattern + "|[\uff0c\u3001\uff1b\uff1a\uff01\uff1f\u3002\u2026]")


def _clause_marks(text: str) -> re.Pattern[str]:
    return _CLAUSE if text.isascii() else _wide_clause()
CLAUSE_NEGATIONS = (("not",), ("without",), ("except",))
MAX_QUERY_WORDS = 1000  # words of a query read; the README says so
_WORD_ENDS = re.compile(r"\S+")
_LONGEST_CONTRAST = max(len(c) for c in CONTRASTS + CLAUSE_NEGATIONS)


class Query:
    """A query analysed once: its clauses' folded words, read by every part.

    The index and the decision read ``asked`` (what the query asks, minus
    what it contrasts away); the warning-sign matcher reads ``denied_view``
    (the same words, with denials such as "no chest pain" opening clauses of
    their own). Both are views of one split into clauses, made here.
    (A plain class: a NamedTuple costs every start-up its definition.)
    """

    __slots__ = ("text", "truncated", "clauses", "clause_sentences", "_asked", "_clause_of",
                 "_where", "_denials", "_meaning", "_meaning_read")

    def __init__(self, text: str) -> None:
        # What a query may cost is bounded: past MAX_QUERY_WORDS words, the
        # rest is not read (a question is never that long; a pasted file is).
        self.text = _first_words(text, MAX_QUERY_WORDS)
        self.truncated = len(self.text) < len(text)
        self.clauses = tuple(tuple(words(c)) for c in _clause_marks(self.text).split(self.text))
        # Each clause's sentence (numbered from 0).
        self.clause_sentences = _clause_sentences(self.text, len(self.clauses))
        self._asked: list[str] | None = None
        self._clause_of: list[int] = []  # the clause of each word of ``asked``
        self._where: list[int] = []  # and its place in that clause
        self._denials: tuple[list[list[str]], set[tuple[int, int]]] | None = None
        self._meaning: array[float] | None = None
        self._meaning_read = False

    @property
    def asked(self) -> list[str]:
        """The folded words of the query minus the ones it contrasts away."""
        if self._asked is None:
            self._asked, self._clause_of, self._where = _kept_by_clause(self.clauses)
        return self._asked

    @property
    def meaning(self) -> array[float] | None:
        """The query's vector in general English (``backfaq.meaning``) of its
        folded words, worked out when first read: a query that matches no
        word needs none."""
        if not self._meaning_read:
            from backfaq import meaning

            self._meaning = meaning.vector(" ".join(itertools.chain.from_iterable(self.clauses)))
            self._meaning_read = True
        return self._meaning

    def word_clauses(self) -> list[int]:
        """The clause (numbered from 0) of each word of ``asked``."""
        _ = self.asked  # which works out the clause of each word
        return self._clause_of

    def clause_positions(self) -> list[list[int]]:
        """The positions in ``asked`` of each clause's words, for the clauses
        that keep any."""
        _ = self.asked  # which works out the clause of each word
        found: dict[int, list[int]] = {}
        for position, clause in enumerate(self._clause_of):
            found.setdefault(clause, []).append(position)
        return list(found.values())

    def sentences(self) -> list[list[int]]:
        """For a message of two sentences or more (of three words or more
        each), the positions in ``asked`` of each sentence's words: a long
        message's question is often one sentence after several of situation."""
        size: dict[int, int] = {}
        for clause_words, sentence in zip(self.clauses, self.clause_sentences):
            size[sentence] = size.get(sentence, 0) + len(clause_words)
        found: dict[int, list[int]] = {}
        _ = self.asked  # which works out the clause of each word
        for position, clause in enumerate(self._clause_of):
            sentence = self.clause_sentences[clause]
            if size[sentence] >= 3:
                found.setdefault(sentence, []).append(position)
        return list(found.values()) if len(found) > 1 else []

    def denied_view(self) -> list[str]:
        """The words as read for warning signs: every word, but the ones a
        denial denies. "no" and "without" deny what follows them in their
        clause, and "not" a clause it opens, up to a word that starts
        another statement ("but", "and", "I", "my": "without warning my
        chest hurts"); an exception ("except", "unless") takes the denial
        back ("no chest pain except when I breathe"). A contrast ("rather
        than") drops nothing here: when in doubt, a sign is named."""
        kept: list[str] = []
        for clause in self._denied()[0]:
            if not (clause and clause[0] in _DENIALS):
                kept.extend(clause)
        return kept

    def denied_positions(self) -> list[int]:
        """The positions in ``asked`` of the words ``denied_view`` leaves out
        as denied ("chest pain" of "no chest pain, just a sore back")."""
        denied = self._denied()[1]
        _ = self.asked  # which works out each word's place
        return [p for p, (c, i) in enumerate(zip(self._clause_of, self._where))
                if (c, i) in denied]

    def _denied(self) -> tuple[list[list[str]], set[tuple[int, int]]]:
        """``_denials`` of the clauses, worked out once: both views read it."""
        if self._denials is None:
            self._denials = _denials(self.clauses)
        return self._denials

    def without(self, positions: Iterable[int]) -> Query:
        """The same analysis, asking without the words at ``positions`` of
        ``asked`` (a warning sign the query denies is not what it asks)."""
        gone = set(positions)
        _ = self.asked
        other = Query.__new__(Query)
        for name in Query.__slots__:
            setattr(other, name, getattr(self, name))
        keep = [p for p in range(len(self._clause_of)) if p not in gone]
        other._asked = [self.asked[p] for p in keep]
        other._clause_of = [self._clause_of[p] for p in keep]
        other._where = [self._where[p] for p in keep]
        return other


def _first_words(text: str, count: int) -> str:
    """``text`` up to the end of its ``count``-th word (separated by
    whitespace), or all of it when it has no more words than that."""
    for end in itertools.islice(_WORD_ENDS.finditer(text), count - 1, count):
        if text[end.end():].strip():
            return text[: end.end()]
    return text


def analyse(text: str | Query) -> Query:
    """``text`` as a Query (a Query is passed through, already analysed)."""
    return text if isinstance(text, Query) else Query(text)


def _kept_by_clause(
    clauses: Iterable[Sequence[str]],
) -> tuple[list[str], list[int], list[int]]:
    """The words kept (see ``asked``), the clause each comes from, and its
    place in that clause."""
    kept: list[str] = []
    clause_of: list[int] = []
    where: list[int] = []
    for number, clause_words in enumerate(clauses):
        for i in range(len(clause_words)):
            # Only as many words as a contrast has, and one more: a clause
            # of any length costs its length, not its length squared.
            rest = tuple(clause_words[i : i + _LONGEST_CONTRAST + 1])
            starts = CONTRASTS + (CLAUSE_NEGATIONS if i == 0 else ())
            if any(rest[: len(c)] == c and len(rest) > len(c) for c in starts):
                break  # the rest of the clause is what the query does not want
            kept.append(clause_words[i])
            clause_of.append(number)
            where.append(i)
    return kept, clause_of, where


def _clause_sentences(text: str, count: int) -> list[int]:
    """Each clause's sentence: a full stop, question or exclamation mark or
    semicolon after a clause ends its sentence."""
    out, sentence = [], 0
    ends = _clause_marks(text).finditer(text)
    for _ in range(count):
        out.append(sentence)
        end = next(ends, None)
        if end is not None and _ends_sentence(text, end):
            sentence += 1
    return out


def _ends_sentence(text: str, delimiter: re.Match[str]) -> bool:
    """Whether a clause delimiter ends a sentence: "?", "!" and ";" do, and a
    full stop followed by a space or the end ("2.5 mg" is one sentence)."""
    mark = delimiter.group().strip()
    if mark != ".":
        return mark in _SENTENCE_ENDS
    following = text[delimiter.end() : delimiter.end() + 1]
    return not following or following.isspace()


# "No longer", "for no reason" and "without trying" deny nothing; "not sure
# if this is chest pain" and "not able to breathe" deny nothing either.
_NOT_DENYING = {"no": frozenset({"longer", "reason", "idea"}),
                "without": frozenset({"trying", "reason", "dieting"})}
_HEDGES = frozenset({"sure", "certain", "able"})
_JOINS = frozenset({"but", "and", "although", "though", "yet", "however", "just", "then"})
# Words that start another statement, which a denial before them does not reach.
_STATEMENT_STARTS = frozenset(
    "i im ive id ill me my it its he hes his she shes her they theyre their we were our "
    "you youre your".split())
_EXCEPTIONS = frozenset({"except", "unless", "apart", "besides"})
_DENIALS = frozenset({"not", "without"})  # what opens a denied clause


def _denials(
    clauses: Iterable[Sequence[str]],
) -> tuple[list[list[str]], set[tuple[int, int]]]:
    """Clauses re-cut so that a denial opens one ("no X" becomes a clause
    "not X", "without X" one "without X"), and ends where another
    statement starts (joining words and pronouns open a clause); an
    exception after a denial, in its clause or the next, takes it back.
    And the places (clause, word) of the words denied."""
    out: list[list[str]] = []
    denied: set[tuple[int, int]] = set()
    denial: list[str] | None = None  # the last denied clause, while it may be taken back
    denial_words: list[tuple[int, int]] = []  # its words' places
    denied_in = 0  # the clause (of ``clauses``) it was denied in
    for number, clause in enumerate(clauses):
        if denial is not None and denied_in < number - 1:
            denial = None  # an exception takes back a denial of its clause or the one before
        current: list[str] = []
        out.append(current)
        hedged = False
        for i, word in enumerate(clause):
            following = clause[i + 1] if i + 1 < len(clause) else ""
            if hedged:
                hedged = False
                continue
            if word == "not" and following in _HEDGES:
                current.append("un" + following)  # "not sure" reads "unsure"
                hedged = True
                continue
            if word in _EXCEPTIONS and denial is not None:
                del denial[0]  # "no chest pain except when...": no denial at all
                denied.difference_update(denial_words)
                denial = None
            if word in _NOT_DENYING and following not in _NOT_DENYING[word]:
                current = denial = ["not" if word == "no" else word]
                denied_in, denial_words = number, []
                out.append(current)
                continue
            if i == 0 and word in _DENIALS:
                denial, denied_in, denial_words = current, number, []
            elif current is denial and (word in _JOINS or word in _STATEMENT_STARTS):
                current = []
                out.append(current)
            elif word in _JOINS:
                current = []
                out.append(current)
            current.append(word)
            if current is denial:
                denied.add((number, i))
                denial_words.append((number, i))
    return out, denied


def terms(text: str) -> list[str]:
    """Stemmed content words: what the index stores and a query searches for."""
    return [stem(w) for w in words(text) if w not in STOP_WORDS]
