"""The JSON API under /api/: one django-ninja API that generates its OpenAPI.

search/api.py and research/api.py hold the endpoints; this module puts them
together, serves /api/openapi.json and gives Django the read-only routes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path
from ninja import NinjaAPI, Router
from ninja.renderers import JSONRenderer

from plansite.form_schema import PARAMETER_RULE
from plansite.http import read_only
from research.api import router as research_router
from search.api import router as search_router

PREFIX = "/api/"


class TextJSONRenderer(JSONRenderer):
    # Chinese stays readable in the answers, as Django's JsonResponse wrote it.
    json_dumps_params = {"ensure_ascii": False}


def _reraise(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Django's middleware answers a damaged index (503 with the fix) and any other
    # error, in DEBUG as in production; ninja would print a traceback in DEBUG.
    raise exc


class PlansiteAPI(NinjaAPI):
    def get_content_type(self) -> str:
        # As Django's JsonResponse wrote it before the API was generated, and as
        # the errors that research/api.py answers still write it (JSON is UTF-8).
        return "application/json"


api = PlansiteAPI(
    title="plansite API",
    version="1",
    description="对政府工作计划档案的检索与研究工具。每个接口都接受与 /search/ 相同的"
    "检索词和筛选参数。" + PARAMETER_RULE,
    renderer=TextJSONRenderer(),
    urls_namespace="api",
    # /api/openapi.json is an endpoint below (with the server's address);
    # ninja's Swagger page would load scripts from elsewhere.
    openapi_url=None,
    docs_url=None,
)
api.add_exception_handler(Exception, _reraise)
api.add_router("", search_router)
api.add_router("", research_router)

meta = Router()


@meta.get(
    "/openapi.json",
    url_name="openapi",
    response={200: dict[str, Any]},
    summary="本说明的机器可读版本（OpenAPI 3.1）",
    openapi_extra={"x-examples": [{}]},
)
def openapi_json(request: HttpRequest) -> dict[str, Any]:
    return openapi_document(server=request.build_absolute_uri("/")[:-1])


api.add_router("", meta)


def openapi_document(*, server: str = "") -> dict[str, Any]:
    """The OpenAPI document of every endpoint; ``server`` is this site's origin."""
    schema = dict(api.get_openapi_schema(path_prefix=PREFIX))
    if server:
        schema["servers"] = [{"url": server}]
    return schema


def _head_as_get(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """HEAD runs the GET endpoint (as Django's View does); the server drops the
    body. Ninja routes by method and would answer HEAD with 405."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method != "HEAD":
            return view(request, *args, **kwargs)
        request.method = "GET"
        try:
            return view(request, *args, **kwargs)
        finally:
            # What drops the body (the server, the test client) looks here.
            request.method = "HEAD"

    return wrapper


def api_urls() -> tuple[list[URLPattern], str, str]:
    """The endpoints as Django routes (namespace ``api``), each read-only like
    every other page: GET and HEAD answer, OPTIONS lists them, the rest get 405."""
    patterns, _app, namespace = api.urls
    routes = [
        path(str(p.pattern), read_only(_head_as_get(p.callback)), name=p.name)
        for p in patterns
        # Ninja's root answers nothing of use (a 404 page) when docs are off.
        if isinstance(p, URLPattern) and p.name != "api-root"
    ]
    return routes, "api", namespace
