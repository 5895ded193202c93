"""WSGI entry point (gunicorn plansite.wsgi; runserver loads it too)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plansite.settings.prod")
application = get_wsgi_application()

# A web process loads jieba and the index's columns before its first search.
from search.warmup import warm_up_in_background  # noqa: E402

warm_up_in_background()

# Attachments a stopped process left to read (admin uploads) are read now.
from documents.attachments.queue import resume_in_background  # noqa: E402

resume_in_background()
