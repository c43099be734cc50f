"""The text analysis shared by index and query: fold, stem, stop words."""

from __future__ import annotations

import pytest

from backfaq.analyzer import STOP_WORDS, Query, fold, stem, terms, words


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Don’t", "dont"),
        ("don't", "dont"),
        ("‘Ostrich’ exercise", "ostrich exercise"),
        ("“Ostrich” exercise.", "ostrich exercise"),
        ("Café CRÈME", "cafe creme"),
        ("shoulder-width apart", "shoulder width apart"),
        ("Take over-the-counter (OTC) medication…", "take over the counter otc medication"),
        ("BACK-TO-BACK DAYS.", "back to back days"),
        ("blades , as", "blades as"),
        ("  spaced\tout\n", "spaced out"),
        ("?!.,", ""),
        ("snake_case 2x\x07bell ２ ﬁt", "snake case 2x bell 2 fit"),
        # Spaces a page or a phone may put between words; a soft hyphen
        # inside one is nothing.
        ("pain\u200bbetween\u00a0shoulder\u2009blades\u3000shoul\u00adder",
         "pain between shoulder blades shoulder"),
        # Letters of every script stay letters; only accents come off.
        ("Straße, Søren", "strasse søren"),
        ("Как сбросить устройство?", "как сбросить устроиство"),
        ("Πώς;", "πωσ"),  # casefolded: a final sigma is a sigma
        # Marks of other scripts stay with their letters, and come off as
        # accents do: a query without Arabic's vowels finds a text with them.
        ("नमस्ते दुनिया", "नमसत दनय"),
        ("كَتَبَ", "كتب"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_words_keep_stop_words() -> None:
    assert words("What does back pain between shoulder blades mean?") == [
        "what", "does", "back", "pain", "between", "shoulder", "blades", "mean"
    ]


@pytest.mark.parametrize(
    "forms",
    [
        ("blade", "blades"),
        ("stretch", "stretches", "stretching"),
        ("sit", "sitting"),
        ("muscle", "muscles"),
        ("strengthen", "strengthens", "strengthening"),
        ("relieve", "relieving"),
        ("sleep", "sleeping"),
        ("injury", "injuries"),
        ("cause", "causes", "caused"),
        ("tuck", "tucks"),
        ("exercise", "exercises"),
        ("shoulder", "shoulders"),
        ("care", "caring", "cares", "cared"),
        ("spine", "spines"),
        ("hike", "hiking"),
        ("rotate", "rotating", "rotated"),
        ("apply", "applied", "applies"),
        ("slow", "slowly"),
        # Irregular forms, which no suffix rule reaches.
        ("child", "children", "childs"),
        ("woman", "women"),
        ("foot", "feet"),
        ("sleep", "slept", "sleeping"),
        ("lose", "lost", "losing"),
        ("pay", "paid", "paying"),
        ("take", "took", "taken", "taking"),
    ],
)
def test_stem_joins_forms(forms: tuple[str, ...]) -> None:
    assert len({stem(f) for f in forms}) == 1, {f: stem(f) for f in forms}


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("shoulder", "should"),
        ("shoulders", "should"),
        ("blade", "blame"),
        ("walking", "walls"),
        ("neck", "need"),
        ("care", "car"),
        ("spine", "spin"),
        ("early", "ear"),
        ("apply", "app"),
        ("staring", "star"),
        # Forms that are words of their own keep their meaning.
        ("left", "leave"),
        ("found", "find"),
        ("fell", "fall"),  # "every fall and winter" is not a fall
    ],
)
def test_stem_keeps_different_words_apart(a: str, b: str) -> None:
    assert stem(a) != stem(b)


@pytest.mark.parametrize(
    "word", ["shoulder", "under", "neck", "pain", "back", "need", "thing", "string", "press", "bus"]
)
def test_stem_leaves_word_alone(word: str) -> None:
    assert stem(word) == word


@pytest.mark.parametrize("word", ["the", "my", "how", "what", "does", "is", "your", "i"])
def test_stop_words(word: str) -> None:
    assert word in STOP_WORDS
    assert terms(word) == []


@pytest.mark.parametrize("word", ["between", "under", "below", "middle", "beneath", "pain"])
def test_meaningful_words_are_not_stop_words(word: str) -> None:
    assert word not in STOP_WORDS
    assert terms(word) == [stem(word)]


def test_terms() -> None:
    assert terms("What does back pain between the shoulder blades mean?") == [
        "back", "pain", "between", "shoulder", stem("blade"), "mean"
    ]
    assert terms("Why does my back hurt under my shoulder blade?") == [
        "back", "hurt", "under", "shoulder", stem("blade")
    ]
    assert terms("Pain below shoulder blades") == ["pain", "below", "shoulder", stem("blades")]


def test_a_message_knows_the_sentence_of_each_word() -> None:
    query = Query("I sit at a desk all day. How can I fix my posture? Thanks!")
    first, second = query.sentences()  # "Thanks" is under three words: left out
    assert [query.asked[p] for p in first] == "i sit at a desk all day".split()
    assert [query.asked[p] for p in second] == "how can i fix my posture".split()


def test_one_sentence_is_no_message_of_sentences() -> None:
    assert Query("how can I fix my posture at a desk").sentences() == []
    assert Query("posture. desk").sentences() == []


def test_a_decimal_point_ends_no_sentence() -> None:
    assert Query("I take 2.5 mg of ibuprofen daily for my upper back").sentences() == []


def test_full_width_marks_end_clauses_and_sentences() -> None:
    query = Query("I sit at a desk all day。How can I fix my posture？")
    first, second = query.sentences()
    assert [query.asked[p] for p in first] == "i sit at a desk all day".split()
    assert [query.asked[p] for p in second] == "how can i fix my posture".split()
    # A clause opened by "not" after a full-width comma is contrasted away,
    # as after a comma.
    assert Query("pain under the shoulder blade，not between").asked == (
        "pain under the shoulder blade".split()
    )


def test_a_cut_query_is_analysed_only_as_far_as_it_is_read() -> None:
    query = Query("chin tucks. " * 1000)  # 2,000 words
    assert query.truncated
    assert sum(map(len, query.clauses)) == 1000
    assert len(query.clause_sentences) == len(query.clauses)
