"""Start Django for a bench script on its own database (never the demo's or the tests').

Without DATABASE_URL, the embedded PostgreSQL under .data/pg-bench is used, migrated on first use.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(database: str = "resolutionflow_bench", *, migrate: bool = True) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "resolutionflow.settings")
    # DEBUG off, as in production (DEBUG keeps every query in memory and slows each one).
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    os.environ.setdefault("EMBEDDED_PGDATA", str(ROOT / ".data" / "pg-bench"))
    os.environ.setdefault("LLM_PROVIDER", "none")
    os.environ.setdefault("EMBEDDING_PROVIDER", "local")
    # Requests go through the test client over plain HTTP: no redirect to HTTPS.
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    # The throttles still run (their cost is part of the server time), at rates a bench never reaches.
    for rate in ("FLOWPILOT_SESSION_START_RATE", "FLOWPILOT_ANSWER_RATE", "FLOW_MATCH_RATE"):
        os.environ.setdefault(rate, "1000000/min")
    import warnings

    import django
    from django.conf import settings

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    if "DATABASE_URL" not in os.environ:
        settings.DATABASES["default"]["NAME"] = database
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def fresh_token(user) -> str:
    """A new API token for `user` (tokens expire: one kept in a bench database from an earlier run may not)."""
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user).key


def percentile(values, p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]
