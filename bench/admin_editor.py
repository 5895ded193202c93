"""An editor in the admin, over HTTP, as a browser behind the TLS proxy would be.

Used by load_bench.py: it logs in, then saves the change form of one document
again and again, each time with a new numbered sentence in the body, while an
import holds the index's write lock for long stretches. Afterwards the newest
sentence must be searchable and the older ones gone.
"""

from __future__ import annotations

import http.client
import ssl
import statistics
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from bs4 import BeautifulSoup

MARK = "管理员编辑第{n}次"


def sentence(n: int) -> str:
    return MARK.format(n=n)


@dataclass
class EditReport:
    edits: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def summary(self) -> dict:
        times = sorted(self.seconds) or [0.0]
        return {
            "edits": self.edits,
            "failed": len(self.failures),
            "median_s": round(statistics.median(times), 3),
            "max_s": round(times[-1], 3),
            "first_failures": self.failures[:3],
        }


class AdminSession:
    """Cookies and CSRF by hand: the session cookie is Secure, as in production.

    Without ``tls`` it talks plain HTTP to gunicorn and adds the header the TLS
    proxy would; with an SSL context it talks HTTPS to the proxy itself (nginx
    sets the header), at ``host``.
    """

    def __init__(
        self,
        port: int,
        *,
        tls: ssl.SSLContext | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.port = port
        self.tls = tls
        self.host = host
        self.cookies: dict[str, str] = {}

    def request(
        self,
        method: str,
        path: str,
        form: dict | list | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], str]:
        origin = f"{self.host}:{self.port}"
        headers = {"Host": origin, "Referer": f"https://{origin}{path}"}
        headers.update(extra_headers or {})
        if self.tls is None:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
            # What the TLS-terminating proxy adds (SECURE_PROXY_SSL_HEADER).
            headers["X-Forwarded-Proto"] = "https"
        else:
            conn = http.client.HTTPSConnection(
                self.host, self.port, timeout=120, context=self.tls
            )
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for value in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(value)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        conn.close()
        return response.status, dict(response.headers), text

    def login(self, username: str, password: str) -> None:
        status, _, page = self.request("GET", "/admin/login/")
        form = form_fields(page, "login-form")
        form.update(username=username, password=password)
        status, headers, page = self.request("POST", "/admin/login/?next=/admin/", form)
        if status != 302:
            raise SystemExit(f"admin login failed: {status} {page[:500]}")

    def edit_body(self, pk: int, body: str) -> tuple[int, float]:
        """Save the change form with a new body; (status, seconds of the POST)."""
        path = f"/admin/documents/document/{pk}/change/"
        status, _, page = self.request("GET", path)
        if status != 200:
            return status, 0.0
        form = [(k, v) for k, v in form_items(page, "document_form") if k != "body"]
        form.append(("body", body))
        started = time.perf_counter()
        status, _, _ = self.request("POST", path, form)
        return status, time.perf_counter() - started


def form_items(page: str, form_id: str) -> list[tuple[str, str]]:
    """The name/value pairs a browser would submit from the form (no button)."""
    soup = BeautifulSoup(page, "lxml")
    form = soup.find("form", id=form_id)
    if form is None:
        raise SystemExit(f"no form #{form_id} on the page")
    items: list[tuple[str, str]] = []
    for element in form.find_all(["input", "textarea", "select"]):
        name = element.get("name")
        if not name or element.has_attr("disabled"):
            continue
        if element.name == "textarea":
            items.append((name, element.text))
        elif element.name == "select":
            for option in element.find_all("option", selected=True):
                items.append((name, option.get("value", option.text)))
        else:
            kind = (element.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "file", "reset"):
                continue
            if kind in ("checkbox", "radio"):
                if element.has_attr("checked"):
                    items.append((name, element.get("value", "on")))
                continue
            items.append((name, element.get("value", "")))
    return items


def form_fields(page: str, form_id: str) -> dict[str, str]:
    return dict(form_items(page, form_id))


def edit_until(
    session: AdminSession,
    pk: int,
    base_body: str,
    stop: threading.Event,
    report: EditReport,
    pause: float = 1.0,
) -> None:
    """Edit document ``pk`` every ``pause`` seconds until stopped."""
    n = 0
    while not stop.is_set():
        n += 1
        status, seconds = session.edit_body(pk, f"{base_body}\n{sentence(n)}。")
        report.edits = n
        report.seconds.append(seconds)
        if status != 302:
            report.failures.append(f"edit {n}: HTTP {status}")
        stop.wait(pause)
