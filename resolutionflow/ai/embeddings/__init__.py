"""Text embeddings: `get_embedder().embed(texts, input_type)`.

Every vector has settings.EMBEDDING_DIMENSIONS components (smaller models are zero-padded, which leaves
cosine similarity unchanged) and is stored beside the name of the model that made it
(`embedder.model_name`), so vectors of two models are never compared.
"""

from django.conf import settings

from resolutionflow.ai.embeddings.base import EmbeddingProvider, get_embedder, reset_embedder
from resolutionflow.ai.embeddings.local import LOCAL_MODEL_NAME, LocalProvider

__all__ = ["LOCAL_MODEL_NAME", "EmbeddingProvider", "dimensions_of", "get_embedder", "reset_embedder"]

# Models whose own vectors are narrower than EMBEDDING_DIMENSIONS: the rest of a stored vector is zeros.
_NATIVE_DIMENSIONS = {LOCAL_MODEL_NAME: LocalProvider.dimensions}


def dimensions_of(model_name: str) -> int:
    """How many leading components of a vector stored for `model_name` carry the embedding.

    A reader may cut vectors to this many (`subvector(v, 1, n)`) without changing any cosine.
    """
    return _NATIVE_DIMENSIONS.get(model_name, settings.EMBEDDING_DIMENSIONS)
