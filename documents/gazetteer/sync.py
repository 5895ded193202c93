"""Bring the Division table in line with the vendored gazetteer data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from documents.gazetteer.loader import DATA_DIR, read_former, read_places

BATCH_SIZE = 2000
# How far a chain of successors is followed (a code renamed in edition after edition).
MAX_HOPS = 8


def _follow(
    code: str | None, former: dict[str, str | None], current_codes: set[str]
) -> str | None:
    for _ in range(MAX_HOPS):
        if code is None or code in current_codes:
            return code
        code = former.get(code)
    return None


def _successor(
    code: str, former: dict[str, str | None], current_codes: set[str]
) -> str | None:
    """The current code a vanished one went to, or its nearest current ancestor."""
    target = _follow(former.get(code), former, current_codes)
    if target is not None:
        return target
    # Division codes nest (330282121 lies in 330282, 3302 and 33); an ancestor that
    # has itself gone (沙县 350427) is followed to its successor (沙县区 350405).
    for size in (9, 6, 4, 2):
        if size < len(code):
            prefix = code[:size]
            target = prefix if prefix in current_codes else None
            target = target or _follow(former.get(prefix), former, current_codes)
            if target is not None:
                return target
    return None


def sync_divisions(manager: Any, data_dir: Path = DATA_DIR) -> dict[str, int]:
    """Make the Division rows match the data; return how many were touched.

    ``manager`` is the Division manager to write through (the historical model's in
    a migration). Current rows are created or updated; rows whose code left the data
    are kept, flagged not current and linked to their successor.
    """
    Division = manager.model
    places = list(read_places(data_dir))
    codes = {place.code for place in places}
    existing = {
        row["code"]: row
        for row in manager.values(
            "code", "name", "level", "parent_id", "current", "successor_id"
        )
    }
    created, changed = [], []
    for place in places:  # parents before children
        parent = place.parent_code if place.parent_code in codes else None
        wanted = (place.name, place.level, parent, True, None)
        row = existing.get(place.code)
        if row is not None and wanted == (
            row["name"],
            row["level"],
            row["parent_id"],
            row["current"],
            row["successor_id"],
        ):
            continue
        division = Division(
            code=place.code,
            name=place.name,
            level=place.level,
            parent_id=parent,
            current=True,
            successor_id=None,
        )
        (created if row is None else changed).append(division)
    manager.bulk_create(created, batch_size=BATCH_SIZE)
    manager.bulk_update(
        changed,
        ["name", "level", "parent", "current", "successor"],
        batch_size=BATCH_SIZE,
    )
    # A code the data no longer has is never deleted: documents may refer to it
    # (PROTECT). It stays as a former row pointing at where it went.
    former = {row.place.code: row.successor_code for row in read_former(data_dir)}
    gone = []
    for code, row in existing.items():
        if code in codes:
            continue
        successor = _successor(code, former, codes)
        if row["current"] or row["successor_id"] != successor:
            gone.append(Division(code=code, current=False, successor_id=successor))
    manager.bulk_update(gone, ["current", "successor"], batch_size=BATCH_SIZE)
    return {"created": len(created), "updated": len(changed), "former": len(gone)}
