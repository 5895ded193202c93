"""Writes to documents: the import as a whole, region corrections, statistics.

The search index is search's to keep (search/upkeep.py): nothing here imports
search, which the import-linter contract in pyproject.toml enforces.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from django.db import connections as db_connections

from documents.ingest.pipeline import ImportSummary, ItemResult, import_paths
from documents.models import Division, Document


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


def refresh_statistics() -> None:
    """Let the database's query planner see the archive's current shape.

    SQLite never gathers statistics by itself, and without them it picks a
    poor index for the browse pages' GROUP BY queries (the year page took
    three times as long). Takes ~0.1 s at 50,000. On PostgreSQL, VACUUM also
    marks the new rows' pages all-visible, so the counts of the browse pages
    are index-only scans at once rather than after autovacuum comes by.
    """
    connection = db_connections["default"]
    table = connection.ops.quote_name(Document._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        else:
            cursor.execute(f"ANALYZE {table}")


def import_documents(
    paths: Sequence[Path],
    *,
    on_result: Callable[[ItemResult], None] | None = None,
    on_file: Callable[[Path], None] | None = None,
) -> ImportSummary:
    """Import the files under ``paths`` and let the planner see the new shape.

    The search index is not touched: the caller asks search to follow
    (search.index_after_import), or leaves it to rebuild_index.
    """
    summary = import_paths(paths, on_result=on_result, on_file=on_file)
    if summary.changed_ids:
        refresh_statistics()
    return summary
