"""The search engine interface that search/services.py, similar.py and health.py call.

Every engine answers every method of SearchEngine, some by a fallback; what an
engine does natively it declares in ``capabilities``. plansite's Whoosh
backend (search/backend.py) implements the interface itself; any other
haystack engine (haystack's stock Whoosh, Elasticsearch) is wrapped in
StockEngine, the one place that says what the site does without a
capability. Switching engines stays a settings change; nothing asks an
engine whether it has a method.
"""

from __future__ import annotations

import enum
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from haystack import connections
from haystack.backends import BaseSearchBackend

from documents import fields as metadata
from documents.models import Document
from search.haystack_query import to_search_queryset
from search.request import SearchRequest
from search.search_indexes import rows_by_id
from search.verification import matching_ids, needs_texts


class Capability(enum.Enum):
    """What an engine does itself rather than through StockEngine's fallback."""

    # Index columns of a whole result set without loading its rows.
    COLUMNS = "columns"
    # Waits for a write lock and commits many batches once.
    BATCH_WRITES = "batch_writes"
    # Rebuilds beside the live index and swaps it in whole.
    SWAP_REBUILD = "swap_rebuild"
    # Finds damage in its storage (checksums, a full read).
    DAMAGE_CHECK = "damage_check"
    # Folds the small segments that edits leave.
    FOLDING = "folding"
    # Knows the schema its index was written for (SCHEMA_VERSION).
    SCHEMA_VERSION = "schema_version"
    # Ranks documents like one document.
    SIMILAR = "similar"


@dataclass(frozen=True)
class Found:
    """A page of matches (haystack SearchResults), their total, facet counts."""

    total: int
    results: list[Any]
    # Facet name -> [(value, documents)], as the request named the facets.
    facets: dict[str, list[tuple[Any, int]]] = field(default_factory=dict)


class SearchEngine(Protocol):
    """What the search services need from an engine (``index``: haystack's
    SearchIndex of the model; ``wait``: seconds for a write lock)."""

    capabilities: frozenset[Capability]

    def find(
        self, request: SearchRequest, *, start: int = 0, stop: int | None = None
    ) -> Found:
        """The matches of ``request`` from ``start`` to ``stop``, count and facets."""
        ...

    def match_columns(
        self,
        request: SearchRequest,
        *,
        fields: Sequence[str] = (),
        occurrences_of: Sequence[str] = (),
    ) -> dict[str, list] | None:
        """Columns of every match in order; None without Capability.COLUMNS.

        Each of ``fields`` is a list of the matches' values; ``occurrences_of``
        adds, for each term, its occurrences in each match ("occurrences:<term>").
        """
        ...

    def update_batches(
        self,
        index: Any,
        batches: Iterable[Iterable],
        *,
        wait: float | None = None,
        fold_limit: int | None = None,
    ) -> None:
        """(Re)index every object of every batch."""
        ...

    def remove_many(self, identifiers: Iterable, *, wait: float | None = None) -> None:
        """Delete the documents with these haystack identifiers."""
        ...

    def rebuild(
        self,
        index: Any,
        parts: Sequence[Any],
        worker: Callable[[Any], list],
        *,
        procs: int,
        wait: float | None = None,
        keep_old: Path | None = None,
    ) -> int:
        """Replace the index with the documents of ``parts`` (lists of ids);
        ``worker`` writes one part's segments (Capability.SWAP_REBUILD)."""
        ...

    def index_missing(self) -> bool:
        """Whether there is no index at all (never built, or lost)."""
        ...

    def folds_due(self) -> bool:
        """Whether small segments are due to be folded together."""
        ...

    def fold_segments(self, index: Any, *, wait: float | None = None) -> int:
        """Fold the small segments that are due; the documents re-indexed."""
        ...

    def index_damage(self, *, full: bool) -> str | None:
        """What is wrong with the index's storage, or None."""
        ...

    def unchecked_segments(self) -> int:
        """Segments no checksum vouches for."""
        ...

    def needs_rebuild(self) -> bool:
        """Whether the index was written for another schema."""
        ...

    def index_problem(self) -> str | None:
        """Why the index cannot answer searches now, or None."""
        ...

    def more_like_ids(
        self, identifier: str, text: str | Callable[[], str], *, top: int, numterms: int
    ) -> list[str]:
        """Django ids of the documents most like one, best first."""
        ...


