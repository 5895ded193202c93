"""Home, browse, list and document routes."""

from django.urls import path

from documents import views

app_name = "documents"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("documents/", views.DocumentListView.as_view(), name="list"),
    path("documents/<int:pk>/", views.DocumentDetailView.as_view(), name="detail"),
    path("documents/<int:pk>/text.txt", views.document_text, name="text"),
    path("documents/<int:pk>/cite.ris", views.document_ris, name="ris"),
    path("documents/<int:pk>/cite.bib", views.document_bibtex, name="bibtex"),
    path("documents/<int:pk>/print/", views.document_print, name="print"),
    path("documents/<int:pk>/versions/", views.version_list, name="versions"),
    path("documents/<int:pk>/versions/diff/", views.version_diff, name="version_diff"),
    path(
        "documents/<int:pk>/attachments/<int:number>/",
        views.attachment_view,
        name="attachment",
    ),
    path(
        "documents/<int:pk>/attachments/<int:number>/original",
        views.attachment_original,
        name="attachment_original",
    ),
    path(
        "documents/<int:pk>/attachments/<int:number>/text.txt",
        views.attachment_text,
        name="attachment_text",
    ),
    path("regions/", views.RegionView.as_view(), name="regions"),
    path("regions/<path:place>/", views.RegionView.as_view(), name="region"),
    path("years/", views.YearIndexView.as_view(), name="years"),
    path("years/<int:year>/", views.YearView.as_view(), name="year"),
]
