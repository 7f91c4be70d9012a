"""The query's vectors, and the words of it the articles lack, judged by meaning.

Does: encode the question and its focus (the question without the collection's topic phrase) in
one model call (`encode_question`); then (`weigh_missing`) find the question's words the
articles lack (the whole collection's, or the documents a search found), take each one's vector
(kept for the collection's words, else encoded), and tell how close each comes to a word the
articles use (`closest_words`) and how much of the question's meaning the rarest one carries
(the question encoded without it: one text, as weighing more words held out no better). A
missing word with an articles' word at least `EXPAND_SIMILARITY` close is searched for with
that word too ("beers" -> alcohol): lay terms found by meaning, not from a list. When the
documents found have a topic phrase of their own, the question without it is encoded in that
same call.
Does not: search (retriever.py) or decide anything from the missing words (answerability.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assistant.embedding import Embedder
from assistant.store.lexical import Lexical
from assistant.text import STOPWORDS, content_stems, english_ranks, words
from assistant.types import Query

EXPAND_SIMILARITY = 0.7  # a missing word is also searched as the corpus word this close
MAX_MISSING = 4  # words the articles lack that are weighed in meaning, the rarest first
MAX_WEIGHED = 1  # of those, how many are also weighed by the question without them (held out)


@dataclass(frozen=True)
class Question:
    """The question's vectors."""

    vector: list[float]  # the question
    focus: list[float]  # the question without its topic phrase, else the same as vector
    rest: str | None  # the question without its topic phrase, if it has one


@dataclass(frozen=True)
class Missing:
    """The question's words the articles lack, and what they tell."""

    words: tuple[str, ...]
    closeness: tuple[float, ...]  # each one's best cosine to a word the articles use
    weight: tuple[float, ...]  # how much of the question's meaning each one carries
    near: tuple[str, ...]  # the articles' words close enough to search for too
    # the missing words a found document uses, only not with the question's other words
    mentioned: tuple[str, ...] = ()


def encode_question(query: Query, lexical: Lexical, embedder: Embedder) -> Question:
    """The question and its focus, in one model call."""
    rest = lexical.without_topic(query.searched_for)
    texts = [query.searched_for] if rest is None else [query.searched_for, rest]
    vectors = embedder.encode_queries(texts)
    return Question(vectors[0], vectors[-1], rest)


def weigh_missing(
    query: Query,
    question: Question,
    lexical: Lexical,
    embedder: Embedder,
    word_vectors: Any,
    within: list[int] | None = None,
    refocus: str | None = None,
    asked: Sequence[str] = (),
) -> tuple[Missing, list[float] | None]:
    """The question's words that the articles (or, given `within`, the documents the search
    found) never use, the `MAX_MISSING` rarest in English; how close each comes to a word
    those documents use, and how much of the question the `MAX_WEIGHED` rarest carry (0 for
    the others). `word_vectors` are the vectors of `lexical.meaning_words`. With `refocus`
    (the question without the topic phrase of the documents found), its vector too, encoded
    in the same model call as the question without its rarest missing word. With `asked`
    (the question's stems), a found document counts as using a word only if it also uses
    half of the question's other stems that the found documents use (`Lexical.covers`)."""
    import numpy as np

    missing = [
        w
        for w in dict.fromkeys(words(query.searched_for))
        if w not in STOPWORDS
        and w not in query.explained
        and not w.isdigit()
        and len(w) > 2
        and not lexical.covers(w, within, asked)
    ]
    ranks = english_ranks()
    missing = sorted(missing, key=lambda w: -ranks.get(w, len(ranks)))[:MAX_MISSING]
    if not missing:
        focus = embedder.encode_queries([refocus])[0] if refocus is not None else None
        return Missing((), (), (), ()), focus
    # A missing word the collection uses elsewhere has its vector already (word_vectors);
    # the others are encoded together, apart from the longer question-without-word texts
    # (one batch pads every text to its longest).
    known = lexical.meaning_index()
    new = [w for w in missing if w not in known or word_vectors is None]
    encoded = dict(zip(new, embedder.encode_queries(new), strict=True)) if new else {}
    missing_vectors = [
        encoded[w] if w in encoded else np.asarray(word_vectors[known[w]]) for w in missing
    ]
    weighed = missing[:MAX_WEIGHED]
    texts = [_without(query.searched_for, w) for w in weighed]
    vectors = embedder.encode_queries(texts + ([refocus] if refocus is not None else []))
    without_vectors = vectors[: len(texts)]
    names, pool = lexical.meaning_words, word_vectors
    if within is not None and word_vectors is not None:
        held = lexical.words_within(within)
        names, pool = [names[i] for i in held], np.asarray(word_vectors)[held]
    closeness, nearest = closest_words(missing_vectors, pool, names)
    near = [  # (a form of the word itself is no other word to search for)
        n
        for c, n, w in zip(closeness, nearest, missing, strict=True)
        if c >= EXPAND_SIMILARITY and content_stems(n) != content_stems(w)
    ]
    found = Missing(
        words=tuple(missing),
        closeness=closeness,
        weight=tuple(1.0 - float(np.dot(question.vector, v)) for v in without_vectors)
        + (0.0,) * (len(missing) - len(weighed)),
        near=tuple(dict.fromkeys(near)),
        mentioned=tuple(w for w in missing if asked and lexical.covers(w, within)),
    )
    return found, (vectors[-1] if refocus is not None else None)


def _without(text: str, word: str) -> str:
    """The text with every occurrence of the word taken out."""
    return " ".join(re.sub(rf"(?i)\b{re.escape(word)}\b", " ", text).split())


def closest_words(
    missing: list[list[float]], corpus_vectors: Any, corpus_words: list[str]
) -> tuple[tuple[float, ...], tuple[str, ...]]:
    """Each missing word's best cosine to a word of the corpus, and that word."""
    if not missing or corpus_vectors is None or not len(corpus_vectors):
        return tuple(0.0 for _ in missing), tuple("" for _ in missing)
    import numpy as np

    sims = np.asarray(missing) @ np.asarray(corpus_vectors).T
    best = sims.argmax(axis=1)
    return (
        tuple(float(sims[i, j]) for i, j in enumerate(best)),
        tuple(corpus_words[j] for j in best),
    )
