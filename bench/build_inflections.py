"""Build the irregular inflections the tokenizer meets at their base (src/qa/text/inflections.json) from WordNet 3.0.

"Where did the sundials stand?" asks of "Sundials stood in public squares", "How many children ..." of "one child":
suffix rules cannot join those spellings. WordNet's exception lists (verb.exc, noun.exc) name each irregular form's
base; a form is kept when it has one base, is no word of WordNet's own ("left", "ground", "found", "saw", "data"
and "media" are, so they keep their own meaning), is no stop word, and the suffix rules do not already join the
two. WordNet 3.0, Princeton University, WordNet 3.0 licence (its notice is kept in the JSON).

    apt-get install wordnet-base                # Debian's copy of the database, /usr/share/wordnet
    python -m bench.build_inflections           # writes src/qa/text/inflections.json (the same bytes on a rerun)
    python -m bench.build_inflections --wordnet D --out F
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bench.wordnet import NOTICE, WORDNET, exceptions, lemmas
from qa.text.tokens import INFLECTIONS, STOPWORDS, regular_stem

# Plurals WordNet lacks as words of their own that reports use so: TAT-QA's "media revenue" is no medium.
OWN_WORDS = frozenset({"media"})


def inflections(folder: Path) -> dict[str, str]:
    """Irregular verb and noun forms to their one base, as kept (see the module's docstring)."""
    words = lemmas(folder)
    bases: dict[str, set[str]] = {}
    for part in ("verb", "noun"):
        for form, base in exceptions(folder, part):
            bases.setdefault(form, set()).update(base)
    return {form: next(iter(base)) for form, base in sorted(bases.items())
            if len(base) == 1 and form.isalpha() and len(form) >= 3 and form not in words
            and form not in STOPWORDS | OWN_WORDS and regular_stem(form) != regular_stem(next(iter(base)))}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wordnet", type=Path, default=WORDNET, help="the folder holding WordNet's files")
    parser.add_argument("--out", type=Path, default=INFLECTIONS, help="where the inflections are written")
    args = parser.parse_args(argv)
    forms = inflections(args.wordnet)
    doc = {"source": "WordNet 3.0 verb.exc and noun.exc (bench/build_inflections.py)", "licence": NOTICE,
           "forms": forms}
    args.out.write_text(json.dumps(doc, indent=0, sort_keys=False) + "\n", encoding="utf-8")
    print(f"{len(forms)} irregular forms -> {args.out}")


if __name__ == "__main__":
    main()
