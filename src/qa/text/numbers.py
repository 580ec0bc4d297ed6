"""Numbers written as words ("three", "twenty-seven", "almost half"): one vocabulary for spans, evidence and tables."""

from __future__ import annotations

_UNITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
          "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
WORD_NUMS: dict[str, int] = {w: i for i, w in enumerate(_UNITS)} | {w: 20 + 10 * i for i, w in enumerate(_TENS)}

# A count spelled out: "twenty-seven", "three", "a dozen". "one" and "zero" are left out: "one of the largest",
# "one from each member state" are seldom the count a question asks for.
SPELLED = (rf"(?i:\b(?:(?:{'|'.join(_TENS)})(?:[-\s](?:{'|'.join(_UNITS[1:10])}))?|{'|'.join(_UNITS[2:])}|"
           r"a dozen|dozens|a few)\b)")
# A share spelled out, with its hedge: "almost half", "about a third", "two-thirds".
SHARE = (r"(?i:\b(?:(?:almost|nearly|about|roughly|around|over|under|more than|less than|just over|just under) )?"
         r"(?:half|a third|one third|a quarter|one quarter|two[- ]thirds|three[- ]quarters)\b)")
# Ordinals written as words, to "twenty-first" (the centuries of a history: "the twelfth century").
ORDINAL_WORDS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
                 "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
                 "eighteenth", "nineteenth", "twentieth", "twenty-first")
_SPELLED_WORDS = frozenset(_UNITS[2:]) | frozenset(_TENS) | {"dozen", "dozens", "half", "third", "quarter",
                                                             "thirds", "quarters"}


def is_spelled_number(word: str) -> bool:
    """A word that writes a count or share ("three", "twenty", "half"), not "one"."""
    return word.lower() in _SPELLED_WORDS
