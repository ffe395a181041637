from resolutionflow.ai.embeddings.base import EmbeddingProvider
from resolutionflow.ai.embeddings.minilm import DIMENSIONS, MODEL_NAME, get_encoder

LOCAL_MODEL_NAME = f"local:{MODEL_NAME}"


class LocalProvider(EmbeddingProvider):
    """all-MiniLM-L6-v2 run offline with numpy (384 dimensions, zero-padded). The demo's and tests' default."""

    model_name = LOCAL_MODEL_NAME
    dimensions = DIMENSIONS

    def load(self) -> None:
        get_encoder()

    def _embed(self, texts, input_type):
        # The model is symmetric: queries and documents are embedded alike.
        return get_encoder().encode(texts)
