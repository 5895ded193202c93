"""Memory of a web process: gunicorn workers serving a bench archive, from /proc.

Run from the project root, after search_bench.py has built an archive:

    .venv/bin/python -m bench.process_memory --archive var/bench --requests 2000

The archive is copied and served as load_bench.py serves it (plansite.settings.prod,
gunicorn, ``--workers`` x ``--gthreads``). Each worker imports plansite/wsgi.py,
whose warm-up loads jieba, opens the index and reads its columns; once every worker
has gone quiet (no CPU, no reads) its memory is read: that is "after warm-up". Then
``--requests`` requests of load_bench's page mix, ``--concurrency`` at a time, and the
memory again, with each worker's peak (VmHWM).

What the figures mean (Linux, /proc/<pid>/status and smaps):
- RSS: every resident page the process maps, its own and shared ones.
- anonymous: the process's own heap (Python objects, NumPy columns, jieba's
  dictionary): what a second worker costs again and what the kernel can only swap.
- private = Private_Clean + Private_Dirty: pages no other process maps. Private_Dirty
  is (nearly all) anonymous memory; Private_Clean also counts file pages that only
  this process happens to map (e.g. index segments the other worker has not touched),
  which are page cache the kernel can drop and read again.
- index mapped: the Whoosh segment files this process maps (Whoosh mmaps each
  compound segment file whole): "mapped" is their size, "resident" the part now in
  memory, "private" the resident part no other worker maps. It is the file's page
  cache, shared by every worker and process that reads the index, not heap.
- peak (VmHWM): the highest RSS the process had, file pages included.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import threading
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
KB = 1024
ROLLUP_FIELDS = (
    "Rss",
    "Pss",
    "Shared_Clean",
    "Shared_Dirty",
    "Private_Clean",
    "Private_Dirty",
    "Anonymous",
    "Swap",
)


def _stat_fields(pid: int) -> list[str]:
    """/proc/<pid>/stat after the command name (which may hold spaces)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()


def cpu_seconds(pid: int, *, with_waited_children: bool = False) -> float:
    """User + system CPU time of a process (all its threads); with the children
    it has waited for (a gunicorn master's dead workers) if asked."""
    fields = _stat_fields(pid)
    # After the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
    ticks = int(fields[11]) + int(fields[12])
    if with_waited_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICKS


def children(pid: int) -> list[int]:
    """The live child processes of ``pid``."""
    found: set[int] = set()
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found.update(int(c) for c in (task / "children").read_text().split())
        return sorted(found)
    except OSError:
        pass
    # Kernels without CONFIG_PROC_CHILDREN: scan every process's parent.
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat_fields(int(entry.name))[1]) == pid:
                    found.add(int(entry.name))
            except (OSError, ValueError):
                continue
    return sorted(found)


def server_cpu_seconds(master: int) -> float:
    """CPU time of a gunicorn server: the master, its workers, and the workers
    that already died (counted in the master's waited-for children)."""
    total = cpu_seconds(master, with_waited_children=True)
    for pid in children(master):
        try:
            total += cpu_seconds(pid)
        except OSError:  # it died between the listing and the read
            continue
    return total


