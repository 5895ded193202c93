"""URL routes for plansite."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("search.urls")),
    path("", include("research.urls")),
    path("", include("documents.urls")),
]
