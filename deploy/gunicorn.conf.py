"""gunicorn behind nginx (deploy/nginx/plansite.conf):

    .venv/bin/gunicorn -c deploy/gunicorn.conf.py plansite.wsgi

nginx buffers every request and response, so a thread here only ever serves a
complete request at loopback speed; the limits below are for what reaches
gunicorn without nginx (a mistake in the firewall). Settings from PLANSITE_*.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from plansite import env  # noqa: E402

VAR_DIR = env.get_path("PLANSITE_VAR_DIR", env.BASE_DIR / "var")
LOG_DIR = VAR_DIR / "logs"
LOG_DIR.mkdir(parents=True, exist_ok=True)

# Loopback (or unix:/run/plansite/gunicorn.sock): only nginx talks to gunicorn.
bind = env.get_str("PLANSITE_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = env.get_int("PLANSITE_WEB_WORKERS", 2)
threads = env.get_int("PLANSITE_WEB_THREADS", 4)
# gthread's main thread beats for the worker while a request runs; a silent
# worker is a hung one. nginx waits 120 s (proxy_read_timeout).
timeout = 60
graceful_timeout = 30
# nginx opens a connection per request; an idle one is closed at once.
keepalive = 2
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# X-Forwarded-Proto is trusted from nginx on this machine only.
forwarded_allow_ips = "127.0.0.1,::1"
# No control socket: one shared path in $HOME would be taken by the first instance.
control_socket_disable = True

# The access log: the client's address as nginx saw it (X-Real-IP), the request,
# status, bytes, referrer, agent, and the time taken in milliseconds. Reopened on
# SIGUSR1 (deploy/logrotate/plansite).
accesslog = str(LOG_DIR / "access.log")
access_log_format = (
    '%({x-real-ip}i)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
)
errorlog = str(LOG_DIR / "gunicorn.log")
loglevel = "info"
pidfile = str(VAR_DIR / "gunicorn.pid")
