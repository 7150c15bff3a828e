"""Django settings: everything configurable comes from the environment through config.env.

Two shapes share this file:
- embedded (the default, nothing configured): SQLite, a Celery broker on the filesystem, a file cache
  and an in-process channel layer, all under DATA_DIR; secrets are generated once into DATA_DIR.
- production (DEPLOYMENT=production): DATABASE_URL (MySQL/MariaDB), REDIS_URL (cache, Celery broker and
  results, channel layer) and the secrets are required; cookies and redirects are HTTPS-only.
"""

from __future__ import annotations

import datetime
import decimal
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet
from kombu import Queue

from config.env import (
    EnvError,
    env_bool,
    env_choice,
    env_database,
    env_int,
    env_list,
    env_redis_url,
    env_required,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DEPLOYMENT = env_choice("DEPLOYMENT", "embedded", {"embedded", "production"})
PRODUCTION = DEPLOYMENT == "production"
# A relative DATA_DIR is taken from the project folder, whatever the working directory.
DATA_DIR = (BASE_DIR / (env_str("DATA_DIR", "var") or "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
DEBUG = env_bool("DEBUG", False)


def _embedded_secret(filename: str, make: callable) -> str:  # type: ignore[valid-type]
    """A secret generated once into DATA_DIR, so an embedded install needs no configuration."""
    path = DATA_DIR / filename
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(make())
    return path.read_text().strip()


if PRODUCTION:
    SECRET_KEY = env_required("SECRET_KEY", "when DEPLOYMENT=production")
    _credentials_keys = env_required("CREDENTIALS_KEY", "when DEPLOYMENT=production")
else:
    SECRET_KEY = env_str("SECRET_KEY") or _embedded_secret("secret_key", lambda: secrets.token_urlsafe(50))
    _credentials_keys = env_str("CREDENTIALS_KEY") or _embedded_secret(
        "credentials_key", lambda: Fernet.generate_key().decode()
    )
if len(SECRET_KEY) < 32:
    raise EnvError("SECRET_KEY", "must be at least 32 characters")

# Broker credentials are encrypted with the first key; the others still decrypt (key rotation).
CREDENTIALS_KEYS = [key.strip() for key in _credentials_keys.split(",") if key.strip()]
for _key in CREDENTIALS_KEYS:
    try:
        Fernet(_key)
    except ValueError:
        raise EnvError("CREDENTIALS_KEY", "each key must be a Fernet key (32 url-safe base64 bytes)") from None

ALLOWED_HOSTS = (
    env_list("ALLOWED_HOSTS", [])
    if PRODUCTION
    else env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise EnvError("ALLOWED_HOSTS", "is required when DEPLOYMENT=production (comma-separated host names)")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "channels",
    "django_celery_beat",
    "market",
    "brokers",
    "trading",
    "modelling",
    "workflows",
    "dashboard",
    # Last: its post_migrate handler gives the roles their permissions once every app has created its own.
    "accounts",
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
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "dashboard.context_processors.deployment",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}")}
if PRODUCTION and DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and not env_str("DATABASE_URL"):
    raise EnvError("DATABASE_URL", "is required when DEPLOYMENT=production (mysql://user:password@host:3306/name)")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat write the same file: WAL lets readers run beside the one writer, and
    # IMMEDIATE transactions wait for the lock up front instead of failing half-way.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so the worker processes that tests start see the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis or its embedded stand-ins: cache (realtime quotes), Celery, channel layer ---------
REDIS_URL = env_redis_url("REDIS_URL")
if PRODUCTION and REDIS_URL is None:
    raise EnvError("REDIS_URL", "is required when DEPLOYMENT=production (redis://host:6379/0)")

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}}
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    # A message not acknowledged within this time goes back to the queue: longer than any task may run.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 4 * 3600, minimum=60)}
else:
    _celery_dir = DATA_DIR / "celery"
    for _folder in ("queue", "control", "results"):
        (_celery_dir / _folder).mkdir(parents=True, exist_ok=True)
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(DATA_DIR / "cache"), "OPTIONS": {"MAX_ENTRIES": 10_000}}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    # kombu's filesystem transport: a real broker that needs no server, shared by the processes of one machine.
    CELERY_BROKER_URL = "filesystem://localhost//"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "control_folder": str(_celery_dir / "control"),
    }
    CELERY_RESULT_BACKEND = f"file://{_celery_dir / 'results'}"

