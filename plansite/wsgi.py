"""WSGI entry point (gunicorn plansite.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plansite.settings.prod")
application = get_wsgi_application()
