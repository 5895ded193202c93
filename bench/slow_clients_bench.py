"""Slow clients against gunicorn alone (the peer) and nginx + gunicorn (the recipe).

    .venv/bin/python -m bench.slow_clients_bench [--conns 200] [--seconds 20]

Builds a SQLite archive of synthetic documents (bench/corpus.py) and one large
document, then serves it twice, one after the other, with the production settings:

  a. gunicorn as README's Production section had it (2 workers x 4 threads,
     plain HTTP on loopback, nothing in front);
  b. deploy/gunicorn.conf.py behind nginx with deploy/nginx/plansite.conf
     (TLS; nginx a child process under the bench's folder, never the system's).

Against each, every attack in turn keeps ``--conns`` slow connections open
(reconnecting when the server drops one) for ``--seconds`` while a few normal
readers request ordinary pages; then all attacks at once (a quarter each):

  slowloris   a request line, then one header line every ``--interval`` s
  idle        connect (and the TLS handshake), then nothing
  slow-body   a POST announcing 500 KB, ten bytes every ``--interval`` s
  slow-read   the large document's text download, 1 KB read every 2 s

Prints, per server and attack: slow connections open, drops (the server closed
an attacker's connection), readers' requests, p50/p99 latency, errors and
timeouts (no answer within ``--timeout`` s). Exits 1 when readers through nginx
see an error or a timeout under any attack, or their p99 passes 1 s.

With ``--url https://localhost:PORT [--cafile CERT] [--large ID]`` it builds
nothing and attacks a deployment already running on this machine (the README's
Production recipe followed by hand), reading its documents from /documents/.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import secrets
import socket
import ssl
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from deploy import local_stack  # noqa: E402

BUILD = """
import hashlib, json, os
from pathlib import Path
from bench import corpus
from documents.models import Document
from documents.services import refresh_statistics

