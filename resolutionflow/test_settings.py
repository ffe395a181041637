"""Settings for the test suite: the real settings, with a test key, fast hashing and synchronous tasks."""

import os

os.environ.setdefault("SECRET_KEY", "insecure-key-for-the-test-suite-only")
# The checkout's .env (DEBUG=1, written by `make run`) must not change what the suite tests.
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("LLM_PROVIDER", "none")
os.environ.setdefault("EMBEDDING_PROVIDER", "local")
os.environ.setdefault("ANTHROPIC_API_KEY", "")
os.environ.setdefault("VOYAGE_API_KEY", "")
# PSA credentials are encrypted with this key in the suite (a fixed one: DEBUG is off, nothing is generated).
os.environ.setdefault("PSA_ENCRYPTION_KEYS", "hA4JUHX0s2ydcXsG0LExm-bSechDajlHlsMaFn5wluU=")

from resolutionflow.settings import *  # noqa: F403
from resolutionflow.settings import DATA_DIR, DATABASES, Q_CLUSTER, env

if not env.str("DATABASE_URL", default=""):
    # Tests get their own embedded cluster, so they never touch the demo data.
    DATABASES["default"]["EMBEDDED_PGDATA"] = DATA_DIR / "pg-test"
# Two test runs on one server must not share a test database.
DATABASES["default"]["TEST"] = {"NAME": f"test_resolutionflow_{os.getpid()}"}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
SECURE_COOKIES = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The test client speaks plain HTTP: no redirect to HTTPS (the production defaults are tested in
# resolutionflow/tests/test_deploy_settings.py).
SECURE_SSL_REDIRECT = False
