"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright, against live_server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

from tests.conftest import import_samples

CHROMIUM = Path(os.environ.get("PLANSITE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
VIEWPORTS = {
    "desktop": {"width": 1280, "height": 900},
    "phone": {"width": 390, "height": 844},
}
SCREENSHOT_DIR = Path(settings.BASE_DIR) / "var" / "screenshots"
# A term the sample archive holds, quoted for a URL.
TERM = quote("乡村振兴")
# Recorded before any page script runs; CSP does not apply to Playwright's own.
LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(
    `${event.violatedDirective} ${event.blockedURI} ${event.sample || ""}`
  );
});
"""


def public_pages(doc) -> list[str]:  # noqa: ANN001
    """Every kind of public page, around ``doc`` (a document that holds TERM)."""
    return [
        "/",
        "/documents/",
        f"/documents/{doc.pk}/?q={TERM}",
        "/regions/",
        "/years/",
        f"/years/{doc.plan_year}/" if doc.plan_year else "/years/",
        f"/search/?q={TERM}",
        f"/research/trend/?q={TERM}&split=county",
        f"/research/kwic/?q={TERM}",
        f"/research/compare/?q={TERM}",
        f"/research/export/?q={TERM}",
        "/research/api/",
        "/sources/",
    ]


@pytest.fixture(scope="package", autouse=True)
def _sync_orm_beside_playwright() -> Iterator[None]:
    """Playwright's sync API runs an event loop in this thread; the ORM calls in
    the fixtures are still plain synchronous code. Scoped to this package so the
    flag never leaks into other tests (``check --deploy`` rejects it)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip(
            f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser) -> Iterator[object]:  # noqa: ANN001
    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="zh-CN")
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def live_archive(live_server, search_index, seeds_dir: Path, corpus_dir: Path) -> str:  # noqa: ANN001
    """The seeds and the Pingtan pages, imported and indexed, served by live_server."""
    import_samples(seeds_dir, corpus_dir)
    return live_server.url


@pytest.fixture
def live_archive_unindexed(
    live_server,  # noqa: ANN001
    search_index,  # noqa: ANN001
    seeds_dir: Path,
    corpus_dir: Path,
) -> str:
    """The same archive with an empty search index, for journeys that never search:
    indexing is most of the set-up time. Pages show no similar documents."""
    import_samples(seeds_dir, corpus_dir, "--no-index")
    return live_server.url


def screenshot(browser, url: str, name: str) -> None:  # noqa: ANN001
    """Save the page at desktop and phone width under var/screenshots/, and fail
    if anything makes the page wider than the screen (sideways scrolling)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=VIEWPORTS["desktop"], locale="zh-CN")
    tab = context.new_page()
    tab.goto(url)
    for label, viewport in VIEWPORTS.items():
        tab.set_viewport_size(viewport)
        width = tab.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{name} is {width}px wide at {label} width"
        # A full-page shot of a scrolled page (#hit-2) draws sticky bars mid-page.
        tab.evaluate("window.scrollTo(0, 0)")
        tab.screenshot(path=str(SCREENSHOT_DIR / f"{name}-{label}.png"), full_page=True)
    context.close()


@pytest.fixture
def watched(page):  # noqa: ANN001, ANN201
    """The page, and what Chromium said about it: console errors, script errors
    and CSP reports (window.__violations, read by the tests that check them)."""
    problems: list[str] = []
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda message: (
            problems.append(f"{page.url}: {message.type}: {message.text}")
            if message.type == "error" or "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    return page, problems
