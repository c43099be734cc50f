"""General English word relations: the packaged table, its lookup, and what a
store without synonyms gains from it."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backfaq import lexicon
from backfaq.analyzer import words
from backfaq.model import Entry, Hit, Source, Store, Topic
from backfaq.render.plain import describe_term
from backfaq.search import Index
from backfaq.store import load_store
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
    # A stem, or a compound's two ("shoulder_blad"e): what a store may hold.
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)?", key) for key in keys)


def test_common_words_lead_to_their_everyday_relations() -> None:
    leading = dict(line.split("\t", 1) for line in table_lines())
    syn, form, broader, narrower = (c.split() for c in leading["child"].split("\t"))
    assert "kid" in syn
    # A toddler is a child: a query saying "toddler" may mean one.
    assert "toddler" in broader
    assert {"ach", "hurt", "sore"} <= set(leading["pain"].split("\t")[0].split())


def test_phrasal_verbs_and_compounds_are_in_the_table() -> None:
    leading = dict(line.split("\t", 1) for line in table_lines())
    # What a query says with a particle, and what a store says in two words.
    assert "bring_back" in leading["return"].split("\t")[0].split()
    assert "scapula" in leading["shoulder_blade"].split("\t")[0].split()
    # A phrasal verb leads only to its own sense and to broader ones: the
    # many ways to "wake up" (a "call") say too little of it.
    narrower = {key for key, columns in leading.items()
                if any("_" in s for s in columns.split("\t")[3].split())}
    assert not narrower


def relations(text_words: dict[str, int], table: Path) -> str:
    return lexicon.relations_for(Vocabulary([], (), counts=Counter(text_words)).stem_words,
                                 str(table))


def test_only_relations_leading_to_the_stores_words_are_kept(tmp_path: Path) -> None:
    table = tmp_path / "related.tsv"
    table.write_text("# header\nchild\tkid\t\t\ttoddler\nfine\t\t\tpenalti\t\n", "ascii")
    kept = relations({"children": 1, "child": 3}, table)
    assert lexicon.lookup(kept, "kid") == ((("child",), "child", lexicon.FACTORS["syn"]),)
    assert lexicon.lookup(kept, "toddler") == (
        (("child",), "child", lexicon.FACTORS["narrower"]),)
    assert lexicon.lookup(kept, "penalti") == ()  # the store never says "fine"


def test_a_related_stem_is_shown_as_the_stores_most_frequent_word(tmp_path: Path) -> None:
    table = tmp_path / "related.tsv"
    table.write_text("fee\tcharg\t\t\t\n", "ascii")
    kept = relations({"fees": 5, "fee": 1}, table)
    assert lexicon.lookup(kept, "charg") == ((("fee",), "fees", lexicon.FACTORS["syn"]),)


def test_a_compound_leads_to_a_store_that_holds_both_its_words(tmp_path: Path) -> None:
    table = tmp_path / "related.tsv"
    table.write_text("shoulder_blade\tscapula\t\t\t\n", "ascii")
    kept = relations({"shoulder": 2, "blades": 1}, table)
    assert lexicon.lookup(kept, "scapula") == (
        (("shoulder", "blade"), "shoulder blades", lexicon.FACTORS["syn"]),)
    assert relations({"shoulder": 2}, table) == ""  # half a compound is not it


def test_a_missing_table_means_no_relations(tmp_path: Path) -> None:
    assert relations({"child": 1}, tmp_path / "absent.tsv") == ""
    assert lexicon.lookup("", "kid") == ()


@given(st.sets(st.text("abcdefgh", min_size=1, max_size=6), max_size=40),
       st.text("abcdefgh", min_size=1, max_size=6))
def test_lookup_finds_exactly_the_lines_it_holds(keys: set[str], probe: str) -> None:
    text = "\n".join(sorted(f"{key}\tx {key} 0.5" for key in keys))
    for key in keys:
        assert lexicon.lookup(text, key) == ((("x",), key, 0.5),)
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


def best_of(index: Index, query: str) -> Hit:
    result = index.search(query)
    return (result.hits or result.closest)[0]


def test_a_verb_with_its_particle_is_looked_up_as_one() -> None:
    index = Index(store_of({
        "join": "How do I join the library?",
        "renew": "How do I renew items?",
        "computer": "Can I use a computer?",
    }))
    for query in ("how do I sign up", "can I sign myself up"):  # next, or after its object
        best = best_of(index, query)
        assert best.entry.id == "join"
        assert [(t["query"], t["matched"], t["related"]) for t in best.explain["terms"]] == [
            ("sign up", "join", True)]  # the phrasal verb, as the query says it
    # "sign" alone is not "join": the particle made the phrase.
    assert all(t["matched"] != "join" for t in best_of(index, "how do I sign").explain["terms"])


def test_a_particle_said_with_its_verb_is_no_word_of_its_own() -> None:
    index = Index(store_of({"return": "How do I return items?", "back": "Why does my back hurt?"}))
    concepts = index.vocabulary.concepts("where do I bring things back")
    assert "back" not in [c.typed for c in concepts]
    assert best_of(index, "where do I bring things back").entry.id == "return"
    # Without a verb to go with, "back" is the store's word, and after a
    # possessive it is the verb's object: "put my back out" is about a back.
    assert best_of(index, "my back").entry.id == "back"
    assert "back" in [c.typed for c in index.vocabulary.concepts("put my back out")]


def test_a_query_word_leads_to_a_compound_the_store_says() -> None:
    index = Index(store_of({
        "blade": "Why does my shoulder blade hurt?",
        "neck": "Why does my neck hurt?",
    }))
    result = index.search("scapula")
    assert result.hits and result.hits[0].entry.id == "blade"
    (term,) = result.hits[0].explain["terms"]
    assert term["matched"] == "shoulder blade" and term["stems"] == ["shoulder", "blade"]


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


def test_a_large_store_reads_the_table_once_and_finds_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A small store looks each stem up; a large one reads every line: the
    # same relations either way, compounds included.
    store = Index(store_of({"blade": "Why does my shoulder blade hurt after I sign up?"})).store
    counts = Counter(w for e in load_store().entries for w in words(e.answer))
    counts.update(w for e in store.entries for w in words(e.question))
    shown = Vocabulary([], (), counts=counts).stem_words
    searched = lexicon.relations_for(shown)
    monkeypatch.setattr(lexicon, "READ_ALL_FROM", 0)
    assert lexicon.relations_for(shown) == searched
    assert lexicon.lookup(searched, "scapula")


def test_a_particle_belongs_to_its_verbs_clause_and_not_to_a_phrase_of_its_own() -> None:
    # The store holds what "sit back" and "cut back" lead to (relax, reduce).
    vocabulary = Index(store_of({"back": "Why does my back hurt?", "sit": "How should I sit?",
                                 "relax": "How do I relax and reduce stress?"}))
    assert "back" not in [c.typed for c in vocabulary.vocabulary.concepts("sit back")]
    for query in ("I cannot sit. Back pain is too strong",  # another sentence
                  "whenever I sit, back pain gets worse",  # another clause
                  "best way to cut back pain"):  # "back pain" is the back's
        concepts = vocabulary.vocabulary.concepts(query)
        assert "back" in [c.typed for c in concepts], query


def test_a_verb_and_its_particle_are_read_as_typed() -> None:
    # Neither is "corrected" into a store word it is one letter from.
    index = Index(store_of({"return": "How do I return items?", "bank": "Which bank do you use?"}))
    assert best_of(index, "where do I bring it back").entry.id == "return"
    index = Index(store_of({"join": "How do I join the choir?", "sing": "When do we sing?"}))
    assert best_of(index, "how do I sign up").entry.id == "join"


def test_no_compound_leads_back_from_its_own_word() -> None:
    # "check" -> "bank check" would match a store saying "bank" alone.
    for line in table_lines():
        key, columns = line.split("\t", 1)
        if "_" in key:
            sources = {s.split("_")[0] for column in columns.split("\t") for s in column.split()}
            assert not sources & set(key.split("_")), line


def test_both_ways_of_reading_the_table_end_a_line_at_a_newline_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A stray form feed inside a line (a table edited by hand) must not cut
    # it in two on one path and not the other.
    table = tmp_path / "related.tsv"
    table.write_text("blade\tknife\x0cwing\t\t\t\nknee\tjoint\t\t\t\n", encoding="ascii")
    shown = {"blade": "blade", "knee": "knee"}
    searched = lexicon.relations_for(shown, str(table))
    monkeypatch.setattr(lexicon, "READ_ALL_FROM", 0)
    assert lexicon.relations_for(shown, str(table)) == searched
    assert lexicon.lookup(searched, "joint")
