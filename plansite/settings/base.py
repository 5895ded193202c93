"""All settings are declared here; environments differ only by PLANSITE_* variables."""

from __future__ import annotations

import os
from datetime import timedelta

import dj_database_url

from plansite import env
from plansite.logs import logging_config

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
    # Security: admin login lockout, Content-Security-Policy (settings below).
    "axes",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Security headers on every answer, the 503 and error pages included.
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
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
    # Last, as django-axes asks: turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
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

# Attachments (附件: PDF, Word, WPS, sheets, OFD, images, bundles) have limits of
# their own; PLANSITE_MAX_DOCUMENT_BYTES is for text documents. The originals
# are kept once each under ATTACHMENT_DIR by SHA-256; their text is in the database.
ATTACHMENT_DIR = env.get_path("PLANSITE_ATTACHMENT_DIR", VAR_DIR / "attachments")
PLANSITE_ATTACHMENT_MAX_FILE_BYTES = env.get_int(
    "PLANSITE_ATTACHMENT_MAX_FILE_BYTES", 100 * 1024 * 1024
)
# Pages read per document (all its attachments together); more are cut off, noted.
PLANSITE_ATTACHMENT_MAX_PAGES = env.get_int("PLANSITE_ATTACHMENT_MAX_PAGES", 300)
PLANSITE_ATTACHMENT_MAX_DOCUMENT_BYTES = env.get_int(
    "PLANSITE_ATTACHMENT_MAX_DOCUMENT_BYTES", 300 * 1024 * 1024
)
# Each extraction runs in its own process with these limits (sandbox.py); the
# text limit counts for all of one document's attachments together.
PLANSITE_EXTRACT_TIMEOUT = env.get_float("PLANSITE_EXTRACT_TIMEOUT", 600.0)
PLANSITE_EXTRACT_MEMORY_BYTES = env.get_int(
    "PLANSITE_EXTRACT_MEMORY_BYTES", 2 * 1024 * 1024 * 1024
)
PLANSITE_EXTRACT_MAX_TEXT_CHARS = env.get_int(
    "PLANSITE_EXTRACT_MAX_TEXT_CHARS", 5 * 1024 * 1024
)
# Extractions an import runs at once, reading the next documents' attachments
# while it stores the current one (documents/attachments/ahead.py; 0 or 1: one
# at a time).
PLANSITE_EXTRACT_WORKERS = env.get_int(
    "PLANSITE_EXTRACT_WORKERS", min(os.cpu_count() or 1, 4)
)
PLANSITE_BUNDLE_MAX_MEMBERS = env.get_int("PLANSITE_BUNDLE_MAX_MEMBERS", 200)
PLANSITE_BUNDLE_MAX_UNPACKED_BYTES = env.get_int(
    "PLANSITE_BUNDLE_MAX_UNPACKED_BYTES", 500 * 1024 * 1024
)
# OCR: Tesseract's languages, and the mean word confidence (0-100) below which
# a page is named for review. 80: on 240 rendered pages (docs/ocr.md) every page
# with a CER over 10% scored under 75 and no page with a CER up to 2% under 87.
PLANSITE_OCR_LANGUAGES = env.get_str("PLANSITE_OCR_LANGUAGES", "chi_sim")
PLANSITE_OCR_MIN_CONFIDENCE = env.get_float("PLANSITE_OCR_MIN_CONFIDENCE", 80.0)

# Harvest (issue 18, documents/harvest/): every request and response is written
# to WARC files under WARC_DIR (in backups, too). A source definition's own
# politeness settings win over these defaults.
WARC_DIR = env.get_path("PLANSITE_WARC_DIR", VAR_DIR / "warc")
PLANSITE_HARVEST_USER_AGENT = env.get_str(
    "PLANSITE_HARVEST_USER_AGENT",
    "plansite-harvester/1.0 (research archive of government work plans)",
)
PLANSITE_HARVEST_DELAY = env.get_float("PLANSITE_HARVEST_DELAY", 2.0)
PLANSITE_HARVEST_TIMEOUT = env.get_float("PLANSITE_HARVEST_TIMEOUT", 30.0)
PLANSITE_HARVEST_RETRIES = env.get_int("PLANSITE_HARVEST_RETRIES", 3)
PLANSITE_HARVEST_MAX_BYTES = env.get_int(
    "PLANSITE_HARVEST_MAX_BYTES", 100 * 1024 * 1024
)
# A WARC file is closed and the next one begun past this size.
PLANSITE_WARC_FILE_BYTES = env.get_int("PLANSITE_WARC_FILE_BYTES", 1024 * 1024 * 1024)

# Large downloads (exports, concordances) one web process streams at once; more
# are answered 429, so that readers always find a free worker thread.
PLANSITE_MAX_DOWNLOADS = env.get_int("PLANSITE_MAX_DOWNLOADS", 2)

