"""General English word relations: the packaged table, its lookup, and what a
store without synonyms gains from it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from backfaq import lexicon
from backfaq.analyzer import stem
from backfaq.model import Entry, Source, Store, Topic
from backfaq.render.plain import describe_term
from backfaq.search import Index
from backfaq.vocabulary import Vocabulary


def table_lines() -> list[str]:
    return [line for line in Path(lexicon.TABLE).read_text("ascii").splitlines()
            if not line.startswith("#")]


def test_the_packaged_table_is_sorted_with_a_column_per_kind() -> None:
    lines = table_lines()
    assert len(lines) > 10_000
    assert lines == sorted(lines)  # the binary search depends on it
    keys = [line.split("\t", 1)[0] for line in lines]
    assert len(set(keys)) == len(keys)
    assert all(line.count("\t") == len(lexicon.KINDS) for line in lines)
    assert all(key.isalpha() and key.islower() and key.isascii() for key in keys)


def test_common_words_lead_to_their_everyday_relations() -> None:
    leading = dict(line.split("\t", 1) for line in table_lines())
    syn, form, broader, narrower = (c.split() for c in leading["child"].split("\t"))
    assert "kid" in syn
    # A toddler is a child: a query saying "toddler" may mean one.
    assert "toddler" in broader
    assert {"ach", "hurt", "sore"} <= set(leading["pain"].split("\t")[0].split())


def relations(text_words: dict[str, int], table: Path) -> str:
    stems = frozenset(stem(w) for w in text_words)
    return lexicon.relations_for(stems, Counter(text_words), str(table))


def test_only_relations_leading_to_the_stores_words_are_kept(tmp_path: Path) -> None:
    table = tmp_path / "related.tsv"
    table.write_text("# header\nchild\tkid\t\t\ttoddler\nfine\t\t\tpenalti\t\n", "ascii")
    kept = relations({"children": 1, "child": 3}, table)
    assert lexicon.lookup(kept, "kid") == (("child", "child", lexicon.FACTORS["syn"]),)
    assert lexicon.lookup(kept, "toddler") == (("child", "child", lexicon.FACTORS["narrower"]),)
    assert lexicon.lookup(kept, "penalti") == ()  # the store never says "fine"


def test_a_related_stem_is_shown_as_the_stores_most_frequent_word(tmp_path: Path) -> None:
    table = tmp_path / "related.tsv"
    table.write_text("fee\tcharg\t\t\t\n", "ascii")
    kept = relations({"fees": 5, "fee": 1}, table)
    assert lexicon.lookup(kept, "charg") == (("fee", "fees", lexicon.FACTORS["syn"]),)


def test_a_missing_table_means_no_relations(tmp_path: Path) -> None:
    assert relations({"child": 1}, tmp_path / "absent.tsv") == ""
    assert lexicon.lookup("", "kid") == ()


@given(st.sets(st.text("abcdefgh", min_size=1, max_size=6), max_size=40),
       st.text("abcdefgh", min_size=1, max_size=6))
def test_lookup_finds_exactly_the_lines_it_holds(keys: set[str], probe: str) -> None:
    text = "\n".join(sorted(f"{key}\tx {key} 0.5" for key in keys))
    for key in keys:
        assert lexicon.lookup(text, key) == (("x", key, 0.5),)
    if probe not in keys:
        assert lexicon.lookup(text, probe) == ()


def store_of(answers: dict[str, str]) -> Store:
    entries = tuple(Entry(ident, question, (), "See the desk.", "t", ("s",))
                    for ident, question in answers.items())
    return Store("s.json", 1, (Topic("t", "T", "T"),), (Source("s", "S", "s.txt"),),
                 entries, ())


def test_a_store_without_synonyms_answers_a_word_it_never_uses() -> None:
    index = Index(store_of({
        "child-card": "Can a child get a library card?",
        "opening": "When is the library open?",
        "print": "How do I print a document?",
    }))
    result = index.search("can my kid get a card")
    assert result.hits and result.hits[0].entry.id == "child-card"
    terms = {t["query"]: t for t in result.hits[0].explain["terms"]}
    assert terms["kid"]["matched"] == "child" and terms["kid"]["related"]


def test_a_word_reached_only_through_a_relation_still_counts_as_unknown() -> None:
    index = Index(store_of({"child-card": "Can a child get a library card?"}))
    result = index.search("kid")
    assert result.decision is not None
    assert result.decision.evidence.unknown_words == ("kid",)


def test_warning_signs_are_matched_without_relations() -> None:
    # A list of warning signs is matched word for word: "kid" must not turn
    # into a sign about children.
    signs = Vocabulary(["chest pain in a child"], ())
    assert signs.related == ""
    assert all(not a.related for c in signs.concepts("kid") for a in c.alternatives)


def test_explain_names_a_related_word_as_such() -> None:
    term = {"query": "kid", "corrected": None, "matched": "child", "synonym": True,
            "related": True, "weight": 1.0, "strength": 0.6}
    assert "child (related word)" in describe_term(term)
    assert "(synonym)" in describe_term({**term, "related": False})
