"""Research routes: the tool pages and their JSON twins under /api/."""

from django.urls import path

from research import api, views

app_name = "research"

urlpatterns = [
    path("research/", views.index, name="index"),
    path("research/trend/", views.trend_page, name="trend"),
    path("research/kwic/", views.kwic_page, name="kwic"),
    path("research/compare/", views.compare_page, name="compare"),
    path("research/export/", views.export_page, name="export"),
    path("research/api/", views.api_docs, name="api-docs"),
    path("api/trend", api.trend_api, name="api-trend"),
    path("api/kwic", api.kwic_api, name="api-kwic"),
    path("api/compare", api.compare_api, name="api-compare"),
    path("api/export", api.export_api, name="api-export"),
    path("api/openapi.json", api.openapi_json, name="openapi"),
]
