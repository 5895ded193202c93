"""Search routes: the results page (/api/search is in search/api.py)."""

from django.urls import path

from search import views

app_name = "search"

urlpatterns = [
    path("search/", views.search_page, name="page"),
]
