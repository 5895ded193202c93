"""Search routes: the results page and its feed (/api/search is in search/api.py)."""

from django.urls import path

from plansite.http import read_only
from search import views
from search.feeds import search_feed

app_name = "search"

urlpatterns = [
    path("search/", views.search_page, name="page"),
    # The Atom feed of the same search's newest matches (search/feeds.py).
    path("search/feed/", read_only(search_feed), name="feed"),
]
