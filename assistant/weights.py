"""Fitted numbers: every weight and threshold the answering engine learned, read from one data
file, `assistant/model/weights.json`, which `python -m tools calibrate` writes.

Does: load the file once and hand out a frozen `Weights` (the sentence scorer's logistic
regression, the answer/refuse decision's logistic regression and its threshold, the grounding
check's); save a new file together with what it was fitted on and its held-out figures.
Does not: fit anything (calibration.py) or decide anything (scoring.py, answerability.py).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from assistant.errors import AssistantError

PATH = Path(__file__).resolve().parent / "model" / "weights.json"


def _frozen(d: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType({k: float(v) for k, v in d.items()})


@dataclass(frozen=True)
class Weights:
    """A logistic regression per decision: feature name -> weight, plus "bias"."""

    sentence: Mapping[str, float]
    answer: Mapping[str, float]
    answer_threshold: float = 0.5  # answer when the probability is at least this
    grounding: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    def with_(self, **changes: Any) -> Weights:
        """A copy with some parts replaced (cross-validation swaps in fold weights)."""
        parts = {
            "sentence": self.sentence,
            "answer": self.answer,
            "answer_threshold": self.answer_threshold,
            "grounding": self.grounding,
            **changes,
        }
        return Weights(
            _frozen(parts["sentence"]),
            _frozen(parts["answer"]),
            float(parts["answer_threshold"]),
            _frozen(parts["grounding"]),
        )


def logistic(features: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """The probability a logistic regression gives; features it has no weight for count 0."""
    z = weights.get("bias", 0.0)
    z += sum(w * features.get(k, 0.0) for k, w in weights.items() if k != "bias")
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def from_json(data: Mapping[str, Any]) -> Weights:
    try:
        return Weights(
            _frozen(data["sentence"]),
            _frozen(data["answer"]),
            float(data.get("answer_threshold", 0.5)),
            _frozen(data.get("grounding", {})),
        )
    except (KeyError, TypeError, ValueError) as e:
        raise AssistantError(f"the weights file is not valid ({e}).") from None


@lru_cache(maxsize=4)
def load(path: Path = PATH) -> Weights:
    """The fitted weights (read once per path)."""
    try:
        return from_json(json.loads(path.read_text("utf-8")))
    except (OSError, ValueError) as e:
        raise AssistantError(f"cannot read the weights file {path}: {e}") from None


def save(weights: Weights, about: Mapping[str, Any], path: Path = PATH) -> None:
    """Write the weights with `about` (what they were fitted on, held-out figures)."""
    data = {
        "about": dict(about),
        "sentence": dict(weights.sentence),
        "answer": dict(weights.answer),
        "answer_threshold": weights.answer_threshold,
        "grounding": dict(weights.grounding),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n", "utf-8")
    tmp.replace(path)
    load.cache_clear()
