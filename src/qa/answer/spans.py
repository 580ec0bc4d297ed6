"""Typed candidate answer spans inside one sentence, found by regexes and shallow phrase heuristics."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from qa.tables.values import CURRENCIES
from qa.text.numbers import ORDINAL_WORDS, SHARE, SPELLED
from qa.text.tokens import STOPWORDS, looks_past

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?"
)
_NUM = r"\d+(?:[.,]\d+)*"
_SCALE = r"(?:\s?(?:million|billion|trillion|thousand|hundred|[MBKbn]{1,2})\b)?"
_UNITS = (
    "meters|metres|meter|metre|km|kilometers|kilometres|kilometre|kilometer|centimetres|centimeters|centimetre|"
    "centimeter|millimetres|millimeters|yards|miles|mile|feet|foot|ft|inches|cm|mm|kg|grams|ounces|decades|"
    "kilograms|tons|tonnes|pounds|lbs|years|year|months|days|hours|minutes|seconds|weeks|people|"
    "percent|degrees|acres|hectares|square|gallons|liters|litres|barrels|votes|members|employees|"
    "students|units|times|points|seats|games|goals|species|copies|sq|GW|MW|kW|TW|GWh|MWh|kWh|TWh|gigawatts|"
    "megawatts|pence|cents|basis points"
)
_CENTURY = rf"(?:\d{{1,2}}(?:st|nd|rd|th)|{'|'.join(reversed(ORDINAL_WORDS))})"  # "twenty-first" before "first"
# Small words inside a name, up to two in a row: "Bank of the West", "Musée de la Marine", "Ibn al Haytham".
_PARTICLES = "of|the|de|la|le|les|des|del|della|di|da|do|dos|das|du|van|von|der|den|al|el|bin|ibn|and|for|y"
_STOPS = "|".join(sorted(STOPWORDS))
_CODES = "|".join(sorted(CURRENCIES | {"CHF", "RMB", "HK\\$", "US\\$"}, key=len, reverse=True))
# Currencies written as words, today's and history's ("2.3 million marks", "500 florins"); "pounds" alone also weighs.
_CURRENCY_WORDS = ("dollars|euros|yuan|pounds sterling|marks|francs|florins|guilders|lire|pesetas|escudos|drachmas|"
                   "rupees|roubles|rubles|kronor|kroner|crowns|shillings|yen|won|pesos|dinars|dirhams|riyals|baht|rand|"
                   "zloty|forints|ducats|thalers|sovereigns|guineas|denarii|sesterces|talents")
_MONEY = (rf"(?:US|USD|RMB|HK|A|C)?[$€£¥]\s?{_NUM}{_SCALE}|{_NUM}{_SCALE}\s(?:{_CURRENCY_WORDS})\b|"
          rf"\b(?:{_CODES})\s?{_NUM}{_SCALE}")
_PATTERNS: tuple[tuple[str, str], ...] = (
    ("money", _MONEY),
    # A price is an amount per unit: "$54 per megawatt-hour" answers "What was the power price?", "$54" does not.
    ("money", rf"(?:{_MONEY}) per [a-z][\w-]*"),
    ("percent", rf"{_NUM}\s?(?:%|percent\b|per cent\b|percentage points?\b|basis points\b)"),
    (
        "date",
        rf"{_MONTH}\s\d{{1,2}}(?!\d)(?:st|nd|rd|th)?(?:,?\s\d{{4}})?|\d{{1,2}}\s{_MONTH}(?:\s\d{{4}})?|{_MONTH}\s\d{{4}}",
    ),
    # A weekday answers "When are the tours held?": "every Saturday", "on Sundays", "Monday".
    (
        "date",
        r"\b(?:(?:every|each) )?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)s?\b",
    ),
    # A season answers "When does it spawn?": "late spring", "in early autumn", "the summer of 1990".
    ("date", r"\b(?:(?:early|late|mid-?)\s?)?(?:spring|summer|autumn|winter)(?: of (?:1[0-9]\d\d|20\d\d))?\b"),
    # Months from one to another answer "In which months ...?": "between May and September", "from June to August".
    ("date", rf"\b(?:between {_MONTH} and|from {_MONTH} (?:to|until)) {_MONTH}"),
    # A span of years answers "When was it built?": "between 1891 and 1897", "from 1939 to 1945", "1914–1918".
    ("year", r"\b(?:between (?:1[0-9]\d\d|20\d\d) and|from (?:1[0-9]\d\d|20\d\d) (?:to|until))"
             r" (?:1[0-9]\d\d|20\d\d)\b|\b(?:1[0-9]\d\d|20\d\d)[–-](?:1[0-9]\d\d|20\d\d|\d\d)\b"),
    ("year", r"(?:fiscal|FY)\s?\d{2,4}"),
    ("year", r"(?<![\d,.$])(?:1[0-9]\d\d|20\d\d)s?(?![\d,.]\d)"),
    # A century answers "In what century ...?": "the 12th century", "the tenth and eleventh centuries".
    ("year", rf"(?i:\b{_CENTURY}(?:\s(?:and|or|to)\s{_CENTURY})?[\s-]centur(?:y|ies)\b(?:\s(?:BC|BCE|AD|CE)\b)?)"),
    # A range is one measure: "21 to 24 days" answers "How long ...?", "24 days" only half.
    ("quantity", rf"(?<![\d,.$])(?:{_NUM}|{SPELLED})(?: to |[–-]| or ){_NUM}{_SCALE}[\s-](?:square |cubic )?"
                 rf"(?:{_UNITS})\b|(?<![\d,.$])(?:{SPELLED}|(?i:\bone)) (?:to|or) {SPELLED}[\s-](?:{_UNITS})\b"),
    ("quantity", rf"(?<![\d,.$]){_NUM}{_SCALE}(?:[\s-](?:square |cubic )?(?:{_UNITS})\b)"),
    # A number then a plural noun ("5 stores"); years are excluded, they are followed by anything: a four-digit
    # number from 1000 to 2099 written without a comma is a year there ("between 1796 and 1804 links").
    ("quantity", rf"(?<![\d,.$])~?(?!(?:1\d|20)\d\d\b){_NUM}{_SCALE}\s(?!(?:{_STOPS})\b)[a-z]+s\b"),
    ("number", rf"(?<![\d,.$\w])~?{_NUM}{_SCALE}(?![\d%])(?!(?:st|nd|rd|th)\b)"),  # "12th" holds no "12"
    # Counts and shares written as words: "The three sources of ...", "twenty-seven judges", "almost half".
    ("quantity", rf"{SPELLED}{_SCALE}[\s-](?:square |cubic )?(?:{_UNITS})\b"),
    ("quantity", rf"{SPELLED}{_SCALE}\s(?!(?:{_STOPS})\b)[a-z]+s\b"),
    ("number", rf"{SPELLED}{_SCALE}|{SHARE}"),
    (
        "ordinal",
        r"\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th))"
        r"(?:[\s-](?:largest|deepest|biggest|highest|longest|most|least|best|largest|tallest|"
        r"oldest|only|[a-z]+est))?(?:\s(?:[a-z]+\s){0,3}?(?:in|of) the (?:world|country|nation|"
        r"region|[A-Z]\w+))?",
    ),
    ("ordinal", r"\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th))\b"),
    ("name", rf"(?:[A-Z][\w'’.&-]*)(?:\s(?:(?:{_PARTICLES})\s){{0,2}}[A-Z][\w'’.&-]*)*"),
    ("place", rf"\b(?:in|at|from|near|to) ((?:the )?[A-Z][\w'’.-]*(?:\s(?:(?:{_PARTICLES})\s){{0,2}}[A-Z][\w'’.-]*)*"
              r"(?:, [A-Z]\w+)?)"),
)
_NAME_RUN = rf"[A-Z][\w'’.-]*(?:\s(?:(?:{_PARTICLES})\s){{0,2}}[A-Z][\w'’.-]*)*"
# A place is often a phrase around its name, which answers "Where ...?" whole: "the technical college in Holl",
# "rocky islands of the southern Arvel Sea", "the Halden campus", "the Port Aske art college".
_PATTERNS += (
    ("place", rf"\b(?:in|at|from|near|to|on|into) ((?:the |a |an )?(?:(?!(?:{_STOPS})\b|[a-z]+ed\b)[a-z][\w-]* ){{0,3}}"
              rf"(?:in|at|near|of|on) (?:the )?(?:(?!(?:{_STOPS})\b)[a-z][\w-]* )?{_NAME_RUN})"),
    ("place", rf"\b(?:in|at|from|near|to|on|into) ((?:the )?{_NAME_RUN}(?: (?!(?:{_STOPS})\b)[a-z][\w-]*){{1,2}})"
              r"(?=[,.;:]|\s(?:and|or|which|where|that)\b|$)"),
)
_COMPILED = tuple((kind, re.compile(p)) for kind, p in _PATTERNS)
_OPENER = re.compile(rf"[A-Z][\w'’.&-]*\s(?:(?:{_PARTICLES})\s){{1,2}}(?=[A-Z])")
_DETERMINER = re.compile(r"\b(?:the|a|an|its|their|our|his|her|this|these|those|such)\s", re.I)
_PHRASE_STOP = STOPWORDS - {"of", "and"}
_WORD = re.compile(r"[\w'’&$%.,-]*\w%?|[$%]")  # "39.0%" is one word: a "%" alone is no phrase
_CLAUSE = re.compile(r"(?:[^,;:()—–\"“”|]|,(?=\d))+")  # commas inside numbers do not end a clause
# Answers to "what does X include / how is X computed / why" often start at or just after these words.
_PIVOT = re.compile(
    r"\b(?:is|are|was|were|be|been|includes?|including|represents?|reflects?|of|by|to|as|"
    r"that|due|because|within|for|from|when|using|through|via|since|with|primarily|mainly)\b"
)
# "Gao Yi, an associate research fellow at the Academy, ...": the description between commas.
_APPOSITIVE = re.compile(r"[A-Z][\w'’.-]*, ((?:an?|the|its|his|her) [^,;:()—]{3,90})(?=,|\.|;|$)")
# A people named by their nation or faith answer "who": "Roman engineers", "British investors", "Christian monks"
# (the adjective alone, "Roman", answers "whose").
_PEOPLE = re.compile(r"\b[A-Z][a-z]+(?:an|ian|ish|ese|ch|ic|i)\s(?!(?:was|has|does|says|goes)\b)[a-z]{2,}[a-rtv-z]s\b")
_ITEM = re.compile(r"[\w'’&$%.-]+(?: [\w'’&$%.-]+){0,3}")


# Spans are looked for in a sentence's first characters only: some patterns are quadratic, and a "sentence"
# can be a table row of 10,000 cells (a real sentence is a few hundred characters).
MAX_SCAN = 1500


@dataclass(frozen=True)
class TypedSpan:
    start: int  # offsets inside the sentence text
    end: int
    kind: str


@lru_cache(maxsize=16384)
def typed_spans(sentence: str) -> tuple[TypedSpan, ...]:
    """All typed spans of the sentence, deduplicated by offsets, plus the sentence itself.

    Cached: a sentence's spans do not depend on the question; the same sentences come back for every question."""
    found: dict[tuple[int, int], str] = {}
    whole, sentence = sentence, sentence[:MAX_SCAN]
    for kind, rx in _COMPILED:
        for m in rx.finditer(sentence):
            a, b = m.span(1) if rx.groups else m.span()  # group 1 drops a leading preposition
            _add(found, sentence, a, b, kind)
            if kind == "name" and a == 0 and (led := _OPENER.match(sentence, a, b)):
                # "Today the Holl Glass Museum holds ...": the sentence's first word joined the name by "the".
                _add(found, sentence, led.end(), b, kind)
    for m in _PEOPLE.finditer(sentence):
        _add(found, sentence, m.start(), m.end(), "name")
    for a, b in _noun_phrases(sentence):
        _add(found, sentence, a, b, "phrase")
    for m in _APPOSITIVE.finditer(sentence):
        _add(found, sentence, m.start(1), m.end(1), "phrase")
    for a, b in _lists(sentence):
        _add(found, sentence, a, b, "list")
    for m in _CLAUSE.finditer(sentence):
        _add(found, sentence, m.start(), m.end(), "clause")
    for a, b in _tails(sentence):
        _add(found, sentence, a, b, "clause")
    _add(found, whole, 0, len(whole), "sentence")
    return tuple(TypedSpan(a, b, k) for (a, b), k in found.items())


