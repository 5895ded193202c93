"""Every kind of answer carries the Content-Security-Policy and Permissions-Policy,
and no page needs the policy relaxed: no style="" attribute, no inline script."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from documents.models import Document
from tests.conftest import import_samples

pytestmark = [pytest.mark.django_db, pytest.mark.search]

TERM = quote("乡村振兴")
TOWNSHIP_URL = "/regions/浙江省/台州市/临海市/东塍镇/"
STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}
DENIED = ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics")


@pytest.fixture
def archive(search_index, seeds_dir: Path, corpus_dir: Path) -> Document:  # noqa: ANN001
    import_samples(seeds_dir, corpus_dir)
    doc = Document.objects.filter(body__contains="乡村振兴").exclude(plan_year=None)
    return doc.first()


def _policy(header: str) -> dict[str, str]:
    parts = (part.strip().split(None, 1) for part in header.split(";"))
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts if p and p[0]}


def _assert_headers(response, url: str) -> None:  # noqa: ANN001
    assert _policy(response.get("Content-Security-Policy", "")) == STRICT, url
    permissions = response.get("Permissions-Policy", "")
    for feature in DENIED:
        assert f"{feature}=()" in permissions, (url, permissions)


def _inline_bits(html: str) -> list[str]:
    """style attributes, <style> elements and scripts that run without a file."""
    soup = BeautifulSoup(html, "lxml")
    found = [
        f"<{tag.name} style={tag['style']!r}>" for tag in soup.find_all(style=True)
    ]
    found += [str(tag)[:80] for tag in soup.find_all("style")]
    for script in soup.find_all("script"):
        # json_script's data block is not run, and CSP does not apply to it.
        if not script.get("src") and script.get("type") != "application/json":
            found.append(str(script)[:80])
    found += [
        f"{tag.name} {name}"
        for tag in soup.find_all(True)
        for name in tag.attrs
        if name.startswith("on")
    ]
    return found


def _pages(doc: Document) -> list[str]:
    return [
        "/",
        "/documents/",
        f"/documents/{doc.pk}/",
        f"/documents/{doc.pk}/?q={TERM}",
        "/regions/",
        quote(TOWNSHIP_URL),
        "/years/",
        f"/years/{doc.plan_year}/",
        f"/search/?q={TERM}",
        "/research/",
        f"/research/trend/?q={TERM}&split=county",
        f"/research/kwic/?q={TERM}",
        f"/research/compare/?q={TERM}&level=county&place={quote('临海市')}"
        f"&place={quote('平潭县')}",
        f"/research/export/?q={TERM}",
        "/research/api/",
        "/admin/login/",
        "/no-such-page/",
    ]


def test_every_page_carries_the_policies_and_needs_no_inline_style_or_script(
    client: Client,
    archive: Document,  # noqa: ANN001
) -> None:
    for url in _pages(archive):
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        _assert_headers(response, url)
        html = response.content.decode()
        assert not _inline_bits(html), (url, _inline_bits(html))
    # The bars that used to carry style="width: N%" are there, as classes.
    years = client.get("/years/").content.decode()
    assert re.search(r'class="fill pct-(100|[1-9]?\d)"', years)
    township = client.get(quote(TOWNSHIP_URL)).content.decode()
    assert re.search(r'class="seg plan pct-(100|[1-9]?\d)"', township)


def test_the_api_downloads_and_admin_pages_carry_the_policies(
    admin_client: Client,
    archive: Document,  # noqa: ANN001
) -> None:
    for url in [
        f"/api/search?q={TERM}",
        f"/api/trend?q={TERM}",
        f"/api/kwic?q={TERM}",
        "/api/openapi.json",
        f"/documents/{archive.pk}/text.txt",
        "/healthz",
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        _assert_headers(response, url)
    for url in [
        "/admin/",
        "/admin/documents/document/",
        f"/admin/documents/document/{archive.pk}/change/",
        "/admin/documents/reviewitem/",
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        _assert_headers(response, url)
        html = response.content.decode()
        assert not _inline_bits(html), (url, _inline_bits(html))


def test_the_error_and_lockout_pages_need_no_inline_style() -> None:
    request = RequestFactory().get("/")
    pages = {
        "500.html": render_to_string("500.html"),
        "503.html": render_to_string("503.html", {"message": "x"}, request=request),
        "axes/lockout.html": render_to_string(
            "axes/lockout.html",
            {"failure_limit": 5, "cooloff_timedelta": settings.AXES_COOLOFF_TIME},
            request=request,
        ),
    }
    for name, html in pages.items():
        assert not _inline_bits(html), (name, _inline_bits(html))
    # The 500 page still has its look, from a stylesheet the policy allows.
    assert 'href="/static/css/error.css"' in pages["500.html"]
    assert (Path(settings.BASE_DIR) / "static/css/error.css").exists()
    assert "15 分钟后再试" in pages["axes/lockout.html"]


def test_no_template_or_script_writes_a_style_attribute() -> None:
    """What the page walk cannot reach (an error branch, a rare partial) too."""
    root = Path(settings.BASE_DIR)
    offenders = [
        str(path.relative_to(root))
        for path in [*root.glob("templates/**/*.html"), *root.glob("static/js/*.js")]
        if re.search(
            r"""style\s*=\s*["'{]|<style|setAttribute\(\s*["']style""", path.read_text()
        )
    ]
    assert not offenders