docs, seed = int(os.environ["B_DOCS"]), int(os.environ["B_SEED"])
big = int(os.environ["B_BIG"])
samples = corpus.load_samples(Path(os.environ["B_SHARED"]))
towns = corpus.load_townships()
Document.objects.bulk_create(
    [Document(**values) for values in corpus.generate(docs, seed, samples, towns)],
    batch_size=500,
)
paragraphs = "\\n".join(samples.paragraphs)
body = (paragraphs * (big // max(1, len(paragraphs.encode())) + 1))
body = body.encode()[:big].decode("utf-8", "ignore")
large = Document.objects.create(
    title="超长文档（慢读者测试）", body=body, original=body,
    content_hash=hashlib.sha256(body.encode()).hexdigest(),
)
refresh_statistics()
ids = list(Document.objects.exclude(pk=large.pk).values_list("pk", flat=True)[:50])
print("BUILT", json.dumps({"large": large.pk, "ids": ids}))
"""


@dataclass
class Target:
    name: str
    port: int
    tls: ssl.SSLContext | None
    host: str = "localhost"

    def connect(self, timeout: float, rcvbuf: int | None = None) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            # Before connect: the window a slow reader offers stays small.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.settimeout(timeout)
        sock.connect(("127.0.0.1", self.port))
        if self.tls is not None:
            sock = self.tls.wrap_socket(sock, server_hostname=self.host)
        return sock

    def origin(self) -> str:
        return f"{self.host}:{self.port}"


# --- attackers -------------------------------------------------------------------


@dataclass
class AttackStats:
    open: int = 0
    drops: int = 0
    failed_connects: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, delta: int) -> None:
        with self.lock:
            setattr(self, name, getattr(self, name) + delta)


def _slowloris(target: Target, sock: socket.socket, stop: threading.Event, args):
    sock.sendall(f"GET /?slow={random.random()} HTTP/1.1\r\n".encode())
    sock.sendall(f"Host: {target.origin()}\r\n".encode())
    n = 0
    while not stop.wait(args.interval):
        n += 1
        sock.sendall(f"X-Slow-{n}: {n}\r\n".encode())


def _idle(target: Target, sock: socket.socket, stop: threading.Event, args):
    while not stop.wait(1.0):
        # A closed connection reads as b"" (or fails): the server dropped us.
        sock.setblocking(False)
        try:
            if sock.recv(1) == b"":
                raise ConnectionError("closed")
        except (BlockingIOError, ssl.SSLWantReadError):
            pass
        finally:
            sock.setblocking(True)
            sock.settimeout(args.timeout)


def _slow_body(target: Target, sock: socket.socket, stop: threading.Event, args):
    sock.sendall(
        (
            "POST /admin/login/ HTTP/1.1\r\n"
            f"Host: {target.origin()}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 500000\r\n\r\n"
        ).encode()
    )
    while not stop.wait(args.interval):
        sock.sendall(b"a=aaaaaaa&")


def _slow_read(target: Target, sock: socket.socket, stop: threading.Event, args):
    sock.sendall(
        (
            f"GET /documents/{args.large}/text.txt HTTP/1.1\r\n"
            f"Host: {target.origin()}\r\n\r\n"
        ).encode()
    )
    while not stop.wait(2.0):
        try:
            if sock.recv(1024) == b"":
                raise ConnectionError("closed")
        except TimeoutError:
            # Nothing yet (the server has not got to it): still open, keep waiting.
            continue


ATTACKS: dict[str, tuple[Callable, int | None]] = {
    "slowloris": (_slowloris, None),
    "idle": (_idle, None),
    "slow-body": (_slow_body, None),
    "slow-read": (_slow_read, 4096),
}


def attacker(kind: str, target: Target, stop, stats: AttackStats, args) -> None:
    """One slow connection, reopened whenever the server closes it."""
    action, rcvbuf = ATTACKS[kind]
    while not stop.is_set():
        try:
            sock = target.connect(args.timeout, rcvbuf)
        except OSError:
            stats.add("failed_connects", 1)
            stop.wait(1.0)
            continue
        stats.add("open", 1)
        try:
            action(target, sock, stop, args)
        except (OSError, ConnectionError):
            if not stop.is_set():
                stats.add("drops", 1)
        finally:
            stats.add("open", -1)
            with contextlib.suppress(OSError):
                sock.close()


# --- normal readers ----------------------------------------------------------------


@dataclass
class ReaderStats:
    seconds: list[float] = field(default_factory=list)
    errors: int = 0
    timeouts: int = 0
    first_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def reader(target: Target, paths: list[str], stop, stats: ReaderStats, args) -> None:
    rng = random.Random()
    while not stop.is_set():
        path = rng.choice(paths)
        started = time.perf_counter()
        try:
            if target.tls is None:
                conn = http.client.HTTPConnection(
                    "127.0.0.1", target.port, timeout=args.timeout
                )
            else:
                conn = http.client.HTTPSConnection(
                    target.host, target.port, timeout=args.timeout, context=target.tls
                )
            conn.request("GET", path, headers={"Host": target.origin()})
            response = conn.getresponse()
            response.read()
            conn.close()
            elapsed = time.perf_counter() - started
            with stats.lock:
                stats.seconds.append(elapsed)
                if response.status != 200:
                    stats.errors += 1
                    if len(stats.first_errors) < 3:
                        stats.first_errors.append(f"{path}: HTTP {response.status}")
        except TimeoutError:
            with stats.lock:
                stats.timeouts += 1
        except OSError as error:
            with stats.lock:
                stats.errors += 1
                if len(stats.first_errors) < 3:
                    stats.first_errors.append(f"{path}: {error!r}")
        stop.wait(args.pause)


def run_phase(target: Target, kinds: list[str], paths: list[str], args) -> dict:
    """``--conns`` slow connections of ``kinds`` open while the readers read."""
    stop = threading.Event()
    stats = AttackStats()
    threads = []
    for n in range(args.conns if kinds else 0):
        kind = kinds[n % len(kinds)]
        thread = threading.Thread(
            target=attacker, args=(kind, target, stop, stats, args), daemon=True
        )
        thread.start()
        threads.append(thread)
        time.sleep(args.ramp / max(1, args.conns))
    # Let the attack settle (slow readers have their page fetched by nginx).
    time.sleep(args.settle if kinds else 0)
    opened = stats.open
    readers_stop = threading.Event()
    readings = ReaderStats()
    readers = [
        threading.Thread(
            target=reader, args=(target, paths, readers_stop, readings, args)
        )
        for _ in range(args.readers)
    ]
    for thread in readers:
        thread.start()
    time.sleep(args.seconds)
    open_at_end = stats.open
    readers_stop.set()
    for thread in readers:
        thread.join(args.timeout + 5)
    stop.set()
    for thread in threads:
        thread.join(args.timeout + 5)
    times = sorted(readings.seconds)
    result = {
        "target": target.name,
        "attack": "+".join(kinds) or "none",
        "slow_open": min(opened, open_at_end),
        "drops": stats.drops,
        "failed_connects": stats.failed_connects,
        "requests": len(times) + readings.timeouts,
        "p50_ms": round(statistics.median(times) * 1000, 1) if times else None,
        "p99_ms": round(times[min(len(times) - 1, int(0.99 * len(times)))] * 1000, 1)
        if times
        else None,
        "errors": readings.errors,
        "timeouts": readings.timeouts,
        "first_errors": readings.first_errors,
    }
    log(
        f"{result['target']:>14} {result['attack']:<36} open {result['slow_open']:>4}"
        f" drops {result['drops']:>4} req {result['requests']:>5}"
        f" p50 {result['p50_ms']} p99 {result['p99_ms']}"
        f" err {result['errors']} timeout {result['timeouts']}"
    )
    # Give the server a moment to shed what the attack left behind.
    time.sleep(2)
    return result


# --- the archive and the servers ---------------------------------------------------


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def environment(var_dir: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PLANSITE_", "DJANGO_")) and k != "DATABASE_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="plansite.settings.prod",
        PLANSITE_VAR_DIR=str(var_dir),
        PLANSITE_SECRET_KEY=secrets.token_urlsafe(40),
        PLANSITE_ALLOWED_HOSTS="localhost,127.0.0.1",
        **extra,
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"manage.py {args[0]} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def build_archive(var_dir: Path, args) -> dict:
    """Migrate, fill with synthetic documents and one large one, collect static."""
    env = environment(
        var_dir,
        B_DOCS=str(args.docs),
        B_SEED=str(args.seed),
        B_BIG=str(args.large_bytes),
        B_SHARED=str(args.shared),
    )
    manage(env, "migrate", "--noinput", "-v0")
    out = manage(env, "shell", "-c", BUILD)
    built = json.loads(out.split("BUILT", 1)[1])
    manage(env, "collectstatic", "--noinput", "-v0")
    return built


def reader_paths(ids: list[int]) -> list[str]:
    """Ordinary pages: home, lists, years, document pages."""
    paths = ["/", "/documents/", "/documents/?page=2", "/years/", "/regions/"]
    paths += [f"/documents/{pk}/" for pk in ids[:20]]
    return paths


def check_paths(target: Target, paths: list[str]) -> None:
    for path in paths:
        if target.tls is None:
            conn = http.client.HTTPConnection("127.0.0.1", target.port, timeout=60)
        else:
            conn = http.client.HTTPSConnection(
                target.host, target.port, timeout=60, context=target.tls
            )
        conn.request("GET", path, headers={"Host": target.origin()})
        response = conn.getresponse()
        response.read()
        conn.close()
        if response.status != 200:
            raise SystemExit(f"{target.name}: {path} answered {response.status}")


def serve_phases(target: Target, paths: list[str], args) -> list[dict]:
    check_paths(target, paths)
    # Warm every worker and thread (templates, caches) before anything counts.
    run_phase(target, [], paths, argparse.Namespace(**{**vars(args), "seconds": 5}))
    results = [run_phase(target, [], paths, args)]
    for kind in args.attacks:
        results.append(run_phase(target, [kind], paths, args))
    if len(args.attacks) > 1:
        results.append(run_phase(target, list(args.attacks), paths, args))
    return results


def print_table(results: list[dict]) -> None:
    header = (
        "| server | attack | slow conns open | drops | requests | p50 ms | p99 ms "
        "| errors | timeouts |"
    )
    print(header)
    print("|" + "---|" * 9)
    for r in results:
        print(
            f"| {r['target']} | {r['attack']} | {r['slow_open']} | {r['drops']} "
            f"| {r['requests']} | {r['p50_ms']} | {r['p99_ms']} | {r['errors']} "
            f"| {r['timeouts']} |"
        )


def attack_deployment(args) -> int:
    """The attacks against a running deployment at ``--url`` (loopback only)."""
    url = urlsplit(args.url)
    if url.hostname not in ("localhost", "127.0.0.1") or url.scheme != "https":
        raise SystemExit("--url must be https://localhost:PORT (this machine only)")
    tls = ssl.create_default_context(cafile=str(args.cafile) if args.cafile else None)
    target = Target("deployment", url.port or 443, tls, host=url.hostname)
    listing = _get(target, "/documents/")
    ids = [
        int(pk)
        for pk in dict.fromkeys(re.findall(r'href="/documents/(\d+)/"', listing))
    ]
    if not ids:
        raise SystemExit(f"{args.url}/documents/ lists no documents")
    args.large = args.large or ids[0]
    results = serve_phases(target, reader_paths(ids), args)
    print_table(results)
    return _verdict(results, "deployment")


def _get(target: Target, path: str) -> str:
    conn = http.client.HTTPSConnection(
        target.host, target.port, timeout=60, context=target.tls
    )
    conn.request("GET", path, headers={"Host": target.origin()})
    response = conn.getresponse()
    body = response.read().decode("utf-8", "replace")
    conn.close()
    if response.status != 200:
        raise SystemExit(f"{path} answered {response.status}")
    return body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var" / "slow-clients")
    parser.add_argument("--docs", type=int, default=500, help="synthetic documents")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument(
        "--shared",
        type=Path,
        default=ROOT.parent / "shared"
        if (ROOT.parent / "shared" / "seeds").exists()
        else ROOT / "samples",
        help="sample texts for bench/corpus.py",
    )
    parser.add_argument(
        "--large-bytes",
        type=int,
        default=4 * 1024 * 1024,
        help="size of the large document the slow readers download",
    )
    parser.add_argument("--conns", type=int, default=200, help="slow connections")
    parser.add_argument("--seconds", type=float, default=20, help="readers per phase")
    parser.add_argument("--readers", type=int, default=4, help="normal reader threads")
    parser.add_argument("--pause", type=float, default=0.05, help="between reads")
    parser.add_argument("--interval", type=float, default=5, help="trickle every N s")
    parser.add_argument("--timeout", type=float, default=5, help="a reader's limit")
    parser.add_argument("--ramp", type=float, default=3, help="s to open the attack")
    parser.add_argument(
        "--settle",
        type=float,
        default=10,
        help="s before measuring (nginx fetches every slow reader's page first)",
    )
    parser.add_argument(
        "--attacks",
        nargs="+",
        default=list(ATTACKS),
        choices=list(ATTACKS),
        help="attacks to run, each alone then all together",
    )
    parser.add_argument(
        "--only", choices=("gunicorn", "nginx"), help="one server, not both"
    )
    parser.add_argument("--json", type=Path, help="write the results here too")
    parser.add_argument(
        "--url",
        help="attack a deployment already running on this machine instead "
        "(https://HOST:PORT, e.g. the README's Production recipe); no archive is built",
    )
    parser.add_argument("--cafile", type=Path, help="the --url server's certificate")
    parser.add_argument(
        "--large", type=int, help="with --url: the document the slow readers download"
    )
    args = parser.parse_args(argv)
    if args.url:
        return attack_deployment(args)
    if local_stack.nginx_binary() is None:
        raise SystemExit("nginx is not installed: apt-get install nginx")

    var_dir = args.var_dir.resolve()
    if var_dir.exists():
        subprocess.run(["rm", "-rf", str(var_dir)], check=True)
    var_dir.mkdir(parents=True)
    log(f"building the archive in {var_dir} ...")
    built = build_archive(var_dir / "var", args)
    args.large = built["large"]
    paths = reader_paths(built["ids"])
    results: list[dict] = []

    if args.only != "nginx":
        port = local_stack.free_port()
        # The command README's Production section documented before nginx.
        env = environment(var_dir / "var", PLANSITE_SSL_REDIRECT="0")
        gunicorn = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "plansite.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            local_stack.wait_for_port(port, proc=gunicorn)
            target = Target("gunicorn alone", port, None, host="127.0.0.1")
            results += serve_phases(target, paths, args)
        finally:
            local_stack.stop(gunicorn)

    if args.only != "gunicorn":
        port = local_stack.free_port()
        env = environment(var_dir / "var")
        gunicorn = local_stack.start_gunicorn(
            env, port, log=var_dir / "gunicorn-behind-nginx.out"
        )
        nginx = local_stack.render_nginx(var_dir / "nginx", port, workers=2)
        try:
            checked = nginx.test()
            if checked.returncode != 0:
                raise SystemExit(checked.stderr)
            nginx.start()
            tls = ssl.create_default_context(cafile=str(var_dir / "nginx/tls/cert.pem"))
            target = Target("nginx+gunicorn", nginx.https_port, tls)
            results += serve_phases(target, paths, args)
        finally:
            local_stack.stop(nginx.proc)
            local_stack.stop(gunicorn)

    print(
        f"\n{args.conns} slow connections per attack, {args.readers} readers for "
        f"{args.seconds:g} s, reader timeout {args.timeout:g} s, "
        f"large page {args.large_bytes // 1024} KB, {args.docs} documents\n"
    )
    print_table(results)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    return _verdict(results, "nginx+gunicorn")


def _verdict(results: list[dict], name: str) -> int:
    """1 when the readers of ``name`` saw an error, a timeout or a p99 over 1 s."""
    bad = [
        r
        for r in results
        if r["target"] == name
        and (
            r["errors"]
            or r["timeouts"]
            or (r["p99_ms"] or 0) > 1000
            or not r["requests"]
        )
    ]
    for r in bad:
        print(f"FAIL {r['attack']}: {r['first_errors']}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
