"""Sentence scoring: the probability that a candidate sentence answers the question.

Does: combine a sentence's features (computed by features.py) with the fitted weights of a
logistic regression (weights.json, `python -m tools calibrate`) and order the sentences,
best first. The features:
  sim            cosine of query and sentence vectors
  gap            sim minus the best sim among the candidates
  overlap        share of the query's rare words (by idf) the sentence contains
  label_overlap  the same for a bullet's label ("Dehydration: ...")
  cue            1 when the sentence is the kind of answer asked for (query.intent)
  general        how much the sentence resembles the rest of its article (hubness)
  rank           its passage's fused rank, 1 for the best .. 0
  bm25           its passage's BM25 score over the best one's
  prev           the sim of the sentence just before it (in its passage, or the end of the
                 passage it continues): an answer often follows a sentence that restates
                 the question ("What causes them? No one knows. However, it is most ...")
  focus          cosine of the sentence and the question without its topic phrase
                 (Lexical.without_topic: "How do I treat at home before sleeping?")
  centered       cosine of the two after taking away the candidates' mean vector (what all
                 candidates share, the topic), so it weighs what the question asks beyond it
Does not: compute features, or decide whether the question is answered (answerability.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from assistant.weights import logistic

if TYPE_CHECKING:
    from assistant.types import ScoredSentence

FEATURES = (
    "sim",
    "gap",
    "overlap",
    "label_overlap",
    "cue",
    "general",
    "rank",
    "bm25",
    "prev",
    "focus",
    "centered",
)


def named(features: tuple[float, ...]) -> dict[str, float]:
    return dict(zip(FEATURES, features, strict=True))


def rank(
    sentences: Iterable[ScoredSentence], weights: Mapping[str, float]
) -> tuple[ScoredSentence, ...]:
    """The sentences scored with `weights`, best first."""
    scored = [replace(s, score=logistic(named(s.features), weights)) for s in sentences]
    scored.sort(key=lambda s: -s.score)
    return tuple(scored)
