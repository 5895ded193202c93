"""haystack's Whoosh backend with one reused searcher and Chinese-safe schema."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.utils.encoding import force_str
from haystack.backends import log_query
from haystack.backends.whoosh_backend import (
    WhooshEngine,
    WhooshSearchBackend,
    WhooshSearchQuery,
)
from haystack.constants import DJANGO_CT, DJANGO_ID
from haystack.constants import ID as UNIQUE_ID
from haystack.exceptions import SearchBackendError, SkipDocument
from haystack.models import SearchResult
from haystack.utils import get_identifier, get_model_ct
from haystack.utils.app_loading import haystack_get_model
from whoosh import query as wq
from whoosh.fields import DATETIME, ID, NUMERIC, STORED, TEXT
from whoosh.index import LockError
from whoosh.multiproc import MpWriter
from whoosh.sorting import Count, DateRangeFacet, FieldFacet
from whoosh.support.relativedelta import relativedelta
from whoosh.writing import CLEAR, SegmentWriter

from search.analyzers import ExactPositions, ExactTokenizer
from search.errors import IndexBusy
from search.query import EXACT_FIELD

MATCH_ALL = "*"
# The writer's in-memory posting buffer before it spills a sorted run to disk.
WRITER_LIMIT_MB = 256
# Whoosh allows one writer at a time. A writer waits for the lock, polling at
# this interval, up to the ``wait`` its caller gives (settings.SEARCH_WRITE_WAIT).
LOCK_POLL_SECONDS = 0.1
BUSY = "the search index is being written by another process"


def _everything(q: wq.Query) -> wq.Query:
    # The parser reads "*" as Every(<default field>), which skips documents
    # with no terms in that field; the match-all must not depend on a field.
    return wq.Every() if isinstance(q, wq.Every) else q


def _day(value: date) -> datetime:
    return value if isinstance(value, datetime) else datetime(*value.timetuple()[:3])


class PlansiteWhooshBackend(WhooshSearchBackend):
    """Whoosh backend for plansite.

    - Keeps one searcher per backend (haystack keeps one backend per thread)
      and refreshes it when the index changes, instead of opening the index
      and a searcher for every query.
    - Schema: analysed text fields are neither sortable nor spell-checked nor
      stored unless asked; plain strings are untokenised ID fields, so filters
      and facets use exact names.
    - Search: 1-character queries work, "*" matches every document, model and
      narrow restrictions go into the query (a Whoosh filter= miscounts), and
      hits on the exact field are ranked with the jieba ``text`` field.
    """

    def __init__(self, connection_alias: str, **connection_options: Any) -> None:
        super().__init__(connection_alias, **connection_options)
        self._searcher = None
        self._searcher_lock = threading.Lock()
        self.include_spelling = False

    def setup(self) -> None:
        self._close_searcher()
        super().setup()

    def _close_searcher(self) -> None:
        searcher, self._searcher = getattr(self, "_searcher", None), None
        if searcher is not None:
            searcher.close()

    def searcher(self):
        """The current searcher, refreshed if a writer has committed since."""
        if not self.setup_complete:
            self.setup()
        with self._searcher_lock:
            if self._searcher is None:
                self._searcher = self.index.searcher()
            else:
                # refresh() returns the same searcher while the index is unchanged.
                self._searcher = self._searcher.refresh()
            return self._searcher

    def delete_index(self) -> None:
        self._close_searcher()
        super().delete_index()

    def _writer(self, wait: float | None) -> SegmentWriter:
        """A writer, once the index's write lock is free; LockError after ``wait`` s.

        Every write in this backend goes through here (haystack's remove()
        and clear() open a writer that fails at once when the lock is taken).
        Documents are read from the database only after this returns, so the
        last writer to commit always writes what the database holds.
        """
        if not self.setup_complete:
            self.setup()
        self.index = self.index.refresh()
        try:
            return self.index.writer(
                timeout=self._wait(wait),
                delay=LOCK_POLL_SECONDS,
                limitmb=WRITER_LIMIT_MB,
            )
        except LockError as error:
            raise IndexBusy(BUSY) from error

    @staticmethod
    def _wait(wait: float | None) -> float:
        if wait is not None:
            return wait
        from django.conf import settings

        return float(getattr(settings, "SEARCH_WRITE_WAIT", 600))

    def update(self, index, iterable, commit=True) -> None:
        self.update_batches(index, [iterable])

    def update_batches(
        self,
        index,
        batches: Iterable[Iterable],
        *,
        wait: float | None = None,
        replace: bool = False,
    ) -> None:
        """(Re)index every object of every batch with one writer and one commit.

        haystack's update() calls Whoosh's update_document, which opens a new
        searcher over the committed segments for every document; each open
        copies the segment's files out of the compound file, so a batch cost
        grew with the index (about 0.2 s a document at 2,000 documents). Here
        each batch looks its ids up with one searcher, deletes them, then adds:
        the same documents end up in the index. One commit for all batches
        also avoids a segment and a merge per batch. ``replace`` drops every
        other document in the same commit (a rebuild under one lock).
        """
        writer = self._writer(wait)
        try:
            for batch in batches:
                docs = [d for d in (self._document(index, obj) for obj in batch) if d]
                if not docs:
                    continue
                if not replace:
                    # Like update_document, this sees committed documents only.
                    with writer.searcher() as searcher:
                        for doc in docs:
                            docnum = searcher.document_number(
                                **{UNIQUE_ID: doc[UNIQUE_ID]}
                            )
                            if docnum is not None:
                                writer.delete_document(docnum)
                for doc in docs:
                    try:
                        writer.add_document(**doc)
                    except Exception:
                        if not self.silently_fail:
                            raise
                        self.log.exception(
                            "Preparing object for update",
                            extra={"data": {"id": doc[UNIQUE_ID]}},
                        )
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=CLEAR) if replace else writer.commit()

    def remove(self, obj_or_string, commit=True, *, wait: float | None = None) -> None:
        """Delete one document, waiting for the write lock like every writer here."""
        self.remove_many([obj_or_string], wait=wait)

    def remove_many(
        self, objs_or_strings: Iterable, *, wait: float | None = None
    ) -> None:
        """Delete documents in one commit, waiting for the write lock."""
        writer = self._writer(wait)
        try:
            for obj_or_string in objs_or_strings:
                writer.delete_by_term(UNIQUE_ID, get_identifier(obj_or_string))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def clear(self, models=None, commit=True, *, wait: float | None = None) -> None:
        """Empty the index (or drop some models) in one commit under the lock.

        haystack deletes the index directory instead, which pulls the files
        from under a writer that another process holds.
        """
        writer = self._writer(wait)
        try:
            if models is None:
                writer.commit(mergetype=CLEAR)
                return
            for model in models:
                writer.delete_by_term(DJANGO_CT, get_model_ct(model))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def build_batches(
        self,
        index,
        batches: Iterable[Iterable],
        procs: int,
        *,
        wait: float | None = None,
    ) -> int:
        """Replace the index with every object, indexed by ``procs`` processes.

        Analysis (jieba) and posting writing are pure Python and CPU-bound, so
        one process uses one core. Whoosh's MpWriter hands documents to worker
        processes that each write their own segment (multisegment: no serial
        merge afterwards); the commit drops the old segments, all under one
        lock. MpWriter drops a worker's segment silently if the worker dies, so
        the committed count is checked. Returns the count.
        """
        if not self.setup_complete:
            self.setup()
        self.index = self.index.refresh()
        try:
            writer = MpWriter(
                self.index,
                procs=procs,
                multisegment=True,
                timeout=self._wait(wait),
                delay=LOCK_POLL_SECONDS,
                limitmb=max(32, WRITER_LIMIT_MB // procs),
            )
        except LockError as error:
            raise IndexBusy(BUSY) from error
        expected = 0
        try:
            for batch in batches:
                for obj in batch:
                    doc = self._document(index, obj)
                    if doc:
                        writer.add_document(**doc)
                        expected += 1
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=CLEAR)
        self.index = self.index.refresh()
        indexed = self.index.doc_count()
        if indexed != expected:
            raise SearchBackendError(
                f"parallel indexing lost documents: {indexed} of {expected} indexed"
            )
        return indexed

    def _document(self, index, obj) -> dict[str, Any] | None:
        try:
            doc = index.full_prepare(obj)
        except SkipDocument:
            self.log.debug("Indexing for object `%s` skipped", obj)
            return None
        doc = {key: self._from_python(value) for key, value in doc.items()}
        # Document boosts aren't supported in Whoosh 2.5.0+.
        doc.pop("boost", None)
        return doc

    def build_schema(self, fields):
        content_field_name, schema = super().build_schema(fields)
        for field in fields.values():
            name = field.index_fieldname
            replacement = None
            if field.is_multivalued:
                continue
            if not field.indexed:
                replacement = STORED()
            elif field.field_type == "string":
                if field.analyzer is not None:
                    replacement = TEXT(
                        stored=field.stored,
                        analyzer=field.analyzer,
                        phrase=True,
                        field_boost=field.boost,
                    )
                    if isinstance(field.analyzer, ExactTokenizer):
                        # Same postings as Positions, built several times faster.
                        replacement.format = ExactPositions(
                            field_boost=float(field.boost)
                        )
                else:
                    replacement = ID(stored=field.stored, sortable=True)
            elif field.field_type == "integer":
                replacement = NUMERIC(
                    stored=field.stored, numtype=int, sortable=True, signed=True
                )
            elif field.field_type in ("date", "datetime"):
                replacement = DATETIME(stored=field.stored, sortable=True)
                # Whoosh gives a missing value the largest date, so undated
                # documents would head a newest-first list; make it the smallest.
                replacement.default = 0  # the smallest value of its unsigned column
                replacement.column_type = replacement.default_column()
            if replacement is not None:
                schema.remove(name)
                schema.add(name, replacement)
        return content_field_name, schema

    def parse(self, query_string: str) -> wq.Query | None:
        """Parse a haystack query string with this backend's schema."""
        if not self.setup_complete:
            self.setup()
        if query_string.strip() == MATCH_ALL:
            return wq.Every()
        parsed = self.parser.parse(force_str(query_string))
        if parsed is None or parsed is wq.NullQuery:
            return None
        return parsed.accept(_everything)

    def _ranking_query(self, parsed: wq.Query) -> wq.Query | None:
        """jieba words of the required exact-field terms, for scoring only."""
        texts: list[str] = []

        def walk(q: wq.Query) -> None:
            if isinstance(q, wq.Not):
                return
            if isinstance(q, wq.AndNot):
                walk(q.a)
                return
            if isinstance(q, wq.Phrase) and q.fieldname == EXACT_FIELD:
                words = list(q.words)
                texts.append(words[0] + "".join(w[1:] for w in words[1:]))
            elif isinstance(q, wq.Term) and q.fieldname == EXACT_FIELD:
                texts.append(force_str(q.text))
            else:
                for child in q.children():
                    walk(child)

        walk(parsed)
        field = self.schema[self.content_field_name]
        # Index mode adds jieba's sub-words, so 小微企业 also ranks 中小微企业.
        words = {w for text in texts for w in field.process_text(text, mode="index")}
        if not words:
            return None
        return wq.Or([wq.Term(self.content_field_name, w) for w in sorted(words)])

    def _sorting(self, sort_by) -> tuple[list[str] | None, bool]:
        if not sort_by:
            return None, False
        descending = [name.startswith("-") for name in sort_by]
        if any(descending) and not all(descending):
            raise SearchBackendError(
                "Whoosh requires all order_by fields to use the same sort direction"
            )
        return [name.lstrip("-") for name in sort_by], all(descending)

    def _restrict(self, parsed, models, limit_to_registered_models, narrow_queries):
        required = [parsed]
        if limit_to_registered_models is None:
            from django.conf import settings

            limit_to_registered_models = getattr(
                settings, "HAYSTACK_LIMIT_TO_REGISTERED_MODELS", True
            )
        if models:
            cts = sorted(f"{m._meta.app_label}.{m._meta.model_name}" for m in models)
        elif limit_to_registered_models:
            cts = self.build_models_list()
        else:
            cts = []
        if cts:
            required.append(wq.Or([wq.Term(DJANGO_CT, ct) for ct in cts]))
        for narrow in narrow_queries or ():
            narrowed = self.parse(narrow)
            if narrowed is None:
                return None
            required.append(narrowed)
        return wq.And(required) if len(required) > 1 else parsed

    @log_query
    def search(
        self,
        query_string,
        sort_by=None,
        start_offset=0,
        end_offset=None,
        fields="",
        highlight=False,
        facets=None,
        date_facets=None,
        query_facets=None,
        narrow_queries=None,
        spelling_query=None,
        within=None,
        dwithin=None,
        distance_point=None,
        models=None,
        limit_to_registered_models=None,
        result_class=None,
        **kwargs,
    ):
        empty = {"results": [], "hits": 0, "facets": {}, "spelling_suggestion": None}
        query_string = force_str(query_string or "")
        if not query_string.strip():
            return empty
        parsed = self.parse(query_string)
        if parsed is None:
            return empty
        ranking = self._ranking_query(parsed)
        restricted = self._restrict(
            parsed, models, limit_to_registered_models, narrow_queries
        )
        if restricted is None:
            return empty
        final = wq.AndMaybe(restricted, ranking) if ranking is not None else restricted

        sortedby, reverse = self._sorting(sort_by)
        groups: dict[str, Any] = {}
        facet_types: dict[str, str] = {}
        for name in facets or ():
            # Our facet fields hold one value each, so the column is enough.
            groups[name] = FieldFacet(name, maptype=Count)
            facet_types[name] = "fields"
        for name, spec in (date_facets or {}).items():
            gap = relativedelta(**{f"{spec['gap_by']}s": spec.get("gap_amount", 1)})
            groups[name] = DateRangeFacet(
                name,
                _day(spec["start_date"]),
                _day(spec["end_date"]),
                gap,
                maptype=Count,
            )
            facet_types[name] = "dates"

        start = start_offset or 0
        searcher = self.searcher()
        results = searcher.search(
            final,
            limit=end_offset,
            sortedby=sortedby,
            reverse=reverse,
            groupedby=groups or None,
        )
        hits = len(results)
        page = results[start:end_offset] if end_offset is not None else results[start:]
        return {
            "results": self._to_search_results(
                page, result_class or SearchResult, scored=sortedby is None
            ),
            "hits": hits,
            "facets": self._facets(results, facet_types),
            "spelling_suggestion": None,
        }

    def _facets(self, results, facet_types: dict[str, str]) -> dict:
        if not facet_types:
            return {}
        facets: dict[str, dict] = {"fields": {}, "dates": {}, "queries": {}}
        for name, kind in facet_types.items():
            # A number column holds a placeholder where the value is missing.
            fieldobj = self.schema[name]
            missing = (
                fieldobj.from_column_value(fieldobj.default)
                if isinstance(fieldobj, NUMERIC)
                else None
            )
            counts = [
                (None if value == missing else value, count)
                for value, count in results.groups(name).items()
            ]
            facets[kind][name] = sorted(
                counts, key=lambda item: (-item[1], str(item[0]))
            )
        return facets

    def _to_search_results(
        self, hits, result_class, *, scored: bool
    ) -> list[SearchResult]:
        from haystack import connections

        unified = connections[self.connection_alias].get_unified_index()
        converted = []
        for hit in hits:
            stored = hit.fields()
            app_label, model_name = stored.pop(DJANGO_CT).split(".")
            pk = stored.pop(DJANGO_ID)
            model = haystack_get_model(app_label, model_name)
            if model is None or model not in unified.get_indexed_models():
                continue
            index_fields = unified.get_index(model).fields
            values = {}
            for key, value in stored.items():
                field = index_fields.get(key)
                if field is None:
                    values[key] = value
                elif field.field_type == "boolean":
                    # haystack writes booleans as the strings "true"/"false".
                    values[key] = value in (True, "true")
                else:
                    values[key] = field.convert(value)
            converted.append(
                # Sorted hits carry the sort key as their "score"; hide it.
                result_class(
                    app_label, model_name, pk, hit.score if scored else 0, **values
                )
            )
        return converted


class PlansiteWhooshEngine(WhooshEngine):
    """Settings ENGINE: ``search.backend.PlansiteWhooshEngine``."""

    backend = PlansiteWhooshBackend
    query = WhooshSearchQuery
