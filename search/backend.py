"""haystack's Whoosh backend for plansite: a thin adapter over search/engine/.

Each job lives in a module of its own:

- search/engine/schema.py: the Whoosh fields for haystack's, and the signature
  an index on disk must share with the code;
- search/engine/folder.py: opening the committed index, its files' state;
- search/engine/reading.py: the searcher lifecycle, damage found while
  reading (IndexDamaged, a 503 page, logged once), the segment caches;
- search/engine/writing.py: the write lock, updates and deletions in one
  commit, folding small segments; search/engine/rebuild.py: a full rebuild
  in parallel processes into a new folder, swapped in whole;
- search/engine/evaluation.py, matching.py: the exact set of matches, with
  arrays; ranking.py: BM25 over jieba words, or a field's order;
  facets.py; more_like.py (similar documents); conversion.py (SearchResults);
- search/engine/whoosh_internals.py: every use of Whoosh's private API.

This class connects them to haystack's backend API and to what
search/services.py calls.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
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
from haystack.utils import get_identifier, get_model_ct
from whoosh import query as wq
from whoosh.filedb.filestore import FileStorage
from whoosh.qparser import FuzzyTermPlugin, QueryParser

from search.engine import more_like, ranking, schema, writing
from search.engine.conversion import search_results
from search.engine.evaluation import matches, request_query, restricted
from search.engine.facets import facet_counts
from search.engine.folder import IndexFolder
from search.engine.integrity import TOC_ERRORS, file_damage, read_damage
from search.engine.integrity import unvouched_segments as unvouched
from search.engine.reading import FREQUENCIES, Searchers
from search.engine.rebuild import Rebuilder
from search.engine.schema import INDEX_NAME
from search.engine.writer import BulkSegmentWriter
from search.engines import Capability, Found
from search.errors import IndexDamaged, IndexMissing
from search.normalise import Form
from search.query import And, Near, NearQuery, Node, Or, Term, term_query
from search.request import SearchRequest
from search.search_indexes import rows_by_id
from search.verification import matching_ids

logger = logging.getLogger(__name__)

MATCH_ALL = "*"


def _everything(q: wq.Query) -> wq.Query:
    # The parser reads "*" as Every(<default field>), which skips documents
    # with no terms in that field; the match-all must not depend on a field.
    return wq.Every() if isinstance(q, wq.Every) else q


class PlansiteWhooshBackend(WhooshSearchBackend):
    """Whoosh backend for plansite (see the module docstring).

    It implements search.engines.SearchEngine with every capability.
    """

    capabilities = frozenset(Capability)

    def __init__(self, connection_alias: str, **connection_options: Any) -> None:
        super().__init__(connection_alias, **connection_options)
        self.include_spelling = False
        self.index = None
        self.folder: IndexFolder | None = None
        self.searchers: Searchers | None = None
        self.rebuilder: Rebuilder | None = None
        # The words a term is ranked on, by jieba, cached (ranking.text_words).
        self._words_field = None
        self._words: Callable[[str], tuple[str, ...]] | None = None

    def setup(self) -> None:
        """Storage, schema and parser; the index itself is opened by the folder.

        Unlike haystack's setup() this never creates an index: a lost index
        read as a new, empty one would answer every search with nothing.
        """

        if self.searchers is not None:
            self.searchers.close()
        if not self.use_file_storage:
            super().setup()
            self.folder = IndexFolder(self.storage, self.schema, ram_index=self.index)
        else:
            self.storage = FileStorage(self.path)
            self.content_field_name, self.schema = self.build_schema(
                self._unified().all_searchfields()
            )
            self.parser = QueryParser(self.content_field_name, schema=self.schema)
            self.parser.add_plugins([FuzzyTermPlugin])
            self.folder = IndexFolder(self.storage, self.schema, self.path)
            self.index = None
            self.setup_complete = True
        self.searchers = Searchers(self.folder, may_be_empty=self._may_be_empty)
        self.rebuilder = Rebuilder(self.folder, self.searchers)
        # Callers of haystack's API read backend.index; searches and writes
        # open it again through the folder.
        if self.use_file_storage and self.folder.has_toc():
            try:
                self.index = self.folder.open()
            except IndexDamaged:
                self.index = None

    def _ready(self) -> IndexFolder:
        if not self.setup_complete:
            self.setup()
        return self.folder

    def _open(self):
        """The committed index (IndexMissing, IndexDamaged); kept as backend.index."""
        self.index = self._ready().open()
        return self.index

    def _unified(self):
        """haystack's unified index of this connection (the search indexes)."""
        from haystack import connections

        return connections[self.connection_alias].get_unified_index()

    def _may_be_empty(self) -> bool:
        """A missing index may read as empty: no document of an indexed model yet."""
        if not self.use_file_storage:
            return False
        unified = self._unified()
        return not any(
            model._default_manager.exists() for model in unified.get_indexed_models()
        )

    # -- the index's state ---------------------------------------------------

    def unchecked_segments(self) -> int:
        """Segments written before checksums (check_index reads them less fully)."""
        try:
            self._open()
            return unvouched(self.storage, INDEX_NAME)
        except (IndexDamaged, *TOC_ERRORS):
            return 0

    def index_missing(self) -> bool:
        """Whether there is no index on disk at all (never built, or lost)."""
        try:
            self._open()
        except IndexMissing:
            return True
        except IndexDamaged:
            return False
        return False

    def index_problem(self) -> str | None:
        """Why the index cannot answer searches now, or None (for /healthz)."""
        self._ready()
        return self.searchers.problem()

    def index_damage(self, *, full: bool) -> str | None:
        """What is wrong with the index on disk, or None; reads it afresh.

        ``full`` reads every byte (check_index); otherwise the files are
        checked against their sizes and checksums as a search would.
        """
        try:
            index = self._open()
        except IndexMissing:
            if not self._may_be_empty():
                return "there is no index on disk"
            return None
        except IndexDamaged as error:
            return error.reason
        if full:
            return read_damage(self.storage, INDEX_NAME, self.schema)
        try:
            return file_damage(Path(self.path), self.folder.segments(index))
        except IndexDamaged as error:
            return error.reason

    def needs_rebuild(self) -> bool:
        """Whether the index on disk was written for another schema (version or
        fields: search/engine/schema.py) and must be rebuilt."""
        return self._ready().needs_rebuild()

    def _current(self):
        self._ready()
        searcher, matcher = self.searchers.current()
        if matcher.verify is None:
            matcher.verify = _text_verifier(matcher)
        return searcher, matcher

    def delete_index(self) -> None:
        if self.searchers is not None:
            self.searchers.close()
        super().delete_index()

    # -- writing ---------------------------------------------------------------

    def _writer(self, wait: float | None) -> BulkSegmentWriter:
        self.index, writer = writing.open_writer(self._ready(), wait)
        return writer

    def _reload(self, index) -> Callable[[list[int]], Iterable[Iterable]]:
        return functools.partial(rows_by_id, index)

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

        The commit also folds the small segments that are due into its new
        segment, re-indexing at most ``fold_limit`` of their documents, read
        by ``reload`` (ids -> batches of objects; default: from the database).
        """
        writer = self._writer(wait)
        writing.commit(
            writer,
            lambda: writing.update_batches(
                writer,
                batches,
                prepare=functools.partial(self.prepare_document, index),
                add=self._add,
                reload=reload or self._reload(index),
                fold_limit=fold_limit,
            ),
        )

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
            folded = writing.fold(
                writer,
                prepare=functools.partial(self.prepare_document, index),
                add=self._add,
                reload=reload or self._reload(index),
                limit=None,
            )
        except BaseException:
            writer.cancel()
            raise
        if folded:
            writing.commit(writer, lambda: None)
        else:
            writer.cancel()
        return folded

    def folds_due(self) -> bool:
        """Whether the committed index has small segments due to be folded."""
        try:
            return writing.folds_due(self._open(), self.folder)
        except IndexDamaged:
            # Nothing to fold in an index that must be rebuilt anyway.
            return False

    def _add(self, writer, doc: dict[str, Any]) -> None:
        try:
            writer.add_document(**doc)
        except Exception:
            if not self.silently_fail:
                raise
            self.log.exception(
                "Preparing object for update", extra={"data": {"id": doc[UNIQUE_ID]}}
            )

    def prepare_document(self, index, obj) -> dict[str, Any] | None:
        """What the index holds for ``obj`` (None: haystack skips it)."""
        try:
            doc = index.full_prepare(obj)
        except SkipDocument:
            self.log.debug("Indexing for object `%s` skipped", obj)
            return None
        doc = {key: self._from_python(value) for key, value in doc.items()}
        # Document boosts aren't supported in Whoosh 2.5.0+.
        doc.pop("boost", None)
        return doc

    def write_segments(
        self,
        index,
        batches: Iterable[Iterable],
        *,
        segment_docs: int,
        segment_bytes: int,
    ) -> list:
        """New segments holding every object, in the folder rebuild() builds."""
        self._ready()
        return self.rebuilder.write_segments(
            batches,
            segment_docs=segment_docs,
            segment_bytes=segment_bytes,
            prepare=functools.partial(self.prepare_document, index),
            add=self._add,
        )

    def rebuild(
        self,
        index,
        parts: Sequence[Any],
        worker: Callable[[Any], list],
        *,
        procs: int,
        wait: float | None = None,
        keep_old: Path | None = None,
    ) -> int:
        """Replace the index with the segments ``worker`` writes for each part
        (search/engine/rebuild.py); the number of documents indexed."""
        self._ready()
        return self.rebuilder.rebuild(
            parts, worker, procs=procs, wait=wait, keep_old=keep_old
        )

    def remove(self, obj_or_string, commit=True, *, wait: float | None = None) -> None:
        """Delete one document, waiting for the write lock like every writer here."""
        self.remove_many([obj_or_string], wait=wait)

    def remove_many(
        self, objs_or_strings: Iterable, *, wait: float | None = None
    ) -> None:
        """Delete documents in one commit, waiting for the write lock."""
        writer = self._writer(wait)
        identifiers = [get_identifier(obj) for obj in objs_or_strings]
        writing.delete_by_term(writer, UNIQUE_ID, identifiers)

    def clear(self, models=None, commit=True, *, wait: float | None = None) -> None:
        """Empty the index (or drop some models) under the write lock.

        haystack deletes the index directory instead, which pulls the files
        from under a writer that another process holds. Emptying it all is a
        rebuild with no documents: it works on a damaged index too.
        """
        if models is None:
            self.rebuild(None, [], lambda part: [], procs=1, wait=wait)
            return
        writer = self._writer(wait)
        writing.delete_by_term(writer, DJANGO_CT, [get_model_ct(m) for m in models])

    # -- schema ----------------------------------------------------------------

    def build_schema(self, fields):
        content_field_name, whoosh_schema = super().build_schema(fields)
        return content_field_name, schema.adapt(whoosh_schema, fields)

    # -- searching -------------------------------------------------------------

    def parse(self, query_string: str) -> wq.Query | None:
        """Parse a haystack query string with this backend's schema."""
        self._ready()
        if query_string.strip() == MATCH_ALL:
            return wq.Every()
        parsed = self.parser.parse(force_str(query_string))
        if parsed is None or parsed is wq.NullQuery:
            return None
        return parsed.accept(_everything)

    def ranking_words(self, parsed: wq.Query) -> list[str]:
        """jieba words of the required exact terms: what relevance is scored on."""
        field = self.schema[self.content_field_name]
        if self._words_field is not field:
            # The schema's analyzer decides the words: a new schema, a new cache.
            self._words_field, self._words = field, ranking.text_words(field)
        return ranking.ranking_words(
            ranking.required_texts(parsed), field, words_of=self._words
        )

    def _content_types(self, models, limit_to_registered_models) -> list[str]:
        if limit_to_registered_models is None:
            limit_to_registered_models = getattr(
                settings, "HAYSTACK_LIMIT_TO_REGISTERED_MODELS", True
            )
        if models:
            return sorted(f"{m._meta.app_label}.{m._meta.model_name}" for m in models)
        if limit_to_registered_models:
            return self.build_models_list()
        return []

    def _restrict(self, parsed, models, limit_to_registered_models, narrow_queries):
        narrows = []
        for narrow in narrow_queries or ():
            narrowed = self.parse(narrow)
            if narrowed is None:
                return None
            narrows.append(narrowed)
        return restricted(
            parsed,
            content_types=self._content_types(models, limit_to_registered_models),
            narrows=narrows,
        )

    def _ordered_by(
        self, matcher, docs: np.ndarray, sort_by, words: list[str], stop=None
    ):
        return ranking.ordered(
            matcher,
            docs,
            sort_by=sort_by,
            content_field=self.content_field_name,
            words=words,
            stop=stop,
        )

    def _request_query(self, request: SearchRequest) -> tuple[wq.Query, list[str]]:
        """(the Whoosh query of ``request``, the words relevance is ranked on)."""
        self._ready()
        query, positive = request_query(request)
        words = self.ranking_words(positive) if positive is not None else []
        return query, words

    def find(
        self, request: SearchRequest, *, start: int = 0, stop: int | None = None
    ) -> Found:
        """The matches of ``request`` from ``start`` to ``stop``, count and facets."""
        query, words = self._request_query(request)
        unified = self._unified()
        facet_names = {unified.get_facet_fieldname(n): n for n in request.facets}
        total, results, counts = self._page(
            query,
            words,
            request.order_by,
            start=start,
            stop=stop,
            facets=list(facet_names),
            unified=unified,
        )
        return Found(
            total=total,
            results=results,
            facets={
                facet_names[name]: values
                for name, values in counts.get("fields", {}).items()
            },
        )

    def _page(
        self,
        query: wq.Query,
        words: list[str],
        sort_by,
        *,
        start: int,
        stop: int | None,
        facets: Sequence[str],
        unified,
        result_class: type | None = None,
    ) -> tuple[int, list, dict]:
        """Match ``query`` and order the matches: (how many, the results from
        ``start`` to ``stop``, the counts of ``facets``). find() and haystack's
        search() both answer through it."""
        _, matcher = self._current()
        with self.searchers.reading():
            docs = matches(matcher, query)
            stop = len(docs) if stop is None else min(stop, len(docs))
            # Only the page's end of the order: the rest is never read.
            ordered, scores = self._ordered_by(matcher, docs, sort_by, words, stop)
            results = search_results(
                matcher,
                ordered[start:stop],
                scores[start:stop] if scores is not None else None,
                unified=unified,
                result_class=result_class,
            )
            return len(docs), results, facet_counts(matcher, docs, facets)

    def match_columns(
        self,
        request: SearchRequest,
        *,
        fields: Sequence[str] = (),
        occurrences_of: Sequence[str] = (),
    ) -> dict[str, list]:
        """Columns of every match of ``request``, in its order.

        Each of ``fields`` is a list of the matches' values (from the index's
        columns); ``occurrences_of`` adds, for each term, how often it occurs
        in each match ("occurrences:<term>"), counted from the index.
        """
        query, words = self._request_query(request)
        _, matcher = self._current()
        with self.searchers.reading():
            found = matches(matcher, query)
            docs = self._ordered_by(matcher, found, request.order_by, words)[0]
            columns = {name: matcher.values(name, docs) for name in fields}
            for term in occurrences_of:
                columns[f"occurrences:{term}"] = _occurrences(
                    matcher, request.node, term, docs
                )
        return columns

    def more_like_ids(
        self, identifier: str, text: str | Callable[[], str], *, top: int, numterms: int
    ) -> list[str]:
        """Django ids of the documents most like one (search/engine/more_like.py).

        ``text`` may be a function that reads it, called only once the index
        is open and holds the document (a damaged index or an unindexed
        document costs no read of a long body).
        """
        searcher, matcher = self._current()
        with self.searchers.reading():
            return more_like.more_like_ids(
                searcher,
                matcher,
                field=self.content_field_name,
                identifier=identifier,
                text=text,
                top=top,
                numterms=numterms,
                cache=FREQUENCIES,
            )

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
        query = self._restrict(
            parsed, models, limit_to_registered_models, narrow_queries
        )
        if query is None:
            return empty
        hits, results, counts = self._page(
            query,
            self.ranking_words(parsed),
            sort_by,
            start=start_offset or 0,
            stop=end_offset,
            facets=facets or (),
            unified=self._unified(),
            result_class=result_class,
        )
        return {
            "results": results,
            "hits": hits,
            "facets": counts,
            "spelling_suggestion": None,
        }


