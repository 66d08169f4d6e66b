"""Estate settings, read from environment variables.

Embedded default: SQLite in WAL mode under ./var, DEBUG off. Production: set DATABASE_URL (PostgreSQL),
ESTATE_SECRET_KEY, ESTATE_ALLOWED_HOSTS and ESTATE_HTTPS=1 (see docs/deployment.md).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ESTATE_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_or_var_file(name: str, file_name: str) -> str:
    """The environment variable, else the file scripts/run keeps under ESTATE_VAR_DIR (so the CLI works as the
    README shows it without exporting anything), else ""."""
    value = os.environ.get(name, "").strip()
    if value:
        return value
    try:
        return (VAR_DIR / file_name).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return ""


DEBUG = env_bool("ESTATE_DEBUG")
SECRET_KEY = env_or_var_file("ESTATE_SECRET_KEY", "secret_key")
if not SECRET_KEY:
    if not DEBUG and not env_bool("ESTATE_INSECURE_DEV_KEY"):
        # One line, not a traceback: this is what `manage.py anything` says on a machine not set up yet.
        raise SystemExit(f"Estate: no secret key: ESTATE_SECRET_KEY is not set and {VAR_DIR / 'secret_key'} does not "
                         "exist; run `bash scripts/run` once to create it, or export ESTATE_SECRET_KEY "
                         "(docs/deployment.md).")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production-" + "x" * 20  # noqa: S105

ALLOWED_HOSTS = env_list("ESTATE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("ESTATE_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "django_tables2",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "auditlog",
    "estate",
    "inventory",
    "discovery",
    "migration_plans",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "estate.middleware.RequestContextMiddleware",
    "estate.middleware.LoginRequiredMiddleware",
    "estate.middleware.SecurityHeadersMiddleware",
    "estate.middleware.ApiJsonErrorsMiddleware",
]

ROOT_URLCONF = "estate.urls"
WSGI_APPLICATION = "estate.wsgi.application"
ASGI_APPLICATION = "estate.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "estate" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "estate.context_processors.navigation",
            ],
        },
    },
]

# Database: SQLite (WAL) by default, PostgreSQL via DATABASE_URL.
_default_sqlite = f"sqlite:///{VAR_DIR / 'estate.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_sqlite), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web app read while a discovery job writes; IMMEDIATE avoids lock-upgrade deadlocks.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("ESTATE_TEST_SQLITE_NAME") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Django's ModelBackend, refusing every login while an account or address is over its limit (estate/throttling.py).
AUTHENTICATION_BACKENDS = ["estate.throttling.ThrottledModelBackend"]
# Brute-force limits (estate/throttling.py), per window: failed logins per account and per client address, bad API
# tokens and unauthenticated API requests per address.
ESTATE_THROTTLE_WINDOW_SECONDS = int(os.environ.get("ESTATE_THROTTLE_WINDOW_SECONDS", 15 * 60))
ESTATE_LOGIN_FAILURES_PER_ACCOUNT = int(os.environ.get("ESTATE_LOGIN_FAILURES_PER_ACCOUNT", 10))
ESTATE_LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("ESTATE_LOGIN_FAILURES_PER_ADDRESS", 30))
ESTATE_BAD_TOKENS_PER_ADDRESS = int(os.environ.get("ESTATE_BAD_TOKENS_PER_ADDRESS", 30))
ESTATE_ANONYMOUS_API_REQUESTS_PER_ADDRESS = int(os.environ.get("ESTATE_ANONYMOUS_API_REQUESTS_PER_ADDRESS", 300))
# The counters: a file cache every gunicorn worker (and the scheduler) shares; no database writes.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
        "OPTIONS": {"MAX_ENTRIES": 10000},
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("ESTATE_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("ESTATE_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "estate" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if env_bool("ESTATE_PLAIN_STATIC") or DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
WHITENOISE_USE_FINDERS = DEBUG or env_bool("ESTATE_PLAIN_STATIC")

# Security: secure by default behind HTTPS in production (ESTATE_HTTPS=1).
HTTPS = env_bool("ESTATE_HTTPS")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("ESTATE_BEHIND_PROXY") else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "estate.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        "estate.throttling.AnonymousThrottleAuthentication",  # last: sees only requests with no credentials
    ],
    "DEFAULT_PERMISSION_CLASSES": ["estate.api.permissions.ModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "estate.api.ordering.StableOrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "estate.api.pagination.EstatePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "estate.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")

SPECTACULAR_SETTINGS = {
    "TITLE": "Estate API",
    "DESCRIPTION": "ICT estate inventory, discovery, lifecycle and migration waves.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema, Swagger UI and ReDoc need a login (session) or a token, like everything else.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums",
                             "estate.api.schema.add_error_responses"],
    "SCHEMA_PATH_PREFIX": "/api/",
    # The schemes a client can use; the anonymous throttle (estate.throttling) authenticates no one.
    "AUTHENTICATION_WHITELIST": ["estate.api.authentication.TokenAuthentication",
                                 "rest_framework.authentication.SessionAuthentication"],
    "ENUM_NAME_OVERRIDES": {"DeviceKindEnum": "inventory.choices.DeviceKindChoices",
                            "ProvenanceSourceEnum": "inventory.choices.ProvenanceSourceChoices",
                            "SupportStatusEnum": "inventory.choices.SupportStatusChoices",
                            "RagEnum": "migration_plans.choices.RagChoices"},
}

DJANGO_TABLES2_TEMPLATE = "estate/table.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table table-sm table-hover align-middle"}

# Audit history (django-auditlog): one table for every model, request id as correlation id.
AUDITLOG_CID_GETTER = "estate.context.get_request_id"
AUDITLOG_INCLUDE_ALL_MODELS = False
AUDITLOG_DISABLE_REMOTE_ADDR = False

# Secrets in discovery credentials: Fernet keys, newest first, separate from SECRET_KEY.
_secrets_keys = env_or_var_file("ESTATE_SECRETS_KEYS", "secrets_keys").replace("\n", ",")
ESTATE_SECRETS_KEYS = [key.strip() for key in _secrets_keys.split(",") if key.strip()]

ESTATE_API_MAX_BODY_BYTES = int(os.environ.get("ESTATE_API_MAX_BODY_BYTES", 25 * 1024 * 1024))  # a 20 MB import
ESTATE_API_MAX_BULK = int(os.environ.get("ESTATE_API_MAX_BULK", 1000))  # objects in one POSTed list
ESTATE_MAX_SCOPE_ADDRESSES = int(os.environ.get("ESTATE_MAX_SCOPE_ADDRESSES", 4096))  # a /20
ESTATE_JOB_BACKEND = os.environ.get("ESTATE_JOB_BACKEND", "inprocess")  # "celery", or "eager" (tests)
ESTATE_JOB_RUNNERS = {
    # kind -> runner class; each app adds its own explicitly. Test-only kinds (test.sleep) only in tests/settings.py.
    "estate.prune_jobs": "estate.jobs.builtin.PruneJobsJob",
    "discovery": "discovery.jobs.DiscoveryJob",
    "directory_sync": "discovery.jobs_directory.DirectorySyncJob",
    "playbook": "migration_plans.jobs.PlaybookJob",
    "lifecycle": "inventory.jobs.LifecycleJob",
}
ESTATE_RULES_DIRS = env_list("ESTATE_RULES_DIRS")
# The lifecycle import's URL fetch (estate/fetch.py): https, these hosts, public addresses only. A local mirror of
# endoflife.date must be on a public address too (or import its files). Tests alone allow http:// on loopback.
ESTATE_ENDOFLIFE_HOSTS = env_list("ESTATE_ENDOFLIFE_HOSTS", "endoflife.date")
ESTATE_ENDOFLIFE_ALLOW_LOCAL_HTTP = False
CELERY_BROKER_URL = os.environ.get("ESTATE_REDIS_URL", "redis://127.0.0.1:6379/0")
# Jobs (docs/workers.md): a running job beats every HEARTBEAT s; the reaper (in the scheduler, every REAP s) errors
# jobs silent for STALE s. Worst case from a killed worker to "errored": HEARTBEAT + STALE + REAP = 100 s < 2 min.
ESTATE_JOB_HEARTBEAT_SECONDS = float(os.environ.get("ESTATE_JOB_HEARTBEAT_SECONDS", 10))
ESTATE_JOB_STALE_SECONDS = float(os.environ.get("ESTATE_JOB_STALE_SECONDS", 60))
ESTATE_JOB_REAP_SECONDS = float(os.environ.get("ESTATE_JOB_REAP_SECONDS", 30))
ESTATE_JOB_TIME_LIMITS: dict[str, int] = {}  # kind -> seconds, overrides the runner's own time_limit
ESTATE_SCHEDULER_SYNC_SECONDS = float(os.environ.get("ESTATE_SCHEDULER_SYNC_SECONDS", 5))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ESTATE_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
