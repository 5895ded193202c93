"""Shared fixtures: paths to the sample documents."""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from haystack import connections

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SAMPLES = ROOT / "samples"


def _sample_dir(name: str) -> Path:
    """Prefer ../shared; fall back to the copies kept in the repo."""
    shared = SHARED / name
    return shared if shared.exists() else SAMPLES / name


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return _sample_dir("seeds")


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return _sample_dir("corpus")


@pytest.fixture(autouse=True)
def _downloads_closed() -> Iterator[None]:
    """A WSGI server closes every response; the test client closes a streamed one
    only once it is read to the end. Start each test with every download place
    free, whatever the test before left unread."""
    from research import throttle

    throttle.reset()
    yield


ENGINE = "search.backend.PlansiteWhooshEngine"
# Another engine behind haystack: its stock Whoosh backend, which knows none of
# plansite's own backend methods. The code must work on it unchanged.
STOCK_ENGINE = "haystack.backends.whoosh_backend.WhooshEngine"


def _engine_index(settings, tmp_path: Path, engine: str):  # noqa: ANN001
    settings.HAYSTACK_CONNECTIONS = {
        "default": {"ENGINE": engine, "PATH": str(tmp_path / "whoosh_index")}
    }
    # haystack reads the connection list once, at import; swap it for the test.
    saved = connections.connections_info
    connections.connections_info = settings.HAYSTACK_CONNECTIONS
    connections.reload("default")
    yield connections["default"].get_backend()
    connections.connections_info = saved
    connections.reload("default")


@pytest.fixture
def search_index(settings, tmp_path):
    """Point haystack at an empty index in tmp_path for this test."""
    yield from _engine_index(settings, tmp_path, ENGINE)


ELASTICSEARCH_ENGINE = "search.elasticsearch_backend.PlansiteElasticsearchEngine"
# A real cluster to check the Elasticsearch engine against (none on the
# development machine): PLANSITE_TEST_ELASTICSEARCH_URL=http://es1:9200/.
ELASTICSEARCH_URL = os.environ.get("PLANSITE_TEST_ELASTICSEARCH_URL", "")
ENGINES = {"plansite": ENGINE, "stock-haystack": STOCK_ENGINE}
if ELASTICSEARCH_URL:
    ENGINES["elasticsearch"] = ELASTICSEARCH_ENGINE


@pytest.fixture(params=list(ENGINES.values()), ids=list(ENGINES))
def any_engine_index(request, settings, tmp_path):
    """An empty index of plansite's engine, then of other ones (a settings change)."""
    if request.param != ELASTICSEARCH_ENGINE:
        yield from _engine_index(settings, tmp_path, request.param)
        return
    settings.HAYSTACK_CONNECTIONS = {
        "default": {
            "ENGINE": ELASTICSEARCH_ENGINE,
            "URL": ELASTICSEARCH_URL,
            "INDEX_NAME": f"plansite-test-{uuid.uuid4().hex[:12]}",
        }
    }
    saved = connections.connections_info
    connections.connections_info = settings.HAYSTACK_CONNECTIONS
    connections.reload("default")
    backend = connections["default"].get_backend()
    try:
        yield backend
    finally:
        backend.conn.indices.delete(index=backend.index_name, ignore=[404])
        connections.connections_info = saved
        connections.reload("default")


def import_samples(seeds_dir: Path, corpus_dir: Path, *options: str) -> None:
    """Import the seeds and the Pingtan pages, as most page tests need them."""
    call_command(
        "import_plans",
        str(seeds_dir),
        str(corpus_dir / "pingtan"),
        *options,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
