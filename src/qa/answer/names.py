"""The name a question asks for by what the sentence calls it: the name after the thing asked for ("Which label
...?" of "the label Greywell Records"), after a naming word ("What are the matches called?" of "known as the
Estuary Derby"), before the thing in apposition ("the Osk sturgeon, a fish ..."), the agent of a passive ("Who
founded the club?" of "founded in 1899 by workers ..."); and another name in brackets, which answers nothing."""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.answer.asked import NUMERIC
from qa.answer.evidence import Question
from qa.answer.reader import Reading
from qa.text.tokens import is_content, stem, tokens

NAMED = ("name", "place", "phrase")
# What stands between a thing and its name: "the label Greywell Records", "a pub called the Anchor", "the north
# gate, known as the Vesk Gate".
_NAMING = re.compile(r"[,]?\s(?:(?:called|named|known as|titled|entitled|nicknamed)\s)?(?:the\s)?$")
_NAMING_WORD = re.compile(r"\b(?:called|named|known as|titled|entitled|nicknamed)\s(?:the\s)?$")
_ASKS_NAMING = re.compile(r"\b(?:called|named|known as|nicknamed|titled)\s*\?$", re.I)
_NAME_OF = re.compile(r"\bname of (?:the |a |an |its |their )?([a-z]+)")
# The thing named is a noun phrase of its own: "the label", "their debut album" ("costs associated", "net cash
# provided" put a verb after a noun, no name).
_LED = re.compile(r"\b(?:the|a|an|its|their|his|her|our)\s(?:[\w-]+\s)?[\w-]+$", re.I)
_DOING = frozenset({"do", "does", "did", "can", "could", "will", "would", "has", "have", "had", "should", "may",
                    "might", "must"})
_ADVERBS = frozenset({"first", "last", "later", "once", "also", "still"})
# The agent of a passive: "by workers from ...", "by the naturalist Petra Dunmore".
_BY = re.compile(r"\bby (?:the |a |an )?(?:[a-z]+ )?$")


def named_head(question: Question, pool: Sequence[Reading], sentence: str) -> Reading | None:
    """The name a "which / what <thing>" question asks for, where the sentence names that thing: "Which label did
    they sign with?" of "... signed with the label Greywell Records" -> "Greywell Records"; a name holding the
    thing ("During which war ...?" -> "War of the Three Crowns"); "What was the name of the pub ...?" asks the
    pub's; "What are X called?" the name after a naming word. The longest such name; None when there is none."""
    if _ASKS_NAMING.search(question.text):
        named = [r for r in pool if _capitalised(r) and _after(r, sentence, _NAMING_WORD) is not None]
        if named:
            return max(named, key=lambda r: r.end - r.start)
    of = _NAME_OF.search(question.text)
    head = stem(of.group(1)) if of else question.head if _asks_thing(question.text) else ""
    # A name of the question is no thing asked for ("What did the king promise Vesk?"), nor is a count's thing.
    if not head or head in question.named or question.expected[0] in NUMERIC:
        return None
    # Names only: a word in lower case after the thing's word is as often another noun it qualifies ("the 20-year
    # carryforward period", TAT-QA) as the thing's name ("the antibiotic doxycycline").
    found = [r for r in pool if (_capitalised(r) and (_follows(head, r, sentence) or _holds(head, r)))
             or _apposed(head, r, sentence)]
    return max(found, key=lambda r: r.end - r.start) if found else None


def agent(question: Question, pool: Sequence[Reading], sentence: str) -> Reading | None:
    """The agent of a passive that a "who" question asks for: "Who founded FC Ebbing?" of "The club was founded in
    1899 by workers from the town's rope factory" -> "workers"; a name after a role ("by the naturalist Petra
    Dunmore") first. Only where the sentence has the question's verb before the "by"; None otherwise."""
    if not question.text.lower().startswith(("who ", "by whom ")):
        return None
    # The question's verb: its first word after "who" and an adverb ("Who first described ...?"), not its object
    # ("Who designed the Halden campus?" of "... linked to the old town by a tram line").
    words = [t for t in tokens(question.text) if is_content(t) and not t.capital
             and t.word not in _ADVERBS and not t.word.endswith("ly")]
    verbs = {words[0].stem} if words else set()
    found = []
    for r in pool:
        before = _after(r, sentence, _BY)
        if r.kind in NAMED and before is not None and verbs & {t.stem for t in tokens(before) if is_content(t)}:
            found.append(r)
    return max(found, key=lambda r: (r.kind == "name", r.end - r.start)) if found else None  # "Roman engineers"


