"""Sentence features: what each sentence of the candidate passages says about answering.

Does: compute `scoring.FEATURES` for every stored sentence of the hits (its cosine to the
question and to the question without its topic phrase, the same after taking away the
candidates' mean vector, the question's rare words it shares, its bullet label's, the kind
of answer asked for, its generality, its passage's fused rank and BM25 score, the sentence
before it). scoring.py lists what each one means.
Does not: weigh them (scoring.py) or choose passages (fusion.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from assistant.search.scoring import FEATURES
from assistant.store.lexical import Lexical
from assistant.text import content_stems, cue_score
from assistant.types import Hit, Passage, ScoredSentence

_LABEL = re.compile(r"^([^:.!?]{2,60}):\s")


def sentence_features(
    hits: tuple[Hit, ...],
    found: dict[str, list[tuple[Passage, Any, float]]],
    vector: list[float],
    focus: list[float],
    stems: list[str],
    lexical: Lexical,
    cue: re.Pattern | None,
    idf: Callable[[str], float],
) -> list[ScoredSentence]:
    """Every sentence of the hits (`found`: their stored sentences with vectors and
    generality) with its features, not yet scored; a word's rarity is `idf` (the
    collection's, or among the documents found: `Lexical.local`)."""
    import numpy as np

    if not hits:
        return []
    q = np.asarray(vector)
    query_stems = set(stems)
    weight = sum(idf(s) for s in query_stems) or 1.0
    top_bm25 = max((h.lexical for h in hits), default=0.0) or 1.0

    def overlap(text: str) -> float:
        shared = query_stems & set(content_stems(text))
        return sum(idf(s) for s in shared) / weight

    q_focus = np.asarray(focus)
    # The candidates' mean vector is what they share (the topic); the question and each
    # sentence compared without it say what this sentence adds ("centered").
    every = [np.asarray(v) for group in found.values() for _, v, _ in group]
    mean = np.mean(every, axis=0) if every else np.zeros_like(q)
    q_c = q - mean
    q_c = q_c / (np.linalg.norm(q_c) or 1.0)
    rows = []
    last_sim: dict[str, float] = {}  # passage id -> sim of its last sentence
    for rank, hit in enumerate(hits):
        previous = None
        for sentence, sentence_vector, general in found.get(hit.id, []):
            sim = float(np.dot(q, np.asarray(sentence_vector)))
            label = _LABEL.match(sentence.text)
            rows.append(
                (
                    hit,
                    sentence,
                    {
                        "sim": sim,
                        "overlap": overlap(sentence.text),
                        "label_overlap": overlap(label.group(1)) if label else 0.0,
                        "cue": cue_score(sentence.text, cue),
                        "general": general,
                        "rank": 1.0 - rank / len(hits),
                        "bm25": hit.lexical / top_bm25,
                        "prev": 0.0 if previous is None else previous,
                        "focus": float(np.dot(q_focus, np.asarray(sentence_vector))),
                        "centered": _unit_dot(q_c, np.asarray(sentence_vector) - mean),
                    },
                )
            )
            previous = rows[-1][2]["sim"]
        if previous is not None:
            last_sim[hit.id] = previous
    first_of: dict[str, dict[str, float]] = {}
    for h, _, f in rows:
        first_of.setdefault(h.id, f)
    for pid, sim in last_sim.items():  # "For example, ..." follows the passage it continues
        nxt = lexical.continuation(pid)
        if nxt in first_of:
            first_of[nxt]["prev"] = max(first_of[nxt]["prev"], sim)
    best_sim = max(f["sim"] for _, _, f in rows) if rows else 0.0
    out = []
    for hit, sentence, f in rows:
        f["gap"] = f["sim"] - best_sim
        features = tuple(f[k] for k in FEATURES)
        out.append(ScoredSentence(hit.id, sentence, 0.0, f["sim"], f["overlap"], features))
    return out


def _unit_dot(unit: Any, v: Any) -> float:
    import numpy as np

    n = float(np.linalg.norm(v))
    return float(np.dot(unit, v)) / n if n else 0.0
