"""Research routes: the tool pages (their JSON twins are in plansite/api.py)."""

from django.urls import path

from research import views

app_name = "research"

urlpatterns = [
    path("research/", views.index, name="index"),
    path("research/trend/", views.trend_page, name="trend"),
    path("research/kwic/", views.kwic_page, name="kwic"),
    path("research/compare/", views.compare_page, name="compare"),
    path("research/export/", views.export_page, name="export"),
    path("research/api/", views.api_docs, name="api-docs"),
]
