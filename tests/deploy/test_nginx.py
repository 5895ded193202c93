"""The shipped nginx site file in front of gunicorn, as README's Production section runs
them: the file passes ``nginx -t``; a page comes through it over TLS with the
forwarded headers reaching Django; the admin can save a document body larger than
Django's and nginx's defaults. Slow-client attacks are bench/slow_clients_bench.py's.
"""

from __future__ import annotations

import http.client
import re
import secrets
import shutil
import ssl
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

from bench.admin_editor import AdminSession, form_fields
from deploy import local_stack
from deploy.local_stack import Nginx
from tests.processes import ProcessDatabases, manage

pytestmark = [
    pytest.mark.skipif(
        local_stack.nginx_binary() is None,
        reason="nginx is not installed (make deploy-deps, or apt-get install nginx)",
    ),
    pytest.mark.skipif(
        shutil.which("openssl") is None,
        reason="openssl is not installed (make deploy-deps, or apt-get install openssl)",
    ),
]

EDITOR = ("nginx-editor", "a-long-password-for-nginx-1")
PROBED = ("nginx-probed", "a-long-password-for-nginx-2")
SETUP = f"""
from django.contrib.auth.models import User
from documents.models import Document
User.objects.create_superuser({EDITOR[0]!r}, "editor@example.org", {EDITOR[1]!r})
User.objects.create_superuser({PROBED[0]!r}, "probed@example.org", {PROBED[1]!r})
doc = Document.objects.create(title="周巷镇2024年工作计划", body="坚持稳中求进。")
print("document", doc.pk)
"""


def test_shipped_site_file_passes_nginx_t(tmp_path: Path) -> None:
    nginx = local_stack.render_nginx(tmp_path, local_stack.free_port())
    result = nginx.test()
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    assert "{{" not in (tmp_path / "plansite.conf").read_text("utf-8")


def test_admin_body_limit_is_djangos() -> None:
    """nginx's limit for /admin/ and DATA_UPLOAD_MAX_MEMORY_SIZE are the same."""
    site = (local_stack.ROOT / "deploy/nginx/plansite.conf").read_text("utf-8")
    admin = re.search(r"location /admin/ \{(.*?)\}", site, re.S)
    assert admin is not None
    megabytes = re.search(r"client_max_body_size (\d+)m;", admin.group(1))
    assert megabytes is not None
    assert int(megabytes.group(1)) * 1024 * 1024 == settings.DATA_UPLOAD_MAX_MEMORY_SIZE


