"""/healthz: whether the database and the search index answer, for monitors."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from plansite.http import read_only
from search.health import index_answers

logger = logging.getLogger(__name__)


def database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("health check: the database does not answer", exc_info=True)
        return False
    return True


@never_cache
@read_only
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when both answer, else 503; names no host, path, version or error."""
    checks = {"database": database_answers(), "index": index_answers()}
    body = {name: "ok" if ok else "unavailable" for name, ok in checks.items()}
    return JsonResponse(body, status=200 if all(checks.values()) else 503)
