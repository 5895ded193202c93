"""Load test: wrk against gunicorn serving a bench archive, with and without imports.

Run from the project root, after search_bench.py has built an archive:

    .venv/bin/python -m bench.load_bench --archive var/bench --seconds 60

The archive (database and index) is copied first; the benchmark's own is left as it was.
The site runs as in production: plansite.settings.prod under gunicorn, static files by
WhiteNoise. wrk keeps ``--connections`` readers busy on a mix of searches (with and
without filters), browse pages, document pages, research tools and the JSON API. The
mix runs twice: alone (the peer), then while import_plans writes new documents into
the database and the index in a loop. During the second run an editor saves a
document in the admin every second (bench/admin_editor.py), and a probe searches for
the imported documents over and over: each import commits its five documents to the
index at once, so every answer must be a multiple of five and never less than the one
before. Afterwards the newest edit must be found, the older ones not, and the index
must agree with the database (check_index). Any error response, socket error, failed
import, failed edit or inconsistent answer makes the exit code 1.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import admin_editor  # noqa: E402
from bench.search_bench import TERMS, log  # noqa: E402

EDITOR = ("loadeditor", "load-editor-password-1")
# Every import round adds one new document per seed, all in one index commit.
LOAD_MARK = "负载测试第"

WRK_SCRIPT = """
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("NON2XX %%d\\n", summary.errors.status))
  io.write(string.format("SOCKET %%d\\n", summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
  for _, p in pairs({50, 90, 99}) do
    io.write(string.format("P%%d %%.1f\\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("REQUESTS %%d\\n", summary.requests))
end
"""


def environment(var_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "plansite.settings.prod",
            "PLANSITE_VAR_DIR": str(var_dir),
            "PLANSITE_SECRET_KEY": secrets.token_urlsafe(40),
            "PLANSITE_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PLANSITE_SSL_REDIRECT": "0",
            "PLANSITE_HSTS_SECONDS": "0",
        }
    )
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def wait_for_port(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not listen on {port}")


def url_mix(var_dir: Path, count: int, seed: int) -> list[str]:
    """Searches, browse pages, documents and API calls over the archive's own places."""
    db = sqlite3.connect(var_dir / "plansite.sqlite3")
    ids = [row[0] for row in db.execute("SELECT id FROM documents_document")]
    towns = [
        row[0]
        for row in db.execute(
            "SELECT DISTINCT township FROM documents_document WHERE township != ''"
        )
    ]
    years = [
        row[0]
        for row in db.execute(
            "SELECT DISTINCT plan_year FROM documents_document WHERE plan_year"
        )
    ]
    db.close()
    rng = random.Random(seed)
    kinds = [
        lambda: f"/search/?q={quote(rng.choice(TERMS))}",
        lambda: (
            f"/search/?q={quote(rng.choice(TERMS))}&township={quote(rng.choice(towns))}"
        ),
        lambda: f"/api/search?q={quote(rng.choice(TERMS))}&year_from=2010&year_to=2015",
        lambda: f"/documents/{rng.choice(ids)}/",
        lambda: f"/documents/{rng.choice(ids)}/?q={quote(rng.choice(TERMS))}",
        lambda: "/",
        lambda: f"/years/{rng.choice(years)}/",
        lambda: "/documents/?sort=year&page=3",
        lambda: f"/research/trend/?q={quote(rng.choice(TERMS))}",
        lambda: f"/research/kwic/?q={quote(rng.choice(TERMS))}&page=2",
    ]
    return [rng.choice(kinds)() for _ in range(count)]


def run_wrk(port: int, paths_file: Path, args) -> dict[str, float]:
    script = paths_file.with_suffix(".lua")
    script.write_text(WRK_SCRIPT % {"paths": paths_file})
    done = subprocess.run(
        [
            "wrk",
            f"-t{args.threads}",
            f"-c{args.connections}",
            f"-d{args.seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    figures = dict(re.findall(r"^([A-Z0-9]+) ([\d.]+)$", done.stdout, re.M))
    rps = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    return {
        "requests": int(figures["REQUESTS"]),
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50_ms": float(figures["P50"]),
        "p90_ms": float(figures["P90"]),
        "p99_ms": float(figures["P99"]),
        "non_2xx": int(figures["NON2XX"]),
        "socket_errors": int(figures["SOCKET"]),
    }


def seed_files() -> list[Path]:
    return sorted((ROOT.parent / "shared" / "seeds").glob("*.txt")) or sorted(
        (ROOT / "samples" / "seeds").glob("*.txt")
    )


def first_document(var_dir: Path) -> tuple[int, str]:
    """The id and body of the document the editor edits."""
    db = sqlite3.connect(var_dir / "plansite.sqlite3")
    row = db.execute(
        "SELECT id, body FROM documents_document ORDER BY id LIMIT 1"
    ).fetchone()
    db.close()
    return row[0], row[1]


def import_loop(
    env: dict[str, str], stop: threading.Event, work: Path, committed: list[int]
) -> dict:
    """Import rounds of new documents (a seed with a new last line) until stopped."""
    seeds = seed_files()
    rounds = files = failures = 0
    while not stop.is_set():
        folder = work / f"round-{rounds}"
        folder.mkdir()
        for seed in seeds:
            text = seed.read_text(encoding="utf-8")
            # A new 索引号 and a new line make it a new document, not a duplicate.
            text = re.sub(
                r"(索\s*引\s*号[:：]\s*)(\S+)", rf"\g<1>\g<2>-load{rounds}", text
            )
            (folder / seed.name).write_text(
                f"{text}\n{LOAD_MARK}{rounds}轮新增段落。\n", encoding="utf-8"
            )
            files += 1
        done = manage(env, "import_plans", str(folder), "--verbosity", "0")
        failures += done.returncode != 0
        rounds += 1
        # The ground truth after this round's commit: a substring count.
        committed.append(marked_documents(env))
    return {"rounds": rounds, "files": files, "failed_runs": failures}


def marked_documents(env: dict[str, str]) -> int:
    """Documents whose title or text holds the import's mark (a substring scan)."""
    db = sqlite3.connect(Path(env["PLANSITE_VAR_DIR"]) / "plansite.sqlite3")
    (count,) = db.execute(
        "SELECT COUNT(*) FROM documents_document"
        " WHERE instr(title, ?) OR instr(body, ?)",
        (LOAD_MARK, LOAD_MARK),
    ).fetchone()
    db.close()
    return count


def api_total(port: int, query: str) -> int:
    session = admin_editor.AdminSession(port)
    status, _, text = session.request("GET", f"/api/search?q={quote(query)}")
    if status != 200:
        raise RuntimeError(f"/api/search answered {status}")
    return int(json.loads(text)["total"])


def probe_consistency(port: int, stop: threading.Event, report: dict) -> None:
    """Search for the imported documents until stopped, recording each total."""
    report.update(searches=0, totals=[], errors=[])
    while not stop.is_set():
        try:
            report["totals"].append(api_total(port, LOAD_MARK))
        except Exception as error:  # noqa: BLE001 - reported as a problem
            report["errors"].append(repr(error))
        report["searches"] += 1
        time.sleep(0.05)


def consistency_problems(probe: dict, committed: list[int], final: int) -> list[str]:
    """What the probe saw that no whole commit explains."""
    problems = list(probe["errors"])
    allowed = {0, *committed}
    problems += [
        f"{t} matches no import's commit" for t in probe["totals"] if t not in allowed
    ]
    problems += [
        f"{b} after {a}: an older index"
        for a, b in itertools.pairwise(probe["totals"])
        if b < a
    ]
    if committed and final != committed[-1]:
        problems.append(f"{final} found at the end, {committed[-1]} in the database")
    return problems


def check_edits(port: int, edits: int, seconds: float = 120) -> list[str]:
    """The newest edit is found once the index is free; the ones before are not."""
    if not edits:
        return ["no edit was made"]
    deadline = time.monotonic() + seconds
    while api_total(port, admin_editor.sentence(edits)) != 1:
        if time.monotonic() > deadline:
            return [f"edit {edits} not searchable after {seconds:.0f} s"]
        time.sleep(0.5)
    return [
        f"edit {n} still found"
        for n in {1, max(1, edits - 1)} - {edits}
        if api_total(port, admin_editor.sentence(n))
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, required=True, help="a bench var dir")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--gthreads", type=int, default=4, help="threads per worker")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")

    work = Path(tempfile.mkdtemp(prefix="plansite-load-", dir=ROOT / "var"))
    var_dir = work / "var"
    log(f"copying {args.archive} ...")
    var_dir.mkdir()
    # Through SQLite, so that what is still in a write-ahead log is copied too.
    with (
        sqlite3.connect(args.archive / "plansite.sqlite3") as source,
        sqlite3.connect(var_dir / "plansite.sqlite3") as copy,
    ):
        source.backup(copy)
    shutil.copytree(args.archive / "whoosh_index", var_dir / "whoosh_index")
    env = environment(var_dir, args.port)
    for step in (("migrate", "--noinput"), ("collectstatic", "--noinput")):
        done = manage(env, *step, "--verbosity", "0")
        if done.returncode:
            raise SystemExit(done.stderr)
    done = manage(
        env,
        "shell",
        "-c",
        "from django.contrib.auth.models import User; "
        f"User.objects.create_superuser({EDITOR[0]!r}, 'e@example.org', {EDITOR[1]!r})",
    )
    if done.returncode:
        raise SystemExit(done.stderr)
    edited, edited_body = first_document(var_dir)
    paths = work / "paths.txt"
    paths.write_text("\n".join(url_mix(var_dir, 2000, args.seed)) + "\n")

    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "plansite.wsgi",
            f"--bind=127.0.0.1:{args.port}",
            f"--workers={args.workers}",
            f"--threads={args.gthreads}",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        wait_for_port(args.port)
        log("warming up ...")
        warm = argparse.Namespace(**{**vars(args), "seconds": 5})
        run_wrk(args.port, paths, warm)
        log(f"readers alone, {args.seconds} s ...")
        alone = run_wrk(args.port, paths, args)
        log(f"readers while importing and editing, {args.seconds} s ...")
        stop = threading.Event()
        imported: dict = {}
        probe: dict = {}
        committed: list[int] = []
        edits = admin_editor.EditReport()
        session = admin_editor.AdminSession(args.port)
        session.login(*EDITOR)
        helpers = [
            threading.Thread(
                target=lambda: imported.update(import_loop(env, stop, work, committed))
            ),
            threading.Thread(
                target=admin_editor.edit_until,
                args=(session, edited, edited_body, stop, edits),
            ),
            threading.Thread(target=probe_consistency, args=(args.port, stop, probe)),
        ]
        for helper in helpers:
            helper.start()
        busy = run_wrk(args.port, paths, args)
        stop.set()
        for helper in helpers:
            helper.join()
        log("waiting for the newest edit to be searchable ...")
        edit_problems = check_edits(args.port, edits.edits)
        problems = consistency_problems(
            probe, committed, api_total(args.port, LOAD_MARK)
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)
    check = manage(env, "check_index", "--verbosity", "1")

    print(
        f"\n== load: {args.connections} readers, gunicorn "
        f"{args.workers}x{args.gthreads}, {args.seconds} s each, {args.archive} =="
    )
    print(f"{'':<22}{'alone':>12}{'importing':>12}{'ratio':>8}")
    for key in (
        "requests",
        "rps",
        "p50_ms",
        "p90_ms",
        "p99_ms",
        "non_2xx",
        "socket_errors",
    ):
        a, b = alone[key], busy[key]
        ratio = f"{b / a:.2f}x" if a else ""
        print(f"{key:<22}{a:>12}{b:>12}{ratio:>8}")
    print(f"import while reading: {imported}")
    print(
        f"admin edits while importing: {edits.summary()}; afterwards: "
        f"{edit_problems or 'newest edit found, older ones gone'}"
    )
    print(
        f"consistency probe: {probe['searches']} searches, totals seen "
        f"{sorted(set(probe['totals']))}, after each import {committed}; "
        f"problems: {problems[:5] or 'none'}"
    )
    print(f"check_index afterwards (exit {check.returncode}): {check.stdout.strip()}")
    shutil.rmtree(work, ignore_errors=True)
    failed = (
        alone["non_2xx"]
        or alone["socket_errors"]
        or busy["non_2xx"]
        or busy["socket_errors"]
        or imported.get("failed_runs")
        or edits.failures
        or edit_problems
        or problems
        or check.returncode
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
