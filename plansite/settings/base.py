"""All settings are declared here; environments differ only by PLANSITE_* variables."""

from __future__ import annotations

import dj_database_url

from plansite import env

BASE_DIR = env.BASE_DIR

# All runtime state lives under one directory that a single variable can move.
VAR_DIR = env.get_path("PLANSITE_VAR_DIR", BASE_DIR / "var")
LOG_DIR = VAR_DIR / "logs"
WHOOSH_INDEX_DIR = VAR_DIR / "whoosh_index"
JIEBA_CACHE_DIR = VAR_DIR / "cache"
for _dir in (VAR_DIR, LOG_DIR, JIEBA_CACHE_DIR):
    _dir.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env.get_str(
    "PLANSITE_SECRET_KEY", "dev-insecure-key-change-me-in-production-0123456789"
)
DEBUG = env.get_bool("PLANSITE_DEBUG", False)
ALLOWED_HOSTS = env.get_list("PLANSITE_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Before haystack, so that our rebuild_index (parallel, checked) is the one run.
    "search",
    "haystack",
    "documents",
    "research",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves the vendored static files in production (no CDN, no separate server).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # An index written for another schema gets a 503 that says how to fix it.
    "search.middleware.SearchUnavailableMiddleware",
]

ROOT_URLCONF = "plansite.urls"
WSGI_APPLICATION = "plansite.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite under VAR_DIR is the embedded default; DATABASE_URL selects PostgreSQL.
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'plansite.sqlite3'}",
        conn_max_age=env.get_int("PLANSITE_DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        # Wait up to 30 s for a concurrent writer (an import) ...
        timeout=30,
        # ... which only works if a transaction takes the write lock when it
        # begins: one that read first (an admin save) and then asked for the
        # lock failed at once with "database is locked".
        transaction_mode="IMMEDIATE",
        # Readers and the one writer never wait for each other.
        init_command="PRAGMA journal_mode=WAL;",
    )

# Backups (manage.py backup_archive / restore_archive, docs/runbook.md): the
# default folder for archives, and where pg_dump/pg_restore are when not on
# PATH (e.g. /usr/lib/postgresql/16/bin for a newer server).
BACKUP_DIR = env.get_path("PLANSITE_BACKUP_DIR", VAR_DIR / "backups")
PG_BINDIR = env.get_str("PLANSITE_PG_BINDIR", "")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_VALIDATORS = "django.contrib.auth.password_validation."
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": _VALIDATORS + "UserAttributeSimilarityValidator"},
    {"NAME": _VALIDATORS + "MinimumLengthValidator"},
    {"NAME": _VALIDATORS + "CommonPasswordValidator"},
    {"NAME": _VALIDATORS + "NumericPasswordValidator"},
]

# The site speaks Chinese whatever the browser asks for, until an English
# translation exists (then add LocaleMiddleware back).
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
# collectstatic fills it in production; WhiteNoise warns on each request
# while it is missing.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Import limits: a single document larger than this is not a document.
PLANSITE_MAX_DOCUMENT_BYTES = env.get_int(
    "PLANSITE_MAX_DOCUMENT_BYTES", 5 * 1024 * 1024
)
# Record files (JSON lines, CSV) hold many documents and may be larger.
PLANSITE_MAX_RECORD_FILE_BYTES = env.get_int(
    "PLANSITE_MAX_RECORD_FILE_BYTES", 200 * 1024 * 1024
)

# Large downloads (exports, concordances) one web process streams at once; more
# are answered 429, so that readers always find a free worker thread.
PLANSITE_MAX_DOWNLOADS = env.get_int("PLANSITE_MAX_DOWNLOADS", 2)

# Search: haystack with Whoosh under VAR_DIR. Switching engines is a settings change.
HAYSTACK_CONNECTIONS = {
    "default": {
        "ENGINE": env.get_str(
            "PLANSITE_SEARCH_ENGINE", "search.backend.PlansiteWhooshEngine"
        ),
        "PATH": str(WHOOSH_INDEX_DIR),
        "URL": env.get_str("PLANSITE_SEARCH_URL", ""),
        "INDEX_NAME": env.get_str("PLANSITE_SEARCH_INDEX_NAME", "plansite"),
    },
}
# Worker processes for a full index rebuild; 0 means one per core.
SEARCH_INDEX_PROCS = env.get_int("PLANSITE_INDEX_PROCS", 0)
# Seconds a batch index write (import, check_index, rebuild) waits for Whoosh's
# write lock; admin edits wait SEARCH_EDIT_WAIT, then finish in the background.
SEARCH_WRITE_WAIT = env.get_float("PLANSITE_SEARCH_WRITE_WAIT", 600.0)
SEARCH_EDIT_WAIT = env.get_float("PLANSITE_SEARCH_EDIT_WAIT", 2.0)
# Memory for decoded posting lists per process (search/engine/postings.py), and
# documents per index segment in a rebuild (bounds the rebuild's memory).
SEARCH_CACHE_MB = env.get_int("PLANSITE_SEARCH_CACHE_MB", 256)
SEARCH_SEGMENT_DOCS = env.get_int("PLANSITE_SEARCH_SEGMENT_DOCS", 5_000)
# Segment with rjieba where it cuts as jieba does (search/tokenizer.py); off
# means jieba alone, the reference, about twenty times slower.
SEARCH_FAST_JIEBA = env.get_bool("PLANSITE_FAST_JIEBA", True)
# Per-save indexing is off; the import and admin services update the index explicitly.
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "file": {
            "class": "logging.handlers.RotatingFileHandler",
            "filename": str(LOG_DIR / "plansite.log"),
            "maxBytes": 5 * 1024 * 1024,
            "backupCount": 3,
            "encoding": "utf-8",
            # A traceback may quote a file name that is not UTF-8 (surrogates):
            # write it escaped rather than lose the record.
            "errors": "backslashreplace",
            "formatter": "plain",
        },
    },
    "root": {"handlers": ["file"], "level": "INFO"},
    "loggers": {
        "django": {"handlers": ["console", "file"], "level": "WARNING"},
        "jieba": {"level": "WARNING"},
    },
}
