"""Text helpers shared by the query, retrieval and answer stages: tokens, stems, cue words.

Does: split text into lower-case words, drop stopwords, stem with Snowball (PyStemmer), and
tell whether a sentence reads like a cause, a treatment or a contrast.
Does not: load anything heavy (PyStemmer is a small C extension).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
# English function words and question scaffolding: they say nothing about the topic.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours
    yourself yourselves tell explain describe please know anything something get got way ways
    thing things really much many say says said article articles what's it's i'm i've
    i'd don't doesn't didn't can't won't isn't aren't wasn't there's that's""".split()
)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Lower-cased word tokens (letters and digits), apostrophes kept inside words."""
    return _TOKEN.findall(text.lower().replace("’", "'"))


def content_stems(text: str) -> list[str]:
    """Stems of the words that carry meaning (stopwords dropped)."""
    kept = [w for w in words(text) if w not in STOPWORDS and len(w) > 1]
    return _stemmer().stemWords(kept) if kept else []


# Words that mark a sentence as the kind of answer a question asks for (classic question
# answering's "answer type"): causes for why-questions, advice for how-to questions, a
# contrast for differences, a duration for how-long, a body part for where.
_CUES = {
    "cause": re.compile(
        r"\b(caus\w*|because|due to|lead\w* to|result\w*|risk\w*|connected|linked|trigger\w*|"
        r"responsible|reasons?)\b",
        re.I,
    ),
    "treatment": re.compile(
        r"\b(should|try|help\w*|reliev\w*|relief|alleviat\w*|reduc\w*|improv\w*|treat\w*|"
        r"eas(e|es|ing)|prevent\w*|get rid)\b",
        re.I,
    ),
    "difference": re.compile(
        r"\b(differen\w*|differ|while|whereas|unlike|both|in common|only thing)\b", re.I
    ),
    "duration": re.compile(
        r"\b(\d+|few|several|many)\s+(seconds?|minutes?|hours?|days?|weeks?|months?)\b|"
        r"\b(seconds?|minutes?|an hour)\b",
        re.I,
    ),
    "kinds": re.compile(r"^[^:.!?]{2,60}:\s"),  # a labelled list item: "Deep tissue massage: ..."
}


def cue_pattern(
    intent: str, cue_words: Mapping[str, Sequence[str]] | None = None
) -> re.Pattern | None:
    """The cue for an intent: general English for most; for the others ("place": which
    words name a place depends on the topic, body parts or rooms or countries) the
    collection's own words (`cue_words`, from its profile), or None when it has none."""
    if intent in _CUES:
        return _CUES[intent]
    words = tuple(w for w in (cue_words or {}).get(intent, ()) if w.strip())
    return _words_pattern(words) if words else None


@lru_cache(maxsize=32)
def _words_pattern(words: tuple[str, ...]) -> re.Pattern:
    alternatives = "|".join(re.escape(w.strip()) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"\b({alternatives})\b", re.I)


def cue_score(sentence: str, cue: re.Pattern | None) -> float:
    """1.0 when the sentence carries the question's cue (see `cue_pattern`), else 0.0."""
    return 1.0 if cue is not None and cue.search(sentence) else 0.0


@lru_cache(maxsize=1)
def english_ranks() -> dict[str, int]:
    """~83k English words by frequency rank (0 = most common), from the list that ships with
    symspellpy (Google Books counts). Loads in well under 0.1 s, on first use."""
    path = resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"
    lines = path.read_text("utf-8").splitlines()
    return {line.split(" ", 1)[0]: rank for rank, line in enumerate(lines)}


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def escape(text: str) -> str:
    """Text shown inside markdown as plain text: no markup, links or [n]-like brackets."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))
