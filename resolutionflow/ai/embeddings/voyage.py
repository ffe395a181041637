"""Voyage AI embeddings behind `EmbeddingProvider`, through the official `voyageai` client.

What the client does (voyageai 0.5, read from its source):
- HTTP goes through `requests` (one Session per thread), `POST {base_url}/embeddings`; `base_url` includes
  `/v1`. It asks for `encoding_format: "base64"` and decodes little-endian float32 itself; plain float lists
  are accepted too.
- `max_retries` is the total number of attempts (tenacity `stop_after_attempt`); 0 and 1 both mean one.
  Only 429 (with a `{"detail": ...}` body), 502/503/504 and timeouts are retried, waiting 1 s, 2 s, 4 s...
  (+ up to 1 s jitter, at most 16 s); `retry-after` is ignored. A 500 is not retried.
- Never call `count_tokens()`/`tokenize()`: they download a tokenizer from a model hub.
"""

import voyageai
import voyageai.error
from django.conf import settings

from resolutionflow.ai.embeddings.base import EmbeddingProvider
from resolutionflow.ai.errors import EmbeddingError

# output_dimension values the Matryoshka models (voyage-3.5, voyage-3-large, voyage-code-3...) accept.
FLEXIBLE_DIMENSIONS = (256, 512, 1024, 2048)


class VoyageProvider(EmbeddingProvider):
    def __init__(self, api_key, model, *, base_url=None, timeout=None, max_retries=3, batch_size=None):
        super().__init__()
        self.model = model
        self.model_name = f"voyage:{model}"
        self.batch_size = batch_size or settings.VOYAGE_BATCH_SIZE
        dimensions = settings.EMBEDDING_DIMENSIONS
        self.output_dimension = dimensions if dimensions in FLEXIBLE_DIMENSIONS else None
        self._client = voyageai.Client(
            api_key=api_key,
            max_retries=max_retries,
            timeout=settings.VOYAGE_TIMEOUT_SECONDS if timeout is None else timeout,
            base_url=base_url or settings.VOYAGE_BASE_URL,
        )

    def _embed(self, texts, input_type):
        vectors = []
        for start in range(0, len(texts), self.batch_size):
            batch = texts[start : start + self.batch_size]
            try:
                result = self._client.embed(
                    batch,
                    model=self.model,
                    input_type=input_type,
                    output_dimension=self.output_dimension,
                )
                embeddings = list(result.embeddings)
            except voyageai.error.VoyageError as exc:
                raise EmbeddingError(f"Voyage embedding failed ({type(exc).__name__}): {str(exc)[:500]}") from exc
            # A 200 with an unexpected body surfaces as a KeyError/AttributeError/ValueError (bad base64...).
            except (KeyError, AttributeError, TypeError, ValueError) as exc:
                raise EmbeddingError(f"Voyage answered with an unexpected body: {exc!r}") from exc
            if len(embeddings) != len(batch):
                raise EmbeddingError(f"Voyage returned {len(embeddings)} vectors for {len(batch)} texts.")
            vectors.extend(self._checked(vector) for vector in embeddings)
        return vectors

    def _checked(self, vector):
        if not isinstance(vector, list) or not all(isinstance(x, (int, float)) for x in vector):
            raise EmbeddingError("Voyage returned a vector that is not a list of numbers.")
        if self.output_dimension:
            if len(vector) != self.output_dimension:
                raise EmbeddingError(
                    f"Voyage returned a vector of {len(vector)} components, not {self.output_dimension}."
                )
        elif not 0 < len(vector) <= settings.EMBEDDING_DIMENSIONS:
            raise EmbeddingError(
                f"Voyage returned a vector of {len(vector)} components, not 1 to {settings.EMBEDDING_DIMENSIONS}."
            )
        return vector
