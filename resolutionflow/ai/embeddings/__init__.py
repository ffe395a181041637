"""Text embeddings: `get_embedder().embed(texts, input_type)`.

Every vector has settings.EMBEDDING_DIMENSIONS components (smaller models are zero-padded, which leaves
cosine similarity unchanged) and is stored beside the name of the model that made it
(`embedder.model_name`), so vectors of two models are never compared.
"""

from resolutionflow.ai.embeddings.base import EmbeddingProvider, get_embedder, reset_embedder

__all__ = ["EmbeddingProvider", "get_embedder", "reset_embedder"]
