"""Errors the search layer raises, whatever the engine behind haystack."""

REPAIR_COMMAND = "manage.py check_index --repair"
OUTDATED = (
    "the search index was written for another schema; run manage.py rebuild_index"
)


class IndexBusy(Exception):
    """Another writer held the index's write lock for the whole wait."""


class IndexOutdated(Exception):
    """The index on disk was written for another schema: rebuild it."""


class IndexDamaged(Exception):
    """The index on disk cannot be read or trusted: rebuild it from the database.

    Raised where the engine opens or reads its storage, for any damage a
    file can suffer (missing, truncated, overwritten, an unreadable table of
    contents); ``reason`` says which, for the log and check_index.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"the search index is damaged ({reason}); run {REPAIR_COMMAND}"
        )
        self.reason = reason


class IndexMissing(IndexDamaged):
    """There is no index on disk at all (never built, or its folder was lost)."""
