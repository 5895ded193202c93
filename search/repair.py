"""check_index's work: read the index whole, compare it with the database, repair it.

repair_index() is the service; the command only prints what it found. The
order is fixed: damage first (comparing needs an index that reads back
whole), then a schema of another version, then the differences.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from search.errors import IndexDamaged
from search.outbox import flush_pending_index_writes, pending_index_writes
from search.services import (
    IndexStatus,
    fold_segments,
    index_damage,
    index_documents,
    index_status,
    quarantine_dir,
    rebuild_index,
    remove_documents,
    unchecked_segments,
)


@dataclass(frozen=True)
class IndexCheck:
    """What repair_index() found and, unless a dry run, did."""

    # Admin edits queued for the index when the check began.
    queued: int
    # Why the index could not be read whole, or None.
    damage: str | None = None
    # The differences found (None when damaged).
    found: IndexStatus | None = None
    # The differences once queued writes were carried out.
    status: IndexStatus | None = None
    # Documents in the rebuilt index (damage or another schema), or None.
    rebuilt: int | None = None
    # Where the damaged index was kept, when one was.
    quarantine: Path | None = None
    # Damage still found after the rebuild.
    still_damaged: str | None = None
    # Segments without checksums (an index sound and in step).
    unchecked: int = 0
    # Documents re-indexed by folding small segments.
    folded: int = 0
    # Documents re-indexed and index entries removed to repair differences.
    reindexed: int | None = None
    removed: int | None = None

    @property
    def outdated(self) -> bool:
        return self.found is not None and self.found.outdated

    @property
    def ok(self) -> bool:
        """The index reads back whole and matches the database."""
        return self.damage is None and self.status is not None and self.status.ok


def inspect_index() -> IndexCheck:
    """What is wrong with the index, changing nothing: queued edits, damage (a
    full read first: comparing needs an index that reads back whole), then the
    differences from the database."""
    queued = pending_index_writes()
    damage = index_damage(full=True)
    found = None
    if damage is None:
        try:
            found = index_status()
        except IndexDamaged as error:
            damage = error.reason
    return IndexCheck(queued=queued, damage=damage, found=found, status=found)


def repair_index(
    check: IndexCheck | None = None, *, dry_run: bool = False
) -> IndexCheck:
    """Repair what ``check`` (inspect_index(), run now when not given) found,
    unless ``dry_run``.

    A damaged index is rebuilt from the database (the damaged one kept in
    quarantine_dir()), one of another schema rebuilt, queued edits carried
    out, missing and stale documents re-indexed, orphans removed, due small
    segments folded. The caller can report the inspection before a repair
    that may take minutes.
    """
    check = check or inspect_index()
    if check.damage is not None:
        if dry_run:
            return check
        count = rebuild_index(quarantine=True)
        flush_pending_index_writes()
        return replace(
            check,
            rebuilt=count,
            quarantine=quarantine_dir(),
            still_damaged=index_damage(),
        )
    found = check.found
    assert found is not None  # inspect_index() gives one or the damage
    if found.outdated:
        if dry_run:
            return check
        count = rebuild_index()
        # Requests queued while it ran; the rest it has read already.
        flush_pending_index_writes()
        return replace(check, rebuilt=count)
    status = found
    if check.queued and not dry_run:
        flush_pending_index_writes()
        status = index_status()
    if status.ok:
        # Small segments an edit left to a background writer that died.
        return replace(
            check,
            status=status,
            unchecked=unchecked_segments(),
            folded=0 if dry_run else fold_segments(),
        )
    if dry_run:
        return replace(check, status=status)
    return replace(
        check,
        status=status,
        reindexed=index_documents(status.missing + status.stale),
        removed=remove_documents(status.orphans),
    )
