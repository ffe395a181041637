"""A fresh web worker made ready before it takes a request (gunicorn's post_worker_init, ops/gunicorn.conf.py).

Left to itself, a worker imports each view module, compiles each page's templates and (with the local
embedding model) loads the model on the first request that needs them: that request waits seconds, and
every worker pays it again after each recycle (gunicorn's max_requests). Here the worker does it at boot.
"""

import time
from pathlib import Path

from django.conf import settings
from django.template.loader import get_template
from django.urls import get_resolver

from resolutionflow.ai.embeddings import get_embedder


def warm_up() -> float:
    """Import the views, compile the project's templates, load the local embedding model; returns seconds."""
    started = time.monotonic()
    get_resolver().url_patterns  # noqa: B018 (reading it imports every URLconf and view module)
    for folder in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(Path(folder).rglob("*.html")):
            get_template(path.relative_to(folder).as_posix())  # kept compiled by the cached loader
    get_embedder().load()
    return time.monotonic() - started
