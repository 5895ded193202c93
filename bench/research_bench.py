"""Server time and memory of the research tools on a large synthetic archive.

Run from the project root, after search_bench.py has built the archive and
its index in the same --var-dir:

    .venv/bin/python -m bench.research_bench --var-dir var/bench

Every tool is requested through Django's test client (server time, streamed
responses read to the end) for a very common and a common term. The peer in
the same run is the search results page for the same term: tool/search is
what the analysis costs beyond finding the documents.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.search_bench import log, setup_django  # noqa: E402

TERMS = ("发展", "乡村振兴")


def tools(term: str, places: list[str]) -> list[tuple[str, str, dict]]:
    """(label, path, params) of every tool for a term."""
    q = {"q": term}
    return [
        ("peer: /search/", "/search/", q),
        ("trend page", "/research/trend/", q),
        ("trend, split by county", "/research/trend/", {**q, "split": "county"}),
        ("trend CSV", "/api/trend", {**q, "format": "csv"}),
        ("KWIC page 1", "/research/kwic/", q),
        ("KWIC page 50", "/research/kwic/", {**q, "page": 50}),
        ("KWIC sorted by left", "/research/kwic/", {**q, "sort": "left"}),
        ("KWIC CSV (all lines)", "/api/kwic", {**q, "format": "csv"}),
        (
            "compare 2 counties",
            "/research/compare/",
            {**q, "level": "county", "place": places[:2]},
        ),
        ("export CSV, metadata", "/api/export", {**q, "format": "csv"}),
        ("export JSONL, full text", "/api/export", {**q, "format": "jsonl", "full": 1}),
    ]


def request(client, path: str, params: dict, *, trace: bool = False) -> dict:
    """One GET read to the end: seconds, bytes, rows (and Python heap peak).

    tracemalloc slows Python down, so the heap is traced in a run of its own.
    """
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    response = client.get(f"{path}?{urlencode(params, doseq=True)}")
    if getattr(response, "streaming", False):
        size = sum(len(chunk) for chunk in response.streaming_content)
    else:
        size = len(response.content)
    seconds = time.perf_counter() - started
    peak = 0
    if trace:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    if response.status_code != 200:
        raise SystemExit(f"{path} {params} answered {response.status_code}")
    return {
        "seconds": seconds,
        "bytes": size,
        "rows": response.headers.get("X-Export-Rows", ""),
        "heap_peak_mb": peak / 2**20,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--var-dir", type=Path, default=ROOT / "var" / "bench", help="search_bench dir"
    )
    parser.add_argument("--repeat", type=int, default=3, help="requests per tool")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    var_dir = args.var_dir.resolve()
    if not (var_dir / "index.json").exists():
        raise SystemExit(f"no benchmark archive in {var_dir}: run bench.search_bench")
    setup_django(var_dir)

    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client

    from documents.models import Document

    docs = Document.objects.count()
    staff, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True}
    )
    client = Client()
    client.force_login(staff)  # staff exports have no row limit
    counties = [
        row["county"]
        for row in Document.objects.values("county")
        .annotate(n=Count("id"))
        .order_by("-n")[:2]
    ]
    client.get("/search/?q=发展")  # opens the index, loads jieba
    results: dict[str, dict[str, dict]] = {}
    for term in TERMS:
        total = client.get("/api/search", {"q": term}).json()["total"]
        log(f"{term}: {total} matching documents of {docs}")
        rows = {}
        for label, path, params in tools(term, counties):
            runs = [request(client, path, params) for _ in range(args.repeat)]
            traced = request(client, path, params, trace=True)
            rows[label] = {
                "median_s": statistics.median(r["seconds"] for r in runs),
                "max_s": max(r["seconds"] for r in runs),
                "mb": runs[-1]["bytes"] / 1e6,
                "rows": runs[-1]["rows"],
                "heap_peak_mb": traced["heap_peak_mb"],
            }
            log(f"  {label}: {rows[label]}")
        results[term] = {"matches": total, "tools": rows}

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n== research tools: {docs} documents, {args.repeat} runs each ==")
    for term, found in results.items():
        peer = found["tools"]["peer: /search/"]["median_s"]
        print(f"\n{term}: {found['matches']} matching documents")
        print(f"{'tool':<28}{'median s':>10}{'max s':>8}{'MB out':>8}{'heap MB':>9}"
              f"{'/search':>9}")  # fmt: skip
        for label, row in found["tools"].items():
            print(
                f"{label:<28}{row['median_s']:>10.3f}{row['max_s']:>8.3f}"
                f"{row['mb']:>8.1f}{row['heap_peak_mb']:>9.1f}"
                f"{row['median_s'] / peer:>8.1f}x"
            )
    print(f"\nprocess peak RSS {rss:.0f} MB")
    if args.json:
        args.json.write_text(
            json.dumps({"docs": docs, "results": results}, ensure_ascii=False)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
