"""Search and indexing services, through the engine interface (search/engines.py)."""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from haystack import connections
from haystack.query import SearchQuerySet

from documents.models import Document
from documents.texts import with_parts
from search.engine.facets import FacetCounts
from search.engines import Capability, current_engine
from search.errors import IndexBusy as IndexBusy  # re-exported for callers
from search.errors import IndexDamaged as IndexDamaged
from search.errors import IndexMissing
from search.haystack_query import to_search_queryset
from search.identifiers import identified_documents
from search.normalise import Form
from search.query import Node, Unit, parse_query, terms_of
from search.request import CONTENT_TYPE, SearchRequest
from search.request import FACET_FIELDS as FACET_FIELDS  # re-exported for callers
from search.request import SearchFilters as SearchFilters
from search.request import SortOrder as SortOrder
from search.search_indexes import (
    FINGERPRINT_FIELDS,
    ROWS_PER_QUERY,
    index_fingerprint,
    indexed_province,
    rows_by_id,
)

logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 100
# Below this many documents a rebuild runs in this process.
PARALLEL_MIN_DOCUMENTS = 1000


@dataclass(frozen=True)
class SearchHit:
    """One result: the document id and the fields stored in the index."""

    id: int
    score: float
    title: str
    issuer: str
    township: str
    county: str
    city: str
    province: str
    division_code: str
    category: str
    plan_year: int | None
    doc_date: date | None
    publish_date: date | None
    needs_review: bool
    # online, withdrawn or unknown (documents.models.Availability).
    availability: str = ""


@dataclass(frozen=True)
class SearchPage:
    """One page of results, the total, and facet counts over all matches."""

    total: int
    page: int
    page_size: int
    results: list[SearchHit]
    # Per facet, (value, count) most first: a list, or FacetCounts (which
    # reads as one and makes its tuples as they are read).
    facets: dict[str, Sequence[tuple[Any, int]]] = field(default_factory=dict)
    terms: list[str] = field(default_factory=list)
    query: Node | None = None
    # Documents whose 索引号 or 文号 the query is (search/identifiers.py),
    # shown first on the first page; not counted in ``total``.
    identified: list[SearchHit] = field(default_factory=list)

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _hit(result: Any) -> SearchHit:
    def text(name: str) -> str:
        return getattr(result, name, None) or ""

    def optional(name: str) -> Any:
        return getattr(result, name, None)

    return SearchHit(
        id=int(result.pk),
        # A row looked up rather than searched (document_hit) has no score.
        score=float(getattr(result, "score", 0) or 0),
        title=text("title"),
        issuer=text("issuer"),
        township=text("township"),
        county=text("county"),
        city=text("city"),
        province=text("province"),
        division_code=text("division_code"),
        category=text("category"),
        plan_year=optional("plan_year"),
        doc_date=optional("doc_date"),
        publish_date=optional("publish_date"),
        needs_review=bool(optional("needs_review")),
        availability=text("availability"),
    )


def document_hit(document: Document) -> SearchHit:
    """A SearchHit read from the database row, as the index would give it."""
    return replace(_hit(document), province=indexed_province(document))


def _facets(fields: dict[str, Sequence]) -> dict[str, Sequence[tuple[Any, int]]]:
    facets: dict[str, Sequence[tuple[Any, int]]] = {}
    for name in FACET_FIELDS:
        counts = fields.get(name, [])
        # Documents without a value are not a facet choice.
        if isinstance(counts, FacetCounts):
            # plansite's engine: dropped from its arrays, no tuple made for
            # the thousands of values a page never shows.
            facets[name] = counts.nonempty()
        else:
            facets[name] = [(v, n) for v, n in counts if v not in (None, "") and n]
    return facets


def matching_queryset(
    *, node: Node | None, filters: SearchFilters, sort: str
) -> SearchQuerySet:
    """Every document a parsed query and filters match, in the order ``sort`` names.

    The research tools read all of it through haystack when the engine has
    no Capability.COLUMNS; the same request as the search page's makes the
    same set, so their numbers agree with the page's.
    """
    request = SearchRequest(node=node, filters=filters, sort=sort)
    return to_search_queryset(request)


def matching_columns(
    *,
    node: Node | None,
    filters: SearchFilters,
    sort: str,
    fields: Sequence[str],
    occurrences_of: Sequence[str] = (),
) -> dict[str, list] | None:
    """Index columns of every document the query and filters match, in order.

    ``occurrences_of`` adds each term's occurrences per document
    ("occurrences:<term>"). None when the engine cannot answer this way (the
    callers then read the result set through haystack and the database).
    """
    engine = current_engine()
    if Capability.COLUMNS not in engine.capabilities:
        return None
    return engine.match_columns(
        SearchRequest(node=node, filters=filters, sort=sort),
        fields=fields,
        occurrences_of=occurrences_of,
    )


