"""Pages that need the search index answer 503, with the fix, while it is unreadable."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from search.errors import REPAIR_COMMAND, IndexDamaged, IndexMissing, IndexOutdated

# Seconds a client is asked to wait: a rebuild of a few thousand documents.
RETRY_AFTER_SECONDS = 300


class SearchUnavailableMiddleware:
    """Turns IndexOutdated and IndexDamaged into a 503 page (JSON for the API).

    The browse and document pages read the database only and keep working.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        if isinstance(exception, IndexOutdated):
            message = _(
                "检索索引是旧版本写成的，需要重建："
                "请管理员运行 manage.py rebuild_index。"
            )
            state = "outdated"
        elif isinstance(exception, IndexMissing):
            message = _(
                "检索索引不存在（尚未建立或已丢失），浏览和文档页面不受影响。"
                "请管理员运行 manage.py check_index --repair（按数据库重建索引）。"
            )
            state = "damaged"
        elif isinstance(exception, IndexDamaged):
            # The cause is in the server's log, not for visitors to read.
            message = _(
                "检索索引损坏，正在等待修复；浏览和文档页面不受影响。"
                "请管理员运行 manage.py check_index --repair（按数据库重建索引）。"
            )
            state = "damaged"
        else:
            return None
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse(
                {
                    "error": message,
                    "index": state,
                    "repair": f"python {REPAIR_COMMAND}",
                    "messages": [],
                },
                status=503,
                json_dumps_params={"ensure_ascii": False},
            )
        else:
            html = render_to_string("503.html", {"message": message}, request=request)
            response = HttpResponse(html, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
