"""Both embedding backends, the real packaged model."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.embedding import Embedder, default_backend, export_dir
from assistant.errors import AssistantError

TEXTS = [
    "Why do leg cramps happen at night?",
    "Deep tissue massage: Focuses on targeting deeper layers of muscles and connective tissue.",
    "charley horse",
    "x",
]


@pytest.fixture(scope="module")
def torch_embedder() -> Embedder:
    return Embedder(backend="torch")


@pytest.mark.unit
def test_set_up_exported_onnx_and_it_is_the_default() -> None:
    assert (export_dir() / "model.onnx").is_file()
    assert default_backend() == "onnx"


@pytest.mark.integration
def test_onnx_gives_the_same_vectors_as_sentence_transformers(torch_embedder: Embedder) -> None:
    reference = np.array(torch_embedder.encode(TEXTS))
    onnx = np.array(Embedder(backend="onnx").encode(TEXTS))
    assert onnx.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)
    assert np.abs(onnx - reference).max() < 1e-4


@pytest.mark.integration
def test_int8_is_close_but_not_equal(torch_embedder: Embedder) -> None:
    reference = np.array(torch_embedder.encode(TEXTS))
    int8 = np.array(Embedder(backend="onnx-int8").encode(TEXTS))
    cosines = (int8 * reference).sum(axis=1)
    assert cosines.min() > 0.85


@pytest.mark.integration
def test_batches_and_progress(torch_embedder: Embedder) -> None:
    e = Embedder(batch_size=2, backend="onnx")
    seen: list[int] = []
    vectors = e.encode(TEXTS, progress=seen.append)
    assert seen == [2, 2] and len(vectors) == 4
    assert e.encode_query(TEXTS[0]) == pytest.approx(vectors[0], abs=1e-6)


@pytest.mark.integration
def test_queries_encoded_together_match_one_at_a_time() -> None:
    e = Embedder(backend="onnx")
    together = e.encode_queries(TEXTS[:3])
    assert len(together) == 3
    for text, vector in zip(TEXTS[:3], together, strict=True):
        assert vector == pytest.approx(e.encode_query(text), abs=1e-5)


@pytest.mark.unit
def test_unknown_backend_is_a_clear_error() -> None:
    with pytest.raises(AssistantError, match="ASSISTANT_BACKEND"):
        Embedder(backend="gpu")