def _add(found: dict[tuple[int, int], str], text: str, a: int, b: int, kind: str) -> None:
    # Trim spaces and trailing punctuation so offsets match how answers are written.
    while a < b and text[a] in " \t\"“'(":
        a += 1
    while b > a and text[b - 1] in " \t.,;:!?\"”)'":
        b -= 1
    if kind == "name":
        if text[a:b].endswith(("'s", "’s")) and b - a > 2:
            b -= 2  # "ASML’s chipmaking machinery": the name is "ASML"
        words = text[a:b].split()
        if re.sub(r"['’]s$", "", words[0]).lower() in STOPWORDS or (a == 0 and len(words) == 1):
            return  # sentence-initial capitals ("That’s", "According", "On February") are not names
    if b - a >= 1 and (a, b) not in found:
        found[(a, b)] = kind


def _noun_phrases(sentence: str) -> list[tuple[int, int]]:
    """Runs of non-stopwords (optionally led by a determiner), and their "X of Y" extensions."""
    words = [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(sentence)]
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        if words[i][2] in _PHRASE_STOP or words[i][2] in ("of", "and"):
            i += 1
            continue
        j = i
        while (
            j + 1 < len(words) and words[j + 1][2] not in _PHRASE_STOP and _adjacent(sentence, words[j], words[j + 1])
        ):
            j += 1
        while j > i and words[j][2] in ("of", "and"):
            j -= 1
        led = i > 0 and _DETERMINER.fullmatch(sentence[words[i - 1][0] : words[i][0]]) is not None
        runs.append((words[i][0], words[j][1]))
        if j > i:
            runs.append((words[j][0], words[j][1]))  # the head noun alone
        if led:
            runs.append((words[i - 1][0], words[j][1]))
        # "a storm destroyed half": a run of words may hold a verb; the subject before a past form after the run's
        # first word is a phrase too ("a storm").
        verb = next((k for k in range(i + 1, j + 1) if looks_past(words[k][2])), None)
        if verb is not None:
            runs.append((words[i - 1 if led else i][0], words[verb - 1][1]))
        i = j + 1
    return runs