def search_documents(
    *,
    query: str,
    filters: SearchFilters,
    sort: str,
    page: int,
    page_size: int,
    form: Form = Form.FOLDED,
    near: Unit | None = None,
) -> SearchPage:
    """One page of documents matching the query and filters.

    Raises search.query.QueryError (with a message for the user) for a query
    that cannot be parsed. An empty query lists every document.
    """
    node = parse_query(query, form=form, near=near)
    page_size = min(max(1, page_size), MAX_PAGE_SIZE)
    page = max(1, page)
    request = SearchRequest(node=node, filters=filters, sort=sort, facets=FACET_FIELDS)
    start = (page - 1) * page_size
    found = current_engine().find(request, start=start, stop=start + page_size)
    identified = identified_documents(query, node, filters) if page == 1 else []
    return SearchPage(
        total=found.total,
        page=page,
        page_size=page_size,
        results=[_hit(r) for r in found.results if r is not None],
        facets=_facets(found.facets),
        terms=terms_of(node),
        query=node,
        identified=[document_hit(document) for document in identified],
    )


def _index():
    return connections["default"].get_unified_index().get_index(Document)


def _batches(ids: list[int], found: set[int]) -> Iterator[list[Document]]:
    for batch in rows_by_id(_index(), ids):
        found.update(doc.pk for doc in batch)
        yield batch


def index_documents(
    ids: Iterable[int], *, wait: float | None = None, fold_limit: int | None = None
) -> int:
    """(Re)index the given documents; ids not in the database are removed.

    Waits up to ``wait`` seconds (default settings.SEARCH_WRITE_WAIT) for the
    index's write lock, then reads the rows: whatever committed first, the
    index ends with what the database holds. search.errors.IndexBusy after the wait.
    The commit folds small segments that are due (search/engine/folding.py),
    re-indexing at most ``fold_limit`` documents of theirs when given.
    """
    ids = sorted(set(ids))
    found: set[int] = set()
    engine = current_engine()
    if engine.index_missing():
        # The first import of a new site, or an index folder that was lost:
        # index every document, not only these (one process: this may be a
        # web process's thread).
        rebuild_index(procs=1)
        return len(ids)
    # One writer and one commit for all batches where the engine can (Whoosh
    # allows one writer at a time); the database is read a batch at a time.
    engine.update_batches(
        _index(), _batches(ids, found), wait=wait, fold_limit=fold_limit
    )
    gone = [pk for pk in ids if pk not in found]
    if gone:
        remove_documents(gone, wait=wait)
    return len(found)


def index_missing() -> bool:
    """Whether there is no index on disk at all (plansite's Whoosh engine)."""
    return current_engine().index_missing()


def folds_due() -> bool:
    """Whether the index has small segments due to be folded together."""
    return current_engine().folds_due()


def fold_segments(*, wait: float | None = None) -> int:
    """Fold every small segment that is due; the number of documents re-indexed.

    The engines other than plansite's Whoosh manage their segments themselves.
    """
    return current_engine().fold_segments(_index(), wait=wait)


def remove_documents(ids: Iterable[int], *, wait: float | None = None) -> int:
    """Remove the given document ids from the index (one commit)."""
    ids = sorted(set(ids))
    if not ids:
        return 0
    identifiers = [f"{CONTENT_TYPE}.{pk}" for pk in ids]
    engine = current_engine()
    if engine.index_missing():
        return 0
    engine.remove_many(identifiers, wait=wait)
    return len(ids)


def index_procs() -> int:
    """Worker processes for a full rebuild: PLANSITE_INDEX_PROCS, else the cores."""
    configured = getattr(settings, "SEARCH_INDEX_PROCS", None)
    return max(1, int(configured or os.cpu_count() or 1))


# The automatic segment budget: at most this much buffered postings a worker,
# and all workers' together at most a third of the machine's memory (a worker
# peaks at about its budget plus 1.3 GB: jieba's dictionary, the sort).
_SEGMENT_MB_CAP = 4096
_SEGMENT_MB_FLOOR = 256


def machine_memory_mb() -> int | None:
    """The memory this process may use: the cgroup's limit when it has one,
    else the machine's; None where neither can be read."""
    limit = None
    try:
        text = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if text.isdigit():
            limit = int(text) >> 20
    except OSError:
        pass
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") >> 20
    except (ValueError, OSError, AttributeError):
        return limit
    return min(physical, limit) if limit else physical


def segment_bytes(procs: int) -> int:
    """Buffered postings at which a rebuild worker closes its segment.

    PLANSITE_SEARCH_SEGMENT_MB when set; else a third of the memory shared by
    the ``procs`` workers, between 256 MB and 4 GB (4 GB is about 25,000
    documents of 5,000 characters: at 24 GB and two workers, a 50,000-document
    archive is two segments).
    """
    configured = int(getattr(settings, "SEARCH_SEGMENT_MB", 0) or 0)
    if configured > 0:
        return configured << 20
    memory = machine_memory_mb() or 3 * _SEGMENT_MB_FLOOR * procs
    share = memory // 3 // max(1, procs)
    return min(_SEGMENT_MB_CAP, max(_SEGMENT_MB_FLOOR, share)) << 20


