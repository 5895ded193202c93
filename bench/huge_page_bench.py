"""The worst document page: eight readers of a 5 MiB document with ?q=的 at
once, while other readers read ordinary document pages.

Run from the project root:  .venv/bin/python -m bench.huge_page_bench

1. Builds an archive in --var-dir (SQLite): --docs ordinary documents
   (bench/corpus.py) and one document of PLANSITE_MAX_DOCUMENT_BYTES (the
   national reports, paragraph by paragraph: bench.corpus.largest_body).
2. One request at a time through Django's test client, in a child process
   running the code in --code: the worst page (/documents/<huge>/?q=的) and
   its peer, an ordinary document with ?q=的. Server time, tracemalloc peak,
   bytes and marks of each.
3. Serves the archive with gunicorn as the README's Production section does
   (2 workers x 4 threads, production settings) from --code, and runs
   --readers normal readers (ordinary document pages, with and without a
   query) for --seconds alone, then again while --worst clients request the
   huge document with ?q=的 (no part, as a search result links it, and the
   part=K that KWIC links to deep hits carry). Prints p50/p99/max of the
   normal readers in both phases, the worst-case requests' times, and the peak
   RSS of the gunicorn workers.

--code defaults to this tree. For the figures before a change, export the
earlier commit and point --code at it:
  git archive <commit> | tar -x -C /tmp/before
  .venv/bin/python -m bench.huge_page_bench --code /tmp/before
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERY = "的"
HUGE_TITLE = "超长文档（基准）"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def figures(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values) * 1000, 1) if values else None,
        "p99_ms": round(pct(values, 0.99) * 1000, 1) if values else None,
        "max_ms": round(max(values) * 1000, 1) if values else None,
    }


# --- the archive ------------------------------------------------------------


def build(args: argparse.Namespace) -> None:
    """The ordinary archive and the huge document, in this process."""
    sys.path.insert(0, str(ROOT))
    from bench.corpus import largest_body
    from bench.search_bench import build_database, default_shared, setup_django

    setup_django(args.var_dir)
    from django.conf import settings

    from documents.models import Document

    build_database(
        argparse.Namespace(docs=args.docs, seed=args.seed, shared=default_shared())
    )
    body = largest_body(settings.PLANSITE_MAX_DOCUMENT_BYTES)
    Document.objects.create(title=HUGE_TITLE, body=body, original=body, county="测试县")
    # Indexed, as a running archive is: the page's similar documents are part
    # of its cost (and a missing index must not be what is measured).
    from django.core.management import call_command

    call_command("rebuild_index", "--noinput", verbosity=0)
    log(
        f"archive: {args.docs} ordinary documents and one of "
        f"{len(body.encode())} bytes ({len(body)} characters, "
        f"{body.count(QUERY)} × {QUERY})"
    )


# --- one request at a time, in the code under test -------------------------------


def measure_in_process(var_dir: Path) -> dict:
    """Run in a child whose sys.path starts with --code."""
    import tracemalloc

    from bench.search_bench import setup_django

    setup_django(var_dir)
    from django.test import Client

    from documents.models import Document

    huge = Document.objects.get(title=HUGE_TITLE)
    peer = (
        Document.objects.exclude(pk=huge.pk)
        .filter(body__contains=QUERY)
        .order_by("pk")
        .first()
    )
    client = Client()
    out = {}
    for label, doc in (("worst: 5 MiB ?q=的", huge), ("peer: ordinary ?q=的", peer)):
        url = f"{doc.get_absolute_url()}?q={QUERY}"
        client.get(url)  # warm: templates, caches
        times = []
        for _ in range(3):
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        tracemalloc.start()
        client.get(url)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out[label] = {
            "status": response.status_code,
            "median_ms": round(statistics.median(times) * 1000, 1),
            "peak_mb": round(peak / 1e6, 1),
            "bytes": len(response.content),
            "marks": response.content.count(b"<mark id="),
            "chars": len(doc.body),
        }
    return out


def measure(args: argparse.Namespace) -> dict:
    # The script from this tree, the project (and its bench helpers) from --code.
    done = subprocess.run(
        [sys.executable, __file__, "--measure", str(args.var_dir)],
        cwd=args.code,
        env={**_plain_env(), "PYTHONPATH": str(args.code)},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _plain_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}


# --- under load, through gunicorn ----------------------------------------------


def serve(args: argparse.Namespace, port: int) -> subprocess.Popen:
    env = {
        **_plain_env(),
        "DJANGO_SETTINGS_MODULE": "plansite.settings.prod",
        "PLANSITE_VAR_DIR": str(args.var_dir),
        "PLANSITE_SECRET_KEY": secrets.token_urlsafe(40),
        "PLANSITE_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PLANSITE_SSL_REDIRECT": "0",
        "PLANSITE_HSTS_SECONDS": "0",
        "PYTHONPATH": str(args.code),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=args.code,
        env=env,
        check=True,
    )
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "plansite.wsgi",
            f"--bind=127.0.0.1:{port}",
            "--workers=2",
            "--threads=4",
            "--timeout=300",
            "--log-level=warning",
        ],
        cwd=args.code,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return server
        time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not listen")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fetch(url: str) -> tuple[float, int, int]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=300) as response:  # noqa: S310 - loopback
        size = len(response.read())
        status = response.status
    return time.perf_counter() - started, status, size


def _loop(urls: list[str], until: float, seed: int, out: list, errors: list) -> None:
    rng = random.Random(seed)
    while time.monotonic() < until:
        try:
            out.append(_fetch(rng.choice(urls)))
        except Exception as exc:  # noqa: BLE001 - counted and reported
            errors.append(repr(exc))


def phase(readers: list[str], worst: list[str], args: argparse.Namespace) -> dict:
    until = time.monotonic() + args.seconds
    normal: list = []
    heavy: list = []
    errors: list = []
    threads = [
        threading.Thread(target=_loop, args=(readers, until, i, normal, errors))
        for i in range(args.readers)
    ]
    if worst:
        threads += [
            threading.Thread(target=_loop, args=(worst, until, 100 + i, heavy, errors))
            for i in range(args.worst)
        ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted({status for _t, status, _s in normal + heavy})
    return {
        "normal": figures([t for t, _st, _s in normal]),
        "worst": figures([t for t, _st, _s in heavy]),
        "worst_mb": round(statistics.median([s for _t, _st, s in heavy]) / 1e6, 2)
        if heavy
        else None,
        "statuses": statuses,
        "errors": errors[:5],
        "error_count": len(errors),
    }


def worker_peak_rss_mb(server: subprocess.Popen) -> list[float]:
    """VmHWM of each gunicorn worker (children of the arbiter)."""
    peaks = []
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    for pid in children.read_text().split():
        status = Path(f"/proc/{pid}/status").read_text()
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        if match:
            peaks.append(round(int(match.group(1)) / 1024, 1))
    return peaks


def load(args: argparse.Namespace) -> dict:
    import sqlite3

    db = sqlite3.connect(args.var_dir / "plansite.sqlite3")
    (huge,) = db.execute(
        "SELECT id FROM documents_document WHERE title = ?", (HUGE_TITLE,)
    ).fetchone()
    ids = [
        pk
        for (pk,) in db.execute(
            "SELECT id FROM documents_document WHERE id != ? ORDER BY id", (huge,)
        )
    ]
    db.close()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    rng = random.Random(args.seed)
    readers = [f"{base}/documents/{pk}/" for pk in rng.sample(ids, min(50, len(ids)))]
    readers += [f"{url}?q=%E5%8F%91%E5%B1%95" for url in readers]  # ?q=发展
    page = f"{base}/documents/{huge}/?q=%E7%9A%84"  # ?q=的
    worst = [page] + [f"{page}&part={k}" for k in range(1, 21)]
    server = serve(args, port)
    try:
        for url in (readers[0], readers[-1], page):
            _fetch(url)  # warm both workers' caches a little
        log(f"normal readers alone, {args.seconds} s ...")
        alone = phase(readers, [], args)
        log(f"normal readers with {args.worst} worst-case readers ...")
        loaded = phase(readers, worst, args)
        rss = worker_peak_rss_mb(server)
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    return {"alone": alone, "with_worst": loaded, "worker_peak_rss_mb": rss}


def report(result: dict, args: argparse.Namespace) -> None:
    print(f"\n== one request at a time (code: {args.code}) ==")
    print(f"{'page':<24}{'ms':>9}{'peak MB':>9}{'bytes':>10}{'marks':>7}")
    for label, row in result["single"].items():
        print(
            f"{label:<24}{row['median_ms']:>9.1f}{row['peak_mb']:>9.1f}"
            f"{row['bytes']:>10}{row['marks']:>7}"
        )
    single = list(result["single"].values())
    print(
        f"worst/peer: {single[0]['median_ms'] / single[1]['median_ms']:.1f}x time, "
        f"{single[0]['peak_mb'] / max(0.1, single[1]['peak_mb']):.1f}x memory"
    )
    load = result["load"]
    print(
        f"\n== {args.readers} normal readers, gunicorn 2 workers x 4 threads, "
        f"{args.seconds} s a phase =="
    )
    print(f"{'phase':<34}{'n':>6}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for label, key, part in (
        ("normal readers alone", "alone", "normal"),
        ("normal readers + worst-case", "with_worst", "normal"),
        (f"worst-case requests ({args.worst} clients)", "with_worst", "worst"),
    ):
        row = load[key][part]
        print(
            f"{label:<34}{row['n']:>6}{row['p50_ms'] or 0:>9.1f}"
            f"{row['p99_ms'] or 0:>9.1f}{row['max_ms'] or 0:>9.1f}"
        )
    loaded = load["with_worst"]
    print(
        f"worst-case response {loaded['worst_mb']} MB; "
        f"statuses {loaded['statuses']}; errors {loaded['error_count']}; "
        f"worker peak RSS {load['worker_peak_rss_mb']} MB"
    )
    p99 = loaded["normal"]["p99_ms"] or float("inf")
    print(f"normal readers' p99 under the worst case: {p99:.0f} ms (aim: < 1000 ms)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--docs", type=int, default=300, help="ordinary documents")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=20, help="per load phase")
    parser.add_argument("--readers", type=int, default=4, help="normal readers")
    parser.add_argument("--worst", type=int, default=8, help="worst-case readers")
    parser.add_argument(
        "--code", type=Path, default=ROOT, help="project tree the server runs"
    )
    parser.add_argument(
        "--var-dir", type=Path, default=ROOT / "var" / "bench-huge-page"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure_in_process(args.measure.resolve())))
        return 0
    args.var_dir = args.var_dir.resolve()
    args.code = args.code.resolve()
    shutil.rmtree(args.var_dir, ignore_errors=True)
    args.var_dir.mkdir(parents=True)
    build(args)
    result = {"single": measure(args), "load": load(args)}
    report(result, args)
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