def _adjacent(sentence: str, left: tuple[int, int, str], right: tuple[int, int, str]) -> bool:
    return sentence[left[1] : right[0]] in (" ", "-", " & ")


def _lists(sentence: str) -> list[tuple[int, int]]:
    """Coordinated items "X, Y(,) and Z": every suffix of two or more items ending at the last item."""
    out: list[tuple[int, int]] = []
    for conj in re.finditer(r",? (?:and|or) ", sentence):
        last = _ITEM.match(sentence, conj.end())
        if not last:
            continue
        end = _trim_item(sentence, conj.end(), last.end())
        if end == conj.end():
            continue
        left = conj.start()
        for _ in range(8):
            item = re.search(r"(?:^|, )([^,;:()—]{1,80})$", sentence[:left])
            # No comma within reach: the first item is the end of a long clause ("... accounted for 41.3%").
            text = item.group(1) if item else sentence[max(0, left - 80) : left]
            words = text.split()
            if not item or len(words) > 4 or any(w.lower() in _PHRASE_STOP for w in words):
                # A long first item: keep only its trailing noun run ("... with their own chips acts").
                words = text.rstrip().split(" ")
                cut = max((i for i, w in enumerate(words) if w.lower() in _PHRASE_STOP), default=-1)
                run = words[max(cut + 1, len(words) - 3) :]
                if run and all(run):
                    out.append((left - len(" ".join(run)), end))
                break
            out.append((item.start(1), end))
            left = item.start()
            if left == 0 or sentence[left : left + 2] != ", ":
                break
    return out


def _trim_item(sentence: str, a: int, b: int) -> int:
    """End the final item before a verb-like stopword ("talent loss are real" -> "talent loss"), and never on "of" or
    "and"."""
    words = list(re.finditer(r"\S+", sentence[a:b]))
    keep = a
    for w in words:
        word = w.group().lower().strip(".,")
        if word in _PHRASE_STOP:
            break
        if word not in ("of", "and"):  # "39.0% of our net revenues": the item ends before a dangling "of"
            keep = a + w.end()
    return keep


def _tails(sentence: str) -> list[tuple[int, int]]:
    """Spans from a pivot word (or the word after it) to the clause end and to the sentence end."""
    out: list[tuple[int, int]] = []
    ends = [m.start() for m in re.finditer(r",(?!\d)|;|—| \(", sentence)] + [len(sentence)]
    for m in _PIVOT.finditer(sentence):
        for a in (m.start(), m.end() + 1):
            if a >= len(sentence):
                continue
            clause_end = next((e for e in ends if e > a), len(sentence))
            out.extend({(a, clause_end), (a, len(sentence))})
    return out
