"""Server time of the browse and reading pages on a large synthetic archive.

Run from the project root:  .venv/bin/python -m bench.pages_bench --docs 50000
Each page is requested through Django's test client in this process, so the
figure is the server's time (URL routing, views, SQL, templates, middleware)
without the network. The peer in the same run is the 404 page: the same
middleware and base template with no archive work, so page/404 is the cost of
the archive work itself. Pointed at a search_bench.py archive (--var-dir of
that run, --reuse), the index is there too, so the search pages and the
document page's similar documents are measured as a reader gets them.

--postgres builds the same archive (same seed, same ids) in a throwaway
PostgreSQL database on --pg-server and drops it afterwards: the same pages on
the production database.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.search_bench import (  # noqa: E402
    default_shared,
    log,
    marker,
    setup_django,
    summary,
)

TERM = "乡村振兴"


def pages(rng: random.Random) -> list[tuple[str, str]]:
    """(label, url) for every kind of page, with real places and documents."""
    from django.urls import reverse

    from documents.models import Document
    from documents.views.places import place_url

    ids = list(Document.objects.values_list("pk", flat=True))
    sample = Document.objects.only(
        "province", "city", "county", "township", "plan_year"
    ).get(pk=rng.choice(ids))
    path = (sample.province, sample.city, sample.county, sample.township)
    doc = reverse("documents:detail", args=[rng.choice(ids)])
    year = sample.plan_year or 2015
    return [
        ("home", reverse("documents:home")),
        ("regions", place_url(())),
        ("province", place_url(path[:1])),
        ("city", place_url(path[:2])),
        ("county", place_url(path[:3])),
        ("township", place_url(path)),
        ("years", reverse("documents:years")),
        ("year", reverse("documents:year", args=[year])),
        (
            "year+province",
            f"{reverse('documents:year', args=[year])}?province={path[0]}",
        ),
        ("list", reverse("documents:list")),
        ("list sorted p50", f"{reverse('documents:list')}?sort=-doc_date&page=50"),
        (
            "list filtered",
            f"{reverse('documents:list')}?province={path[0]}&year={year}",
        ),
        ("search", f"{reverse('search:page')}?q={TERM}"),
        ("search + township", f"{reverse('search:page')}?q={TERM}&township={path[3]}"),
        ("browse (no query)", reverse("search:page")),
        ("document", doc),
        ("document ?q=", f"{doc}?q={TERM}"),
        ("document text", reverse("documents:text", args=[rng.choice(ids)])),
        ("peer: 404", "/no-such-page/"),
    ]


def measure(url: str, repeat: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    times = []
    status = None
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            if getattr(response, "streaming", False):
                b"".join(response.streaming_content)
            times.append(time.perf_counter() - started)
        status = response.status_code
        queries = len(captured.captured_queries)
    # The first request warms caches (templates, jieba); report it apart.
    return {
        "status": status,
        "first_ms": round(times[0] * 1000, 1),
        **summary(times[1:] or times),
        "queries": queries,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=50_000, help="archive size")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    parser.add_argument(
        "--var-dir", type=Path, default=ROOT / "var" / "bench-pages", help="state dir"
    )
    parser.add_argument(
        "--shared", type=Path, default=default_shared(), help="sample texts"
    )
    parser.add_argument("--repeat", type=int, default=11, help="requests per page")
    parser.add_argument("--reuse", action="store_true", help="keep the database")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--postgres", action="store_true", help="a throwaway PostgreSQL database"
    )
    parser.add_argument(
        "--pg-server",
        default="postgres://postgres@127.0.0.1:5432",
        help="PostgreSQL server for --postgres (a database is made and dropped)",
    )
    args = parser.parse_args(argv)
    args.var_dir = args.var_dir.resolve()
    if args.postgres:
        name = f"plansite_bench_pages_{os.getpid()}"
        _pg_admin(args.pg_server, f'CREATE DATABASE "{name}"')
        try:
            return run(args, database_url=f"{args.pg_server}/{name}")
        finally:
            from django.db import connections

            connections.close_all()
            _pg_admin(args.pg_server, f'DROP DATABASE IF EXISTS "{name}"')
    return run(args)


def _pg_admin(server: str, sql: str) -> None:
    import psycopg2

    db = psycopg2.connect(f"{server}/postgres")
    db.autocommit = True
    try:
        with db.cursor() as cursor:
            cursor.execute(sql)
    finally:
        db.close()


def run(args: argparse.Namespace, database_url: str | None = None) -> int:

    stamp = args.var_dir / "bench.json"
    reuse = (
        args.reuse
        and stamp.exists()
        and json.loads(stamp.read_text()).get("marker") == marker(args)
    )
    if not reuse:
        shutil.rmtree(args.var_dir, ignore_errors=True)
    args.var_dir.mkdir(parents=True, exist_ok=True)
    os.environ["PLANSITE_ALLOWED_HOSTS"] = "testserver"
    setup_django(args.var_dir, database_url)

    from django.db import connection

    from bench.search_bench import build_database

    if reuse and database_url is None:
        database = json.loads(stamp.read_text())["database"]
    else:
        log(f"building a database of {args.docs} documents ({connection.vendor}) ...")
        database = build_database(args)
        if database_url is None:
            stamp.write_text(json.dumps({"marker": marker(args), "database": database}))
    database["vendor"] = connection.vendor
    log(f"database: {database}")

    # The peer's 404s are expected; keep them out of the report.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    rng = random.Random(args.seed)
    results = {label: measure(url, args.repeat) for label, url in pages(rng)}
    peer = results["peer: 404"]["median_ms"] or float("nan")

    print(
        f"\n== page server time: {database['docs']} documents on "
        f"{database['vendor']}, {args.repeat} runs =="
    )
    print(f"{'page':<18}{'status':>7}{'first':>9}{'median':>9}{'p95':>9}"
          f"{'SQL':>6}{'/404':>7}")  # fmt: skip
    for label, row in results.items():
        print(
            f"{label:<18}{row['status']:>7}{row['first_ms']:>9.1f}"
            f"{row['median_ms']:>9.1f}{row['p95_ms']:>9.1f}{row['queries']:>6}"
            f"{row['median_ms'] / peer:>6.1f}x"
        )
    medians = [
        row["median_ms"] for label, row in results.items() if "peer" not in label
    ]
    print(
        f"\nslowest page median {max(medians):.1f} ms; "
        f"median of page medians {statistics.median(medians):.1f} ms"
    )
    if args.json:
        args.json.write_text(
            json.dumps({"database": database, "pages": results}, ensure_ascii=False)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