def _write_part(ids: list[int], *, segment_bytes: int) -> list:
    """Index one share of the documents into new segments (a rebuild worker)."""
    # Called only by the rebuild of plansite's Whoosh backend (the worker of
    # Capability.SWAP_REBUILD), in this process or a forked one.
    return (
        connections["default"]
        .get_backend()
        .write_segments(
            _index(),
            _batches(ids, set()),
            segment_docs=settings.SEARCH_SEGMENT_DOCS,
            segment_bytes=segment_bytes,
        )
    )


def quarantine_dir() -> Path:
    """Where check_index --repair keeps the last damaged index, for diagnosis."""
    return Path(settings.VAR_DIR) / "index-quarantine"


def rebuild_index(procs: int | None = None, *, quarantine: bool = False) -> int:
    """Replace the index with every document in the database; returns the count.

    The old index is never read: the new one is built in a folder of its own
    and swapped in whole, so searches see the old index until then, and a
    damaged or missing one is no obstacle. With ``quarantine`` the old folder
    is kept under quarantine_dir() (only the latest: each repair replaces the
    one before), else deleted. Archives of PARALLEL_MIN_DOCUMENTS or more are
    indexed by ``procs`` processes (one per core by default), each taking a
    contiguous share of the documents.
    """
    procs = index_procs() if procs is None else max(1, procs)
    ids = list(Document.objects.order_by("pk").values_list("pk", flat=True))
    engine = current_engine()
    if len(ids) < PARALLEL_MIN_DOCUMENTS:
        procs = 1
    share = -(-len(ids) // procs) if ids else 0
    parts = [ids[i : i + share] for i in range(0, len(ids), share)] if ids else []
    keep_old = None
    if quarantine:
        live = settings.HAYSTACK_CONNECTIONS["default"].get("PATH") or "index"
        keep_old = quarantine_dir() / Path(live).name
    worker = functools.partial(_write_part, segment_bytes=segment_bytes(procs))
    return engine.rebuild(_index(), parts, worker, procs=procs, keep_old=keep_old)


def index_damage(*, full: bool = False) -> str | None:
    """Why the index on disk cannot be trusted, or None.

    ``full`` reads every byte of it (check_index); otherwise its files are
    checked as a search checks them (/healthz). Engines other than
    plansite's Whoosh report no damage here.
    """
    return current_engine().index_damage(full=full)


def unchecked_segments() -> int:
    """Index segments without checksums (written by an older version)."""
    return current_engine().unchecked_segments()


@dataclass(frozen=True)
class IndexStatus:
    """Differences between the database and the index."""

    missing: list[int]
    stale: list[int]
    orphans: list[int]
    # Written by another version of the code (other fields or formats).
    outdated: bool = False

    @property
    def ok(self) -> bool:
        return not (self.outdated or self.missing or self.stale or self.orphans)


def indexed_fingerprints() -> dict[int, str]:
    """The fingerprint stored in the index for every indexed document.

    Nothing when there is no index at all (a new site's first import).
    """
    sqs = SearchQuerySet().models(Document)
    try:
        total = sqs.count()
    except IndexMissing:
        return {}
    if not total:
        return {}
    rows = sqs.values_list("pk", "fingerprint")[:total]
    return {int(pk): fingerprint or "" for pk, fingerprint in rows}


def database_fingerprints(
    ids: Iterable[int] | None = None,
) -> Iterator[tuple[int, str]]:
    """(id, fingerprint) of the documents (all of them by default), in batches."""
    fields = ("pk", "title", "body", *FINGERPRINT_FIELDS)
    if ids is None:
        ids = Document.objects.order_by("pk").values_list("pk", flat=True)
    ids = sorted(ids)
    for offset in range(0, len(ids), ROWS_PER_QUERY):
        chunk = ids[offset : offset + ROWS_PER_QUERY]
        documents = with_parts(Document.objects.only(*fields).filter(pk__in=chunk))
        for document in documents:
            yield document.pk, index_fingerprint(document)


def index_status() -> IndexStatus:
    """Documents missing from the index, whose entry no longer matches their row
    (stale), or indexed but no longer in the database (orphans)."""
    if current_engine().needs_rebuild():
        return IndexStatus(missing=[], stale=[], orphans=[], outdated=True)
    indexed = indexed_fingerprints()
    database = dict(database_fingerprints())
    missing = sorted(set(database) - set(indexed))
    orphans = sorted(set(indexed) - set(database))
    stale = sorted(
        pk for pk in set(database) & set(indexed) if indexed[pk] != database[pk]
    )
    return IndexStatus(missing=missing, stale=stale, orphans=orphans)


def behind_in_index(ids: Iterable[int]) -> list[int]:
    """Those of ``ids`` whose index entry is missing or does not match the row."""
    ids = set(ids)
    if not ids:
        return []
    indexed = indexed_fingerprints()
    return sorted(pk for pk, fp in database_fingerprints(ids) if indexed.get(pk) != fp)
