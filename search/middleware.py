"""Pages that need the search index answer 503, with the fix, while it is outdated."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from search.errors import IndexOutdated


class SearchUnavailableMiddleware:
    """Turns IndexOutdated into a 503 page (or JSON for the API), not a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        if not isinstance(exception, IndexOutdated):
            return None
        message = (
            "检索索引是旧版本写成的，需要重建：请管理员运行 manage.py rebuild_index。"
        )
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"error": message, "messages": []},
                status=503,
                json_dumps_params={"ensure_ascii": False},
            )
        html = render_to_string("503.html", {"message": message}, request=request)
        return HttpResponse(html, status=503)
