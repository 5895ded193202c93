"""The production stack on loopback, for the tests and the bench: gunicorn with
deploy/gunicorn.conf.py, and nginx with the shipped site file as a child process
under a folder of its own (its own pid, logs and temp files; never the system's).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from deploy.nginx_conf import standalone

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"


def nginx_binary() -> str | None:
    """Debian's nginx, found even where /usr/sbin is not on PATH."""
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, 1)),
        None,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float = 60, proc=None) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited ({proc.returncode}) before port {port}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port} after {seconds} s")


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for localhost and 127.0.0.1 (EC P-256), and its key."""
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def start_gunicorn(
    env: dict[str, str], port: int, *extra: str, log: Path | None = None
) -> subprocess.Popen:
    """gunicorn -c deploy/gunicorn.conf.py plansite.wsgi on 127.0.0.1:port."""
    out = log.open("ab") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(GUNICORN_CONF),
            "--bind",
            f"127.0.0.1:{port}",
            *extra,
            "plansite.wsgi",
        ],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_for_port(port, proc=proc)
    return proc


@dataclass
class Nginx:
    prefix: Path
    conf: Path
    https_port: int
    http_port: int
    proc: subprocess.Popen | None = None

    def command(self, *args: str) -> list[str]:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed (apt-get install nginx-light)")
        return [
            binary,
            "-p",
            str(self.prefix),
            "-c",
            str(self.conf),
            "-e",
            str(self.prefix / "error.log"),
            *args,
        ]

    def test(self) -> subprocess.CompletedProcess:
        """``nginx -t`` on the rendered configuration."""
        return subprocess.run(self.command("-t"), capture_output=True, text=True)

    def start(self) -> None:
        self.proc = subprocess.Popen(
            self.command(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for_port(self.https_port, seconds=20, proc=self.proc)

    def error_log(self) -> str:
        path = self.prefix / "error.log"
        return path.read_text("utf-8", "replace") if path.exists() else ""


def render_nginx(
    prefix: Path, upstream_port: int, *, workers: int = 1, connections: int = 4096
) -> Nginx:
    """The shipped site file, rendered for loopback with a fresh certificate."""
    cert, key = self_signed(prefix / "tls")
    https_port, http_port = free_port(), free_port()
    conf = standalone(
        prefix,
        {
            "SERVER_NAME": "localhost",
            "TLS_CERT": str(cert),
            "TLS_KEY": str(key),
            "UPSTREAM": f"127.0.0.1:{upstream_port}",
            "HTTP_PORT": str(http_port),
            "HTTPS_PORT": str(https_port),
        },
        workers=workers,
        connections=connections,
    )
    return Nginx(prefix=prefix, conf=conf, https_port=https_port, http_port=http_port)


def stop(proc: subprocess.Popen | None, seconds: float = 30) -> None:
    """TERM the process group (gunicorn's workers, nginx's), then KILL."""
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=seconds)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
