"""A web worker warms up before its first request (gunicorn's post_worker_init): the project's templates are
compiled and kept, and the local embedding model is loaded."""

from django.template import engines

from resolutionflow.ai.embeddings import minilm
from resolutionflow.warmup import warm_up


def test_warm_up_compiles_every_page_template_and_loads_the_model(settings, monkeypatch):
    loaded = []
    monkeypatch.setattr(minilm, "get_encoder", lambda: loaded.append(True))
    monkeypatch.setattr("resolutionflow.ai.embeddings.local.get_encoder", lambda: loaded.append(True))
    settings.EMBEDDING_PROVIDER = "local"
    from resolutionflow.ai.embeddings import reset_embedder

    reset_embedder()
    (cached,) = engines["django"].engine.template_loaders[0].loaders  # django-template-partials wraps it
    cached.reset()

    seconds = warm_up()

    kept = set(cached.get_template_cache)
    assert {"analytics/dashboard.html", "flowpilot/session_detail.html", "base.html"} <= kept
    assert loaded and seconds >= 0
    reset_embedder()
