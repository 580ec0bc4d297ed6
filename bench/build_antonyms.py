"""Build the antonym lexicon (src/qa/answer/antonyms.json) from WordNet 3.0's antonym pointers and their synsets.

A near miss often swaps one word of the sentence for its opposite ("complex devices" asked where "simple devices"
is written): the question's word is then in no passage, which reads like a paraphrase unless its opposite is
known. WordNet (Princeton University, WordNet 3.0 licence: use, copy and distribution granted with its notice,
kept in the JSON) lists those opposites as lexical "!" pointers between single words; the pairs are kept as words
(the product stems them as it reads them), without stop words, words of two letters, and pairs that share a stem.

    apt-get install wordnet-base                # Debian's copy of the database, /usr/share/wordnet
    python -m bench.build_antonyms              # writes src/qa/answer/antonyms.json (the same bytes on a rerun)
    python -m bench.build_antonyms --wordnet D --out F
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

from bench.wordnet import NOTICE, WORDNET, Synset, exceptions, senses, synsets
from qa.answer.contrary import LEXICON
from qa.text.tokens import STOPWORDS, stem


def degrees(word: str, irregular: dict[str, list[str]]) -> tuple[set[str], set[str]]:
    """An adjective's comparative and superlative spellings ("higher", "highest"; "better", "best" from adj.exc);
    a spelling English lacks ("complexer") is harmless, as no text holds it."""
    if word.endswith("e"):
        forms = {f"{word}r", f"{word}st"}
    elif word.endswith("y"):
        forms = {f"{word[:-1]}ier", f"{word[:-1]}iest"}
    else:
        forms = {f"{word}er", f"{word}est"}
    forms |= set(irregular.get(word, ()))
    return {w for w in forms if not w.endswith("st")}, {w for w in forms if w.endswith("st")}


def antonym_words(folder: Path) -> set[tuple[str, str]]:
    """Every direct antonym pair of single words, both ways, from data.adj, data.adv, data.noun and data.verb, an
    adjective pair with its comparatives and superlatives paired too ("higher" / "lower")."""
    pairs: set[tuple[str, str]] = set()
    irregular: dict[str, list[str]] = {}  # adj.exc read backwards: "good": "better", "best"
    for inflected, bases in exceptions(folder, "adj"):
        for base in bases:
            irregular.setdefault(base, []).append(inflected)
    for part in ("adj", "adv", "noun", "verb"):
        for a, b in _pointed(list(synsets(folder / f"data.{part}")), senses(folder, part)):
            pairs.add((a, b))
            if part == "adj":
                for mine, theirs in zip(degrees(a, irregular), degrees(b, irregular), strict=True):
                    pairs.update((x, y) for x in mine for y in theirs)
    return pairs


def _pointed(entries: list[Synset], counts: dict[str, int]) -> Iterator[tuple[str, str]]:
    """The word pairs of one data file's antonym pointers: "!" with the source and target word numbers in hex. The
    pointer joins two words; their synsets' other words are opposites in the same sense ("allow", of "permit"'s
    synset, against "forbid"), unless a word has more than `MAX_SENSES` senses ("keep", of "prevent"'s synset, is
    in 22: too many to oppose "allow" by one of them)."""
    words_at = {offset: words for offset, words, _ in entries}
    for _, words, pointers in entries:
        for symbol, target, where in pointers:
            if symbol == "!" and target in words_at:
                a, b = words[int(where[:2], 16) - 1], words_at[target][int(where[2:], 16) - 1]
                yield _word(a), _word(b)
                mine = [a, *(w for w in words if w != a and counts.get(_word(w), 0) <= MAX_SENSES)]
                theirs = [b, *(w for w in words_at[target] if w != b and counts.get(_word(w), 0) <= MAX_SENSES)]
                yield from ((_word(x), _word(y)) for x in mine for y in theirs)


MAX_SENSES = 10


def _word(entry: str) -> str:
    return entry.split("(")[0].lower()  # "(a)"/"(p)" marks an adjective's place


def kept_pairs(pairs: set[tuple[str, str]]) -> list[list[str]]:
    """Each pair once (a < b): single alphabetic words of three letters or more, no stop word, whose stems (the
    product tokenizer's, as the lexicon is read) differ and neither begins the other."""
    kept: set[tuple[str, str]] = set()
    for a, b in pairs:
        if not (a.isalpha() and b.isalpha()) or min(len(a), len(b)) < 3 or {a, b} & STOPWORDS:
            continue
        sa, sb = stem(a), stem(b)
        if not sa.startswith(sb) and not sb.startswith(sa):
            kept.add((min(a, b), max(a, b)))
    return [list(p) for p in sorted(kept)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wordnet", type=Path, default=WORDNET, help="the folder holding WordNet's data.* files")
    parser.add_argument("--out", type=Path, default=LEXICON, help="where the lexicon is written")
    args = parser.parse_args(argv)
    pairs = kept_pairs(antonym_words(args.wordnet))
    doc = {"source": "WordNet 3.0 antonyms, direct and of their synsets (bench/build_antonyms.py)", "licence": NOTICE,
           "pairs": pairs}
    args.out.write_text(json.dumps(doc, indent=0) + "\n", encoding="utf-8")
    print(f"{len(pairs)} antonym pairs -> {args.out}")


if __name__ == "__main__":
    main()
