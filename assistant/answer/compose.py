"""Answer stage: from ranked evidence to a short, fully quoted answer, or an honest refusal.

Does: ask answerability.py whether the evidence answers the question, and when it does not,
say what the articles lack (a word of the question they never use, or the kind of answer
asked for) and which article comes nearest, by title; otherwise pick the sentences to quote
(the best one, then others scoring at least `MIN_SHARE` of it, at most `MAX_QUOTES`,
near-duplicates merged, neighbouring sentences of one passage joined); write a markdown
answer where every statement is a quote followed by its [n]; end it with the note it is
given (the collection's safety note, the assistant's own words, never a citation).
Does not: paraphrase, summarise or add any claim of its own. No language model is involved.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.answer import answerability
from assistant.answer.answerability import Verdict, quotable
from assistant.text import content_stems, cue_score, escape
from assistant.types import Answer, Citation, Evidence, Passage, ScoredSentence
from assistant.weights import Weights

# Sentence scores are probabilities (scoring.py). Other quotes must score at least this share
# of the best one's (a held-out grid, README "Evaluation": 0.5 -> 0.25 gained 0.04 hit@3,
# lower gained nothing more).
MIN_SHARE = 0.25
MAX_QUOTES = 4
# An answered question's missing word is noted when it carries this much of the question's
# meaning (1 - the cosine of the question with and without it); wording only, no decision.
NOTE_WEIGHT = 0.1
MAX_QUOTE_CHARS = 400
MAX_QUOTE_SENTENCES = 2  # neighbouring sentences joined into one quote, at most
# Questions whose answer must hold a certain kind of word (text.cue_score): where, how long.
ANSWER_TYPES = ("place", "duration")

REFUSAL = "The articles don't cover this, so I can't answer it from them."
REQUEST = (
    "The articles don't cover this, so I can't answer it from them: I only answer questions "
    "about the articles, with quotes from them, and can't write, pretend or set them aside."
)
KIND_WORDS = {
    "number": "a figure",
    "date": "a date",
    "author": "an author",
    "price": "a price",
    "person": "a name",
}
# The rules below that change an answer, each switchable so the held-out report can show its
# effect (`python -m tools eval --without RULE`); answerability's signals count too.
RULES = frozenset({"type_lead", *answerability.FEATURES, *answerability.CHECKS})


@dataclass
class _Quote:
    passage_id: str
    parts: list[Passage]
    score: float

    @property
    def start(self) -> int:
        return self.parts[0].start

    @property
    def end(self) -> int:
        return self.parts[-1].end

    @property
    def source(self) -> str:
        return self.parts[0].source


def _lead(
    evidence: Evidence, ranked: list[ScoredSentence], rules: frozenset[str]
) -> list[ScoredSentence]:
    """The ranked sentences, with the first that has the kind of answer asked for moved first
    when it scores at least `MIN_SHARE` of the best: for a where or how-long question, one
    that names a place (in the collection's own words) or a length of time (classic QA's
    answer type)."""
    if not ranked or "type_lead" not in rules or evidence.intent not in ANSWER_TYPES:
        return ranked
    if cue_score(ranked[0].sentence.text, evidence.cue) > 0:
        return ranked
    for s in ranked:
        if s.score < ranked[0].score * MIN_SHARE:
            break
        if cue_score(s.sentence.text, evidence.cue) > 0 and not s.sentence.text.rstrip().endswith(
            "?"
        ):
            return [s, *(r for r in ranked if r is not s)]
    return ranked


def _select(evidence: Evidence, rules: frozenset[str]) -> list[_Quote]:
    by_passage: dict[str, list[Passage]] = {}
    for s in sorted(evidence.sentences, key=lambda s: s.sentence.start):
        by_passage.setdefault(s.passage_id, []).append(s.sentence)
    ranked = _lead(evidence, [s for s in evidence.sentences if quotable(s.sentence)], rules)
    if not ranked:
        return []
    best = ranked[0].score
    chosen: list[_Quote] = []
    seen_stems: list[set[str]] = []

    def take(s: ScoredSentence) -> None:
        stems = set(content_stems(s.sentence.text))
        if any(len(stems & other) / max(1, len(stems | other)) > 0.8 for other in seen_stems):
            return  # a near-duplicate of a quote already taken
        for q in chosen:  # joins a neighbouring sentence already quoted
            siblings = by_passage[q.passage_id]
            if (
                q.passage_id == s.passage_id
                and len(q.parts) < MAX_QUOTE_SENTENCES
                and _adjacent(siblings, q, s.sentence)
            ):
                merged = sorted([*q.parts, s.sentence], key=lambda p: p.start)
                if merged[-1].end - merged[0].start <= MAX_QUOTE_CHARS:
                    q.parts = merged
                    seen_stems.append(stems)
                    return
        chosen.append(_Quote(s.passage_id, [s.sentence], s.score))
        seen_stems.append(stems)

    for s in ranked:
        if len(chosen) >= MAX_QUOTES or s.score < best * MIN_SHARE:
            break
        if not any(q.start <= s.sentence.start and s.sentence.end <= q.end for q in chosen):
            take(s)
    return chosen


def _adjacent(siblings: list[Passage], quote: _Quote, sentence: Passage) -> bool:
    starts = [p.start for p in siblings]
    try:
        lo, hi = starts.index(quote.start), starts.index(quote.parts[-1].start)
        k = starts.index(sentence.start)
    except ValueError:
        return False
    return k in (lo - 1, hi + 1)


def compose(
    question: str,
    searched_for: str,
    evidence: Evidence | None,
    weights: Weights,
    rules: frozenset[str] = RULES,
    note: str = "",
) -> Answer:
    """The answer for one question from its evidence (refusing when it does not answer);
    `note` is the assistant's own note to end it with (the collection's safety note)."""
    verdict = None
    if evidence is not None:
        verdict = answerability.judge(
            evidence,
            weights.answer,
            weights.answer_threshold,
            rules & frozenset((*answerability.FEATURES, *answerability.CHECKS)),
        )
    quotes = _select(evidence, rules) if evidence and verdict and verdict.answers else []
    if not quotes:
        text = refusal(verdict, evidence) + (f"\n\n{note}" if note else "")
        return Answer(question, text, True, searched_for, (), note=note)
    absent = _weighty(evidence, verdict.missing) if verdict else ()
    absent = tuple(w for w in absent if w not in evidence.mentioned)
    if absent:  # answered, but part of the question is not in the articles: say so
        words = ", ".join(f"*{escape(w)}*" for w in absent)
        lacking = f"**Assistant's note:** the articles don't mention {words}."
        note = f"{lacking}\n\n{note}" if note else lacking
    citations = []
    for n, q in enumerate(quotes, start=1):
        first = q.parts[0]
        text = _span_text(q, evidence)
        citations.append(
            Citation(
                n,
                first.source,
                first.title,
                first.heading,
                text,
                q.start,
                q.end,
                q.score,
                first.text_file,
                first.page,
                first.url,
            )
        )
    body = _markdown(citations, note)
    return Answer(question, body, False, searched_for, tuple(citations), note=note)


def _weighty(evidence: Evidence, words: tuple[str, ...]) -> tuple[str, ...]:
    """Those of `words` that carry at least `NOTE_WEIGHT` of the question's meaning: worth a
    note when the question is answered anyway ("kids", not "exactly")."""
    weight = dict(zip(evidence.missing, evidence.weight, strict=True))
    return tuple(w for w in words if weight.get(w, 0.0) >= NOTE_WEIGHT)


def refusal(verdict: Verdict | None, evidence: Evidence | None) -> str:
    """What to say instead of an answer: what the articles lack when that can be named (a word
    of the question they never use, or the kind of answer asked for), and then which article
    comes closest, by title, never by quote."""
    if verdict is None or evidence is None:
        return REFUSAL
    if verdict.kind == "request":
        return REQUEST
    unsaid = [w for w in verdict.missing[:3] if w not in evidence.mentioned]
    if unsaid:
        names = ", ".join(f"*{escape(w)}*" for w in unsaid)
        text = f"The articles don't mention {names}, so I can't answer this from them."
    elif verdict.missing:  # they use the words, only not about the rest of the question
        names = ", ".join(f"*{escape(w)}*" for w in verdict.missing[:3])
        text = f"The articles mention {names}, but not in a way that answers this."
    elif verdict.kind:
        text = f"The articles don't give {KIND_WORDS[verdict.kind]} for this, so I can't answer it."
    else:
        return REFUSAL
    best = [s for s in evidence.sentences if quotable(s.sentence)][:2]
    titles = dict.fromkeys(f"*{escape(s.sentence.title)}*" for s in best if s.sentence.title)
    if titles and verdict.features.get("cover", 0.0) > 0:
        text += f" The nearest they come is {' and '.join(titles)}, on other parts of the topic."
    return text


def _span_text(q: _Quote, evidence: Evidence) -> str:
    """The file's own text from the quote's first sentence to its last (its passage holds it)."""
    passage = next(h.passage for h in evidence.passages if h.id == q.passage_id)
    return passage.text[q.start - passage.start : q.end - passage.start]


def _markdown(citations: list[Citation], note: str) -> str:
    lead = citations[0]
    lines = [f"According to *{escape(lead.title)}*, “{escape(lead.quote)}” [{lead.n}]"]
    rest = citations[1:]
    if rest:
        lines.append("")
        lines.append("The articles also say:")
        for c in rest:
            who = "" if c.source == lead.source else f"*{escape(c.title)}*: "
            lines.append(f"- {who}“{escape(c.quote)}” [{c.n}]")
    if note:
        lines += ["", note]
    return "\n".join(lines)