@dataclass
class Stack:
    nginx: Nginx
    gunicorn_port: int
    tls: ssl.SSLContext
    document: int
    var_dir: Path

    def get(self, path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPSConnection(
            "localhost", self.nginx.https_port, timeout=30, context=self.tls
        )
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        conn.close()
        return response.status, dict(response.headers), body


@pytest.fixture(scope="module")
def stack(
    process_databases: ProcessDatabases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    var_dir = tmp_path_factory.mktemp("nginx-stack")
    env = process_databases.environment(var_dir / "var")
    env.update(
        DJANGO_SETTINGS_MODULE="plansite.settings.prod",
        PLANSITE_SECRET_KEY=secrets.token_urlsafe(50),
        PLANSITE_ALLOWED_HOSTS="localhost",
        # As README's Production section: the client address is nginx's.
        PLANSITE_TRUSTED_PROXIES="1",
    )
    # The page's data and the static files (prod settings need the manifest),
    # side by side: each is a Django start-up.
    with ThreadPoolExecutor(2) as pool:
        setup = pool.submit(manage, env, "shell", "-c", SETUP)
        static = pool.submit(manage, env, "collectstatic", "--noinput", "-v0")
    for done in (setup.result(), static.result()):
        assert done.returncode == 0, done.stderr[-3000:]
    document = int(setup.result().stdout.split("document")[-1].split()[0])
    port = local_stack.free_port()
    gunicorn = local_stack.start_gunicorn(
        env, port, "--workers", "1", log=var_dir / "gunicorn.out"
    )
    nginx = local_stack.render_nginx(var_dir / "nginx", port)
    try:
        nginx.start()
        tls = ssl.create_default_context(cafile=str(var_dir / "nginx/tls/cert.pem"))
        yield Stack(nginx, port, tls, document, var_dir / "var")
    finally:
        local_stack.stop(nginx.proc)
        local_stack.stop(gunicorn)


@pytest.mark.django_db
def test_a_page_through_nginx_reaches_django_as_https(stack: Stack) -> None:
    status, headers, body = stack.get(
        f"/documents/{stack.document}/",
        **{"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "203.0.113.9"},
    )
    # prod settings redirect plain HTTP to HTTPS: a 200 means Django saw
    # X-Forwarded-Proto https from nginx (request.is_secure()).
    assert status == 200, (status, body[:500], stack.nginx.error_log()[-2000:])
    assert "周巷镇2024年工作计划" in body.decode("utf-8")
    assert "Strict-Transport-Security" in headers
    # Straight to gunicorn, with no proxy's header, the same page redirects.
    direct = http.client.HTTPConnection("127.0.0.1", stack.gunicorn_port, timeout=30)
    direct.request(
        "GET", f"/documents/{stack.document}/", headers={"Host": "localhost"}
    )
    assert direct.getresponse().status == 301
    direct.close()
    # The client's address is the one nginx saw, not the one the client claimed.
    line, access = _access_line(stack, f"/documents/{stack.document}/")
    assert line.startswith("127.0.0.1 "), line
    assert "203.0.113.9" not in access


def _access_line(stack: Stack, path: str) -> tuple[str, str]:
    """The access log's line for ``path``, and the whole log. gunicorn writes it
    after the answer has gone, so the client may read first: wait a little."""
    log = stack.var_dir / "logs" / "access.log"
    deadline = time.monotonic() + 10
    while True:
        access = log.read_text("utf-8") if log.exists() else ""
        lines = [x for x in access.splitlines() if path in x]
        if lines or time.monotonic() > deadline:
            assert lines, f"no access log line for {path}:\n{access[-2000:]}"
            return lines[0], access
        time.sleep(0.1)


@pytest.mark.django_db
def test_admin_saves_a_body_larger_than_the_defaults(stack: Stack) -> None:
    """3 MB of form: over Django's default 2.5 MB and nginx's default 1 MB."""
    session = AdminSession(stack.nginx.https_port, tls=stack.tls, host="localhost")
    session.login(*EDITOR)
    body = "推进乡村振兴，" * 60_000 + "管理员长文保存"
    status, _ = session.edit_body(stack.document, body)
    assert status == 302, (status, stack.nginx.error_log()[-2000:])
    status, _, page = stack.get(f"/documents/{stack.document}/text.txt")
    assert status == 200
    assert page.decode("utf-8").rstrip().endswith("管理员长文保存")


@pytest.mark.django_db
def test_the_admin_lockout_counts_the_address_nginx_saw(stack: Stack) -> None:
    """A guesser who names another address in each request is still one client."""
    session = AdminSession(stack.nginx.https_port, tls=stack.tls, host="localhost")
    for n in range(settings.AXES_FAILURE_LIMIT):
        _, _, page = session.request("GET", "/admin/login/")
        form = form_fields(page, "login-form")
        form.update(username=PROBED[0], password=f"wrong-{n}")
        spoofed = f"198.51.100.{n + 1}"
        status, _, _ = session.request(
            "POST",
            "/admin/login/?next=/admin/",
            form,
            extra_headers={"X-Forwarded-For": spoofed, "X-Real-IP": spoofed},
        )
        assert status in (200, 429), status
    _, _, page = session.request("GET", "/admin/login/")
    form = form_fields(page, "login-form")
    form.update(username=PROBED[0], password=PROBED[1])
    status, _, page = session.request("POST", "/admin/login/?next=/admin/", form)
    assert status == 429, (status, page[:300])
    assert "登录已暂时锁定" in page
