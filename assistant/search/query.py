"""Query stage: from what a person typed (and the conversation so far) to what is searched.

Does: tidy the text; resolve a follow-up ("and does heat help with that?") against the
previous question; correct misspelt words against the corpus vocabulary ("crampz" -> "cramps",
"nite" -> "night") when they are not English words at all; add the articles' words after lay
terms ("charley horse" -> "leg cramp", from the collection's own .collection/lay_terms.txt,
if it has one); and tell the question's intent
(asking for causes, for ways to treat, or for a difference) so sentence ranking can prefer
sentences of that kind.
Does not: search, or invent words the corpus does not have.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from assistant.text import STOPWORDS, cue_pattern, english_ranks, words
from assistant.types import Query

# Control and format characters, bidirectional overrides, and lone surrogates (which no file or
# terminal can hold) are dropped from questions.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff"
    r"\ud800-\udfff]"
)
_SPACES = re.compile(r"\s+")


def tidy(text: str) -> str:
    """NFC, control and zero-width characters removed, whitespace collapsed."""
    text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()


# --- follow-ups ----------------------------------------------------------------------------


def topic(question: str) -> list[str]:
    """The content words of a question, in order, each once ("leg", "cramps", "night")."""
    return list(dict.fromkeys(w for w in words(question) if w not in STOPWORDS and len(w) > 1))


def resolve(question: str, history: Sequence[str]) -> str:
    """The question with the content words of the question before it that it leaves out, so
    it can be searched on its own: "Does it hurt?" after "What is shockwave therapy?" is
    searched as "Does it hurt (shockwave therapy)?". A question that already holds every
    content word of the one before stands as it is. (Resolving only questions that look like
    follow-ups, by pronouns or an opening "and", and dropping the earlier subject when a
    follow-up names a new one, both held out worse: README "Evaluation".)"""
    if not history:
        return question
    own = set(topic(question))
    before = [w for w in topic(history[-1]) if w not in own]
    if not before:
        return question
    return f"{question.rstrip(' ?.!')} ({' '.join(before)})?"


# --- spelling ------------------------------------------------------------------------------


_INDEX: list[tuple[Collection[str], dict[str, list[str]]]] = []  # the last vocabulary's


def _by_initial(vocabulary: Collection[str]) -> dict[str, list[str]]:
    """The vocabulary's words by first letter, kept for the vocabulary last asked about (one
    corpus is served at a time; a new index brings a new vocabulary object)."""
    last = _INDEX[0] if _INDEX else None
    if last is not None and last[0] is vocabulary:
        return last[1]
    index: dict[str, list[str]] = {}
    for word in sorted(vocabulary):
        index.setdefault(word[:1], []).append(word)
    _INDEX[:] = [(vocabulary, index)]
    return index


def correct(
    text: str, vocabulary: Collection[str], nearby: Callable[[], Mapping[str, int]] | None = None
) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Replace words that are neither in the corpus nor English with the closest corpus word
    (edit distance, or the same sound by Metaphone); among equally close ones a content word
    before a stopword (a misspelt word of four letters or more was meant to say something:
    "nite" -> "night", not "not"), then the one the best of the documents the question's
    other words find uses (`nearby()`: word -> that document's place, asked for only when a
    word needs correcting: "postur" is "posture" there, not a "poster" elsewhere), then
    the word the corpus uses most, if `vocabulary` maps words to counts. Returns the text and
    the changes."""
    import jellyfish

    counts: Mapping[str, int] = vocabulary if isinstance(vocabulary, Mapping) else {}
    changes: list[tuple[str, str]] = []
    near: list[Mapping[str, int]] = []

    def known(low: str) -> bool:
        return low in vocabulary or low in STOPWORDS or low in english_ranks()

    def fix(m: re.Match[str]) -> str:
        word, tail = m.group(1), m.group(2) or ""
        low = word.lower()
        if tail and known(low + tail.lower().replace("’", "'")):
            return word + tail  # "couldn't" is a word, though "couldn" is not
        if len(low) < 4 or known(low):
            return word + tail
        limit = 1 if len(low) <= 5 else 2
        if not near:
            near.append(nearby() if nearby is not None else {})
        sound = jellyfish.metaphone(low)
        best: tuple[bool, int, int, int, str] | None = None
        for cand in _by_initial(vocabulary).get(low[0], ()):
            if abs(len(cand) - len(low)) > 3:
                continue
            d = jellyfish.damerau_levenshtein_distance(low, cand)
            same = jellyfish.metaphone(cand) == sound
            close = d <= limit or (d <= 3 and same)
            place = near[0].get(cand, len(near[0]) + 1)
            rank = (cand in STOPWORDS, d - same, place, -counts.get(cand, 0), cand)
            if close and (best is None or rank < best):
                best = rank
        if best is None:
            return word + tail
        changes.append((word, best[-1]))
        return best[-1] + tail

    fixed = re.sub(r"([A-Za-z]+)((?:['’][A-Za-z]+)*)", fix, text)
    return fixed, tuple(changes)


