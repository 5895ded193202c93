"""Region paths in URLs: /regions/浙江省/台州市/, "_" for a missing level."""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from documents.models import Document
from documents.selectors import LEVELS, NATIONAL

EMPTY = "_"


def place_url(path: tuple[str, ...]) -> str:
    if not path:
        return reverse("documents:regions")
    return reverse("documents:region", args=["/".join(name or EMPTY for name in path)])


def parse_place(place: str) -> tuple[str, ...]:
    """The path named by the URL; a 404 for more levels than there are."""
    parts = place.strip("/").split("/")
    if (
        not parts
        or len(parts) > len(LEVELS)
        # No place name is blank or holds control characters (PostgreSQL
        # rejects a NUL in a query outright).
        or any(not part or not part.isprintable() for part in parts)
    ):
        raise Http404(_("没有这个地区。"))
    return tuple("" if part == EMPTY else part for part in parts)


def crumbs(path: tuple[str, ...]) -> list[tuple[str, str]]:
    """(label, url) for the region index and every level of ``path``."""
    links = [(_("全部地区"), place_url(()))]
    for depth in range(1, len(path) + 1):
        links.append((path[depth - 1] or _("（未注明）"), place_url(path[:depth])))
    return links


def document_place(document: Document) -> tuple[str, ...]:
    """The document's path down to its most specific known level; 全国 for a
    national document."""
    if document.level == Document.Level.NATIONAL and not document.province:
        return (NATIONAL,)
    path = tuple(getattr(document, level) for level in LEVELS)
    while path and not path[-1]:
        path = path[:-1]
    return path
