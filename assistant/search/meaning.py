"""The query's vectors, and the words of it the articles lack, judged by meaning.

Does: encode, in one model call, the question, its focus (the question without its topic
phrase), each word the articles lack (the `MAX_MISSING` rarest in English) and the question
without each of those words; from that, tell how close each missing word comes to a word the
articles use (`closest_words`) and how much of the question's meaning it carries. A missing
word with a corpus word at least `EXPAND_SIMILARITY` close is searched for with that word too
("beers" -> alcohol): lay terms found by meaning, not from a list.
Does not: search (retriever.py) or decide anything from the missing words (answerability.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.embedding import Embedder
from assistant.store.lexical import Lexical
from assistant.text import STOPWORDS, english_ranks, words
from assistant.types import Query

EXPAND_SIMILARITY = 0.7  # a missing word is also searched as the corpus word this close
MAX_MISSING = 4  # words the articles lack that are weighed in meaning, the rarest first


@dataclass(frozen=True)
class Encoded:
    """A query's vectors and its missing words."""

    vector: list[float]  # the question (with any near words of missing ones added)
    focus: list[float]  # the question without its topic phrase, else the same as vector
    searched: str  # what was searched
    missing: tuple[str, ...]
    closeness: tuple[float, ...]
    weight: tuple[float, ...]


def encode(
    query: Query,
    lexical: Lexical,
    embedder: Embedder,
    word_vectors: Any,
    expand: bool = True,
) -> Encoded:
    """The question's vectors and what they tell about its missing words; `word_vectors` are
    the vectors of `lexical.meaning_words`; `expand`: search near corpus words too."""
    import numpy as np

    rest = lexical.without_topic(query.searched_for)
    missing = [
        w
        for w in dict.fromkeys(words(query.searched_for))
        if w not in STOPWORDS
        and w not in query.explained
        and not w.isdigit()
        and len(w) > 2
        and not lexical.covers(w)
    ]
    ranks = english_ranks()
    missing = sorted(missing, key=lambda w: -ranks.get(w, len(ranks)))[:MAX_MISSING]
    texts = [query.searched_for] if rest is None else [query.searched_for, rest]
    without = [_without(query.searched_for, w) for w in missing]
    vectors = embedder.encode_queries([*texts, *missing, *without])
    k = len(texts)
    vector, focus = vectors[0], vectors[k - 1]
    missing_vectors, without_vectors = vectors[k : k + len(missing)], vectors[k + len(missing) :]
    closeness, nearest = closest_words(missing_vectors, word_vectors, lexical.meaning_words)
    added = [w for c, w in zip(closeness, nearest, strict=True) if c >= EXPAND_SIMILARITY]
    searched = query.searched_for
    if added and expand:
        searched = f"{searched.rstrip()} ({' '.join(dict.fromkeys(added))})"
        vector = embedder.encode_query(searched)
        focus = vector if rest is None else focus
    return Encoded(
        vector=vector,
        focus=focus,
        searched=searched,
        missing=tuple(missing),
        closeness=closeness,
        weight=tuple(1.0 - float(np.dot(vectors[0], v)) for v in without_vectors),
    )


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