# --- lay terms -------------------------------------------------------------------------


LAY_TERMS = Path(".collection") / "lay_terms.txt"  # inside a corpus folder, never ingested
Glossary = tuple[tuple[re.Pattern[str], str, frozenset[str]], ...]


def lay_terms(corpus_dir: Path) -> Glossary:
    """(pattern of the lay phrases, the articles' words, the lay words) per line of the
    collection's glossary, `<corpus>/.collection/lay_terms.txt`; none when it has none.
    Lines: `lay term | another way to say it => words the articles use`. Read again when the
    file changes."""
    path = corpus_dir / LAY_TERMS
    try:
        changed = path.stat().st_mtime_ns
    except OSError:
        return ()
    return _glossary(path, changed)


@lru_cache(maxsize=8)
def _glossary(path: Path, changed: int) -> Glossary:
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return ()
    entries = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#") or "=>" not in line:
            continue
        left, right = line.split("=>", 1)
        phrases = [p.strip().lower() for p in left.split("|") if p.strip()]
        if not phrases or not right.strip():
            continue
        alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
        pattern = re.compile(rf"\b(?:{alternatives})\b", re.I)
        entries.append((pattern, right.strip(), frozenset(w for p in phrases for w in words(p))))
    return tuple(entries)


def expand(text: str, glossary: Glossary) -> tuple[str, frozenset[str]]:
    """The text with the articles' words added after each lay term, and the lay words."""
    added: list[str] = []
    explained: set[str] = set()
    for pattern, target, lay_words in glossary:
        if pattern.search(text) and target not in added:
            added.append(target)
            explained |= lay_words
    if not added:
        return text, frozenset()
    return f"{text.rstrip()} ({'; '.join(added)})", frozenset(explained)


# --- intent --------------------------------------------------------------------------------
_CAUSE_Q = re.compile(
    r"\b(why|cause[sd]?|causing|reason|risk|trigger|lead to|because|linked)\b", re.I
)
_TREAT_Q = re.compile(
    r"\b(how (do|can|should|to)|treat|relieve|relief|help|ease|stop|prevent|get rid|remedy|"
    r"what (should|can) i do|cure|soothe)\b",
    re.I,
)
_DIFF_Q = re.compile(r"\b(differ|difference|different|compare|versus|vs\.?|distinguish)\b", re.I)


_DURATION_Q = re.compile(r"\b(how long|how much time|for how long|last(s|ing)? long)\b", re.I)
_KINDS_Q = re.compile(
    r"\b(what|which) (kinds?|types?|sorts?|forms?|techniques|methods|conditions|causes)\b|"
    r"\bexamples? of\b",
    re.I,
)
_PLACE_Q = re.compile(r"\b(where|which (part|parts|muscle|muscles)|what (part|parts))\b", re.I)


def intent(question: str) -> str:
    """The kind of answer asked for: "duration", "kinds" (a list), "place", "difference",
    "cause", "treatment", or "" when the question does not say."""
    if _DURATION_Q.search(question):
        return "duration"
    if _KINDS_Q.search(question):
        return "kinds"
    if _PLACE_Q.search(question):
        return "place"
    if _DIFF_Q.search(question):
        return "difference"
    if _CAUSE_Q.search(question):
        return "cause"
    if _TREAT_Q.search(question):
        return "treatment"
    return ""


def understand(
    question: str,
    history: Sequence[str],
    vocabulary: Collection[str],
    glossary: Glossary = (),
    spelling: bool = True,
    cue_words: Mapping[str, Sequence[str]] | None = None,
    nearby: Callable[[str], Mapping[str, int]] | None = None,
) -> Query:
    """The query for a question; `glossary` is the collection's lay terms (`lay_terms`);
    `cue_words` its words for answer kinds that depend on the topic (collection.Profile);
    `nearby` gives the words of the documents a text is about (spelling prefers them);
    `spelling` switches correction off for the held-out report's with/without comparisons."""
    asked = tidy(question)
    resolved = resolve(asked, [tidy(h) for h in history])
    near = (lambda: nearby(resolved)) if nearby is not None else None
    fixed, changes = correct(resolved, vocabulary, near) if spelling else (resolved, ())
    searched, explained = expand(fixed, glossary)
    return Query(
        question=asked,
        searched_for=searched,
        intent=intent(fixed),
        corrections=changes,
        explained=explained,
        cue=cue_pattern(intent(fixed), cue_words),
    )
