"""Pages of the archive, one module per page family."""

from documents.views.attachments import (
    attachment_original,
    attachment_text,
    attachment_view,
)
from documents.views.browse import RegionView, YearIndexView, YearView
from documents.views.citations import document_bibtex, document_print, document_ris
from documents.views.detail import DocumentDetailView, document_text
from documents.views.home import HomeView
from documents.views.lists import DocumentListView
from documents.views.versions import version_diff, version_list

__all__ = [
    "attachment_original",
    "attachment_text",
    "attachment_view",
    "DocumentDetailView",
    "DocumentListView",
    "HomeView",
    "RegionView",
    "YearIndexView",
    "YearView",
    "document_bibtex",
    "document_print",
    "document_ris",
    "document_text",
    "version_diff",
    "version_list",
]
