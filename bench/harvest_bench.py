"""Harvest speed on a generated 政务公开 column on loopback, beside a bare-httpx peer.

Run from the project root:  nice -n 5 .venv/bin/python -m bench.harvest_bench --docs 200

1. Generates a TRS column of --docs detail pages (documents/harvest/sample_site.py's
   templates and the sample site's texts, 20 entries a list page, one attachment
   on every tenth page) and serves it on 127.0.0.1 (port 0).
2. Zero delay: documents.harvest.crawl.harvest() of the whole column into a
   throwaway var dir and SQLite database (import off: this is the crawler's
   cost), then the same URLs fetched by a bare httpx loop, one at a time (the
   ceiling: no robots, no WARC, no database). Pages per second for both.
3. The re-run with nothing changed: seconds, requests, status codes and bytes the
   server sent, beside the first run's (conditional requests should make it cheap).
4. The default politeness (settings.PLANSITE_HARVEST_DELAY etc.) on a small column of
   --polite-docs pages, since each request waits the delay.
5. --with-import: the zero-delay first run once more with the import on, to show
   what importing the captures adds.

The server's request log counts requests and body bytes, so the figures do not
depend on what the harvester reports about itself (its own counts are printed
beside them).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def setup_django(var_dir: Path) -> None:
    """Everything under var_dir: SQLite database, WARC files; never DATABASE_URL."""
    os.environ["PLANSITE_VAR_DIR"] = str(var_dir)
    os.environ.pop("PLANSITE_WARC_DIR", None)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plansite.settings.base")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def harvest_available() -> str:
    """ "" when documents.harvest.crawl.harvest() is importable, else why not."""
    try:
        from documents.harvest.crawl import harvest  # noqa: F401
        from documents.harvest.definitions import load_source  # noqa: F401
    except ImportError as exc:
        return (
            f"documents.harvest.crawl.harvest() is not in this tree ({exc}); it "
            "lands with the i18-crawl branch (issue 18). Only the peer was measured."
        )
    return ""


def window(site: Any, start: int) -> dict[str, Any]:
    """The server's view of the requests since index ``start`` of its log."""
    entries = site.requests[start:]
    statuses = Counter(str(e.status) for e in entries)
    return {
        "requests": len(entries),
        "bytes": sum(e.bytes_sent for e in entries),
        "statuses": dict(sorted(statuses.items())),
        "pages": sum(1 for e in entries if e.path.endswith(".html")),
        "conditional": sum(
            1
            for e in entries
            if "if-none-match" in e.headers or "if-modified-since" in e.headers
        ),
    }


def run_harvest(site: Any, definition: Path, overrides: dict[str, Any], *, imp: bool):
    from documents.harvest.crawl import harvest
    from documents.harvest.definitions import load_source

    source = load_source(str(definition), overrides=overrides)
    start = len(site.requests)
    started = time.perf_counter()
    report = harvest(source, import_captures=imp)
    seconds = time.perf_counter() - started
    figures = window(site, start)
    figures["seconds"] = round(seconds, 3)
    figures["pages_per_s"] = round(figures["pages"] / seconds, 1) if seconds else 0
    figures["requests_per_s"] = round(figures["requests"] / seconds, 1)
    figures["report"] = {
        key: getattr(report, key, None)
        for key in (
            "listed",
            "stated_total",
            "captured",
            "unchanged",
            "failed",
            "withdrawn",
            "requests",
            "imported",
            "failures",
        )
    }
    from django.conf import settings

    warc_bytes = 0
    for name in getattr(report, "warc_files", []) or []:
        path = Path(settings.WARC_DIR) / name
        if path.exists():
            warc_bytes += path.stat().st_size
    figures["warc_bytes"] = warc_bytes
    return figures


def peer_loop(site: Any, paths: list[str], repeat: int) -> dict[str, Any]:
    """The same URLs fetched one at a time by httpx: the ceiling (best of repeat)."""
    import httpx

    runs = []
    for _ in range(repeat):
        start = len(site.requests)
        started = time.perf_counter()
        with httpx.Client(timeout=30) as client:
            for path in paths:
                response = client.get(site.url_for(path))
                response.read()
        seconds = time.perf_counter() - started
        figures = window(site, start)
        figures["seconds"] = round(seconds, 3)
        runs.append(figures)
    best = min(runs, key=lambda r: r["seconds"])
    best["pages_per_s"] = round(best["pages"] / best["seconds"], 1)
    best["requests_per_s"] = round(best["requests"] / best["seconds"], 1)
    best["seconds_all"] = [r["seconds"] for r in runs]
    return best


def column_paths(site: Any) -> list[str]:
    """What a harvest asks for: robots.txt, the list pages, pages, attachments."""
    return [
        "/robots.txt",
        *site.list_paths(),
        *site.document_paths(),
        *site.attachment_paths(),
    ]


