"""Opposites of question words: the shipped WordNet lexicon, how a sentence contradicts a question, its build; and
the build of the tokenizer's irregular inflections from the same WordNet."""

from __future__ import annotations

import json
from pathlib import Path

from qa.answer.contrary import LEXICON, contradicted, opposites
from qa.text.tokens import terms


def _contradicted(question: str, sentence: str) -> tuple[str, ...]:
    return contradicted(terms(question), frozenset(terms(sentence)))


def test_a_swapped_qualifier_is_contradicted_whatever_its_inflection() -> None:
    assert _contradicted("Which region had the higher revenue?", "Poland had the lower revenue.") == ("higher",)
    assert _contradicted("What complex devices were used?", "Simple devices were used.") == ("complex",)
    assert _contradicted("When did revenue increase?", "Revenue decreased in 2018.") == ("increas",)
    # "allow" is no direct antonym of "forbid" in WordNet; it shares the synset of "permit", which is.
    assert _contradicted("What did the guild allow its members to do?", "The guild forbade its members to leave.") == (
        "allow",)


def test_a_word_the_sentence_also_states_is_not_contradicted() -> None:
    """"increase" asked of a sentence holding both "increased" and "decrease" is answered there."""
    assert _contradicted("Why did revenue increase?", "Revenue increased despite a decrease in prices.") == ()
    assert _contradicted("What antique devices were used?", "Simple devices were used.") == ()


def test_the_shipped_lexicon_keeps_the_wordnet_notice_and_reads_both_ways() -> None:
    doc = json.loads(LEXICON.read_text(encoding="utf-8"))
    assert "Princeton University" in doc["licence"] and len(doc["pairs"]) > 1000
    table = opposites()
    assert "simpl" in table["complex"] and "complex" in table["simpl"]


def test_the_build_reads_wordnet_antonym_pointers_their_synsets_and_comparatives(tmp_path: Path) -> None:
    from bench import build_antonyms

    adj = ("  1 This software and database is being provided to you\n"
           "00000001 00 a 01 high 0 001 ! 00000002 a 0101 | greater than normal\n"
           "00000002 00 a 01 low 0 001 ! 00000001 a 0101 | less than normal\n"
           "00000003 00 a 02 good 0 well 0 000 | having desirable qualities\n")
    (tmp_path / "data.adj").write_text(adj, encoding="latin-1")
    (tmp_path / "adj.exc").write_text("better good well\nbest good\n", encoding="latin-1")
    # "permit" points at "forbid"; "allow" shares permit's synset, "keep" forbid's, but "keep" has 22 senses.
    verb = ("00000010 41 v 02 permit 0 allow 0 001 ! 00000011 v 0101 01 + 08 00 | consent to\n"
            "00000011 41 v 02 forbid 0 keep 0 001 ! 00000010 v 0101 01 + 08 00 | command against\n")
    (tmp_path / "data.verb").write_text(verb, encoding="latin-1")
    (tmp_path / "index.verb").write_text("allow v 9 0 9 0 00000010\nkeep v 22 0 22 0 00000011\n"
                                         "permit v 3 0 3 0 00000010\nforbid v 1 0 1 0 00000011\n", encoding="latin-1")
    for part in ("adv", "noun"):
        (tmp_path / f"data.{part}").write_text("", encoding="latin-1")
    for part in ("adj", "adv", "noun"):
        (tmp_path / f"index.{part}").write_text("", encoding="latin-1")
    out = tmp_path / "antonyms.json"
    build_antonyms.main(["--wordnet", str(tmp_path), "--out", str(out)])
    pairs = {tuple(p) for p in json.loads(out.read_text(encoding="utf-8"))["pairs"]}
    assert {("high", "low"), ("higher", "lower"), ("highest", "lowest")} <= pairs
    assert not any("good" in p for p in pairs)  # no antonym pointer, no pair
    assert {("forbid", "permit"), ("allow", "forbid")} <= pairs  # the pointer's words, then their synsets'
    assert not any("keep" in p for p in pairs)  # too many senses to oppose "allow" by one


def test_the_inflections_build_keeps_forms_with_one_base_that_are_no_words_of_their_own(tmp_path: Path) -> None:
    from bench import build_inflections

    (tmp_path / "verb.exc").write_text("stood stand\nleft leave\nbore bear bore\nwalked walk\n", encoding="latin-1")
    (tmp_path / "noun.exc").write_text("children child\n", encoding="latin-1")
    (tmp_path / "index.noun").write_text("  1 licence\nleft n 1 0 1 0 00000001\n", encoding="latin-1")
    for part in ("verb", "adj", "adv"):
        (tmp_path / f"index.{part}").write_text("", encoding="latin-1")
    out = tmp_path / "inflections.json"
    build_inflections.main(["--wordnet", str(tmp_path), "--out", str(out)])
    forms = json.loads(out.read_text(encoding="utf-8"))["forms"]
    # "left" is a noun of its own, "bore" has two bases, "walked" the suffix rules already join
    assert forms == {"children": "child", "stood": "stand"}
