from resolutionflow.ai.embeddings.base import EmbeddingProvider
from resolutionflow.ai.embeddings.minilm import MODEL_NAME, get_encoder


class LocalProvider(EmbeddingProvider):
    """all-MiniLM-L6-v2 run offline with numpy (384 dimensions, zero-padded). The demo's and tests' default."""

    model_name = f"local:{MODEL_NAME}"

    def _embed(self, texts, input_type):
        # The model is symmetric: queries and documents are embedded alike.
        return get_encoder().encode(texts)