def machine_busy_seconds() -> float:
    """CPU seconds all cores of the machine spent on anything but idle and I/O wait."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    # user nice system idle iowait irq softirq steal (guest is inside user).
    return (sum(fields[:8]) - fields[3] - fields[4]) / TICKS


def _status(pid: int) -> dict[str, int]:
    """VmRSS, VmHWM, RssAnon, RssFile ... of /proc/<pid>/status, in bytes."""
    figures = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if value.strip().endswith(" kB"):
            figures[key] = int(value.split()[0]) * KB
    return figures


def _smaps(pid: int) -> Iterable[tuple[str, dict[str, int]]]:
    """Each mapping of /proc/<pid>/smaps: its path ('' if anonymous), sizes in bytes."""
    path, sizes = None, {}
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split(None, 5)
        if head and "-" in head[0] and not head[0].endswith(":"):
            if path is not None:
                yield path, sizes
            path, sizes = (head[5] if len(head) > 5 else ""), {}
        elif len(head) >= 3 and head[2] == "kB":
            sizes[head[0].rstrip(":")] = int(head[1]) * KB
    if path is not None:
        yield path, sizes


def mapped_files(pid: int, folder: Path) -> dict[str, int]:
    """The mappings of files under folder (files deleted since, e.g. merged segments,
    included): the distinct files' bytes, how many mappings, and the resident, Pss
    and private bytes summed over the mappings.

    Each thread's searcher maps every segment again (haystack keeps a backend per
    thread): a page resident in two mappings counts twice in ``resident`` (as in
    RSS), once in all the ``pss`` together.
    """
    prefix = str(folder.resolve()) + os.sep
    total: Counter = Counter()
    sizes_of: dict[str, int] = {}
    for path, sizes in _smaps(pid):
        if path.startswith(prefix):
            total["mappings"] += 1
            sizes_of[path] = max(sizes_of.get(path, 0), sizes.get("Size", 0))
            for key in ("Rss", "Pss"):
                total[key] += sizes.get(key, 0)
            total["Private"] += sizes.get("Private_Clean", 0) + sizes.get(
                "Private_Dirty", 0
            )
    return {
        "files": len(sizes_of),
        "mapped": sum(sizes_of.values()),
        "mappings": total["mappings"],
        "resident": total["Rss"],
        "pss": total["Pss"],
        "private": total["Private"],
    }


def memory(pid: int, index_dir: Path | None = None) -> dict:
    """One process's memory now: RSS, peak, anonymous, private, shared, and the
    part of it that is the index's mapped segment files. Bytes."""
    status = _status(pid)
    rollup = dict.fromkeys(ROLLUP_FIELDS, 0)
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, _, value = line.partition(":")
        if key in rollup:
            rollup[key] = int(value.split()[0]) * KB
    figures = {
        "pid": pid,
        "rss": status.get("VmRSS", 0),
        "peak_rss": status.get("VmHWM", 0),
        "anonymous": rollup["Anonymous"],
        "private": rollup["Private_Clean"] + rollup["Private_Dirty"],
        "private_dirty": rollup["Private_Dirty"],
        "private_clean": rollup["Private_Clean"],
        "shared": rollup["Shared_Clean"] + rollup["Shared_Dirty"],
        "pss": rollup["Pss"],
        "swap": rollup["Swap"],
    }
    if index_dir is not None:
        figures["index"] = mapped_files(pid, index_dir)
    return figures


def _activity(pid: int) -> tuple[float, int, int]:
    """CPU seconds, major faults and bytes read so far: what warm-up work moves."""
    fields = _stat_fields(pid)
    read = 0
    try:
        for line in Path(f"/proc/{pid}/io").read_text().splitlines():
            if line.startswith("rchar:"):
                read = int(line.split()[1])
    except OSError:
        pass
    return cpu_seconds(pid), int(fields[9]), read


def wait_until_quiet(
    master: int,
    workers: int,
    *,
    quiet_seconds: float = 1.5,
    timeout: float = 600,
) -> float:
    """Wait until ``workers`` workers exist and none used CPU (over 20 ms), took a
    major fault or read a byte for ``quiet_seconds``: their warm-up is done, and
    any request left running has been served.
    Returns the seconds waited; raises SystemExit on timeout or a dead master."""
    start = time.monotonic()
    before: dict[int, tuple[float, int, int]] = {}
    quiet_since = None
    while time.monotonic() - start < timeout:
        if not Path(f"/proc/{master}").exists():
            raise SystemExit("gunicorn exited while its workers were to go idle")
        try:
            now = {pid: _activity(pid) for pid in children(master)}
        except OSError:
            now = {}
        busy = len(now) < workers or any(
            pid not in before
            or now[pid][0] - before[pid][0] > 0.02
            or now[pid][1:] != before[pid][1:]
            for pid in now
        )
        if busy:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_seconds:
            return quiet_since - start
        before = now
        time.sleep(0.5)
    raise SystemExit(f"gunicorn's workers were still busy after {timeout:.0f} s")


def workers_memory(master: int, index_dir: Path | None) -> list[dict]:
    """memory() of each live worker of a gunicorn master."""
    found = []
    for pid in children(master):
        try:
            found.append(memory(pid, index_dir))
        except OSError:
            continue
    return found


def mb(value: float) -> str:
    return f"{value / 1024 / 1024:,.1f}"


