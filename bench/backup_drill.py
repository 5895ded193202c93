"""Back up a synthetic archive of N documents, restore it on an empty machine, timed.

    .venv/bin/python bench/backup_drill.py --docs 2000 [--var-dir /tmp/drill]
    .venv/bin/python bench/backup_drill.py --docs 2000 \
        --database-url postgres://postgres@127.0.0.1:5432/drill

Machine A (a var dir, SQLite or the given PostgreSQL database, created and
dropped here) gets N documents from bench/corpus.py; `backup_archive` runs
there; `restore_archive` runs on machine B (a new var dir, and a new SQLite
file or PostgreSQL database). Prints the seconds of each step and the archive
size; the figures in docs/runbook.md come from here.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
MANAGE = ROOT / "manage.py"

FILL = """
import os
from bench import corpus
from documents.models import Document
from documents.services import refresh_statistics
samples, towns = corpus.load_samples(), corpus.load_townships()
batch = []
for values in corpus.generate(int(os.environ["DRILL_DOCS"]), 1, samples, towns):
    batch.append(Document(**values))
    if len(batch) == 1000:
        Document.objects.bulk_create(batch)
        batch.clear()
Document.objects.bulk_create(batch)
refresh_statistics()
"""


def environment(var_dir: Path, database_url: str | None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PLANSITE_", "DJANGO_")) and k != "DATABASE_URL"
    }
    env |= {
        "PLANSITE_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "plansite.settings.dev",
        "PYTHONPATH": str(ROOT),
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def cpu() -> float:
    """CPU seconds of the finished child processes (and their workers) so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def manage(env: dict[str, str], *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(MANAGE), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"{args[0]} failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - started, done.stdout


def admin(url: str, sql: str) -> None:
    import psycopg2

    parts = urlsplit(url)
    db = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    db.autocommit = True
    with db.cursor() as cursor:
        cursor.execute(sql)
    db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000, help="documents (2000)")
    parser.add_argument("--var-dir", type=Path, help="scratch folder (default: tmp)")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL database to create for machine A (B gets NAME_restored); "
        "both are dropped at the end. Default: SQLite files.",
    )
    args = parser.parse_args()
    scratch = args.var_dir or Path(tempfile.mkdtemp(prefix="backup-drill-"))
    urls: list[str] = []
    if args.database_url:
        restored = args.database_url.rstrip("/") + "_restored"
        urls = [args.database_url, restored]
        for url in urls:
            name = urlsplit(url).path.lstrip("/")
            admin(url, f'DROP DATABASE IF EXISTS "{name}"')
            admin(url, f'CREATE DATABASE "{name}"')
    try:
        a = environment(scratch / "a", urls[0] if urls else None)
        b = environment(scratch / "b", urls[1] if urls else None)
        manage(a, "migrate", "-v0")
        seconds, _ = manage({**a, "DRILL_DOCS": str(args.docs)}, "shell", "-c", FILL)
        print(f"filled machine A with {args.docs} documents in {seconds:.1f} s")
        archive = scratch / "drill.tar"
        seconds, out = manage(a, "backup_archive", str(archive))
        size = archive.stat().st_size / 1e6
        print(f"backup_archive: {seconds:.1f} s (process), {size:.1f} MB")
        seconds, _ = manage(a, "restore_archive", "--verify-only", str(archive))
        print(f"restore_archive --verify-only: {seconds:.1f} s")
        # Machine B starts with nothing: no database, no index, no jieba cache.
        before = cpu()
        seconds, out = manage(b, "restore_archive", str(archive))
        used = cpu() - before
        steps = re.findall(r"用时 ([\d.]+) 秒", out)
        print(
            f"restore_archive on an empty machine: {seconds:.1f} s in all "
            f"(restore + migrate {steps[0]} s, index rebuild {steps[1]} s); "
            f"{used:.1f} CPU seconds (the wall time depends on the other load: "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )
        print(
            json.dumps(
                {"docs": args.docs, "total_s": round(seconds, 1), "cpu_s": round(used)}
            )
        )
    finally:
        for url in urls:
            name = urlsplit(url).path.lstrip("/")
            admin(url, f'DROP DATABASE IF EXISTS "{name}"')
        if not args.var_dir:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
