"""Search: the index, tokeniser, query parser and highlighting. Only this app imports
haystack, whoosh or jieba, so an engine change touches one folder.

The names below are search's public API for the other apps' pages and commands.
They load on first use (PEP 562): Django imports this package while it loads the
apps, before any model may be imported.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

# Public name -> the module that defines it.
_EXPORTS = {
    "find_spans": "search.highlight",
    "highlight_full": "search.highlight",
    "fold": "search.normalise",
    "Form": "search.normalise",
    "link_params": "search.forms",
    "Unit": "search.query",
    "QueryError": "search.query",
    "parse_query": "search.query",
    "terms_of": "search.query",
    "similar_document_ids": "search.similar",
    "IndexBusy": "search.errors",
    "IndexDamaged": "search.errors",
    "index_after_import": "search.upkeep",
    "import_advice": "search.upkeep",
    "sync_index_after_edit": "search.upkeep",
    "flush_pending_index_writes": "search.outbox",
    "pending_index_writes": "search.outbox",
    "wait_for_background_index_writes": "search.tasks",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'search' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
