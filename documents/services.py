"""Writes to documents outside the import: region corrections and index upkeep."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from documents.models import Division, Document

logger = logging.getLogger(__name__)


def region_names(division: Division | None) -> dict[str, str]:
    """Province/city/county/township names and code for a division and its parents."""
    names = {
        "township": "",
        "county": "",
        "city": "",
        "province": "",
        "division_code": "",
    }
    if division is None:
        return names
    names["division_code"] = division.code
    node: Division | None = division
    while node is not None:
        names[node.level] = node.name
        node = node.parent
    # Pseudo-cities (市辖区, 县, …直辖县级行政区划) are not places a reader knows.
    if names["city"] in ("市辖区", "县"):
        names["city"] = names["province"]
    elif names["city"] in ("省直辖县级行政区划", "自治区直辖县级行政区划"):
        names["city"] = ""
    return names


def apply_division(document: Document) -> None:
    """Make the region names agree with the document's division (after an edit)."""
    if document.division_id is None:
        return
    for field, value in region_names(document.division).items():
        setattr(document, field, value)
    if "region" in document.inferred:
        document.inferred = [f for f in document.inferred if f != "region"]


def reindex(document_ids: Iterable[int]) -> None:
    """Bring the search index up to date for these documents (edits, imports)."""
    from search import services as search_services

    search_services.index_documents(list(document_ids))


def unindex(document_ids: Iterable[int]) -> None:
    """Remove deleted documents from the search index."""
    from search import services as search_services

    search_services.remove_documents(list(document_ids))
