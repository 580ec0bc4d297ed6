"""The one tokenizer: tokens with stems, phrases, synonym groups, countries and years; stop words; BM25 terms."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

# Phrases that stand for one thing, found before single words. Case matters only where a lower-case
# spelling is an ordinary word ("US" the country, "us" the pronoun).
_PHRASES: list[tuple[str, str, int]] = [
    (r"research\s*(?:and|&)\s*development", "r&d", re.I),
    (r"r\s?&\s?d", "r&d", re.I),
    (r"united\s+states(?:\s+of\s+america)?", "united_states", re.I),
    (r"U\.\s?S\.(?:\s?A\.)?|USA|US|U\.S", "united_states", 0),
    (r"america(?:ns?)?", "united_states", re.I),
    (r"united\s+kingdom|britain|british|UK|U\.K\.", "united_kingdom", re.I),
    (r"european\s+union|EU", "european_union", 0),
    (r"south\s+korea(?:ns?)?|korea(?:ns?)?", "korea", re.I),
    (r"hong\s+kong", "hong_kong", re.I),
    (r"saudi\s+arabia(?:ns?)?|saudis?", "saudi_arabia", re.I),
    (r"science,?\s+technology,?\s+engineering,?\s+(?:and\s+)?math(?:ematics|s)?", "stem", re.I),
    (r"top\s?-?\s?500", "top500", re.I),
    (r"earnings\s+per\s+share|EPS", "eps", re.I),
    (r"pre-?\s?tax|before\s+(?:provision\s+for\s+|benefit\s+from\s+)?(?:income\s+)?tax(?:es)?", "pretax", re.I),
    (r"selling,?\s+general,?\s+(?:and|&)\s+administrative|SG\s?&\s?A", "sg&a", re.I),
    (r"general\s+(?:and|&)\s+administrative|G\s?&\s?A", "g&a", re.I),
    (r"property,?\s+plant,?\s+(?:and|&)\s+equipment|PP\s?&\s?E", "pp&e", re.I),
    (r"depreciation\s+(?:and|&)\s+amortization|D\s?&\s?A", "d&a", re.I),
    (r"cost\s+of\s+goods\s+sold|COGS", "cogs", re.I),
    (r"capital\s+expenditures?|capex", "capex", re.I),
    (r"free\s+cash\s+flows?|FCF", "fcf", re.I),
    (r"accumulated\s+other\s+comprehensive\s+(?:income|loss|\(loss\)\s+income|income\s+\(loss\))|AOCI", "aoci",
     re.I),
    (r"earnings\s+before\s+interest,?\s+taxes,?\s+depreciation,?\s+(?:and|&)\s+amortization|EBITDA", "ebitda",
     re.I),
    (r"per\s*cent(?:age)?s?|pct", "percent", re.I),
    (r"year[-\s]over[-\s]year|yoy", "yoy", re.I),
]
_WORD = r"[A-Za-z][A-Za-z0-9]*(?:['’][A-Za-z]+)?|\d[\d,]*(?:\.\d+)?%?|%|&"
_POSSESSIVE = re.compile(r"['’]s?$")
_YEAR_WORD = re.compile(r"(?:FY|CY)?((?:19|20)\d{2})", re.IGNORECASE)


_TOKEN = re.compile(
    "|".join(f"(?P<p{i}>{'(?i:' if flags else ''}\\b(?:{pat})(?![A-Za-z]){')' if flags else ''})"
             for i, (pat, _, flags) in enumerate(_PHRASES)) + f"|(?P<w>{_WORD})"
)

# Country names, their demonyms and common short forms, to one key each.
_COUNTRIES: dict[str, str] = {
    "china": "china", "chinese": "china", "prc": "china", "beijing": "china",
    "japan": "japan", "japanese": "japan", "germany": "germany", "german": "germany", "germans": "germany",
    "france": "france", "french": "france", "india": "india", "indian": "india", "indians": "india",
    "russia": "russia", "russian": "russia", "canada": "canada", "canadian": "canada",
    "taiwan": "taiwan", "taiwanese": "taiwan", "israel": "israel", "israeli": "israel",
    "brazil": "brazil", "brazilian": "brazil", "italy": "italy", "italian": "italy",
    "spain": "spain", "spanish": "spain", "mexico": "mexico", "mexican": "mexico",
    "australia": "australia", "australian": "australia", "singapore": "singapore",
    "switzerland": "switzerland", "swiss": "switzerland", "sweden": "sweden", "swedish": "sweden",
    "netherlands": "netherlands", "dutch": "netherlands", "europe": "europe", "european": "europe",
    "vietnam": "vietnam", "vietnamese": "vietnam", "indonesia": "indonesia", "turkey": "turkey",
    "iran": "iran", "iranian": "iran", "ukraine": "ukraine", "ukrainian": "ukraine",
    "united_states": "united_states", "united_kingdom": "united_kingdom", "korea": "korea",
    "european_union": "european_union", "hong_kong": "hong_kong", "saudi_arabia": "saudi_arabia",
    "washington": "united_states",
}  # fmt: skip

# Irregular forms to their base, which the suffix rules then stem as they stem the base ("made", "makes" -> "mak");
# WordNet's lists (inflections.json, by bench/build_inflections.py), with these over them.
_BASES: dict[str, str] = {
    "spent": "spend", "grew": "grow", "grown": "grow", "rose": "rise", "risen": "rise", "fell": "fall",
    "fallen": "fall", "made": "make", "paid": "pay", "sold": "sell", "bought": "buy", "held": "hold",
    "took": "take", "gave": "give", "won": "win", "led": "lead", "built": "build", "went": "go", "gone": "go",
    "began": "begin", "begun": "begin", "brought": "bring", "struck": "strike", "people": "person",
    "analyses": "analysis", "indices": "index",
}  # fmt: skip
INFLECTIONS = Path(__file__).with_name("inflections.json")

# Words taken as they are, or to one key: stop words' forms, words the suffix rules would cut, one-key groups.
_IRREGULAR: dict[str, str] = {
    "had": "have", "has": "have", "was": "be", "were": "be", "is": "be", "are": "be", "been": "be", "did": "do",
    "does": "do", "done": "do", "data": "data",
    "annually": "year", "annual": "year", "yearly": "year", "years": "year", "grads": "graduate",
    "less": "less", "loss": "loss", "losses": "loss", "gross": "gross", "business": "business",
    "this": "this", "its": "its", "his": "his", "us": "us", "as": "as", "plus": "plus", "gas": "gas",
    "basis": "basis", "status": "status", "bonus": "bonus", "minus": "minus", "series": "series",
    # Verbs of speech: questions and reports use them interchangeably ("Who did Gao talk to?" / "Gao told").
    "told": "say", "tell": "say", "tells": "say", "said": "say", "says": "say", "talk": "say", "talked": "say",
    "spoke": "say", "speak": "say", "spoken": "say", "stated": "say",
}  # fmt: skip

# Stems that mean the same in a financial or statistical table; a synonym matches a little weaker.
_SYNONYMS: list[set[str]] = [
    {"revenu", "sal", "turnover"},
    {"spend", "spending", "expenditur", "invest", "investment", "budget", "outlay", "fund", "funding"},
    {"incom", "earning", "profit"},
    {"graduat", "graduate", "grad"},
    {"employe", "staff", "headcount", "workforc", "personnel"},
    {"fil", "submit", "submitt", "apply", "appli", "application"},
    {"supercomputer", "supercomput"},
    {"year", "annual"},
    {"dividend", "payout"},
    {"debt", "borrowing"},
]
_GROUP = {stem: min(group) for group in _SYNONYMS for stem in group}

# One stop list for BM25, evidence and table matching: function words, question words, and words that
# say "a number" without saying which ("amount", "value", "figure").
STOPWORDS = frozenset(str.split(
    "a an the of in on at by for to from with and or but if no not such will vs versus what which who whom "
    "whose how when where why was were is are be been being am do does did have has had this that these "
    "those it its their there than then as per each every much many more less most least about into over "
    "under between during among all any both s me my we us our you your i they them he him she her his "
    "there's what's amount value number figure level compared compare respectively same year's also just "
    "some very can could would should may might must shall get got"
))

# One list of the words that negate what a sentence or question says (near-miss and contradiction features).
NEGATIONS = frozenset(str.split("not no never none neither nor without cannot"))
# The words that open what a question asks (the answer's kind, its form, its head noun are read after them)
WH_WORDS = frozenset(str.split("what which how when where who whom whose why"))


@dataclass(frozen=True)
class Token:
    """One word or phrase of a text with its stem, synonym group and place."""

    text: str
    word: str  # lower case, possessive dropped
    stem: str
    group: str
    start: int
    end: int
    capital: bool  # written with a capital letter: a proper-noun candidate
    country: str | None = None  # the country it names ("Chinese" -> "china")
    year: int | None = None  # the year it is ("2019", "FY2019")

    @cached_property  # tokens are cached and shared, and matching asks for their keys thousands of times
    def keys(self) -> frozenset[str]:
        """Everything a label word may meet it by: stem, synonym group, country."""
        return frozenset(k for k in (self.stem, self.group, self.country) if k)


@lru_cache(maxsize=1)
def _bases() -> dict[str, str]:
    return {**json.loads(INFLECTIONS.read_text(encoding="utf-8"))["forms"], **_BASES}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light English stem: an irregular form goes to its base ("stood" -> "stand"), then plurals, -ing, -ed, -ly
    and a final -e go, so "filed" and "file" meet."""
    w = _POSSESSIVE.sub("", word.lower())
    if w in _IRREGULAR:
        return _IRREGULAR[w]
    return regular_stem(_bases().get(w, w))


