"""Production: every secret and host comes from the environment; no defaults."""

import os

from django.core.exceptions import ImproperlyConfigured

from plansite import env
from plansite.settings.base import *  # noqa: F403

DEBUG = False
if not os.environ.get("PLANSITE_SECRET_KEY"):
    raise ImproperlyConfigured("PLANSITE_SECRET_KEY must be set in production")
SECRET_KEY = os.environ["PLANSITE_SECRET_KEY"]
ALLOWED_HOSTS = env.get_list("PLANSITE_ALLOWED_HOSTS")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = env.get_bool("PLANSITE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env.get_int("PLANSITE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Hashed, compressed static files, built by collectstatic into STATIC_ROOT.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
