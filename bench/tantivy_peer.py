"""The Tantivy peer: the same documents as overlapping character pairs with
positions, phrase queries, BM25, the count and facets by aggregation.

Bench only: the project does not depend on tantivy (bench/requirements.txt).
Exactness: a text becomes every pair of adjacent characters, in order, as
tokens at consecutive positions, so a term of n >= 2 characters is found by the
phrase of its n - 1 pairs exactly where it is a substring; a one-character term
is the pairs that start with it (every character starts one: whitespace and the
end of the text are a GAP character). Folded as plansite's EXACT form folds
(ASCII letters lower-cased; the bench searches plansite with form=exact), so
its hit counts must equal plansite's.
"""

from __future__ import annotations

import multiprocessing
import re
import resource
import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import tantivy

# As search.services.FACET_FIELDS: the facets a plansite results page counts.
FACETS = (
    "province",
    "township",
    "county",
    "plan_year",
    "category",
    "issuer",
    "availability",
)
# Stored as plansite's index stores them, so a hit converts to the same fields.
STORED_TEXT = ("title", "city", "division_code")
ROW_FIELDS = (
    "id",
    "title",
    "issuer",
    "township",
    "county",
    "city",
    "province",
    "division_code",
    "category",
    "plan_year",
    "doc_date",
    "publish_date",
    "needs_review",
    "availability",
    "text",
)
PAGE_SIZE = 20
# More buckets than any facet has values: plansite counts every value.
FACET_SIZE = 1_000_000
PAIRS = "pairs"
PAIRS_TOKENIZER = "pairs"
# Stands for whitespace inside a pair (a query never contains whitespace) and
# ends every text, so that the last character starts a pair too.
GAP = "\x01"
_WHITESPACE = re.compile(r"\s")
WRITER_HEAP = 512_000_000


def fold(text: str) -> str:
    """plansite's EXACT form (search.normalise.fold_case), kept local so the
    peer's tokens cannot change when plansite's code does."""
    return text.encode("utf-8").lower().decode("utf-8")


def pairs_text(text: str) -> str:
    """Every pair of adjacent characters of the folded text, space-separated.

    Tantivy's whitespace tokenizer then gives pair i position i. numpy over
    UTF-32 makes the pairs ten times faster than a Python loop.
    """
    gapped = _WHITESPACE.sub(GAP, fold(text)) + GAP
    codes = np.frombuffer(gapped.encode("utf-32-le"), dtype="<u4")
    out = np.empty((len(codes) - 1, 3), dtype="<u4")
    out[:, 0] = codes[:-1]
    out[:, 1] = codes[1:]
    out[:, 2] = ord(" ")
    return out.tobytes().decode("utf-32-le")


def term_pairs(term: str) -> list[str]:
    """The pairs a term's phrase query looks for (one character: itself)."""
    folded = fold(term.strip())
    if not folded or _WHITESPACE.search(folded):
        raise ValueError(f"one term without whitespace expected: {term!r}")
    if len(folded) == 1:
        return [folded]
    return [folded[i : i + 2] for i in range(len(folded) - 1)]


def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, fast=True)
    builder.add_text_field(PAIRS, tokenizer_name=PAIRS_TOKENIZER)
    for name in STORED_TEXT:
        builder.add_text_field(
            name, stored=True, tokenizer_name="raw", index_option="basic"
        )
    for name in FACETS:
        if name == "plan_year":
            builder.add_integer_field(name, stored=True, indexed=True, fast=True)
        else:
            builder.add_text_field(
                name, stored=True, fast=True, tokenizer_name="raw", index_option="basic"
            )
    # Dates as ordinals: sortable fast fields, read back as dates.
    builder.add_integer_field("doc_date", stored=True, fast=True)
    builder.add_integer_field("publish_date", stored=True)
    builder.add_boolean_field("needs_review", stored=True)
    return builder.build()


def _register(index: tantivy.Index) -> None:
    analyzer = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()
    index.register_tokenizer(PAIRS_TOKENIZER, analyzer)


def _document(row: dict[str, Any], pairs: str) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_integer("id", row["id"])
    doc.add_text(PAIRS, pairs)
    for name in (*STORED_TEXT, *FACETS):
        value = row[name]
        if value in (None, ""):
            continue  # no value is no facet choice, as in plansite
        if name == "plan_year":
            doc.add_integer(name, value)
        else:
            doc.add_text(name, value)
    for name in ("doc_date", "publish_date"):
        if row[name] is not None:
            doc.add_integer(name, row[name].toordinal())
    doc.add_boolean("needs_review", bool(row["needs_review"]))
    return doc


def _pairs_of(row: dict[str, Any]) -> tuple[dict[str, Any], str]:
    text = row.pop("text")
    return row, pairs_text(text)


