"""Reading WordNet 3.0's database files (Debian's `wordnet-base`, /usr/share/wordnet) for the lexicon builds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

WORDNET = Path("/usr/share/wordnet")
Synset = tuple[str, list[str], list[tuple[str, str, str]]]  # offset, words, pointers (symbol, target, source/target)
NOTICE = ("WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved. THIS SOFTWARE AND DATABASE IS "
          "PROVIDED \"AS IS\" AND PRINCETON UNIVERSITY MAKES NO REPRESENTATIONS OR WARRANTIES, EXPRESS OR IMPLIED. "
          "Permission to use, copy, modify and distribute this database for any purpose and without fee or royalty "
          "is granted, provided this notice appears on all copies. https://wordnet.princeton.edu/license-and-commercial-use")


def synsets(path: Path) -> Iterator[Synset]:
    """(offset, words, pointers (symbol, target offset, source/target)) of each synset line of a data.* file."""
    for line in path.read_text(encoding="latin-1").splitlines():
        if line.startswith(" "):  # the licence header
            continue
        fields = line.split(" | ")[0].split()
        count = int(fields[3], 16)
        words = [fields[4 + 2 * i] for i in range(count)]
        at = 4 + 2 * count
        pointers = [(fields[at + 1 + 4 * i], fields[at + 2 + 4 * i], fields[at + 4 + 4 * i])
                    for i in range(int(fields[at]))]
        yield fields[0], words, pointers


def lemmas(folder: Path) -> set[str]:
    """Every single-word lemma of index.noun, index.verb, index.adj and index.adv."""
    out: set[str] = set()
    for part in ("noun", "verb", "adj", "adv"):
        for line in (folder / f"index.{part}").read_text(encoding="latin-1").splitlines():
            if line and not line.startswith(" "):
                out.add(line.split(" ", 1)[0])
    return out


def senses(folder: Path, part: str) -> dict[str, int]:
    """How many synsets each lemma of index.`part` is in (its third field): "keep" is in 22 as a verb."""
    out: dict[str, int] = {}
    for line in (folder / f"index.{part}").read_text(encoding="latin-1").splitlines():
        if line and not line.startswith(" "):
            fields = line.split(" ", 3)
            out[fields[0]] = int(fields[2])
    return out


def exceptions(folder: Path, part: str) -> Iterator[tuple[str, list[str]]]:
    """(irregular form, its bases) of each line of `part`.exc ("better good well")."""
    for line in (folder / f"{part}.exc").read_text(encoding="latin-1").splitlines():
        form, *bases = line.split()
        yield form, bases
