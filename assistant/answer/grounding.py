"""Grounding check: keep only the generated sentences that the quote they cite supports.

Does: split a language model's reply into sentences and read each one's [n] markers; a sentence
stands only when it cites a quote that exists and a cited quote supports it: the probability
from a logistic regression on `features` (embedding similarity, and the sentence's content
words found in the quote or its title, and not) is at least 0.5, with weights
fitted on the labelled pairs in tests/eval/grounding.jsonl (`python -m tools calibrate
--grounding`, which writes them to weights.json), and no veto applies (a number the quote
lacks, a negation on one side only).
The rest are dropped and counted. Kept citations keep their order (by relevance) and are
renumbered 1, 2, … without gaps.
Does not: rephrase anything, or decide what to do when nothing is left (api.py falls back to
the extractive answer).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from assistant.embedding import Embedder
from assistant.text import content_stems, escape, words
from assistant.types import Citation
from assistant.weights import load as load_weights
from assistant.weights import logistic

FEATURES = ("sim", "overlap", "novel")
THRESHOLD = 0.5
MIN_WORDS = 3

_MARKERS = re.compile(r"\s*\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]")
# A line that opens with its markers ("[2] Massage eases ...") cites them for all its sentences.
_LEADING = re.compile(r"^\s*(?:[-*•]\s*|\d+[.)]\s+)?((?:\[\d{1,3}(?:\s*[,;]\s*\d{1,3})*\]\s*)+)")
# A sentence: up to its end mark and any [n] markers right after it on the same line.
_SENTENCE = re.compile(r".*?(?:[.!?]+(?:[ \t]*\[[\d,; ]+\])*(?=\s|$)|$)")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_NEGATION = re.compile(r"\b(not|no|never|none|nothing|neither|nor|cannot|without)\b|n't\b", re.I)
_NOT_ONLY = re.compile(r"\bnot (just|only|merely)\b", re.I)
_LIST_MARK = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")


@dataclass(frozen=True)
class Judged:
    """One generated sentence: its words without markers, what it cites, and the verdict."""

    text: str
    cites: tuple[int, ...]
    supported_by: tuple[int, ...]  # the cited quotes that support it
    support: float  # the best cited quote's probability

    @property
    def kept(self) -> bool:
        return bool(self.supported_by) and len(words(self.text)) >= MIN_WORDS


@dataclass(frozen=True)
class Checked:
    """The reply reduced to its supported sentences, as markdown with renumbered [n]."""

    text: str
    citations: tuple[Citation, ...]
    sentences: tuple[Judged, ...]

    @property
    def kept(self) -> int:
        return sum(s.kept for s in self.sentences)

    @property
    def dropped(self) -> int:
        return len(self.sentences) - self.kept


def split(reply: str) -> list[tuple[str, tuple[int, ...]]]:
    """(sentence text without markers, the quote numbers it cites) for each sentence, in
    order, repeats left out; a piece that is only markers ("[2]") lends them to the sentence
    before it, and a line's leading markers go to each of its sentences."""
    out: list[tuple[str, tuple[int, ...]]] = []
    seen: set[str] = set()
    for line in reply.splitlines():
        lead = _LEADING.match(line)
        line_cites = _numbers(lead.group(1)) if lead else ()
        body = line[lead.end() :] if lead else line
        if line_cites and not any(c.isalnum() for c in body):
            body, line_cites = line, ()  # a line of markers only: read as trailing markers
        for m in _SENTENCE.finditer(body):
            piece = m.group(0).strip()
            if not piece:
                continue
            cites = tuple(dict.fromkeys(line_cites + _numbers(piece)))
            text = _LIST_MARK.sub("", _MARKERS.sub("", piece)).strip()
            if not any(c.isalnum() for c in text):
                if out and cites:
                    prev, prev_cites = out[-1]
                    out[-1] = (prev, tuple(dict.fromkeys(prev_cites + cites)))
                continue
            key = " ".join(words(text))
            if key not in seen:  # a small model may loop: each sentence counts once
                seen.add(key)
                out.append((text, cites))
    return out


def _numbers(markers: str) -> tuple[int, ...]:
    return tuple(int(n) for group in _MARKERS.findall(markers) for n in re.split(r"[,;]", group))


def features(sentence: str, quote: str, title: str, sim: float) -> dict[str, float]:
    """sim: cosine of the two embeddings; overlap: share of the sentence's content words
    (stems) that the quote or its title uses; novel: how many it adds (up to 5, over 5)."""
    stems = set(content_stems(sentence))
    known = stems & set(content_stems(f"{title} {quote}"))
    return {
        "sim": sim,
        "overlap": len(known) / len(stems) if stems else 0.0,
        "novel": min(5, len(stems - known)) / 5,
    }


def probability(features: dict[str, float], weights: Mapping[str, float] | None = None) -> float:
    """The support probability, with the fitted weights (weights.json's "grounding")."""
    return logistic(features, load_weights().grounding if weights is None else weights)


def vetoed(sentence: str, quote: str) -> bool:
    """Two things similarity misses: a number the quote does not state (an invented dose or
    count), and a negation on one side only ("never causes" against "can cause")."""
    have = set(_NUMBER.findall(quote))
    if any(n not in have for n in _NUMBER.findall(sentence)):
        return True

    def negated(text: str) -> bool:
        return bool(_NEGATION.search(_NOT_ONLY.sub("", text.replace("’", "'"))))

    return negated(sentence) != negated(quote)


def judge(reply: str, citations: Sequence[Citation], embedder: Embedder) -> list[Judged]:
    """Every sentence of the reply with its verdict."""
    import numpy as np

    parts = split(reply)
    by_n = {c.n: c for c in citations}
    if not parts:
        return []
    vectors = embedder.encode_array([t for t, _ in parts] + [c.quote for c in citations])
    sentence_vecs, quote_vecs = vectors[: len(parts)], vectors[len(parts) :]
    index = {c.n: i for i, c in enumerate(citations)}
    out = []
    for (text, cites), vec in zip(parts, sentence_vecs, strict=True):
        best = 0.0
        supported_by = []
        for n in cites:
            c = by_n.get(n)
            if c is None:
                continue
            f = features(text, c.quote, c.title, float(np.dot(vec, quote_vecs[index[n]])))
            p = 0.0 if vetoed(text, c.quote) else probability(f)
            if p >= THRESHOLD:
                supported_by.append(n)
            best = max(best, p)
        out.append(Judged(text, cites, tuple(supported_by), round(best, 4)))
    return out


def check(reply: str, citations: Sequence[Citation], embedder: Embedder) -> Checked:
    """The supported sentences of `reply` as markdown, with the citations they use."""
    judged = judge(reply, citations, embedder)
    by_n = {c.n: c for c in citations}
    used = sorted({n for j in judged if j.kept for n in j.supported_by if n in by_n})
    renumber = {old: new for new, old in enumerate(used, start=1)}  # relevance order kept
    lines = []
    for j in judged:
        if j.kept:
            marks = dict.fromkeys(f"[{renumber[n]}]" for n in j.supported_by if n in by_n)
            lines.append(f"{escape(j.text)} {''.join(marks)}")
    kept = tuple(replace(by_n[old], n=new) for old, new in renumber.items())
    return Checked(" ".join(lines), kept, tuple(judged))
