"""Load test: wrk against gunicorn serving a bench archive, beside the 404 ceiling.

Run from the project root, after search_bench.py has built an archive:

    .venv/bin/python -m bench.load_bench --archive var/bench --seconds 60 --json FILE

The archive (database and index) is copied first; the benchmark's own is left as it was.
The site runs as in production: plansite.settings.prod under gunicorn, static files by
WhiteNoise. wrk keeps ``--connections`` readers busy on a mix of searches (with and
without filters), browse pages, document pages, research tools and the JSON API. In the
same run, with the same server, wrk and length, the peer: a URL that answers 404
through the whole middleware stack and the base template (no archive work), the
framework's ceiling. Each run reports requests per second, requests per second of the
server's CPU (its master and workers, from /proc: the robust figure on a shared
machine), p50/p90/p99 and the statuses; then each page type alone for
``--kind-seconds``, and the memory of each worker (bench/process_memory.py) after
warm-up and after the load.

Then (unless ``--no-import``) the mix again while import_plans writes new documents into
the database and the index in a loop. During that run an editor saves a document in the
admin every second (bench/admin_editor.py), and a probe searches for the imported
documents over and over: each import commits its five documents to the index at once,
so every answer must be a multiple of five and never less than the one before.
Afterwards the newest edit must be found, the older ones not, and the index must agree
with the database (check_index). Any answer of an unexpected status, socket error,
failed import, failed edit or inconsistent answer makes the exit code 1; a missing wrk
or gunicorn, or a server that does not come up, exits at once with the reason.
"""

from __future__ import annotations

import argparse
import contextlib
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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import admin_editor, process_memory  # noqa: E402
from bench.search_bench import TERMS, dir_size, log  # noqa: E402

EDITOR = ("loadeditor", "load-editor-password-1")
# Every import round adds one new document per seed, all in one index commit.
LOAD_MARK = "负载测试第"
# The peer: no URL pattern matches it, so Django answers its 404 page (base
# template, context processors, every middleware, and the "Not Found" warning
# that production logging writes) and does no archive work.
PEER_PATH = "/load-bench-peer/no-such-page/"
GUNICORN = Path(sys.executable).with_name("gunicorn")

# Each wrk thread has its own Lua state: setup() keeps the threads so that done()
# can add up the statuses each one counted in response().
WRK_SCRIPT = """
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
local threads = {}
setup = function(thread)
  thread:set("offset", #threads * 97)
  table.insert(threads, thread)
end
local counter = 0
statuses = {}
init = function(args) counter = offset or 0 end
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + n
    end
  end
  for status, n in pairs(total) do
    io.write(string.format("STATUS %%d %%d\\n", status, n))
  end
  io.write(string.format("SOCKET %%d\\n", summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
  for _, p in pairs({50, 90, 99}) do
    io.write(string.format("P%%d %%.2f\\n", p, latency:percentile(p) / 1000))
  end
  io.write(string.format("MAX %%.2f\\n", latency.max / 1000))
  io.write(string.format("REQUESTS %%d\\n", summary.requests))
  io.write(string.format("DURATION %%d\\n", summary.duration))
end
"""


def environment(var_dir: Path) -> dict[str, str]:
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


def require_tools(*, wrk: bool = True) -> None:
    """Exit at once, saying what to install, if wrk or gunicorn is missing."""
    if wrk and shutil.which("wrk") is None:
        raise SystemExit("load_bench: wrk is missing: apt-get install wrk")
    if not GUNICORN.exists():
        raise SystemExit(
            f"load_bench: gunicorn is missing ({GUNICORN}): "
            ".venv/bin/pip install -r requirements.txt"
        )