class StockEngine:
    """Any haystack engine through haystack's own API, with the fallbacks."""

    capabilities: frozenset[Capability] = frozenset()

    def __init__(self, backend: BaseSearchBackend) -> None:
        self.backend = backend

    def find(
        self, request: SearchRequest, *, start: int = 0, stop: int | None = None
    ) -> Found:
        sqs = to_search_queryset(request)
        if needs_texts(request.node):
            return _verified(sqs, request, start=start, stop=stop)
        # Slicing runs one query that also fills the count and the facets.
        results = list(sqs[start:stop])
        facets = sqs.facet_counts().get("fields", {}) if request.facets else {}
        # haystack has already renamed township_exact back to township.
        return Found(total=sqs.count(), results=results, facets=_as_stored(facets))

    def match_columns(
        self,
        request: SearchRequest,
        *,
        fields: Sequence[str] = (),
        occurrences_of: Sequence[str] = (),
    ) -> dict[str, list] | None:
        # The callers read the result set through haystack and the database.
        return None

    def update_batches(
        self,
        index: Any,
        batches: Iterable[Iterable],
        *,
        wait: float | None = None,
        fold_limit: int | None = None,
    ) -> None:
        # Elasticsearch takes concurrent writes; there is no lock to wait for.
        for batch in batches:
            # haystack's Whoosh update() takes the write lock and, given no
            # documents, never gives it back.
            if batch:
                self.backend.update(index, batch)

    def remove_many(self, identifiers: Iterable, *, wait: float | None = None) -> None:
        for identifier in identifiers:
            self.backend.remove(identifier)

    def rebuild(
        self,
        index: Any,
        parts: Sequence[Any],
        worker: Callable[[Any], list],
        *,
        procs: int,
        wait: float | None = None,
        keep_old: Path | None = None,
    ) -> int:
        # Empty it, then index in batches (the engine keeps its own storage).
        self.backend.clear(models=[index.get_model()])
        indexed = 0
        for part in parts:
            for batch in rows_by_id(index, part):
                if batch:
                    self.backend.update(index, batch)
                    indexed += len(batch)
        return indexed

    def index_missing(self) -> bool:
        return False

    def folds_due(self) -> bool:
        return False

    def fold_segments(self, index: Any, *, wait: float | None = None) -> int:
        # These engines manage their segments themselves.
        return 0

    def index_damage(self, *, full: bool) -> str | None:
        return None

    def unchecked_segments(self) -> int:
        return 0

    def needs_rebuild(self) -> bool:
        return False

    def index_problem(self) -> str | None:
        return None

    def more_like_ids(
        self, identifier: str, text: str | Callable[[], str], *, top: int, numterms: int
    ) -> list[str]:
        # The page shows the document's other neighbours instead.
        return []


def _stem(value: str) -> str:
    from whoosh.analysis import StemmingAnalyzer

    return " ".join(token.text for token in StemmingAnalyzer()(value))


def _as_stored(facets: dict[str, list]) -> dict[str, list]:
    """Facet counts with each value of a fixed set as stored: haystack's own
    Whoosh backend indexes a facet with its StemmingAnalyzer, and counted
    availability "online" as "onlin" (documents/fields.py CHOICE fields)."""
    fixed = {
        spec.name: {_stem(value): value for value in _choice_values(spec.name)}
        for spec in metadata.INDEXED
        if spec.type is metadata.FieldType.CHOICE
    }
    return {
        name: [(fixed.get(name, {}).get(value, value), n) for value, n in counts]
        if name in fixed
        else counts
        for name, counts in facets.items()
    }


def _choice_values(name: str) -> list[str]:
    """The values a CHOICE field's column may hold."""
    return [str(value) for value, _label in Document._meta.get_field(name).choices]


def _verified(
    sqs: Any, request: SearchRequest, *, start: int, stop: int | None
) -> Found:
    """find() for a query the engine only narrows (proximity, the EXACT
    form: search/verification.py needs_texts): every candidate is checked on
    its text, and the count and facets are those of the documents that match."""
    candidates = list(sqs[: sqs.count()])
    kept = matching_ids([int(r.pk) for r in candidates], request.node)
    results = [r for r in candidates if int(r.pk) in kept]
    facets = {}
    for name in request.facets:
        counts = Counter(getattr(r, name, None) for r in results)
        counts.pop(None, None)
        facets[name] = sorted(counts.items(), key=lambda vc: (-vc[1], str(vc[0])))
    return Found(total=len(results), results=results[start:stop], facets=facets)


def current_engine() -> SearchEngine:
    """The engine haystack's default connection is set to, as a SearchEngine."""
    from search.backend import PlansiteWhooshBackend

    backend = connections["default"].get_backend()
    if isinstance(backend, PlansiteWhooshBackend):
        return backend
    return StockEngine(backend)


def reconnect() -> None:
    """Every thread's engine made again from settings.HAYSTACK_CONNECTIONS.

    haystack keeps one engine a thread, with the options (the index PATH) it
    read from settings when it made it, and reload() remakes only the calling
    thread's: after a settings change (tests) the background index worker
    (search/tasks.py) went on writing to the index it saw first.
    """
    connections.connections_info = settings.HAYSTACK_CONNECTIONS
    # A fresh thread-local store: each thread makes its engine on next use.
    connections.thread_local = threading.local()