def row(label: str, figures: dict[str, Any]) -> str:
    statuses = " ".join(f"{k}:{v}" for k, v in figures["statuses"].items())
    return (
        f"{label:<28}{figures['seconds']:>9.2f}{figures['requests']:>7}"
        f"{figures['pages_per_s']:>9.1f}{figures['bytes'] / 1e6:>9.2f}"
        f"{figures.get('conditional', 0):>6}  {statuses}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200, help="detail pages")
    parser.add_argument(
        "--polite-docs",
        type=int,
        default=10,
        help="pages for the default-politeness run (each waits the delay)",
    )
    parser.add_argument("--seed", type=int, default=18, help="random seed")
    parser.add_argument(
        "--var-dir",
        type=Path,
        default=ROOT / "var" / "bench-harvest",
        help="state dir (emptied first): sites, database, WARC files",
    )
    parser.add_argument("--repeat", type=int, default=3, help="peer runs (best)")
    parser.add_argument(
        "--no-polite", action="store_true", help="skip the default-politeness run"
    )
    parser.add_argument(
        "--with-import",
        action="store_true",
        help="also a zero-delay first run with the import on",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    var_dir = args.var_dir.resolve()
    shutil.rmtree(var_dir, ignore_errors=True)
    var_dir.mkdir(parents=True)
    setup_django(var_dir / "plansite")

    from django.conf import settings

    from documents.harvest.sample_site import SampleSite, generate_site

    missing = harvest_available()
    results: dict[str, Any] = {"docs": args.docs, "polite_docs": args.polite_docs}

    log(f"generating a column of {args.docs} pages ...")
    generate_site(var_dir / "site", documents=args.docs, seed=args.seed)
    with SampleSite(var_dir / "site", source=None) as site:
        paths = column_paths(site)
        definition = var_dir / "bench.toml"
        definition.write_text(site.definition_toml(name="bench-zero"), "utf-8")
        zero = {"delay": 0, "max_list_pages": 10_000}
        if not missing:
            log("harvest, zero delay, first run ...")
            results["first"] = run_harvest(site, definition, zero, imp=False)
            log("harvest, zero delay, re-run with nothing changed ...")
            results["rerun"] = run_harvest(site, definition, zero, imp=False)
        log(f"peer: {len(paths)} URLs by a bare httpx loop, best of {args.repeat} ...")
        results["peer"] = peer_loop(site, paths, args.repeat)
        if not missing and args.with_import:
            log("harvest, zero delay, first run with the import ...")
            definition.write_text(site.definition_toml(name="bench-import"), "utf-8")
            results["first_import"] = run_harvest(site, definition, zero, imp=True)

    if not missing and not args.no_polite:
        generate_site(var_dir / "polite", documents=args.polite_docs, seed=args.seed)
        with SampleSite(var_dir / "polite", source=None) as site:
            definition = var_dir / "polite.toml"
            # No delay given: the definition keeps settings.PLANSITE_HARVEST_DELAY.
            text = site.definition_toml(name="bench-polite", delay=None)
            definition.write_text(text, "utf-8")
            log(
                f"harvest, default politeness (delay {settings.PLANSITE_HARVEST_DELAY}"
                f" s), {args.polite_docs} pages ..."
            )
            results["polite"] = run_harvest(site, definition, {}, imp=False)
            results["polite"]["delay"] = settings.PLANSITE_HARVEST_DELAY

    print(f"\n== harvest of a {args.docs}-page TRS column on loopback ==")
    print(
        f"{'run':<28}{'seconds':>9}{'reqs':>7}{'pages/s':>9}{'MB sent':>9}"
        f"{'cond.':>6}  statuses"
    )
    labels = {
        "first": "harvest, zero delay",
        "rerun": "  re-run, nothing changed",
        "peer": "peer: bare httpx loop",
        "first_import": "harvest + import",
        "polite": f"harvest, politeness ({args.polite_docs})",
    }
    for key, label in labels.items():
        if key in results:
            print(row(label, results[key]))
    if "first" in results:
        first, rerun, peer = results["first"], results["rerun"], results["peer"]
        print(
            f"\nzero delay: harvest {first['pages_per_s']} pages/s, peer "
            f"{peer['pages_per_s']} pages/s "
            f"({first['pages_per_s'] / peer['pages_per_s']:.2f} of the ceiling); "
            f"WARC {first['warc_bytes'] / 1e6:.2f} MB"
        )
        print(
            f"re-run: {rerun['seconds']:.2f} s vs {first['seconds']:.2f} s "
            f"({rerun['seconds'] / first['seconds']:.2f}x), {rerun['requests']} vs "
            f"{first['requests']} requests, {rerun['bytes'] / 1e6:.3f} vs "
            f"{first['bytes'] / 1e6:.3f} MB sent; "
            f"harvester: {rerun['report']['captured']} captured, "
            f"{rerun['report']['unchanged']} unchanged"
        )
        print(f"first run's report: {first['report']}")
    if "first_import" in results:
        imp = results["first_import"]
        print(
            f"import: {imp['seconds']:.2f} s with, {results['first']['seconds']:.2f} s"
            f" without ({imp['report']['imported']} imported)"
        )
    if "polite" in results:
        polite = results["polite"]
        per = polite["seconds"] / max(1, polite["requests"])
        print(
            f"politeness: {polite['requests']} requests in {polite['seconds']:.1f} s "
            f"({per:.2f} s a request at delay {polite['delay']} s); "
            f"{args.docs} pages would take about "
            f"{per * results['peer']['requests'] / 60:.0f} min"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    if missing:
        print(f"\nNOT MEASURED: {missing}")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
