"""haystack's Whoosh backend, made exact and fast for Chinese text at archive scale.

- One searcher per backend (haystack keeps one backend per thread), refreshed
  when the index changes, instead of an index and a searcher per query.
- Schema: jieba words (frequencies, for BM25), character bigrams at their
  offsets (exact matching), characters (one-character terms); plain strings
  are untokenised, sortable ID fields, so filters and facets see exact names.
- Writing: every writer waits for Whoosh's one write lock, buffers postings per
  term (search/engine/writer.py), and a rebuild writes its segments in
  parallel processes and swaps them in under one lock.
- Searching: queries are evaluated with arrays (search/engine/matching.py):
  the exact set of matches, its count, facets, order and page, without
  Whoosh's one-document-at-a-time collector. Ranking is BM25 over the jieba
  words of the required terms; sorting by a date keeps undated documents last.
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connections as db_connections
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
from whoosh.index import TOC, LockError
from whoosh.writing import CLEAR

from search.analyzers import (
    BigramPositions,
    BigramTokenizer,
    CharCounts,
    CharTokenizer,
    JiebaTokenizer,
    WordCounts,
)
from search.engine import mapped
from search.engine.expansion import FrequencyCache, key_terms
from search.engine.folding import drop_empty_segments, segments_to_fold
from search.engine.matching import Matcher
from search.engine.postings import PostingCache
from search.engine.writer import BulkSegmentWriter
from search.errors import IndexBusy, IndexOutdated
from search.query import CHAR_FIELD, EXACT_FIELD, term_query
from search.search_indexes import rows_by_id

logger = logging.getLogger(__name__)

# Whoosh copied each memory-mapped segment file whole into memory on opening.
mapped.apply()

MATCH_ALL = "*"
# Whoosh allows one writer at a time. A writer waits for the lock, polling at
# this interval, up to the ``wait`` its caller gives (settings.SEARCH_WRITE_WAIT).
LOCK_POLL_SECONDS = 0.1
BUSY = "the search index is being written by another process"
OUTDATED = (
    "the search index was written for another schema; run manage.py rebuild_index"
)
# Reading a generation's table of contents races with a writer in another
# process, which removes the old generation's file when it commits. Whoosh's
# own reader() retries for that; every other read of the TOC here does too.
TOC_READ_ATTEMPTS = 20
TOC_RETRY_SECONDS = 0.05
# Decoded posting lists kept in memory per process (search/engine/postings.py),
# and a quarter as much again for word frequencies (about 150 bytes each).
_CACHE_BYTES = int(getattr(settings, "SEARCH_CACHE_MB", 256)) << 20
_POSTINGS = PostingCache(max_bytes=_CACHE_BYTES)
_FREQUENCIES = FrequencyCache(max_entries=_CACHE_BYTES // 4 // 150)


def _everything(q: wq.Query) -> wq.Query:
    # The parser reads "*" as Every(<default field>), which skips documents
    # with no terms in that field; the match-all must not depend on a field.
    return wq.Every() if isinstance(q, wq.Every) else q


def _day(value: date) -> datetime:
    return value if isinstance(value, datetime) else datetime(*value.timetuple()[:3])


def _reading_toc(read: Callable[[], Any]) -> Any:
    """``read()``, tried again while the generation it listed is being replaced."""
    for _ in range(TOC_READ_ATTEMPTS - 1):
        try:
            return read()
        except FileNotFoundError:
            time.sleep(TOC_RETRY_SECONDS)
    return read()


def _in_transaction() -> bool:
    """Whether a caller holds an open transaction on any database connection.

    Forked workers would read through their own connections, which cannot see
    rows that transaction has not committed, so the rebuild stays in-process.
    """
    return any(
        conn.in_atomic_block for conn in db_connections.all(initialized_only=True)
    )


def _run_in_child(worker: Callable[[Any], list], part: Any) -> list:
    """Run a rebuild worker in a forked process, closing the connections it opened."""
    try:
        return worker(part)
    finally:
        db_connections.close_all()


class PlansiteWhooshBackend(WhooshSearchBackend):
    """Whoosh backend for plansite (see the module docstring)."""

    def __init__(self, connection_alias: str, **connection_options: Any) -> None:
        super().__init__(connection_alias, **connection_options)
        self._searcher = None
        self._matcher: Matcher | None = None
        self._searcher_lock = threading.Lock()
        self.include_spelling = False

    def setup(self) -> None:
        self._close_searcher()
        if self.use_file_storage:
            # Two web workers starting on a new var dir both create the folder;
            # haystack's own makedirs fails for the second one.
            Path(self.path).mkdir(parents=True, exist_ok=True)
        _reading_toc(super().setup)

    def _close_searcher(self) -> None:
        searcher, self._searcher = getattr(self, "_searcher", None), None
        self._matcher = None
        if searcher is not None:
            searcher.close()

    def searcher(self):
        """The current searcher, refreshed if a writer has committed since."""
        return self._current()[0]

    def _current(self) -> tuple[Any, Matcher]:
        if not self.setup_complete:
            self.setup()
        with self._searcher_lock:
            if self._searcher is None:
                self._searcher = self.index.searcher()
            elif not self._searcher.up_to_date():
                # Not Searcher.refresh(): its reader reuse never matches a
                # segment, closes the old readers, and when Whoosh retries
                # the open (a concurrent commit deleted a file it listed) it
                # closes them again and fails with ReaderClosed.
                stale, self._searcher = self._searcher, self.index.searcher()
                stale.close()
            if self._matcher is None or self._matcher.searcher is not self._searcher:
                self._require_current_schema()
                self._matcher = Matcher(self._searcher, _POSTINGS)
            return self._searcher, self._matcher

    def index_is_current(self) -> bool:
        """Whether the index on disk was written with this code's schema.

        An index from another version (other fields or posting formats) would
        be read with the wrong decoders; it must be rebuilt first.
        """
        if not self.setup_complete:
            self.setup()
        try:
            stored = _reading_toc(
                lambda: TOC.read(self.storage, self.index.indexname).schema
            )
        except Exception:  # noqa: BLE001 - its classes may no longer exist
            return False
        return _signature(stored) == _signature(self.schema)

    def _require_current_schema(self) -> None:
        if not self.index_is_current():
            raise IndexOutdated(OUTDATED)

    def delete_index(self) -> None:
        self._close_searcher()
        super().delete_index()

    # -- writing ---------------------------------------------------------------

    def _writer(
        self, wait: float | None, *, replacing: bool = False
    ) -> BulkSegmentWriter:
        """A writer, once the index's write lock is free; IndexBusy after ``wait`` s.

        Every write in this backend goes through here (haystack's remove()
        and clear() open a writer that fails at once when the lock is taken).
        Documents are read from the database only after this returns, so the
        last writer to commit always writes what the database holds. Only
        ``replacing`` writers (rebuild, clear) may write over an outdated index.
        """
        if not self.setup_complete:
            self.setup()
        self.index = _reading_toc(self.index.refresh)
        if not replacing:
            # Adding to an index of another schema would mix posting formats.
            self._require_current_schema()
        try:
            return BulkSegmentWriter(
                self.index, timeout=self._wait(wait), delay=LOCK_POLL_SECONDS
            )
        except LockError as error:
            raise IndexBusy(BUSY) from error

    @staticmethod
    def _wait(wait: float | None) -> float:
        if wait is not None:
            return wait
        return float(getattr(settings, "SEARCH_WRITE_WAIT", 600))

    def update(self, index, iterable, commit=True) -> None:
        self.update_batches(index, [iterable])

    def update_batches(
        self,
        index,
        batches: Iterable[Iterable],
        *,
        wait: float | None = None,
        reload: Callable[[list[int]], Iterable[Iterable]] | None = None,
        fold_limit: int | None = None,
    ) -> None:
        """(Re)index every object of every batch with one writer and one commit.

        haystack's update() calls Whoosh's update_document, which opens a new
        searcher for every document. Here each batch looks its ids up with one
        searcher, deletes them, then adds: the same documents end up in the
        index, in one commit (one new segment). The commit also folds the
        small segments that are due (search/engine/folding.py) into its new
        segment, re-indexing at most ``fold_limit`` of their documents, read
        by ``reload`` (ids -> batches of objects; default: from the database).
        """
        writer = self._writer(wait)
        try:
            for batch in batches:
                docs = [d for d in (self._document(index, obj) for obj in batch) if d]
                if not docs:
                    continue
                # Like update_document, this sees committed documents only.
                with writer.searcher() as searcher:
                    for doc in docs:
                        docnum = searcher.document_number(**{UNIQUE_ID: doc[UNIQUE_ID]})
                        if docnum is not None:
                            writer.delete_document(docnum)
                for doc in docs:
                    self._add(writer, doc)
            self._fold(writer, index, reload, limit=fold_limit)
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=drop_empty_segments)

    def fold_segments(
        self,
        index,
        reload: Callable[[list[int]], Iterable[Iterable]] | None = None,
        *,
        wait: float | None = None,
    ) -> int:
        """Fold every small segment that is due; the documents re-indexed.

        Commits nothing when no fold is due.
        """
        if not self.folds_due():
            return 0
        writer = self._writer(wait)
        try:
            folded = self._fold(writer, index, reload, limit=None)
        except BaseException:
            writer.cancel()
            raise
        if folded:
            writer.commit(mergetype=drop_empty_segments)
        else:
            writer.cancel()
        return folded

    def folds_due(self) -> bool:
        """Whether the committed index has small segments due to be folded."""
        if not self.setup_complete:
            self.setup()
        self.index = _reading_toc(self.index.refresh)
        sizes = [segment.doc_count() for segment in self.index._segments()]
        return bool(segments_to_fold(sizes, 0))

    def _fold(
        self,
        writer: BulkSegmentWriter,
        index,
        reload: Callable[[list[int]], Iterable[Iterable]] | None,
        *,
        limit: int | None,
    ) -> int:
        """Re-index the due small segments' documents into the writer's segment.

        Their rows are read now, under the lock, so a folded document is
        written as the database holds it (one deleted since is dropped).
        """
        from whoosh.reading import SegmentReader

        segments = writer.segments
        chosen = segments_to_fold(
            [segment.doc_count() for segment in segments], writer.docnum, limit=limit
        )
        ids: list[int] = []
        for position in chosen:
            segment = segments[position]
            reader = SegmentReader(writer.storage, writer.schema, segment)
            try:
                live = list(reader.iter_docs())
            finally:
                reader.close()
            for docnum, stored in live:
                ids.append(int(stored[DJANGO_ID]))
                segment.delete_document(docnum)
        if ids:
            for batch in (reload or functools.partial(rows_by_id, index))(sorted(ids)):
                for obj in batch:
                    doc = self._document(index, obj)
                    if doc:
                        self._add(writer, doc)
        return len(ids)

    def _add(self, writer, doc: dict[str, Any]) -> None:
        try:
            writer.add_document(**doc)
        except Exception:
            if not self.silently_fail:
                raise
            self.log.exception(
                "Preparing object for update", extra={"data": {"id": doc[UNIQUE_ID]}}
            )

    def write_segments(
        self, index, batches: Iterable[Iterable], *, segment_docs: int
    ) -> list:
        """New segments holding every object, without the lock (see rebuild()).

        A segment is closed every ``segment_docs`` documents, which bounds the
        memory its buffered postings take.
        """
        if not self.setup_complete:
            self.setup()
        segments = []
        writer = None
        try:
            for batch in batches:
                for obj in batch:
                    doc = self._document(index, obj)
                    if not doc:
                        continue
                    if writer is None:
                        writer = BulkSegmentWriter(self.index, _lk=False)
                    self._add(writer, doc)
                    if writer.doc_count() >= segment_docs:
                        segments.append(writer._finalize_segment())
                        writer = None
            if writer is not None:
                segments.append(writer._finalize_segment())
                writer = None
        finally:
            if writer is not None:
                writer._close_segment()
        return segments

    def rebuild(
        self,
        index,
        parts: Sequence[Any],
        worker: Callable[[Any], list],
        *,
        procs: int,
        wait: float | None = None,
    ) -> int:
        """Replace the index with the segments ``worker`` writes for each part.

        Takes the write lock first, so searches keep seeing the old index until
        the new one is committed whole. With ``procs`` > 1 the parts are
        written by that many forked processes (analysis and posting writing
        are CPU-bound Python); each worker returns its segments. The count of
        documents committed is checked against the workers' total.
        """
        writer = self._writer(wait, replacing=True)
        try:
            if procs > 1 and len(parts) > 1 and not _in_transaction():
                # Forked children must open their own database connections:
                # a socket shared with the parent dies when either closes it.
                db_connections.close_all()
                self._close_searcher()
                context = multiprocessing.get_context("fork")
                with context.Pool(min(procs, len(parts))) as pool:
                    results = pool.map(
                        functools.partial(_run_in_child, worker), parts, chunksize=1
                    )
            else:
                results = [worker(part) for part in parts]
            segments = [segment for result in results for segment in result]
            writer._close_segment()
            writer._commit_toc(segments)
        except BaseException:
            writer.cancel()
            raise
        writer._finish()
        self.index = _reading_toc(self.index.refresh)
        indexed = self.index.doc_count()
        expected = sum(segment.doc_count() for segment in segments)
        if indexed != expected:
            raise SearchBackendError(
                f"rebuilding lost documents: {indexed} of {expected} indexed"
            )
        return indexed

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
        writer.commit(mergetype=drop_empty_segments)

    def clear(self, models=None, commit=True, *, wait: float | None = None) -> None:
        """Empty the index (or drop some models) in one commit under the lock.

        haystack deletes the index directory instead, which pulls the files
        from under a writer that another process holds.
        """
        writer = self._writer(wait, replacing=models is None)
        try:
            if models is None:
                writer.commit(mergetype=CLEAR)
                return
            for model in models:
                writer.delete_by_term(DJANGO_CT, get_model_ct(model))
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=drop_empty_segments)

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

    # -- schema ----------------------------------------------------------------

    def build_schema(self, fields):
        content_field_name, schema = super().build_schema(fields)
        # A column of ids lets a whole result set be listed without reading
        # every document's stored fields (the research tools).
        schema.remove(DJANGO_ID)
        schema.add(DJANGO_ID, ID(stored=True, sortable=True))
        for field in fields.values():
            name = field.index_fieldname
            replacement = None
            if field.is_multivalued:
                continue
            if not field.indexed:
                replacement = STORED()
            elif field.field_type == "string":
                if field.analyzer is not None:
                    replacement = _text_field(field)
                else:
                    replacement = ID(stored=field.stored, sortable=True)
            elif field.field_type == "integer":
                replacement = NUMERIC(
                    stored=field.stored, numtype=int, sortable=True, signed=True
                )
            elif field.field_type in ("date", "datetime"):
                replacement = DATETIME(stored=field.stored, sortable=True)
                # Whoosh gives a missing value the largest date; make it the
                # smallest (0), which sorting recognises and puts last.
                replacement.default = 0
                replacement.column_type = replacement.default_column()
            if replacement is not None:
                schema.remove(name)
                schema.add(name, replacement)
        return content_field_name, schema

    # -- searching -------------------------------------------------------------

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

    def ranking_words(self, parsed: wq.Query) -> list[str]:
        """jieba words of the required exact terms: what relevance is scored on."""
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
            elif isinstance(q, wq.Term) and q.fieldname in (EXACT_FIELD, CHAR_FIELD):
                texts.append(force_str(q.text))
            else:
                for child in q.children():
                    walk(child)

        walk(parsed)
        field = self.schema[self.content_field_name]
        # Index mode adds jieba's sub-words, so 小微企业 also ranks 中小微企业.
        words = {w for text in texts for w in field.process_text(text, mode="index")}
        return sorted(words)

    def _restrict(self, parsed, models, limit_to_registered_models, narrow_queries):
        required = [parsed]
        if limit_to_registered_models is None:
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

    def _sorting(self, sort_by) -> tuple[str | None, bool]:
        if not sort_by:
            return None, False
        if len(sort_by) > 1:
            raise SearchBackendError("plansite sorts by one field at a time")
        name = sort_by[0]
        return name.lstrip("-"), name.startswith("-")

    def match_columns(
        self,
        query_string: str,
        *,
        narrow_queries=None,
        models=None,
        sort_by=None,
        fields: Sequence[str] = (),
        occurrences_of: Sequence[str] = (),
    ) -> dict[str, list]:
        """Columns of every match, in the order ``sort_by`` gives (BM25 without).

        Each of ``fields`` is a list of the matches' values (from the index's
        columns); ``occurrences_of`` adds, for each term, how often it occurs
        in each match ("occurrences:<term>"), counted from the index.
        """
        query_string = force_str(query_string or "")
        parsed = self.parse(query_string) if query_string.strip() else None
        _, matcher = self._current()
        docs = np.empty(0, dtype=np.int64)
        if parsed is not None:
            restricted = self._restrict(parsed, models, None, narrow_queries)
            if restricted is not None:
                found = matcher.match(restricted)
                docs = self._ordered(matcher, found, parsed, sort_by)[0]
        columns = {name: matcher.values(name, docs) for name in fields}
        for term in occurrences_of:
            counts = matcher.occurrences(term_query(term), docs)
            columns[f"occurrences:{term}"] = counts.tolist()
        return columns

    def more_like_ids(
        self, identifier: str, text: str, *, top: int, numterms: int
    ) -> list[str]:
        """Django ids of the documents most like one (Whoosh's more_like, with arrays).

        The key terms are the words of ``text`` that are frequent in it and rare
        in the archive (Whoosh's Bo1 model); the others are ranked by BM25 over
        those terms, each weighted as Whoosh weighs it.
        """
        searcher, matcher = self._current()
        docnum = searcher.document_number(**{UNIQUE_ID: identifier})
        if docnum is None:
            return []
        field = self.content_field_name
        terms = key_terms(searcher, field, text, numterms=numterms, cache=_FREQUENCIES)
        if not terms:
            return []
        words = [word for word, _ in terms]
        candidates = matcher.match(wq.Or([wq.Term(field, word) for word in words]))
        candidates = candidates[candidates != docnum]
        scores = matcher.bm25(
            candidates, field, words, boosts=[weight for _, weight in terms]
        )
        best = candidates[np.lexsort((candidates, -scores))[:top]]
        return [str(pk) for pk in matcher.values(DJANGO_ID, best)]

    def _ordered(self, matcher: Matcher, docs: np.ndarray, parsed, sort_by):
        """(docs in order, their scores or None): by a field, else by BM25."""
        sortedby, reverse = self._sorting(sort_by)
        if sortedby is not None:
            return matcher.sort(docs, sortedby, reverse=reverse), None
        words = self.ranking_words(parsed)
        scores = matcher.bm25(docs, self.content_field_name, words)
        # Best first; equal scores keep document order.
        order = np.lexsort((docs, -scores))
        return docs[order], scores[order]

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
        if date_facets or query_facets:
            raise SearchBackendError("date and query facets are not supported")
        parsed = self.parse(query_string)
        if parsed is None:
            return empty
        restricted = self._restrict(
            parsed, models, limit_to_registered_models, narrow_queries
        )
        if restricted is None:
            return empty
        _, matcher = self._current()
        docs = matcher.match(restricted)

        start = start_offset or 0
        stop = len(docs) if end_offset is None else min(end_offset, len(docs))
        ordered, scores = self._ordered(matcher, docs, parsed, sort_by)
        page = ordered[start:stop]
        page_scores = scores[start:stop] if scores is not None else None
        return {
            "results": self._to_search_results(
                matcher, page, page_scores, result_class
            ),
            "hits": len(docs),
            "facets": self._facets(matcher, docs, facets or ()),
            "spelling_suggestion": None,
        }

    def _facets(self, matcher: Matcher, docs: np.ndarray, names) -> dict:
        if not names:
            return {}
        fields = {name: matcher.value_counts(name, docs) for name in names}
        return {"fields": fields, "dates": {}, "queries": {}}

    def _to_search_results(
        self, matcher: Matcher, page: np.ndarray, scores, result_class
    ) -> list[SearchResult]:
        from haystack import connections

        result_class = result_class or SearchResult
        unified = connections[self.connection_alias].get_unified_index()
        converted = []
        for i, docnum in enumerate(page.tolist()):
            stored = dict(matcher.stored_fields(docnum))
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
            score = float(scores[i]) if scores is not None else 0
            converted.append(result_class(app_label, model_name, pk, score, **values))
        return converted


def _signature(schema) -> list[tuple[str, ...]]:
    """What must agree between the code's schema and an index's: fields and formats."""
    return sorted(
        (
            name,
            type(field).__name__,
            type(getattr(field, "format", None)).__name__,
            type(getattr(field, "analyzer", None)).__name__,
            str(bool(field.column_type)),
        )
        for name, field in schema.items()
    )


def _text_field(field) -> TEXT:
    """The Whoosh field for an analysed haystack field, by its analyzer."""
    analyzer = field.analyzer
    replacement = TEXT(
        stored=field.stored, analyzer=analyzer, phrase=False, field_boost=field.boost
    )
    boost = float(field.boost)
    if isinstance(analyzer, BigramTokenizer):
        replacement.format = BigramPositions(field_boost=boost)
        replacement.scorable = False
    elif isinstance(analyzer, CharTokenizer):
        replacement.format = CharCounts(field_boost=boost)
        replacement.scorable = False
    elif isinstance(analyzer, JiebaTokenizer):
        replacement.format = WordCounts(field_boost=boost)
    return replacement


class PlansiteWhooshEngine(WhooshEngine):
    """Settings ENGINE: ``search.backend.PlansiteWhooshEngine``."""

    backend = PlansiteWhooshBackend
    query = WhooshSearchQuery
