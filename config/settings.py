"""finegrid settings: one module, every value from the environment (docs/configuration.md lists them)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_int, env_list, env_optional, env_str

# Lets the code write ModelAdmin[Model], QuerySet[Model] etc. at run time as the type checker reads them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("FINEGRID_VAR_DIR", str(BASE_DIR / "var"))).resolve()

DEBUG = env_bool("FINEGRID_DEBUG", default=False)


def _secret_key() -> tuple[str, bool]:
    """The key from the environment; else a random one kept under var/ (flagged by check --deploy)."""
    from_env = env_optional("FINEGRID_SECRET_KEY")
    if from_env is not None:
        if len(from_env) < 50:
            raise ImproperlyConfigured("FINEGRID_SECRET_KEY must be at least 50 characters long.")
        return from_env, True
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip(), False


SECRET_KEY, SECRET_KEY_FROM_ENV = _secret_key()

ALLOWED_HOSTS = env_list("FINEGRID_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("FINEGRID_CSRF_TRUSTED_ORIGINS", [])
CSRF_FAILURE_VIEW = "finegrid.web.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",  # serves the API docs' scripts from our own static files (no CDN)
    "finegrid.core",
    "finegrid.org",
    "finegrid.catalogue",
    "finegrid.worktime",
    "finegrid.geo",
    "finegrid.cases",
    "finegrid.dispatch",
    "finegrid.notifications",
    "finegrid.evaluation",
    "finegrid.campaigns",
    "finegrid.reports",
    "finegrid.api",
    "finegrid.open311",
    "finegrid.portal",
    "finegrid.web",
    "finegrid.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# The request-size guard runs first, so an oversized body is refused before anything reads it.
MIDDLEWARE.insert(0, "finegrid.api.middleware.request_size_limit")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "finegrid.web.context.workspaces",
            ],
        },
    },
]


def _databases() -> dict[str, dict[str, object]]:
    url = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'finegrid.sqlite3'}")
    try:
        config = dict(
            dj_database_url.parse(url, conn_max_age=env_int("FINEGRID_DB_CONN_MAX_AGE", 60))
        )
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a database URL we understand: {exc}"
        ) from None
    engine = str(config["ENGINE"])
    if engine.endswith("sqlite3"):
        name = str(config["NAME"])
        if name != ":memory:":
            Path(name).parent.mkdir(parents=True, exist_ok=True)
        config["CONN_MAX_AGE"] = 0
        # WAL lets readers work while one writer commits; IMMEDIATE avoids lock upgrades mid-transaction.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
            "transaction_mode": "IMMEDIATE",
        }
    elif not engine.endswith("postgresql"):
        raise ImproperlyConfigured(
            f"DATABASE_URL names {engine}; finegrid supports SQLite and PostgreSQL only."
        )
    return {"default": config}


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS: list[Path] = []  # each app keeps its own locale/ folder
TIME_ZONE = env_str("FINEGRID_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Front-end packages installed by `npm ci` (make demo / make test) and served as our own files.
STATICFILES_DIRS: list[Path | tuple[str, Path]] = [
    ("vendor/leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist"),
    ("vendor/leaflet-heat", BASE_DIR / "node_modules" / "leaflet.heat" / "dist"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("FINEGRID_MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

EMAIL_BACKEND = env_str("FINEGRID_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("FINEGRID_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("FINEGRID_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("FINEGRID_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("FINEGRID_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("FINEGRID_EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("FINEGRID_DEFAULT_FROM_EMAIL", "finegrid@localhost")

# Behind a TLS-terminating proxy in production; off for the local demo.
_HTTPS = env_bool("FINEGRID_HTTPS", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _HTTPS else None
SECURE_SSL_REDIRECT = _HTTPS
SESSION_COOKIE_SECURE = _HTTPS
CSRF_COOKIE_SECURE = _HTTPS
SECURE_HSTS_SECONDS = env_int("FINEGRID_HSTS_SECONDS", 31536000 if _HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _HTTPS
SECURE_HSTS_PRELOAD = _HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("FINEGRID_SESSION_HOURS", 12, minimum=1) * 3600

LOG_LEVEL = env_choice(
    "FINEGRID_LOG_LEVEL", "INFO", frozenset({"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"})
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # The PDF renderer reports every layout step at INFO; only its warnings matter.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# The evaluation of this city: how many days after closing a citizen may still reopen, etc.,
# live in the database; only process-level knobs are settings.
FINEGRID_CITY_NAME = env_str("FINEGRID_CITY_NAME", "示范市")
# Evaluation folds a big period's cases in this many processes (one on a small period).
FINEGRID_EVALUATION_WORKERS = env_int(
    "FINEGRID_EVALUATION_WORKERS", min(os.cpu_count() or 1, 4), minimum=1
)
# Bulletins (周通报、月排名、季考核) are official documents of the issuing organ (GB/T 9704).
FINEGRID_BULLETIN_ISSUER = env_str("FINEGRID_BULLETIN_ISSUER", f"{FINEGRID_CITY_NAME}城市管理局")
FINEGRID_BULLETIN_ISSUER_SHORT = env_str(
    "FINEGRID_BULLETIN_ISSUER_SHORT", f"{FINEGRID_CITY_NAME[:1]}城管"
)
FINEGRID_BULLETIN_ADDRESSEE = env_str("FINEGRID_BULLETIN_ADDRESSEE", "各区人民政府，市直各有关单位")
FINEGRID_BULLETIN_COPY_TO = env_str(
    "FINEGRID_BULLETIN_COPY_TO", "市委办公室，市人大常委会办公室，市政府办公室，市政协办公室"
)
FINEGRID_BULLETIN_PRINTER = env_str(
    "FINEGRID_BULLETIN_PRINTER", f"{FINEGRID_BULLETIN_ISSUER}办公室"
)
# Map tiles: a URL template like https://tiles.intranet/{z}/{x}/{y}.png; empty draws on a plain
# background. Tiles in GCJ-02 (AMap, Tencent) need our WGS-84 shapes shifted for display.
FINEGRID_MAX_PHOTO_BYTES = env_int("FINEGRID_MAX_PHOTO_MB", 10, minimum=1) * 1024 * 1024
# Background work (docs/adr/0009-background-work.md): `database` keeps jobs in the database for
# `manage.py run_worker` (no broker), `celery` hands them to Celery workers on Redis, `immediate`
# runs them in-process after commit (tests).
FINEGRID_TASK_BACKEND = env_choice(
    "FINEGRID_TASK_BACKEND", "database", frozenset({"immediate", "database", "celery"})
)
FINEGRID_JOB_MAX_ATTEMPTS = env_int("FINEGRID_JOB_MAX_ATTEMPTS", 8, minimum=1)
FINEGRID_JOB_RETRY_SECONDS = env_int("FINEGRID_JOB_RETRY_SECONDS", 30, minimum=1)
FINEGRID_JOB_LEASE_SECONDS = env_int("FINEGRID_JOB_LEASE_SECONDS", 900, minimum=60)
#: Periodic tasks and their interval in seconds: run_worker's loop or Celery beat schedules them.
FINEGRID_PERIODIC_TASKS = {
    "cases.sweep": env_int("FINEGRID_SWEEP_SECONDS", 300, minimum=10),
    "notifications.deliver": env_int("FINEGRID_DELIVERY_SECONDS", 60, minimum=5),
    "api.sweep": 3600,
    "evaluation.scheduled": env_int("FINEGRID_EVALUATION_SECONDS", 3600, minimum=60),
    "campaigns.chase_reports": env_int("FINEGRID_CHASE_SECONDS", 3600, minimum=60),
}
# Notifications: channels not listed are never queued; SMS and WeChat need a sender (a dotted
# path to a function taking the message) before their messages leave the outbox.
FINEGRID_NOTIFY_CHANNELS = env_list(
    "FINEGRID_NOTIFY_CHANNELS", ["in_app", "email", "sms", "wechat"]
)
if set(FINEGRID_NOTIFY_CHANNELS) - {"in_app", "email", "sms", "wechat"}:
    raise ImproperlyConfigured(
        f"FINEGRID_NOTIFY_CHANNELS={','.join(FINEGRID_NOTIFY_CHANNELS)!r} names a channel other "
        "than in_app, email, sms, wechat."
    )
FINEGRID_NOTIFY_MAX_ATTEMPTS = env_int("FINEGRID_NOTIFY_MAX_ATTEMPTS", 6, minimum=1)
FINEGRID_NOTIFY_RETRY_SECONDS = env_int("FINEGRID_NOTIFY_RETRY_SECONDS", 60, minimum=1)
FINEGRID_SMS_SENDER = env_str("FINEGRID_SMS_SENDER", "")
FINEGRID_WECHAT_SENDER = env_str("FINEGRID_WECHAT_SENDER", "")
# Celery (production): settings named CELERY_* are read by config/celery.py.
FINEGRID_REDIS_URL = env_str("FINEGRID_REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = FINEGRID_REDIS_URL
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged only once it has run: a worker killed mid-task leaves it to another.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    name: {"task": "finegrid.run", "schedule": float(seconds), "args": (name, {})}
    # core.run_jobs drains the jobs the broker could not take and the retries of failed tasks.
    for name, seconds in {**FINEGRID_PERIODIC_TASKS, "core.run_jobs": 60}.items()
}
FINEGRID_MAP_TILE_URL = env_str("FINEGRID_MAP_TILE_URL", "")
FINEGRID_MAP_TILE_CRS = env_choice(
    "FINEGRID_MAP_TILE_CRS", "wgs84", frozenset({"wgs84", "gcj02", "bd09"})
)
FINEGRID_MAP_ATTRIBUTION = env_str("FINEGRID_MAP_ATTRIBUTION", "")

# --- API, Open311 and their limits ---------------------------------------------------------------
# The cache holds rate-limit counters; production points it at Redis so all processes share them.
_CACHE_URL = env_str("FINEGRID_CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _CACHE_URL}
        if _CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
FINEGRID_RATE_TOKEN = env_str("FINEGRID_RATE_TOKEN", "1200/min")
FINEGRID_RATE_ANONYMOUS = env_str("FINEGRID_RATE_ANONYMOUS", "120/min")
for _name in ("FINEGRID_RATE_TOKEN", "FINEGRID_RATE_ANONYMOUS"):
    _count, _slash, _period = str(globals()[_name]).partition("/")
    if not _count.isdigit() or _period not in {"s", "sec", "m", "min", "h", "hour", "d", "day"}:
        raise ImproperlyConfigured(f"{_name} must look like 600/min, not {globals()[_name]!r}.")
FINEGRID_TRUSTED_PROXIES = env_int("FINEGRID_TRUSTED_PROXIES", 0, minimum=0)
# A whole request (form fields and photos together) is refused above this size with a 413.
FINEGRID_MAX_REQUEST_BYTES = env_int(
    "FINEGRID_MAX_REQUEST_MB", 4 * FINEGRID_MAX_PHOTO_BYTES // (1024 * 1024) + 1, minimum=1
) * (1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # the non-file part of a request
FINEGRID_IDEMPOTENCY_DAYS = env_int("FINEGRID_IDEMPOTENCY_DAYS", 7, minimum=1)
NINJA_PAGINATION_PER_PAGE = 50
