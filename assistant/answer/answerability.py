"""Answerability: the one decision whether the evidence answers the question, and if not, what
the articles lack.

Does: turn the evidence into a few general signals and combine them with one logistic
regression whose weights and threshold are fitted by cross-validation (weights.json,
`python -m tools calibrate`):
  sim       the best quotable sentence's cosine to the question
  focus     the same for the question without its topic phrase
  top       the best sentence's probability of answering (scoring.py)
  cover     share of the question's content (stems, idf-weighted) that the three best
            sentences (with their headings and titles) hold
  lack      share of the question's content words the articles never use (by stem)
  far       how far in meaning the farthest such word is from every word of the corpus
            (1 - its best cosine): "children" is far from every word of articles about
            cramps, "drinking" is close to "alcohol"
  type_gap  the question asks for a kind of answer (a number or price, a date, the author)
            that none of the three best sentences holds
  length    how long the question is (a long story matches any sentence less closely)
Five checks stand outside the regression (`CHECKS`, each switchable for the held-out
report): a question that asks for an answer only one kind of sentence can give is refused
when none of the three best sentences is of that kind, a request is refused outright, and so
is a question about a group of people the articles never name.
Such questions are too few to weigh a signal of their own, and a check changes no other
answer.
  price     what something costs: a sentence that speaks of money (a currency, cost, price,
            expensive, cheap, insurance, free, ...)
  date      when something was first done, published or invented: a year or a month
  person    who wrote, discovered, invented or first described something: a name
  request   a request to write or make something, to pretend, or to ignore the sources or
            rules: no sentence answers it (the question is only ever a search query)
  group     a group of people (children, teenagers, the elderly, pregnancy, a "9-year-old")
            that the documents found never name: no sentence speaks of them
When it refuses, the verdict names what is missing: the question's words the articles lack
that carry most of its meaning, or the kind of answer none of the evidence holds.
Does not: pick quotes or word the answer or the refusal (answer.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from assistant.search.scoring import FEATURES as SENTENCE_FEATURES
from assistant.text import content_stems
from assistant.types import Evidence, Passage, ScoredSentence
from assistant.weights import logistic

FEATURES = (
    "sim",
    "focus",
    "top",
    "cover",
    "lack",
    "far",
    "type_gap",
    "length",
)
CHECKS = ("price", "date", "person", "request", "group")
TOP_SENTENCES = 3
LONG_QUESTION = 40  # words; "length" is the question's length over this, at most 1
MIN_WORDS = 5
_FOCUS = SENTENCE_FEATURES.index("focus")

# The kind of answer a question asks for, and what a sentence of that kind holds.
_ASKS = {
    "number": re.compile(
        r"\bhow (much|many)\b|\b(costs?|price[sd]?|pay|percent(age)?|dos(e|age)|mg|"
        r"milligrams?|statistics?)\b",
        re.I,
    ),
    "date": re.compile(
        r"\b(what|which) year\b|\bwhen (was|were) (it|this|that|they|the)\b|\b(published|dated?)\b",
        re.I,
    ),
    "author": re.compile(
        r"\bwho (wrote|writes|authored|published|created|made)\b|\b(author|writer)s?\b", re.I
    ),
}
_HOLDS = {
    "number": re.compile(
        r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|"
        r"forty|fifty|hundred|thousand|half|dozen|percent)\b",
        re.I,
    ),
    "date": re.compile(
        r"\b(1[89]\d\d|20\d\d)\b|\b(january|february|march|april|june|july|august|september|"
        r"october|november|december)\b",
        re.I,
    ),
    "author": re.compile(r"\b(by|wrote|written|author)\b\s+(Dr\.?\s+)?[A-Z][a-z]+"),
}

# The checks: what asks for that kind of answer, and what a sentence of that kind holds. The
# date and person patterns are wider than `_ASKS`'s date and author ones on purpose: widened
# there, in the regression's `type_gap`, they held out worse (docs/answering.md).
_DEMANDS = {
    "price": (
        re.compile(r"\b(cost|costs|costing|price|prices|priced|pricing|expensive)\b(?!-)", re.I),
        re.compile(
            r"[$£€¥]|\b(costs?|costly|price[sd]?|pricing|expensive|cheap\w*|afford\w*|"
            r"insurance|insured|free|dollars?|pounds?|euros?|cents?|pence)\b",
            re.I,
        ),
    ),
    "date": (
        re.compile(
            r"\b(what|which) year\b|\bwhen (was|were|did)\b|\b(published|dated?)\b|"
            r"\byear\b.{0,30}\b(first|invented|discovered|developed|used)\b|"
            r"\b(first|invented|discovered|developed|used)\b.{0,30}\byear\b",
            re.I,
        ),
        _HOLDS["date"],
    ),
    "person": (
        re.compile(
            r"\bwho (first |originally )?(wrote|writes|authored|published|created|made|"
            r"discover\w*|invent\w*|describ\w*|came up with|develop\w*|founded|named|coined)\b|"
            r"\b(author|writer)s?\b|\bby whom\b",
            re.I,
        ),
        re.compile(
            r"\b(by|wrote|written|author|described|discovered|invented|developed|founded)\b\s+"
            r"((Dr|Prof|Professor|Sir)\.?\s+)?[A-Z][a-z]+|"
            r"\b[A-Z][a-z]+\s+(first\s+)?(described|discovered|invented|developed|founded|coined)\b"
        ),
    ),
    "request": (
        re.compile(
            r"^(please |can you |could you |would you )?((write|compose|draft|generate|create) "
            r"(me |us )?|make (me|us) )(a|an|some)\b|"
            r"\b(ignor\w*|disregard|forget) (\w+ ){0,2}(sources|articles|instructions|rules)\b|"
            r"\b(your|personal) opinion\b|\bpretend\b|\brole-?play\b|\bsystem prompt\b",
            re.I,
        ),
        re.compile(r"(?!)"),  # nothing holds it
    ),
}
# Groups of people a question may ask about: a missing word that names one is refused outright
# ("women" and "men" are left out: "pregnant women" is asked of articles that say "pregnancy").
_GROUP = re.compile(
    r"^(child|children|kids?|toddlers?|bab(y|ies)|infants?|teens?|teenagers?|adolescents?|"
    r"elderly|seniors?|pregnan\w*|\w+-year-olds?|athletes?|boys?|girls?|sons?|daughters?)$",
    re.I,
)


@dataclass(frozen=True)
class Verdict:
    answers: bool
    probability: float
    features: Mapping[str, float]
    # the question's words the articles lack that carry most of its meaning, weightiest first
    missing: tuple[str, ...] = ()
    kind: str = ""  # the kind of answer asked for that the evidence lacks, if any


# Sign-posting that says what an article will do rather than what is true.
_META = re.compile(
    r"^(in this (article|post|guide)|this (article|post)|we('ll| will) (explore|discuss|delve|"
    r"look|examine|cover)|let'?s|read on|in conclusion)\b",
    re.I,
)


def quotable(sentence: Passage) -> bool:
    """Sentences that state something: not lead-ins ("These include:"), not short or
    rhetorical questions, not sign-posting ("In this article, we'll ...")."""
    text = sentence.text.rstrip()
    n = len(text.split())
    if n < MIN_WORDS or text.endswith(":") or _META.match(text.replace("’", "'")):
        return False
    return not (text.endswith("?") and n < 12)


def asked_kind(question: str) -> str:
    return next((k for k, p in _ASKS.items() if p.search(question)), "")


def features(evidence: Evidence) -> tuple[dict[str, float], str]:
    """The signals of `FEATURES`, and the kind of answer asked for that the evidence lacks."""
    best = [s for s in evidence.sentences if quotable(s.sentence)]
    top = best[:TOP_SENTENCES]
    total = sum(w for _, w in evidence.terms) or 1.0
    held = set()
    for s in top:
        p = s.sentence
        held |= set(content_stems(f"{p.title} {p.heading} {p.text}"))
    words_asked = max(1, len(evidence.terms))
    kind = asked_kind(evidence.query)
    gap = kind if kind and not any(_HOLDS[kind].search(s.sentence.text) for s in top) else ""
    f = {
        "sim": max((s.similarity for s in best), default=0.0),
        "focus": max((s.features[_FOCUS] for s in best if s.features), default=0.0),
        "top": best[0].score if best else 0.0,
        "cover": sum(w for stem, w in evidence.terms if stem in held) / total,
        "lack": min(1.0, len(evidence.missing) / words_asked),
        "far": max((1.0 - c for c in evidence.closeness), default=0.0),
        "type_gap": float(bool(gap)),
        "length": min(1.0, len(evidence.query.split()) / LONG_QUESTION),
    }
    return f, gap


def unheld(question: str, best: list[ScoredSentence], use: frozenset[str]) -> str:
    """The first kind of answer among the checks in `use` that the question asks for and none
    of `best` holds, or ""."""
    for kind, (asks, holds) in _DEMANDS.items():
        if kind not in use or not asks.search(question):
            continue
        if not any(holds.search(s.sentence.text) for s in best):
            return kind
    return ""


def signals(
    evidence: Evidence, use: frozenset[str] = frozenset(FEATURES)
) -> tuple[dict[str, float], str]:
    """`features`, with those not in `use` counted 0 and no missing kind of answer named when
    "type_gap" is off (for the held-out report's with/without comparisons)."""
    f, gap = features(evidence)
    return {k: (v if k in use else 0.0) for k, v in f.items()}, gap if "type_gap" in use else ""


def judge(
    evidence: Evidence,
    weights: Mapping[str, float],
    threshold: float,
    use: frozenset[str] = frozenset(FEATURES),
) -> Verdict:
    """Whether to answer: the probability from `weights` on `signals` at least `threshold`."""
    f, gap = signals(evidence, use)
    best = [s for s in evidence.sentences if quotable(s.sentence)][:TOP_SENTENCES]
    p = logistic(f, weights) if best else 0.0
    lacking = unheld(evidence.query, best, use)
    if lacking:
        p, gap = 0.0, lacking
    # The words to name: those carrying at least half as much of the question's meaning as
    # the weightiest ("magnesium" in "Which magnesium brand should I buy?", not "buy").
    top = max(evidence.weight, default=0.0)
    order = sorted(
        (-w, m) for w, m in zip(evidence.weight, evidence.missing, strict=True) if w >= top / 2
    )
    missing = tuple(w for _, w in order)
    groups = absent_groups(evidence) if "group" in use else ()
    if groups:  # named first, whatever meaning they carry
        p, missing = 0.0, groups + tuple(w for w in missing if w not in groups)
    return Verdict(
        answers=p >= threshold,
        probability=p,
        features=f,
        missing=missing,
        kind=gap,
    )


def absent_groups(evidence: Evidence) -> tuple[str, ...]:
    """The question's words the documents found never use that name a group of people."""
    return tuple(w for w in evidence.missing if _GROUP.match(w) and w not in evidence.mentioned)