def _cpu_seconds() -> float:
    """CPU time of this process (Tantivy's threads too) and its reaped children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def build(path: Path, rows: Iterable[dict[str, Any]], workers: int) -> dict:
    """A Tantivy index at ``path`` from rows with the keys of ROW_FIELDS.

    Pairs are made in ``workers`` processes while Tantivy's writer threads
    index; one commit, then the merges finish before the size is measured.
    """
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    index = tantivy.Index(schema(), path=str(path))
    _register(index)
    writer = index.writer(heap_size=WRITER_HEAP, num_threads=max(1, workers))
    started = time.perf_counter()
    cpu_before = _cpu_seconds()
    count = 0
    context = multiprocessing.get_context("fork")
    with context.Pool(max(1, workers)) as pool:
        for row, pairs in pool.imap(_pairs_of, rows, chunksize=32):
            writer.add_document(_document(row, pairs))
            count += 1
    writer.commit()
    writer.wait_merging_threads()
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    index.reload()
    return {
        "indexed": count,
        "build_s": round(seconds, 2),
        "cpu_seconds": round(cpu, 1),
        "size_bytes": sum(p.stat().st_size for p in path.rglob("*") if p.is_file()),
        "segments": index.searcher().num_segments,
    }


@dataclass(frozen=True)
class TantivyPage:
    total: int
    hits: list[dict[str, Any]]
    facets: dict[str, list[tuple[Any, int]]]


class TantivySearcher:
    """Results page queries: top 20 by BM25 (or newest first without a term),
    the stored fields of those 20, the count, and every facet's counts."""

    def __init__(self, path: Path) -> None:
        self.index = tantivy.Index.open(str(path))
        _register(self.index)
        self.schema = self.index.schema
        self.searcher = self.index.searcher()
        self.aggregation = {
            name: {"terms": {"field": name, "size": FACET_SIZE}} for name in FACETS
        }

    def query(
        self,
        term: str,
        *,
        township: str = "",
        years: tuple[int, int] | None = None,
    ) -> tantivy.Query:
        parts: list[tuple[tantivy.Occur, tantivy.Query]] = []
        if term:
            pairs = term_pairs(term)
            if len(pairs[0]) == 1:
                found = tantivy.Query.regex_query(
                    self.schema, PAIRS, re.escape(pairs[0]) + "."
                )
            elif len(pairs) == 1:
                found = tantivy.Query.term_query(self.schema, PAIRS, pairs[0])
            else:
                found = tantivy.Query.phrase_query(self.schema, PAIRS, pairs)
            parts.append((tantivy.Occur.Must, found))
        # Filters narrow without scoring, as plansite's do.
        if township:
            exact = tantivy.Query.term_query(self.schema, "township", township)
            parts.append(
                (tantivy.Occur.Must, tantivy.Query.const_score_query(exact, 0))
            )
        if years:
            span = tantivy.Query.range_query(
                self.schema, "plan_year", tantivy.FieldType.Integer, *years
            )
            parts.append((tantivy.Occur.Must, tantivy.Query.const_score_query(span, 0)))
        if not parts:
            return tantivy.Query.all_query()
        if len(parts) == 1:
            return parts[0][1]
        return tantivy.Query.boolean_query(parts)

    def page(
        self,
        term: str,
        *,
        township: str = "",
        years: tuple[int, int] | None = None,
    ) -> TantivyPage:
        query = self.query(term, township=township, years=years)
        if term:
            found = self.searcher.search(query, PAGE_SIZE, count=True)
        else:
            found = self.searcher.search(
                query, PAGE_SIZE, count=True, order_by_field="doc_date"
            )
        hits = [
            self._hit(score, self.searcher.doc(address))
            for score, address in found.hits
        ]
        return TantivyPage(found.count, hits, self.facets(query))

    def facets(self, query: tantivy.Query) -> dict[str, list[tuple[Any, int]]]:
        counted = self.searcher.aggregate(query, self.aggregation)
        facets: dict[str, list[tuple[Any, int]]] = {}
        for name in FACETS:
            buckets = counted.get(name, {}).get("buckets", [])
            convert = int if name == "plan_year" else str
            facets[name] = [(convert(b["key"]), b["doc_count"]) for b in buckets]
        return facets

    @staticmethod
    def _hit(score: Any, doc: tantivy.Document) -> dict[str, Any]:
        """The stored fields as plansite's SearchHit holds them."""
        values = {name: doc.get_first(name) for name in ROW_FIELDS if name != "text"}
        for name in ("doc_date", "publish_date"):
            if values[name] is not None:
                values[name] = date.fromordinal(values[name])
        values["score"] = float(score) if score is not None else 0.0
        return values


def rows_from(queryset: Iterable[Any], searchable_text) -> Iterator[dict[str, Any]]:
    """ROW_FIELDS of each Document; the text is what plansite matches against."""
    for doc in queryset:
        row = {name: getattr(doc, name) for name in ROW_FIELDS if name != "text"}
        row["id"] = doc.pk
        row["text"] = searchable_text(doc)
        yield row
