"""Answer stage: from ranked evidence to a short, fully quoted answer, or an honest refusal.

Does: decide whether the evidence answers the question (a similarity threshold calibrated on
the labelled questions in tests/eval, see `python -m assistant calibrate`); pick the sentences
to quote (the best one, then others close to it, at most `MAX_QUOTES`, near-duplicates merged,
neighbouring sentences of one passage joined); make sure a second article is quoted when it
speaks to the question about as well; write a markdown answer where every statement is a quote
followed by its [n]; add a fixed safety note (the assistant's own words, not a citation) when
the question describes warning signs.
Does not: paraphrase, summarise or add any claim of its own. No language model is involved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.documents import Passage
from assistant.retrieval import Evidence, ScoredSentence
from assistant.text import content_stems, cue_score, is_rare

# Refusal thresholds on the best quotable sentence's similarity, each the cut with the fewest
# errors on tests/eval/questions.jsonl (`python -m assistant calibrate`, README "Refusals").
MIN_SIMILARITY = 0.512
# A question with a rare word the articles never use ("quinine", "magnesium") needs a closer
# match: the articles may speak of cramps, but not of that.
MIN_SIMILARITY_WITH_MISSING = 0.587
# Once a question is answered, each further quote must still be on its topic.
QUOTE_MIN_SIMILARITY = 0.40
RARE_RANK = 5000
# Sentence scores are probabilities (retrieval.WEIGHTS). Other quotes must score at least this
# share of the best one's; a second article's best sentence is quoted at a lower share.
MIN_SHARE = 0.5
OTHER_ARTICLE_SHARE = 0.35
MAX_QUOTES = 4
MAX_QUOTE_CHARS = 400
MAX_QUOTE_SENTENCES = 2  # neighbouring sentences joined into one quote, at most
MIN_WORDS = 5
# Questions whose answer must hold a certain kind of word (text.cue_score): where, how long.
ANSWER_TYPES = ("place", "duration")

REFUSAL = "The articles don't cover this, so I can't answer it from them."

SAFETY_NOTE = (
    "**Assistant's note (not from the articles):** what you describe can be a sign of "
    "something that needs a clinician. Please see a doctor or nurse soon; seek urgent care "
    "if a calf is swollen, red or warm, or you have weakness or numbness."
)
_WARNING_SIGNS = re.compile(
    r"\b(swollen|swelling|swells?|"
    r"(calf|calves|leg|legs|skin|thigh|foot|feet)\W+(is|are|feels?|looks?|gets?|turned|went)?\W*"
    r"(red|warm|hot|tender|pale|blue|cold)|"
    r"red(ness)? and (warm|hot|swollen)|warm to (the )?touch|hot to (the )?touch|"
    r"numb(ness)?|weak(ness)?|tingl\w*|can'?t (walk|move)|"
    r"new (medicine|medication|drug|pill|prescription)s?|"
    r"(started|after|since) (taking|starting) \w+|"
    r"(won'?t|doesn'?t|don'?t|do not|does not|will not|never) "
    r"(go away|ease|stop|improve|get better)|"
    r"(for|lasting|lasts) (days|weeks)|chest pain|short(ness)? of breath|blood clots?|dvt)\b",
    re.I,
)
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


@dataclass(frozen=True)
class Citation:
    n: int
    source: str
    title: str
    heading: str
    quote: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    refused: bool
    searched_for: str
    citations: tuple[Citation, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    note: str = ""
    writer: str = "extractive"  # or the language model's name (writer.py)
    dropped_sentences: int = 0  # generated sentences the grounding check removed
    writer_error: str = ""  # why the language model was not used, when it was asked for


def has_warning_signs(question: str) -> bool:
    return bool(_WARNING_SIGNS.search(question))


def escape(text: str) -> str:
    """Text shown inside markdown as plain text: no markup, links or [n]-like brackets."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def missing_rare(evidence: Evidence) -> list[str]:
    """Rare words of the question that the corpus never uses."""
    return [w for w in evidence.missing if is_rare(w, RARE_RANK)]


# A question about what something does for cramps, or whether to take or use it.
_REMEDY_Q = re.compile(
    r"\b(help(s|ful)?|reliev\w*|relief|prevent\w*|stop\w*|treat\w*|cure\w*|eas(e|es|ing)|"
    r"safe|work(s|ing)?|good for|take|taking|dose|dosage|use|using|buy|recommend\w*)\b",
    re.I,
)


def asks_about_the_unmentioned(evidence: Evidence) -> list[str]:
    """Rare words of a remedy question ("Does magnesium help …?", "Is ibuprofen safe …?")
    that neither the articles nor any word like them use: the articles cannot say what a thing
    they never name does, however well the rest of the question matches."""
    if not _REMEDY_Q.search(evidence.query):
        return []
    return [w for w in missing_rare(evidence) if w in evidence.unrelated]


def answers_question(evidence: Evidence) -> bool:
    best = best_similarity(evidence)
    if asks_about_the_unmentioned(evidence):
        return False
    if missing_rare(evidence):
        return best >= MIN_SIMILARITY_WITH_MISSING
    return best >= MIN_SIMILARITY


