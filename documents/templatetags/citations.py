"""The document page's Highwire Press citation_* meta tags (documents/citation.py)."""

from __future__ import annotations

from typing import Any

from django import template

from documents.citation import highwire_tags
from documents.models import Document

register = template.Library()


@register.inclusion_tag("documents/_citation_meta.html", takes_context=True)
def citation_meta(context: template.Context, document: Document) -> dict[str, Any]:
    """<meta name="citation_…"> for reference managers (Zotero, Mendeley)."""
    request = context.get("request")
    path = document.get_absolute_url()
    page_url = request.build_absolute_uri(path) if request is not None else path
    return {"tags": highwire_tags(document, page_url=page_url)}
