"""The SQLite FTS5 peer: the same documents as jieba words, phrase queries, GROUP BY."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

FACETS = ("township", "county", "plan_year", "category")
PAGE_SIZE = 20
INSERT_BATCH = 500

SCHEMA = """
CREATE TABLE doc (
    id INTEGER PRIMARY KEY, title TEXT, township TEXT, county TEXT,
    plan_year INTEGER, category TEXT, doc_date TEXT
);
CREATE INDEX doc_township ON doc(township);
CREATE INDEX doc_year ON doc(plan_year);
CREATE INDEX doc_date ON doc(doc_date);
-- Contentless: the text lives in the main database; bm25 needs only the index.
CREATE VIRTUAL TABLE doc_fts USING fts5(body, content='', tokenize='unicode61');
"""


def words(text: str) -> str:
    """jieba's default cut (the words a phrase query looks for), space-joined."""
    from search.normalise import fold
    from search.tokenizer import get_segmenter

    # The same tokens as jieba (search/tokenizer.py), rjieba doing the bulk.
    cut = get_segmenter().cut(fold(text))
    return " ".join(w for w in cut if any(ch.isalnum() for ch in w))


def _words_of(item: tuple[int, str]) -> tuple[int, str]:
    return item[0], words(item[1])


def phrase(term: str) -> str:
    """An FTS5 phrase of the term's jieba words."""
    joined = words(term)
    return '"' + joined.replace('"', '""') + '"' if joined else ""


def build(path: Path, rows: Iterator[tuple], workers: int) -> dict:
    """Create the FTS5 database from (id, title, township, county, year, category,
    doc_date, text) rows; jieba runs in ``workers`` processes."""
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    tokenise = 0.0
    insert = 0.0
    started = time.perf_counter()
    # fork keeps the parent's jieba dictionary (already loaded) in every worker.
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        batch: list[tuple] = []

        def flush() -> None:
            nonlocal tokenise, insert
            t0 = time.perf_counter()
            texts = pool.map(_words_of, [(r[0], r[7]) for r in batch], chunksize=16)
            t1 = time.perf_counter()
            db.executemany(
                "INSERT INTO doc VALUES (?,?,?,?,?,?,?)", [r[:7] for r in batch]
            )
            db.executemany("INSERT INTO doc_fts(rowid, body) VALUES (?,?)", texts)
            insert += time.perf_counter() - t1
            tokenise += t1 - t0
            batch.clear()

        for row in rows:
            batch.append(row)
            if len(batch) >= INSERT_BATCH:
                flush()
        if batch:
            flush()
    t0 = time.perf_counter()
    db.execute("INSERT INTO doc_fts(doc_fts) VALUES ('optimize')")
    db.commit()
    db.close()
    insert += time.perf_counter() - t0
    return {
        "build_s": time.perf_counter() - started,
        "tokenise_s": tokenise,
        "insert_s": insert,
        "size_bytes": path.stat().st_size,
    }


class Fts5Searcher:
    """Results page queries: a ranked page, the count and four GROUP BY facets."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path)

    def close(self) -> None:
        self.db.close()

    def page(
        self,
        term: str,
        *,
        township: str = "",
        years: tuple[int, int] | None = None,
    ) -> tuple[int, list[tuple], dict]:
        where, args = [], []
        if term:
            where.append("doc_fts MATCH ?")
            args.append(phrase(term))
        if township:
            where.append("doc.township = ?")
            args.append(township)
        if years:
            where.append("doc.plan_year BETWEEN ? AND ?")
            args.extend(years)
        clause = ("WHERE " + " AND ".join(where)) if where else ""
        if term:
            source = "doc_fts JOIN doc ON doc.id = doc_fts.rowid"
            order = "doc_fts.rank"
        else:
            source = "doc"
            order = "doc.doc_date DESC"
        hits = self.db.execute(
            f"SELECT doc.id, doc.title, doc.township FROM {source} {clause} "
            f"ORDER BY {order} LIMIT {PAGE_SIZE}",
            args,
        ).fetchall()
        # One pass over the matches for the count and every facet.
        groups = " UNION ALL ".join(
            f"SELECT '{f}', {f}, count(*) FROM hits GROUP BY {f}" for f in FACETS
        )
        rows = self.db.execute(
            f"WITH hits AS MATERIALIZED (SELECT doc.* FROM {source} {clause}) "
            + groups,
            args,
        ).fetchall()
        facets: dict[str, list] = {f: [] for f in FACETS}
        for name, value, count in rows:
            facets[name].append((value, count))
        total = sum(count for _, count in facets["township"])
        return total, hits, facets