def prepare(
    archive: Path, work_dir: Path | None = None
) -> tuple[Path, Path, dict[str, str]]:
    """Copy a bench archive, migrate it and collect the static files: the work
    folder, its var dir and the server's environment."""
    if (
        not (archive / "plansite.sqlite3").exists()
        or not (archive / "whoosh_index").is_dir()
    ):
        raise SystemExit(
            f"load_bench: {archive} holds no archive (plansite.sqlite3 and "
            "whoosh_index/): build one with bench.search_bench --var-dir"
        )
    parent = work_dir or ROOT / "var"
    parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="plansite-load-", dir=parent))
    var_dir = work / "var"
    log(f"copying {archive} ...")
    try:
        var_dir.mkdir()
        # Through SQLite, so that what is still in a write-ahead log is copied too.
        with (
            sqlite3.connect(archive / "plansite.sqlite3") as source,
            sqlite3.connect(var_dir / "plansite.sqlite3") as copy,
        ):
            source.backup(copy)
        shutil.copytree(archive / "whoosh_index", var_dir / "whoosh_index")
        env = environment(var_dir)
        for step in (("migrate", "--noinput"), ("collectstatic", "--noinput")):
            done = manage(env, *step, "--verbosity", "0")
            if done.returncode:
                raise SystemExit(done.stderr)
    except BaseException:
        # A failed copy (a full disk) leaves no half copy behind.
        cleanup(work)
        raise
    return work, var_dir, env