def _occurrences(matcher, node: Node | None, term: str, docs: np.ndarray) -> list:  # noqa: ANN001
    """How often ``term`` occurs in each of ``docs`` in a way that counts for
    ``node`` (search/textmatch.py): every occurrence of a plain or OR term,
    the qualifying ones of a term of a proximity clause only. None for each
    document when the index cannot count them (the texts are read instead).
    """
    nears = [
        clause
        for clause in (node.clauses if node is not None else ())
        if isinstance(clause, Near) and any(t.text == term for t in clause.terms)
    ]
    plain = node is None or any(
        isinstance(clause, Term | Or)
        and any(
            t.text == term and not t.field for t in getattr(clause, "terms", (clause,))
        )
        for clause in node.clauses
    )
    form = node.form if node is not None else Form.FOLDED
    if plain:
        return matcher.occurrences(term_query(term, form), docs).tolist()
    if not nears:
        # A field term alone (标题:…) counts in its field, not in the whole
        # full text the index counts in: the texts are read.
        return [None] * len(docs)
    found = None
    for near in nears:
        q = NearQuery([term_query(t.text, form) for t in near.terms], near, form)
        counts = matcher.near_occurrences(q, term, docs)
        if counts is None:
            return [None] * len(docs)
        # A term in two proximity clauses: the larger count (rare; the texts
        # would give the union).
        found = counts if found is None else np.maximum(found, counts)
    return found.tolist()


def _text_verifier(matcher):  # noqa: ANN001, ANN202
    """Checks a proximity clause the index cannot evaluate on the documents'
    texts (search/verification.py)."""

    def verify(q: NearQuery, docs: np.ndarray) -> np.ndarray:
        ids = [int(pk) for pk in matcher.values(DJANGO_ID, docs)]
        kept = matching_ids(ids, And((q.near,), form=q.form))
        return np.fromiter((pk in kept for pk in ids), dtype=bool, count=len(ids))

    return verify


class PlansiteWhooshEngine(WhooshEngine):
    """Settings ENGINE: ``search.backend.PlansiteWhooshEngine``."""

    backend = PlansiteWhooshBackend
    query = WhooshSearchQuery
