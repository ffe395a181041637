from typing import Literal

import numpy as np
from django.conf import settings

InputType = Literal["document", "query"]


RECENT_LIMIT = 512


class EmbeddingProvider:
    """Turns texts into unit vectors of settings.EMBEDDING_DIMENSIONS components."""

    model_name = ""
    # Components the model itself produces; vectors are zero-padded from there to EMBEDDING_DIMENSIONS.
    dimensions: int | None = None

    def __init__(self):
        self._recent: dict[tuple[str, str], list[float]] = {}

    def load(self) -> None:
        """Get ready to embed without embedding anything (a local model reads its weights; a remote API has
        nothing to load)."""

    def embed(self, texts: list[str], input_type: InputType = "document") -> list[list[float]]:
        if not texts:
            return []
        vectors = np.asarray(self._embed(list(texts), input_type), dtype=np.float32)
        return pad_to_dimensions(vectors).tolist()

    def embed_one(self, text: str, input_type: InputType = "query") -> list[float]:
        """One text's vector; recent ones are remembered (the same intake or query often comes back)."""
        key = (text, input_type)
        cached = self._recent.get(key)
        if cached is None:
            cached = self.embed([text], input_type)[0]
            if len(self._recent) >= RECENT_LIMIT:
                self._recent.pop(next(iter(self._recent)))
            self._recent[key] = cached
        return list(cached)

    def _embed(self, texts: list[str], input_type: InputType):
        raise NotImplementedError


def pad_to_dimensions(vectors: np.ndarray, dimensions: int | None = None) -> np.ndarray:
    dimensions = dimensions or settings.EMBEDDING_DIMENSIONS
    if vectors.ndim != 2 or vectors.shape[1] > dimensions:
        raise ValueError(f"Expected vectors of at most {dimensions} dimensions, got shape {vectors.shape}.")
    if vectors.shape[1] == dimensions:
        return vectors
    padded = np.zeros((vectors.shape[0], dimensions), dtype=np.float32)
    padded[:, : vectors.shape[1]] = vectors
    return padded


_embedder: EmbeddingProvider | None = None


def get_embedder() -> EmbeddingProvider:
    """EMBEDDING_PROVIDER=voyage, local, or auto (Voyage when a key is set, else the local model)."""
    global _embedder
    if _embedder is None:
        _embedder = build_embedder(settings.EMBEDDING_PROVIDER, settings.VOYAGE_API_KEY)
    return _embedder


def build_embedder(choice: str, api_key: str) -> EmbeddingProvider:
    if choice == "local" or (choice == "auto" and not api_key):
        from resolutionflow.ai.embeddings.local import LocalProvider

        return LocalProvider()
    if choice not in ("auto", "voyage"):
        raise ValueError(f"EMBEDDING_PROVIDER must be auto, voyage or local, not {choice!r}.")
    if not api_key:
        raise ValueError("EMBEDDING_PROVIDER=voyage needs VOYAGE_API_KEY.")
    from resolutionflow.ai.embeddings.voyage import VoyageProvider

    return VoyageProvider(api_key=api_key, model=settings.VOYAGE_MODEL)


def reset_embedder() -> None:
    global _embedder
    _embedder = None
