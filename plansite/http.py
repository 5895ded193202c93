"""The one rule for visitors' methods: they read (GET, HEAD, OPTIONS), never write."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

READ_METHODS = ("GET", "HEAD", "OPTIONS")


def read_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """GET and HEAD reach ``view``; OPTIONS lists the methods; the rest get 405.

    HEAD runs the GET view so that status and headers match; the server drops
    the body (gunicorn, runserver and Django's test client all do), as for the
    class-based views. Monitors and link checkers send HEAD; ``require_GET``
    refused it.
    """
    allowed = require_http_methods(list(READ_METHODS))(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method == "OPTIONS":
            response = HttpResponse()
            response["Allow"] = ", ".join(READ_METHODS)
            response["Content-Length"] = "0"
            return response
        return allowed(request, *args, **kwargs)

    return wrapper