CELERY_TIMEZONE = env_str("TIME_ZONE", "Asia/Shanghai")
CELERY_TASK_DEFAULT_QUEUE = "default"
# The fleet's queues (README, "What runs"): declared up front, so every process knows all four (a purge too).
CELERY_TASK_QUEUES = [Queue(name) for name in ("default", "market", "trading", "training")]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 7 * 24 * 3600
CELERY_TASK_SOFT_TIME_LIMIT = env_int("TASK_SOFT_TIME_LIMIT", 30 * 60, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("TASK_TIME_LIMIT", 35 * 60, minimum=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "workflows.beat:ClockScheduler"  # django-celery-beat's, on market.clock
CELERY_TASK_ALWAYS_EAGER = False

# --- Auth, i18n, static -----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = CELERY_TIMEZONE
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "static")) or "")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Embedded: serve straight from the app folders, no collectstatic step needed.
WHITENOISE_USE_FINDERS = not PRODUCTION

# A fixed "now" (ISO time, e.g. 2026-11-24T11:35:00+08:00) for replaying a day; empty: the real time.
CLOCK_NOW = env_str("CLOCK_NOW")
if CLOCK_NOW:
    try:
        datetime.datetime.fromisoformat(CLOCK_NOW)
    except ValueError:
        raise EnvError("CLOCK_NOW", f"expected an ISO time like 2026-11-24T11:35:00+08:00, got {CLOCK_NOW!r}") from None

# Replay: "now" comes from the shared cache (market.clock.set_replay), for replaying days across processes.
REPLAY_CLOCK = env_bool("REPLAY_CLOCK", False)
# Beat looks at the clock at least this often (seconds); a replay moves it in jumps, so beat looks often.
CELERY_BEAT_MAX_LOOP_INTERVAL = 0.5 if REPLAY_CLOCK else 5

# --- Market data ------------------------------------------------------------------------------
# Which provider the sync workflows use for new stocks: simulated (offline, synthetic), akshare (A-shares),
# yfinance (US). Each stock remembers the provider it came from.
MARKET_DATA_PROVIDER = env_choice("MARKET_DATA_PROVIDER", "simulated", {"simulated", "akshare", "yfinance", "sample"})
SIMULATED_STOCKS = env_int("SIMULATED_STOCKS", 300, minimum=1)
SIMULATED_SEED = env_int("SIMULATED_SEED", 7)
SIMULATED_START = env_str("SIMULATED_START", "2022-01-04") or "2022-01-04"
YAHOO_SYMBOLS = env_list("YAHOO_SYMBOLS", ["AAPL", "MSFT", "IBM", "GOOG"])
# First day data initialisation loads; retention of what cleanup deletes (0 keeps everything).
HISTORY_START = env_str("HISTORY_START", "2022-01-04") or "2022-01-04"
RETENTION_RUN_DAYS = env_int("RETENTION_RUN_DAYS", 180, minimum=0)
RETENTION_PREDICTION_DAYS = env_int("RETENTION_PREDICTION_DAYS", 365, minimum=0)
RETENTION_REJECTED_DAYS = env_int("RETENTION_REJECTED_DAYS", 90, minimum=0)
RETENTION_BAR_DAYS = env_int("RETENTION_BAR_DAYS", 0, minimum=0)
QUOTE_TTL_SECONDS = env_int("QUOTE_TTL_SECONDS", 24 * 3600, minimum=60)

# The account the trading workflows use unless told otherwise ("paper" is created on first use).
DEFAULT_BROKER_ACCOUNT = env_str("DEFAULT_BROKER_ACCOUNT", "paper") or "paper"
# The paper broker: starting cash of a new paper account (CNY).
PAPER_INITIAL_CASH = env_str("PAPER_INITIAL_CASH", "100000.00") or "100000.00"
try:
    if decimal.Decimal(PAPER_INITIAL_CASH) < 0:
        raise decimal.InvalidOperation
except decimal.InvalidOperation:
    raise EnvError("PAPER_INITIAL_CASH", f"expected an amount like 100000.00, got {PAPER_INITIAL_CASH!r}") from None

# Model artefacts (the trained LSTM) live here; a shared volume in a cluster.
MODEL_DIR = Path(env_str("MODEL_DIR", str(DATA_DIR / "models")) or "")
MODEL_FEATURE_SET = env_choice("MODEL_FEATURE_SET", "morning", {"morning", "daily"})
# A new version becomes active by itself only when it beats the active one on the same held-out days.
MODEL_AUTO_PROMOTE = env_bool("MODEL_AUTO_PROMOTE", True)
TRAINING_TIME_LIMIT = env_int("TRAINING_TIME_LIMIT", 6 * 3600, minimum=60)

REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
}

# --- Production hardening (check --deploy is clean) -------------------------------------------
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # The probes hit /healthz over plain HTTP inside the cluster.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SILENCED_SYSTEM_CHECKS = env_list("SILENCED_SYSTEM_CHECKS", [])

LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", {"DEBUG", "INFO", "WARNING", "ERROR"})
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# The user accounts of the original: created on first run by `manage.py ensure_users`.
INITIAL_PASSWORDS = {role: env_str(f"{role.upper()}_PASSWORD") for role in ("admin", "test", "guest")}
