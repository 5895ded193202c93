"""URL routes for plansite."""

from django.contrib import admin
from django.urls import include, path

from plansite.api import api_urls
from plansite.health import healthz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("api/", api_urls()),
    path("", include("search.urls")),
    path("", include("research.urls")),
    path("", include("documents.urls")),
]
