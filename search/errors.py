"""Errors the search layer raises, whatever the engine behind haystack."""


class IndexBusy(Exception):
    """Another writer held the index's write lock for the whole wait."""


class IndexOutdated(Exception):
    """The index on disk was written for another schema: rebuild it."""
