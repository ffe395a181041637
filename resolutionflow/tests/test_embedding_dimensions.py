"""The embedder says how many components of a stored vector carry a model's embedding."""

from resolutionflow.ai.embeddings import LOCAL_MODEL_NAME, dimensions_of, get_embedder


def test_the_local_model_fills_its_own_384_components():
    assert dimensions_of(LOCAL_MODEL_NAME) == 384
    assert get_embedder().dimensions == 384


def test_other_models_fill_the_whole_stored_width(settings):
    assert dimensions_of("voyage:voyage-3.5") == settings.EMBEDDING_DIMENSIONS
