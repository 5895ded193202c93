"""Drill: damage a real search index each way it can be damaged, then repair it.

For each kind of damage, on a synthetic archive (bench/corpus.py): restore a
sound index, open a searcher (as a running web process has one), damage the
index, request the pages (status and time: the first request finds the damage,
the next ones answer from what it found), run `check_index` and then
`check_index --repair` as an operator would (separate processes, timed), and
search again in the same process (no restart): the totals must equal a
substring scan of the database. Prints a table; exits 1 if any page answered
500 or the repair did not heal.

    .venv/bin/python -m bench.index_damage_drill --docs 3000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.index_damage import DAMAGES as FILE_DAMAGES
from bench.index_damage import kill_a_writer
from bench.search_bench import ROOT, build_database, default_shared, log, setup_django

TERMS = ("乡村振兴", "安全生产", "美丽乡村")
REPEAT = 5


# The file damages, then a writer killed while it held the lock.
DAMAGES = {**FILE_DAMAGES, "killed-writer": kill_a_writer}


def manage(*args: str) -> tuple[int, float, str]:
    """Run manage.py in its own process: (exit code, seconds, last line)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    )
    seconds = time.perf_counter() - started
    lines = (done.stdout + done.stderr).strip().splitlines()
    return done.returncode, seconds, lines[-1] if lines else ""


def scan_counts() -> dict[str, int]:
    from documents.models import Document

    counts = dict.fromkeys(TERMS, 0)
    for title, body in Document.objects.values_list("title", "body").iterator():
        text = f"{title}\n{body}"
        for term in TERMS:
            counts[term] += term in text
    return counts


def search_counts(client) -> dict[str, int] | None:
    counts = {}
    for term in TERMS:
        response = client.get("/api/search", {"q": term, "page_size": 1})
        if response.status_code != 200:
            return None
        counts[term] = response.json()["total"]
    return counts


def pages(doc_id: int) -> dict[str, str]:
    term = TERMS[0]
    return {
        "search": f"/search/?q={term}",
        "api": f"/api/search?q={term}",
        "kwic": f"/research/kwic/?q={term}",
        "healthz": "/healthz",
        "document": f"/documents/{doc_id}/",
        "browse": "/documents/",
    }


def request_all(client, urls: dict[str, str]) -> tuple[dict[str, int], float, float]:
    """(status per page, first round's search ms, median ms of later rounds)."""
    statuses = {}
    first = 0.0
    later = []
    for round_ in range(1 + REPEAT):
        for name, url in urls.items():
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
            if name == "search":
                if round_ == 0:
                    first = elapsed
                else:
                    later.append(elapsed)
            statuses[name] = response.status_code
    return statuses, first, statistics.median(later)


def drill(args) -> list[dict]:
    from django.conf import settings
    from django.test import Client
    from haystack import connections

    from documents.models import Document

    live = Path(settings.WHOOSH_INDEX_DIR)
    pristine = live.with_name("whoosh_index.drill-pristine")
    code, seconds, line = manage("rebuild_index", "--noinput")
    if code:
        raise SystemExit(f"rebuild_index failed: {line}")
    log(f"rebuild_index: {seconds:.1f} s ({line})")
    shutil.rmtree(pristine, ignore_errors=True)
    shutil.copytree(live, pristine)
    expected = scan_counts()
    doc_id = Document.objects.order_by("pk").values_list("pk", flat=True).first()
    urls = pages(doc_id)
    rows = [{"damage": "(none: rebuild_index)", "repair_s": round(seconds, 2)}]
    for kind, damage in DAMAGES.items():
        shutil.rmtree(live, ignore_errors=True)
        shutil.copytree(pristine, live)
        connections.reload("default")
        client = Client()
        assert search_counts(client) == expected, "the sound index disagrees"
        damage(live)
        statuses, first_ms, later_ms = request_all(client, urls)
        check_code, check_s, _ = manage("check_index")
        repair_code, repair_s, repair_line = manage("check_index", "--repair")
        # The same process, no restart: does it answer again, and rightly?
        after = search_counts(client)
        health = client.get("/healthz").status_code
        rows.append(
            {
                "damage": kind,
                "statuses": statuses,
                "first_ms": round(first_ms, 1),
                "later_ms": round(later_ms, 1),
                "check_code": check_code,
                "check_s": round(check_s, 2),
                "repair_code": repair_code,
                "repair_s": round(repair_s, 2),
                "repair_says": repair_line,
                "healed": after == expected and health == 200,
            }
        )
        log(f"{kind}: {rows[-1]}")
    shutil.rmtree(pristine, ignore_errors=True)
    return rows


def print_table(rows: list[dict], docs: int) -> None:
    print(f"Index damage drill: {docs} documents")
    header = (
        f"{'damage':<22} {'search':>6} {'api':>4} {'kwic':>4} {'health':>6} "
        f"{'doc':>4} {'browse':>6} {'1st ms':>7} {'next ms':>7} {'check':>5} "
        f"{'check s':>7} {'repair':>6} {'repair s':>8} {'healed':>6}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        if "statuses" not in row:
            print(f"{row['damage']:<22} {'':>61} {row['repair_s']:>8.2f}")
            continue
        s = row["statuses"]
        print(
            f"{row['damage']:<22} {s['search']:>6} {s['api']:>4} {s['kwic']:>4} "
            f"{s['healthz']:>6} {s['document']:>4} {s['browse']:>6} "
            f"{row['first_ms']:>7.1f} {row['later_ms']:>7.1f} {row['check_code']:>5} "
            f"{row['check_s']:>7.2f} {row['repair_code']:>6} {row['repair_s']:>8.2f} "
            f"{'yes' if row['healed'] else 'NO':>6}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--var-dir", type=Path, default=ROOT / "var" / "bench-damage-drill"
    )
    parser.add_argument("--shared", type=Path, default=default_shared())
    parser.add_argument("--reuse", action="store_true", help="keep the database")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args(argv)
    args.var_dir = args.var_dir.resolve()
    if not args.reuse:
        shutil.rmtree(args.var_dir, ignore_errors=True)
    args.var_dir.mkdir(parents=True, exist_ok=True)
    setup_django(args.var_dir)
    if not args.reuse:
        log(f"database: {build_database(args)}")
    rows = drill(args)
    print_table(rows, args.docs)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=2))
    failed = [
        r
        for r in rows
        if "statuses" in r and (500 in r["statuses"].values() or not r["healed"])
    ]
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