def regular_stem(w: str) -> str:
    """The suffix rules alone, of a lower-case word."""
    if len(w) <= 3 or not w.isalpha():
        return w
    w = _singular(w)
    # "married" / "marry", "studied" / "study", "died" / "die", "dying" / "die": the -y or -ie of the base returns.
    if w.endswith("ied"):
        return w[:-1] if len(w) == 4 else w[:-3] + "y"
    if w.endswith("ying") and len(w) == 5:
        return w[:-4] + "ie"
    for suffix in ("ing", "ed"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]
            break
    if w.endswith("ly") and len(w) > 5:
        w = w[:-2]
    # "generation"/"generate", "investment"/"invest", "operations"/"operating" meet at one stem.
    if w.endswith("ation") and len(w) > 7:
        w = w[:-3]
    elif w.endswith("ment") and len(w) > 7:
        w = w[:-4]
    return w[:-1] if w.endswith("e") and len(w) > 3 else w


def _singular(w: str) -> str:
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "xes", "ches", "shes", "zes")):
        return w[:-2]
    return w[:-1] if w.endswith("s") and not w.endswith(("ss", "us", "is")) else w


def tokens(text: str) -> list[Token]:
    """The tokens of a text; phrases ("research and development", "U.S.") become one token each."""
    return list(_tokens(text))


@lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[Token, ...]:
    # Cached: a question is tokenized by several steps, and table captions and labels for every question.
    out: list[Token] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "w"
        raw = match.group()
        if kind == "w":
            base = raw.rstrip("%").replace(",", "") if raw[0].isdigit() else raw
            s = stem(base) if raw[0].isalpha() else "percent" if raw == "%" else base.lower()
        else:
            s = _PHRASES[int(kind[1:])][1]
        word = _POSSESSIVE.sub("", raw.lower()) if kind == "w" else s
        year = _YEAR_WORD.fullmatch(raw)
        out.append(Token(raw, word, s, _GROUP.get(s, s), match.start(), match.end(), raw[:1].isupper(),
                         _COUNTRIES.get(word) or _COUNTRIES.get(s), int(year.group(1)) if year else None))
    return tuple(out)


def looks_past(word: str) -> bool:
    """Whether a lower-case word has a regular past form's shape ("destroyed", "worked"): inside a run of content
    words it most often starts the predicate ("a storm destroyed half", "How many people worked ...?"); no part-of-
    speech tagger is at hand, and a run's first word ("adjusted operating margin") is the caller's to keep."""
    return _PAST.fullmatch(word) is not None


_PAST = re.compile(r"[a-z]{3,}ed")


def negates(toks: Sequence[Token]) -> bool:
    """Whether the tokens hold a negation: a negating word or an "n't" ("isn’t", "didn't")."""
    return any(t.word in NEGATIONS or t.word.replace("’", "'").endswith("n't") for t in toks)


def content(toks: list[Token]) -> list[Token]:
    """Tokens that carry meaning: no stop words or punctuation-like tokens."""
    # A phrase ("US" -> "united_states") is judged by its key alone: its text may spell a stop word.
    return [t for t in toks if t.stem not in STOPWORDS and t.text != "&"
            and (t.word == t.stem or t.text.lower() not in STOPWORDS)]


def is_content(token: Token) -> bool:
    """A token that carries meaning (the one stop list); a phrase ("US") is judged by its key."""
    return bool(content([token]))


def terms(text: str) -> list[str]:
    """The terms BM25 indexes and evidence compares: stems of the content tokens, a phrase as one term
    ("U.S." and "United States" -> "united_states"), numbers without their thousands commas."""
    return list(_terms(text))


@lru_cache(maxsize=100_000)
def _terms(text: str) -> tuple[str, ...]:
    return tuple(t.stem for t in content(tokens(text)) if t.stem)


def years_in(text: str) -> list[int]:
    """Four-digit years written in a text, in order."""
    return [int(y) for y in re.findall(r"(?<![\d.$])(?<!\d,)((?:19|20)\d{2})(?!\d|,\d)", text)]



def without_years(text: str) -> str:
    """The text with its four-digit years taken out: "2019 Amount" -> "Amount", so columns of years meet."""
    return re.sub(r"\b(?:19|20)\d{2}\b", "", text).strip()