def alias(question: Question, r: Reading, sentence: str) -> bool:
    """The reading is another name, in brackets, of a thing the question names: "The grey-backed tern (Sterna
    orvalis) is ..." answers no "Where does the grey-backed tern breed?" with "Sterna"."""
    at = _at(r, sentence)
    if r.kind not in NAMED or at is None:
        return False
    opened = sentence[:at].rstrip()
    closes = sentence.find(")", at + len(r.text))
    if not opened.endswith("(") or closes < 0 or "(" in sentence[at:closes]:
        return False
    before = [t.stem for t in tokens(opened[:-1])][-2:]
    return bool(before) and all(t in question.terms for t in before)


def _asks_thing(question: str) -> bool:
    """The head noun is a thing asked for ("Which label ...?", "What was the band's debut album?"), not the subject
    or verb of a question led by "did / can ..." ("What did Tomas Rehn win ...?" asks no "win")."""
    words = [t.word for t in tokens(question)]
    at = next((i for i, w in enumerate(words) if w in ("what", "which")), None)
    return at is not None and at + 1 < len(words) and words[at + 1] not in _DOING


def _capitalised(r: Reading) -> bool:
    """A name: its first and last words capitalised ("War of the Three Crowns"; not "Holl Glass Museum holds")."""
    words = r.text.split()
    return r.kind in NAMED and bool(words) and words[0][:1].isupper() and words[-1][:1].isupper()


def _at(r: Reading, sentence: str) -> int | None:
    """Where the reading stands in its sentence's text, or None when the sentence is another."""
    at = r.start - r.sentence_start
    return at if sentence[at : at + len(r.text)] == r.text else None


def _after(r: Reading, sentence: str, pattern: re.Pattern[str]) -> str | None:
    """The sentence's text before the reading, when it ends in `pattern`; else None."""
    at = _at(r, sentence)
    if at is None:
        return None
    return sentence[:at] if pattern.search(sentence[:at]) else None


def _follows(head: str, r: Reading, sentence: str) -> bool:
    """The reading comes right after the thing's word in its sentence ("the label | Greywell Records"), the thing
    led by a determiner unless a naming word stands between ("a pub called the Anchor")."""
    before = _after(r, sentence, _NAMING)
    naming = _NAMING.search(before) if before is not None else None
    if before is None or naming is None:
        return False
    thing = before[: naming.start()]
    words = tokens(thing)
    if not words or words[-1].stem != head or words[-1].end != len(thing):
        return False
    return bool(_NAMING_WORD.search(naming.group(0)) or _LED.search(thing))


def _holds(head: str, r: Reading) -> bool:
    """A name with the thing's word in it, written as part of the name: "War of the Three Crowns", "Vesk Gate"; never
    a sentence's first words ("Free cash flow for 2019 ...") or the word alone ("Topic")."""
    words = tokens(r.text)
    return (r.start > r.sentence_start and len(words) >= 2
            and any(t.capital and t.stem == head for t in words))


def _apposed(head: str, r: Reading, sentence: str) -> bool:
    """The thing follows the name in apposition, the name a phrase with a capital: "the Osk sturgeon, a fish found
    nowhere else"."""
    at = _at(r, sentence)
    if at is None or r.kind not in NAMED or not any(w[:1].isupper() for w in r.text.split()[:4]):
        return False
    after = re.match(r", (?:a|an|the) ([\w-]+)(?: ([\w-]+))?", sentence[at + len(r.text) :])
    return after is not None and head in {stem(w) for w in after.groups() if w}  # "a fish", "a rare fish"
