"""Signal handlers of search: each one only calls a search service."""

from __future__ import annotations

from typing import Any


def index_edited_documents(
    sender: Any, *, document_ids: list[int], **kwargs: Any
) -> None:
    """documents_edited: the index follows the edit once it commits."""
    # Imported here: apps connect their handlers while Django loads, and the
    # engine (haystack, Whoosh, jieba) need not load for commands that never edit.
    from search.upkeep import sync_index_after_edit

    sync_index_after_edit(document_ids)


def follow_search_settings(sender: Any, *, setting: str, **kwargs: Any) -> None:
    """setting_changed: every thread searches the index the settings now name."""
    if setting == "HAYSTACK_CONNECTIONS":
        from search.engines import reconnect

        reconnect()