# --- Security: admin login lockout, CSP, Permissions-Policy -----------------
# django-axes refuses the admin login after PLANSITE_LOGIN_FAILURES wrong
# passwords for PLANSITE_LOGIN_COOLOFF_MINUTES. Its backend goes first so that a
# locked-out pair never reaches the password check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.get_int("PLANSITE_LOGIN_FAILURES", 5)
_COOLOFF_MINUTES = env.get_float("PLANSITE_LOGIN_COOLOFF_MINUTES", 15.0)
if _COOLOFF_MINUTES <= 0:
    # axes reads no cool-off as "locked until axes_reset": say so, never imply it.
    raise ValueError("PLANSITE_LOGIN_COOLOFF_MINUTES must be more than 0")
AXES_COOLOFF_TIME = timedelta(minutes=_COOLOFF_MINUTES)
# Failures count per username *and* address: knowing the admin's name is not
# enough to lock the admin out from everywhere, and an office behind one NAT
# is not locked out by one colleague's typos.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# A right password clears the pair's failures; only wrong ones accumulate.
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "axes/lockout.html"
# The client's address. With no proxy (dev, tests) REMOTE_ADDR alone: headers
# are the client's own words. Behind PLANSITE_TRUSTED_PROXIES proxies that each
# append to X-Forwarded-For, the client is that many entries from the right;
# whatever a client prepends is left of it. (deploy/nginx/plansite.conf, one
# proxy, replaces the header with the client's address: the same entry.)
TRUSTED_PROXIES = env.get_int("PLANSITE_TRUSTED_PROXIES", 0)
if TRUSTED_PROXIES < 0:
    raise ValueError("PLANSITE_TRUSTED_PROXIES must be 0 or more")
if TRUSTED_PROXIES:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    # ipware counts the proxies listed in the header: all but the last one,
    # whose address is REMOTE_ADDR.
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXIES - 1
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
    AXES_IPWARE_PROXY_COUNT = None
# Strict would drop a chain longer than expected (a client that sent its own
# X-Forwarded-For) and fall back to the proxy's address, shared by everyone.
IPWARE_STRICT = False

# A strict Content-Security-Policy: no inline script or style anywhere (the
# templates use classes; ECharts styles through CSSOM, which CSP allows).
# data: images are pico's inline SVG icons and the empty favicon.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}
# Browser features the site never uses, denied to it and to anything it embeds.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
# --- end of security block ---------------------------------------------------
# The document page shows a long text in parts (documents/parts.py): at most
# this many characters and highlighted hits a page, so that one reader of a
# 5 MiB document with ?q=的 costs a page's work, not the whole text's
# (50,000 characters is some 25 printed pages; bench/huge_page_bench.py).
PLANSITE_DOCUMENT_PART_CHARS = env.get_int("PLANSITE_DOCUMENT_PART_CHARS", 50_000)
PLANSITE_DOCUMENT_PART_MARKS = env.get_int("PLANSITE_DOCUMENT_PART_MARKS", 1_000)

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
# Memory for decoded posting lists per process (search/engine/postings.py).
SEARCH_CACHE_MB = env.get_int("PLANSITE_SEARCH_CACHE_MB", 256)
# A rebuild worker closes its segment at SEARCH_SEGMENT_DOCS documents or at
# SEARCH_SEGMENT_MB of buffered postings (0: a third of the memory shared by
# the workers, at most 4 GB; search.services.segment_bytes). Fewer segments
# search faster and take less disk; each MB costs about a MB of the worker.
SEARCH_SEGMENT_DOCS = env.get_int("PLANSITE_SEARCH_SEGMENT_DOCS", 100_000)
SEARCH_SEGMENT_MB = env.get_int("PLANSITE_SEARCH_SEGMENT_MB", 0)
# Segment with rjieba where it cuts as jieba does (search/tokenizer.py); off
# means jieba alone, the reference, about twenty times slower.
SEARCH_FAST_JIEBA = env.get_bool("PLANSITE_FAST_JIEBA", True)
# Per-save indexing is off; the import and admin services update the index explicitly.
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"

# Logging (plansite/logs.py): one shared, process-safe plansite.log; bad-Host
# noise apart in security.log; gunicorn's access log is deploy/gunicorn.conf.py's.
LOGGING = logging_config(
    LOG_DIR,
    max_bytes=env.get_int("PLANSITE_LOG_MAX_BYTES", 10 * 1024 * 1024),
    backups=env.get_int("PLANSITE_LOG_BACKUPS", 5),
    security_max_bytes=env.get_int("PLANSITE_SECURITY_LOG_MAX_BYTES", 1024 * 1024),
)

# The admin saves a document's whole body (PLANSITE_MAX_DOCUMENT_BYTES of UTF-8)
# as a urlencoded form: up to three bytes on the wire for each byte of text, plus
# the other fields. Django's default (2.5 MB) refused bodies over ~290,000
# Chinese characters; nginx's client_max_body_size for /admin/ matches this.
DATA_UPLOAD_MAX_MEMORY_SIZE = 3 * PLANSITE_MAX_DOCUMENT_BYTES + 1024 * 1024
