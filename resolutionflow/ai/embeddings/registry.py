"""What holds embeddings, so one command (`manage.py reembed`) can rebuild them all with the current model.

Apps register in their AppConfig.ready(): `register("flows", Tree.objects.all, text=lambda t: t.embedded_text)`.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from resolutionflow.ai.embeddings.base import get_embedder


@dataclass(frozen=True)
class Embedded:
    label: str
    queryset: Callable
    text: Callable
    vector_field: str = "embedding"
    model_field: str = "embedding_model"


_registry: dict[str, Embedded] = {}


def register(label: str, queryset: Callable, text: Callable, **fields) -> None:
    _registry[label] = Embedded(label, queryset, text, **fields)


def registered() -> dict[str, Embedded]:
    return dict(_registry)


def reembed(labels: list[str] | None = None, *, stale_only: bool = False, batch_size: int = 64) -> dict[str, int]:
    """Re-embed every registered row (or only rows made by another model) with the current embedder.

    Returns how many rows were embedded per label.
    """
    embedder = get_embedder()
    counts = {}
    for label, entry in _registry.items():
        if labels and label not in labels:
            continue
        queryset = entry.queryset()
        if stale_only:
            queryset = queryset.exclude(**{entry.model_field: embedder.model_name})
        counts[label] = 0
        batch = []
        for obj in queryset.order_by("pk").iterator(chunk_size=batch_size):
            batch.append(obj)
            if len(batch) == batch_size:
                counts[label] += _embed_batch(entry, batch, embedder)
                batch = []
        if batch:
            counts[label] += _embed_batch(entry, batch, embedder)
    return counts


def _embed_batch(entry: Embedded, objects: list, embedder) -> int:
    vectors = embedder.embed([entry.text(obj) for obj in objects], "document")
    with transaction.atomic():
        for obj, vector in zip(objects, vectors, strict=True):
            type(obj).objects.filter(pk=obj.pk).update(
                **{entry.vector_field: vector, entry.model_field: embedder.model_name}
            )
    return len(objects)