def best_similarity(evidence: Evidence) -> float:
    quotable = [s.similarity for s in evidence.sentences if _quotable(s.sentence)]
    return max(quotable, default=-1.0)


# Sign-posting that says what an article will do rather than what is true.
_META = re.compile(
    r"^(in this (article|post|guide)|this (article|post)|we('ll| will) (explore|discuss|delve|"
    r"look|examine|cover)|let'?s|read on|in conclusion)\b",
    re.I,
)


def _quotable(sentence: Passage) -> bool:
    """Sentences that state something: not lead-ins ("These include:"), not short or
    rhetorical questions, not sign-posting ("In this article, we'll ...")."""
    text = sentence.text.rstrip()
    n = len(text.split())
    if n < MIN_WORDS or text.endswith(":") or _META.match(text.replace("’", "'")):
        return False
    return not (text.endswith("?") and n < 12)


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


# "Does stretching help …?", "Can a warm bath relieve …?": what the question asks about.
_SUBJECT_Q = re.compile(
    r"^\s*(?:does|do|can|could|will|would|is|are|should)\s+(.+?)\s+"
    r"(?:help\w*|reliev\w*|prevent\w*|stop\w*|eas(?:e|es|ing)|work\w*|cure\w*|treat\w*|"
    r"reduc\w*|improv\w*|good for|useful|get rid)\b",
    re.I,
)


def subject(question: str) -> set[str]:
    """The content stems of what a yes/no remedy question asks about, or none."""
    m = _SUBJECT_Q.match(question)
    return set(content_stems(m.group(1))) if m else set()


def _names(sentence: Passage) -> set[str]:
    """The content stems a sentence speaks of: its own, its section heading's, its title's."""
    return set(content_stems(f"{sentence.title} {sentence.heading} {sentence.text}"))


def _lead(evidence: Evidence, ranked: list[ScoredSentence]) -> list[ScoredSentence]:
    """The ranked sentences, with the one that has what the question asks for moved first
    when it scores at least `MIN_SHARE` of the best: for a yes/no question about a thing, a
    sentence that names it (or whose article or section does); for a where or how-long
    question, one that names a body part or a length of time (classic QA's answer type)."""
    about = subject(evidence.query)
    if not ranked or not (about or evidence.intent in ANSWER_TYPES):
        return ranked

    def fits(s: ScoredSentence) -> bool:
        if about:
            return about <= _names(s.sentence)
        return cue_score(s.sentence.text, evidence.intent) > 0

    if fits(ranked[0]):
        return ranked
    for s in ranked:
        if s.score < ranked[0].score * MIN_SHARE:
            break
        if fits(s) and not s.sentence.text.rstrip().endswith("?"):
            return [s, *(r for r in ranked if r is not s)]
    return ranked


def _select(evidence: Evidence) -> list[_Quote]:
    by_passage: dict[str, list[Passage]] = {}
    for s in sorted(evidence.sentences, key=lambda s: s.sentence.start):
        by_passage.setdefault(s.passage_id, []).append(s.sentence)
    ranked = _lead(evidence, [s for s in evidence.sentences if _quotable(s.sentence)])
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
        if s.similarity < QUOTE_MIN_SIMILARITY:
            continue  # every quote, not only the best, must be about the question
        if not any(q.start <= s.sentence.start and s.sentence.end <= q.end for q in chosen):
            take(s)
    sources = {q.source for q in chosen}
    for s in ranked:  # the best sentence of each other article, when nearly as good
        if s.sentence.source in sources or s.score < best * OTHER_ARTICLE_SHARE:
            continue
        if s.similarity >= QUOTE_MIN_SIMILARITY:
            if len(chosen) >= MAX_QUOTES:
                chosen.pop()  # the weakest quote makes room for the other article
            take(s)
            sources.add(s.sentence.source)
    return chosen


def _adjacent(siblings: list[Passage], quote: _Quote, sentence: Passage) -> bool:
    starts = [p.start for p in siblings]
    try:
        lo, hi = starts.index(quote.start), starts.index(quote.parts[-1].start)
        k = starts.index(sentence.start)
    except ValueError:
        return False
    return k in (lo - 1, hi + 1)


def compose(question: str, searched_for: str, evidence: Evidence | None) -> Answer:
    """The answer for one question from its evidence (refusing when it does not answer)."""
    note = SAFETY_NOTE if has_warning_signs(question) else ""
    quotes = _select(evidence) if evidence and answers_question(evidence) else []
    if not quotes:
        text = REFUSAL + (f"\n\n{note}" if note else "")
        return Answer(question, text, True, searched_for, (), note=note)
    absent = missing_rare(evidence)
    if absent:  # answered, but part of the question is not in the articles: say so
        words = ", ".join(f"*{escape(w)}*" for w in absent)
        lacking = f"**Assistant's note:** the articles don't mention {words}."
        note = f"{lacking}\n\n{note}" if note else lacking
    citations = []
    for n, q in enumerate(quotes, start=1):
        first = q.parts[0]
        text = _span_text(q, evidence)
        citations.append(
            Citation(n, first.source, first.title, first.heading, text, q.start, q.end, q.score)
        )
    body = _markdown(citations, note)
    return Answer(question, body, False, searched_for, tuple(citations), note=note)


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