def cleanup(work: Path) -> None:
    shutil.rmtree(work, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log_file: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_file.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(text[-lines:])


def wait_for_port(server: Server, seconds: float = 120) -> None:
    """Wait until gunicorn listens; exit with its log if it dies or never does."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(
                f"load_bench: gunicorn exited ({server.process.returncode}) before "
                f"listening on {server.port}:\n{server.log_tail()}"
            )
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", server.port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(
        f"load_bench: gunicorn did not listen on {server.port} within {seconds:.0f} s:"
        f"\n{server.log_tail()}"
    )


@contextlib.contextmanager
def serve(env: dict[str, str], work: Path, args) -> Iterator[Server]:
    """gunicorn (``args.workers`` x ``args.gthreads``) on the copy, stopped after."""
    port = args.port or free_port()
    with socket.socket() as sock:
        if sock.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"load_bench: port {port} is already in use")
    log_file = work / "gunicorn.log"
    with log_file.open("wb") as out:
        process = subprocess.Popen(
            [
                str(GUNICORN),
                "plansite.wsgi",
                f"--bind=127.0.0.1:{port}",
                f"--workers={args.workers}",
                f"--threads={args.gthreads}",
                "--log-level=warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, port, log_file)
    try:
        wait_for_port(server)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _page_kinds(var_dir: Path, rng: random.Random) -> dict[str, Callable[[], str]]:
    """Each page type of the mix: a maker of its URLs over the archive's places."""
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

    def term() -> str:
        return quote(rng.choice(TERMS))

    return {
        "search": lambda: f"/search/?q={term()}",
        "search+township": lambda: (
            f"/search/?q={term()}&township={quote(rng.choice(towns))}"
        ),
        "api+years": lambda: f"/api/search?q={term()}&year_from=2010&year_to=2015",
        "document": lambda: f"/documents/{rng.choice(ids)}/",
        "document?q": lambda: f"/documents/{rng.choice(ids)}/?q={term()}",
        "home": lambda: "/",
        "year": lambda: f"/years/{rng.choice(years)}/",
        "list": lambda: "/documents/?sort=year&page=3",
        "trend": lambda: f"/research/trend/?q={term()}",
        "kwic": lambda: f"/research/kwic/?q={term()}&page=2",
    }


def url_mix(var_dir: Path, count: int, seed: int) -> list[str]:
    """Searches, browse pages, documents and API calls over the archive's own places."""
    rng = random.Random(seed)
    kinds = list(_page_kinds(var_dir, rng).values())
    return [rng.choice(kinds)() for _ in range(count)]


def kind_urls(var_dir: Path, count: int, seed: int) -> dict[str, list[str]]:
    """``count`` URLs of each page type of the mix."""
    rng = random.Random(seed)
    return {
        name: [make() for _ in range(count)]
        for name, make in _page_kinds(var_dir, rng).items()
    }


def run_wrk(
    server: Server,
    paths_file: Path,
    args,
    seconds: float,
    expected: int = 200,
    settle: bool = True,
) -> dict:
    """wrk over the paths for ``seconds``: its figures, the server's and wrk's CPU
    time and the machine's busy cores over the same span.

    With ``settle``, first wait until the workers are idle: when wrk stops, the
    requests it leaves in flight still run, and would be counted to the next run.
    """
    if settle:
        process_memory.wait_until_quiet(
            server.pid, args.workers, quiet_seconds=1, timeout=300
        )
    script = paths_file.with_suffix(".lua")
    script.write_text(WRK_SCRIPT % {"paths": paths_file})
    cpu_before = process_memory.server_cpu_seconds(server.pid)
    busy_before = process_memory.machine_busy_seconds()
    start = time.monotonic()
    out_file, err_file = paths_file.with_suffix(".out"), paths_file.with_suffix(".err")
    with out_file.open("w") as out, err_file.open("w") as err:
        wrk = subprocess.Popen(
            [
                "wrk",
                f"-t{args.threads}",
                f"-c{args.connections}",
                f"-d{seconds}s",
                "--timeout",
                "30s",
                "-s",
                str(script),
                f"http://127.0.0.1:{server.port}",
            ],
            stdout=out,
            stderr=err,
        )
        # wait4 gives wrk's own CPU time (imports that end meanwhile are not in it).
        _, status, usage = os.wait4(wrk.pid, 0)
        wrk.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - start
    cpu = process_memory.server_cpu_seconds(server.pid) - cpu_before
    busy = process_memory.machine_busy_seconds() - busy_before
    wrk_cpu = usage.ru_utime + usage.ru_stime
    out, err = out_file.read_text(), err_file.read_text()
    if wrk.returncode or "REQUESTS" not in out:
        raise SystemExit(f"load_bench: wrk failed ({wrk.returncode}): {err}{out}")
    figures = dict(re.findall(r"^([A-Z0-9]+) ([\d.]+)$", out, re.M))
    statuses = {s: int(n) for s, n in re.findall(r"^STATUS (\d+) (\d+)$", out, re.M)}
    requests = int(figures["REQUESTS"])
    duration = int(figures["DURATION"]) / 1e6
    return {
        "requests": requests,
        "seconds": round(duration, 2),
        "rps": round(requests / duration, 1),
        "server_cpu_s": round(cpu, 2),
        # Cores the server kept busy on average; requests per CPU-second of it.
        "server_cores": round(cpu / wall, 2),
        "req_per_cpu_s": round(requests / cpu, 1) if cpu else 0.0,
        "rps_per_machine_core": round(requests / duration / os.cpu_count(), 1),
        "wrk_cpu_s": round(wrk_cpu, 2),
        "machine_busy_cores": round(busy / wall, 2),
        # What neither the server nor wrk used: the bench's helpers and other work.
        "other_cores": round(max(0.0, busy - cpu - wrk_cpu) / wall, 2),
        "p50_ms": float(figures["P50"]),
        "p90_ms": float(figures["P90"]),
        "p99_ms": float(figures["P99"]),
        "max_ms": float(figures["MAX"]),
        "statuses": statuses,
        "unexpected": sum(n for s, n in statuses.items() if int(s) != expected),
        "socket_errors": int(figures["SOCKET"]),
    }


def write_paths(path: Path, paths: list[str]) -> Path:
    path.write_text("\n".join(paths) + "\n")
    return path


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


def import_phase(
    server: Server, env: dict[str, str], work: Path, var_dir: Path, paths: Path, args
) -> dict:
    """The mix again while imports and admin edits write; what the probe and the
    edits saw, and check_index afterwards."""
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
    stop = threading.Event()
    imported: dict = {}
    probe: dict = {}
    committed: list[int] = []
    edits = admin_editor.EditReport()
    session = admin_editor.AdminSession(server.port)
    session.login(*EDITOR)
    helpers = [
        threading.Thread(
            target=lambda: imported.update(import_loop(env, stop, work, committed))
        ),
        threading.Thread(
            target=admin_editor.edit_until,
            args=(session, edited, edited_body, stop, edits),
        ),
        threading.Thread(target=probe_consistency, args=(server.port, stop, probe)),
    ]
    process_memory.wait_until_quiet(server.pid, args.workers, quiet_seconds=1)
    for helper in helpers:
        helper.start()
    try:
        busy = run_wrk(server, paths, args, args.seconds, settle=False)
    finally:
        stop.set()
        for helper in helpers:
            helper.join()
    log("waiting for the newest edit to be searchable ...")
    edit_problems = check_edits(server.port, edits.edits)
    problems = consistency_problems(probe, committed, api_total(server.port, LOAD_MARK))
    return {
        "busy": busy,
        "imported": imported,
        "edits": edits.summary(),
        "edit_failures": edits.failures,
        "edit_problems": edit_problems,
        "probe_searches": probe["searches"],
        "probe_totals": sorted(set(probe["totals"])),
        "committed": committed,
        "problems": problems,
    }


ROWS = (
    ("requests", "requests"),
    ("seconds", "seconds"),
    ("rps", "requests/s"),
    ("server_cpu_s", "server CPU-s"),
    ("server_cores", "server cores busy"),
    ("req_per_cpu_s", "requests/server CPU-s"),
    ("rps_per_machine_core", "requests/s per core"),
    ("p50_ms", "p50 ms"),
    ("p90_ms", "p90 ms"),
    ("p99_ms", "p99 ms"),
    ("max_ms", "max ms"),
    ("unexpected", "unexpected status"),
    ("socket_errors", "socket errors"),
    ("wrk_cpu_s", "wrk CPU-s"),
    ("machine_busy_cores", "machine busy cores"),
    ("other_cores", "cores used by others"),
)


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else ""


def side_by_side(a: dict, b: dict, names: tuple[str, str], note: str) -> list[str]:
    lines = [f"{'':<24}{names[0]:>12}{names[1]:>12}{note:>10}"]
    for key, label in ROWS:
        lines.append(f"{label:<24}{a[key]:>12}{b[key]:>12}{ratio(a[key], b[key]):>10}")
    return lines


def kinds_table(kinds: dict[str, dict], peer: dict) -> list[str]:
    lines = [
        f"{'page type':<18}{'requests':>9}{'req/s':>8}{'req/CPU-s':>10}"
        f"{'÷ peer':>8}{'p50 ms':>9}{'p99 ms':>9}{'unexpected':>11}"
    ]
    for name, k in kinds.items():
        lines.append(
            f"{name:<18}{k['requests']:>9}{k['rps']:>8}{k['req_per_cpu_s']:>10}"
            f"{ratio(k['req_per_cpu_s'], peer['req_per_cpu_s']):>8}"
            f"{k['p50_ms']:>9}{k['p99_ms']:>9}{k['unexpected']:>11}"
        )
    return lines


def measure(args, work: Path, var_dir: Path, env: dict[str, str]) -> tuple[dict, str]:
    """Every run on the copy in ``work``: the figures, and gunicorn's last lines."""
    index_dir = var_dir / "whoosh_index"
    mix = write_paths(work / "paths.txt", url_mix(var_dir, 2000, args.seed))
    peer_paths = write_paths(work / "peer.txt", [args.peer_path])
    kind_files = {
        name: write_paths(work / f"kind-{n}.txt", urls)
        for n, (name, urls) in enumerate(kind_urls(var_dir, 200, args.seed).items())
    }
    result: dict = {
        "archive": str(args.archive),
        "cpu_count": os.cpu_count(),
        "connections": args.connections,
        "wrk_threads": args.threads,
        "workers": args.workers,
        "gthreads": args.gthreads,
        "seconds": args.seconds,
        "peer_path": args.peer_path,
        "index_bytes": dir_size(index_dir),
        "load_before": os.getloadavg(),
    }
    with serve(env, work, args) as server:
        log("waiting for the workers' warm-up ...")
        result["warm_seconds"] = round(
            process_memory.wait_until_quiet(server.pid, args.workers), 1
        )
        warm_memory = process_memory.workers_memory(server.pid, index_dir)
        log("warming up: the mix, 5 s ...")
        run_wrk(server, mix, args, 5)
        log(f"the page mix, {args.seconds} s ...")
        result["mix"] = run_wrk(server, mix, args, args.seconds)
        log(f"the peer ({args.peer_path}, 404), {args.seconds} s ...")
        result["peer"] = run_wrk(server, peer_paths, args, args.seconds, expected=404)
        result["kinds"] = {}
        if args.kind_seconds:
            log(f"each page type, {args.kind_seconds} s ...")
            for name, file in kind_files.items():
                result["kinds"][name] = run_wrk(server, file, args, args.kind_seconds)
        result["memory_after_warmup"] = warm_memory
        result["memory_after_load"] = process_memory.workers_memory(
            server.pid, index_dir
        )
        if not args.no_import:
            log(f"the mix while importing and editing, {args.seconds} s ...")
            result["importing"] = import_phase(server, env, work, var_dir, mix, args)
        server_log = server.log_tail(5)
    result["load_after"] = os.getloadavg()
    if not args.no_import:
        check = manage(env, "check_index", "--verbosity", "1")
        result["importing"]["check_index"] = {
            "exit": check.returncode,
            "output": check.stdout.strip(),
        }
    return result, server_log


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, required=True, help="a bench var dir")
    parser.add_argument(
        "--seconds", type=int, default=30, help="length of the mix and the peer run"
    )
    parser.add_argument(
        "--kind-seconds",
        type=int,
        default=5,
        help="each page type alone for this long (0: not at all)",
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--gthreads", type=int, default=4, help="threads per worker")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--no-import", action="store_true", help="skip the run while importing"
    )
    parser.add_argument("--peer-path", default=PEER_PATH, help="answers 404")
    parser.add_argument("--work-dir", type=Path, help="where the copy goes (var/)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    require_tools()

    work, var_dir, env = prepare(args.archive, args.work_dir)
    try:
        result, server_log = measure(args, work, var_dir, env)
    finally:
        # Also on a failure: at 200,000 documents the copy is gigabytes.
        cleanup(work)
    report(result, args)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    failures = failed(result)
    if failures:
        print(f"FAILED: {'; '.join(failures)}")
        if server_log:
            print(f"gunicorn's last lines:\n{server_log}")
    return 1 if failures else 0


def failed(result: dict) -> list[str]:
    """Every run's unexpected answers and errors, and the import phase's problems."""
    runs = {"mix": result["mix"], "peer": result["peer"], **result["kinds"]}
    importing = result.get("importing")
    if importing:
        runs["importing"] = importing["busy"]
    found = [
        f"{name}: no request answered within the run (a longer run measures it)"
        for name, run in runs.items()
        if not run["requests"]
    ]
    found += [
        f"{name}: {run['unexpected']} unexpected status {run['statuses']}, "
        f"{run['socket_errors']} socket errors"
        for name, run in runs.items()
        if run["unexpected"] or run["socket_errors"]
    ]
    if importing:
        if importing["imported"].get("failed_runs"):
            found.append(f"import failed: {importing['imported']}")
        if importing["edit_failures"] or importing["edit_problems"]:
            found.append(f"edits: {importing['edits']} {importing['edit_problems']}")
        if importing["problems"]:
            found.append(f"consistency: {importing['problems'][:5]}")
        if importing["check_index"]["exit"]:
            found.append(f"check_index: {importing['check_index']['output']}")
    return found


def report(result: dict, args) -> None:
    mix, peer = result["mix"], result["peer"]
    print(
        f"\n== load: {args.connections} connections ({args.threads} wrk threads), "
        f"gunicorn {args.workers}x{args.gthreads}, {args.seconds} s each, "
        f"{args.archive}; {result['cpu_count']} cores, load average "
        f"{result['load_before'][0]:.1f} before, {result['load_after'][0]:.1f} after =="
    )
    print(
        "requests/s per core: requests/s ÷ os.cpu_count(); requests/server CPU-s: "
        "requests ÷ CPU seconds of gunicorn's master and workers (/proc), the "
        "figure that holds on a shared machine"
    )
    for line in side_by_side(mix, peer, ("page mix", "404 peer"), "mix÷peer"):
        print(line)
    if result["kinds"]:
        print(f"\neach page type alone, {args.kind_seconds} s (÷ peer: req/CPU-s):")
        for line in kinds_table(result["kinds"], peer):
            print(line)
    print(
        f"\nmemory of the workers (MB); warm-up took {result['warm_seconds']} s; "
        f"index {process_memory.mb(result['index_bytes'])} MB on disk:"
    )
    for line in process_memory.memory_table(
        result["memory_after_warmup"], result["memory_after_load"]
    ):
        print(line)
    print(process_memory.index_once(result["memory_after_load"], result["index_bytes"]))
    importing = result.get("importing")
    if not importing:
        return
    print()
    for line in side_by_side(
        mix, importing["busy"], ("alone", "importing"), "alone÷imp"
    ):
        print(line)
    print(f"import while reading: {importing['imported']}")
    print(
        f"admin edits while importing: {importing['edits']}; afterwards: "
        f"{importing['edit_problems'] or 'newest edit found, older ones gone'}"
    )
    print(
        f"consistency probe: {importing['probe_searches']} searches, totals seen "
        f"{importing['probe_totals']}, after each import {importing['committed']}; "
        f"problems: {importing['problems'][:5] or 'none'}"
    )
    check = importing["check_index"]
    print(f"check_index afterwards (exit {check['exit']}): {check['output']}")


if __name__ == "__main__":
    raise SystemExit(main())