def memory_table(after_warmup: list[dict], after_load: list[dict]) -> list[str]:
    """A worker a line: RSS after warm-up, then everything after the load (MB)."""
    warm = {w["pid"]: w for w in after_warmup}
    lines = [
        f"{'worker':<9}{'RSS warm':>9}{'anon warm':>10}{'RSS':>8}{'peak':>8}"
        f"{'anon':>8}{'private':>8}"
        f"{'shared':>8}{'| index:':>9}{'files':>8}{'maps':>6}{'resident':>9}"
        f"{'Pss':>7}{'private':>8}"
    ]
    for w in after_load:
        index = w.get("index", {})
        before = warm.get(w["pid"], {"rss": 0, "anonymous": 0})
        lines.append(
            f"{w['pid']:<9}{mb(before['rss']):>9}{mb(before['anonymous']):>10}"
            f"{mb(w['rss']):>8}{mb(w['peak_rss']):>8}"
            f"{mb(w['anonymous']):>8}{mb(w['private']):>8}{mb(w['shared']):>8}"
            f"{'':>9}{mb(index.get('mapped', 0)):>8}{index.get('mappings', 0):>6}"
            f"{mb(index.get('resident', 0)):>9}{mb(index.get('pss', 0)):>7}"
            f"{mb(index.get('private', 0)):>8}"
        )
    return lines


def index_once(workers: list[dict], index_bytes: int) -> str:
    """The index pages the workers map, each page once: their index Pss added up
    (a page's Pss is its size shared out over every mapping of it)."""
    pss = sum(w.get("index", {}).get("pss", 0) for w in workers)
    return (
        f"index pages the workers map, each once (their index Pss added): "
        f"{mb(pss)} MB of {mb(index_bytes)} MB on disk"
    )


def request_mix(port: int, paths: list[str], concurrency: int) -> dict:
    """Request every path once, ``concurrency`` at a time on kept-alive connections;
    count the statuses."""
    statuses: Counter = Counter()
    errors: list[str] = []
    local = threading.local()
    lock = threading.Lock()

    def get(path: str) -> None:
        # A kept-alive connection the server closed meanwhile is retried once, new.
        for attempt in (1, 2):
            reused = getattr(local, "conn", None) is not None
            if not reused:
                local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            try:
                local.conn.request("GET", path)
                response = local.conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as error:
                local.conn.close()
                local.conn = None
                if reused and attempt == 1:
                    continue
                with lock:
                    errors.append(f"{path}: {error!r}")
                return
            with lock:
                statuses[response.status] += 1
            return

    start = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(get, paths))
    return {
        "requests": len(paths),
        "seconds": round(time.monotonic() - start, 2),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors": errors[:10],
        "error_count": len(errors),
    }


def main(argv: list[str] | None = None) -> int:
    from bench import load_bench  # its archive copy and gunicorn; it imports us

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--archive", type=Path, required=True, help="a bench var dir")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--gthreads", type=int, default=4, help="threads per worker")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work-dir", type=Path, help="where the copy goes (var/)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)

    load_bench.require_tools(wrk=False)
    work, var_dir, env = load_bench.prepare(args.archive, args.work_dir)
    index_dir = var_dir / "whoosh_index"
    paths = load_bench.url_mix(var_dir, args.requests, args.seed)
    try:
        with load_bench.serve(env, work, args) as server:
            warm_seconds = wait_until_quiet(server.pid, args.workers)
            warm = workers_memory(server.pid, index_dir)
            load_bench.log(
                f"workers quiet after {warm_seconds:.1f} s; "
                f"{args.requests} requests ..."
            )
            served = request_mix(server.port, paths, args.concurrency)
            loaded = workers_memory(server.pid, index_dir)
            master = memory(server.pid)
        index_bytes = load_bench.dir_size(index_dir)
    finally:
        load_bench.cleanup(work)

    print(
        f"\n== memory of a web process: gunicorn {args.workers}x{args.gthreads}, "
        f"{args.archive}, index {mb(index_bytes)} MB on disk =="
    )
    print(f"warm-up: workers quiet {warm_seconds:.1f} s after the server started")
    print(
        f"requests: {served['requests']} of the page mix, "
        f"{args.concurrency} at a time, "
        f"{served['seconds']} s; statuses {served['statuses']}, "
        f"errors {served['error_count']}"
    )
    print("MB, after warm-up (RSS warm) and after the requests (the rest):")
    for line in memory_table(warm, loaded):
        print(line)
    print(f"master: RSS {mb(master['rss'])} MB, private {mb(master['private'])} MB")
    print(index_once(loaded, index_bytes))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "archive": str(args.archive),
                    "index_bytes": index_bytes,
                    "workers": args.workers,
                    "gthreads": args.gthreads,
                    "warm_seconds": round(warm_seconds, 1),
                    "requests": served,
                    "after_warmup": warm,
                    "after_requests": loaded,
                    "master": master,
                },
                indent=2,
            )
        )
    bad = served["error_count"] or set(served["statuses"]) - {"200"}
    if bad:
        print(f"FAILED: {served['errors'] or served['statuses']}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
