"""The learned sentence choice and passage confidence: the shipped weights, the near-miss features, training."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa.answer.choice import CONF_NAMES, PICK_NAMES, WEIGHTS, Chooser, confidence_features, shipped_chooser
from qa.answer.evidence import Lexicon, weigh

TEXTS = ["Simple devices such as weighing scales were used in markets.", "Engineers drilled 10,910 meters deep."]


def test_shipped_weights_match_the_feature_names() -> None:
    model = shipped_chooser()
    assert len(model.pick) == len(PICK_NAMES) and len(model.confidence.weights) == len(CONF_NAMES)


def test_shipped_weights_were_trained_on_features_as_this_code_computes_them() -> None:
    """The names alone do not show a change of what a feature measures (tests/test_reader.py has the same)."""
    from bench.train_choice import fingerprint

    recorded = json.loads(WEIGHTS.read_text(encoding="utf-8"))["fingerprint"]
    assert fingerprint() == recorded, "evidence features changed: rerun python -m bench.train_choice"


def _features(question: str, text: str) -> dict[str, float]:
    lexicon = Lexicon(TEXTS)
    q = lexicon.analyse(question)
    ev = weigh(q, lexicon, text, text, (0.5, 0.5, lexicon.coverage(q, text)), 0)
    return dict(zip(CONF_NAMES, confidence_features(q, ev, lexicon.unknown_share(q), text, text, lexicon),
                    strict=True))


def test_a_swapped_modifier_and_a_negation_are_seen() -> None:
    near = _features("Which complex devices were used in markets?", TEXTS[0])
    plain = _features("Which simple devices were used in markets?", TEXTS[0])
    assert near["modifier_gap"] == 1 and plain["modifier_gap"] == 0
    assert _features("Which devices were not used in markets?", TEXTS[0])["negation"] == 1
    assert _features("How deep did engineers drill in 2019?", TEXTS[1])["miss_number"] == 1


def test_a_chunk_short_of_the_known_question_words_is_a_near_miss_and_an_unknown_word_is_not() -> None:
    """`known_chunk_gap` counts only the words some chunk uses: "semiconductors" in no text is a paraphrase or an
    unknown (weighed by `unknown`), "weighing" in another text is a qualifier this passage lacks."""
    full = _features("Which devices were used in markets?", TEXTS[0])
    paraphrase = _features("Which semiconductors were used in markets?", TEXTS[0])
    other = _features("Which devices did engineers use for weighing in markets?", TEXTS[1])
    assert full["known_chunk_gap"] == 0 and paraphrase["unknown"] > 0 and paraphrase["known_chunk_gap"] == 0
    assert other["known_chunk_gap"] > 0


def test_confidence_is_higher_for_the_answering_sentence_than_for_a_near_miss() -> None:
    model = shipped_chooser()
    lexicon = Lexicon(TEXTS)
    probs = []
    for question in ("How deep did engineers drill?", "How deep did geologists drill in Mongolia?"):
        q = lexicon.analyse(question)
        ev = weigh(q, lexicon, TEXTS[1], TEXTS[1], (0.6, 0.6, lexicon.coverage(q, TEXTS[1])), 0)
        probs.append(model.probability(confidence_features(q, ev, lexicon.unknown_share(q), TEXTS[1], TEXTS[1],
                                                           lexicon)))
    assert probs[0] > probs[1]


def test_the_sentence_stating_the_questions_phrase_is_chosen_over_one_scattering_its_words() -> None:
    lexicon = Lexicon(TEXTS)
    q = lexicon.analyse("What led to the increase in cable revenue in 2018?")
    scattered = "Consolidated revenue increased in 2018, reflecting growth in Wireless and in Cable."
    phrased = "Cable revenue increased in 2018 as customers moved to faster Internet tiers."
    scores = [shipped_chooser().pick_score(weigh(q, lexicon, text, text, (0.6, 0.6, lexicon.coverage(q, text)), 0))
              for text in (scattered, phrased)]
    assert scores[1] > scores[0]


def test_training_smoke_run_writes_loadable_weights(tmp_path: Path) -> None:
    from bench import reader_data, train_choice

    if not reader_data.DATA.exists():
        pytest.skip(f"{reader_data.DATA} is not here (TAT-QA training data)")
    out = tmp_path / "choice.json"
    assert train_choice.main(["--smoke", "--out", str(out)]) == 0
    assert len(Chooser.load(out).pick) == len(PICK_NAMES)


def test_a_question_word_the_sentence_states_the_opposite_of_is_a_near_miss() -> None:
    near = _features("Which complex devices were used in markets?", TEXTS[0])
    plain = _features("Which simple devices were used in markets?", TEXTS[0])
    unknown = _features("Which antique devices were used in markets?", TEXTS[0])
    assert near["contradicted"] == 1 and plain["contradicted"] == 0 and unknown["contradicted"] == 0
    model = shipped_chooser()
    assert model.probability(np.array(list(near.values()))) < model.probability(np.array(list(unknown.values())))


def test_a_question_denying_what_the_sentence_states_is_seen() -> None:
    denied = _features("Which devices were not used in markets?", TEXTS[0])
    plain = _features("Which devices were used in markets?", TEXTS[0])
    both = _features("Which devices were not used?", "Simple devices were not used in markets.")
    assert denied["denied"] == 1 and plain["denied"] == 0 and both["denied"] == 0
