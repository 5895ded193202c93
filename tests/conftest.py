"""Shared fixtures: paths to the sample documents."""

from __future__ import annotations

import inspect
import io
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from haystack import connections

# Registered once, here: a session fixture imported by several packages' conftest
# files is several fixtures, whose PostgreSQL clones took the same names.
from tests.processes import process_databases  # noqa: F401 - a fixture

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SAMPLES = ROOT / "samples"


# What makes pytest-django open the test database for a test (as its own ordering
# of tests reads it): the django_db mark, a Django TestCase, or one of these fixtures.
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "live_server",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        # A fixture that reaches the database with django_db_blocker.unblock()
        # (a committed archive shared by a package) asks for the set-up.
        "django_db_setup",
    }
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only the tests that use the database (CI's second pass, on "
        "PostgreSQL: the others ran on the first pass, and pytest-django keeps "
        "them from reaching any database, so they would run the same again)",
    )


def uses_database(item: pytest.Item) -> bool:
    """Whether pytest-django lets ``item`` reach the test database."""
    from django.test import TransactionTestCase

    cls = getattr(item, "cls", None)
    if cls is not None and issubclass(cls, TransactionTestCase):
        return True
    if item.get_closest_marker("django_db") is not None:
        return True
    return bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    if not config.getoption("--database-tests-only"):
        return
    keep = [item for item in items if uses_database(item)]
    dropped = [item for item in items if not uses_database(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


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


def close_response(response) -> None:  # noqa: ANN001
    """Close a response as a WSGI server does when its client goes away.

    Closing fires request_finished, whose close_old_connections would close the
    test's database connection (PostgreSQL). The test client turns it off
    around the closes it makes; once a streamed response has been read from,
    its close does so from inside the wrapper the client put around its
    content, so close that instead.
    """
    from django.core.signals import request_finished
    from django.db import close_old_connections

    wrapper = getattr(response, "_iterator", None)
    if (
        response.streaming
        and inspect.isgenerator(wrapper)
        and inspect.getgeneratorstate(wrapper) != inspect.GEN_CREATED
    ):
        wrapper.close()
        return
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


ENGINE = "search.backend.PlansiteWhooshEngine"
# Another engine behind haystack: its stock Whoosh backend, which knows none of
# plansite's own backend methods. The code must work on it unchanged.
STOCK_ENGINE = "haystack.backends.whoosh_backend.WhooshEngine"


@contextmanager
def search_connection(settings, options: dict) -> Iterator[object]:  # noqa: ANN001
    """haystack's default connection set to ``options`` for the block: its backend."""
    previous = settings.HAYSTACK_CONNECTIONS
    # Every thread's engine follows the setting (search.engines.reconnect).
    settings.HAYSTACK_CONNECTIONS = {"default": options}
    try:
        yield connections["default"].get_backend()
    finally:
        settings.HAYSTACK_CONNECTIONS = previous


def whoosh_options(engine: str, path: Path) -> dict:
    return {"ENGINE": engine, "PATH": str(path / "whoosh_index")}


@pytest.fixture
def search_index(settings, tmp_path):
    """Point haystack at an empty index in tmp_path for this test."""
    with search_connection(settings, whoosh_options(ENGINE, tmp_path)) as backend:
        # Reading never creates an index (a lost one must not read as empty).
        backend.clear()
        yield backend


ELASTICSEARCH_ENGINE = "search.elasticsearch_backend.PlansiteElasticsearchEngine"
# A real cluster to check the Elasticsearch engine against (none on the
# development machine): PLANSITE_TEST_ELASTICSEARCH_URL=http://es1:9200/.
ELASTICSEARCH_URL = os.environ.get("PLANSITE_TEST_ELASTICSEARCH_URL", "")
ENGINES = {"plansite": ENGINE, "stock-haystack": STOCK_ENGINE}
if ELASTICSEARCH_URL:
    ENGINES["elasticsearch"] = ELASTICSEARCH_ENGINE


def elasticsearch_options(url: str, index_name: str) -> dict:
    return {"ENGINE": ELASTICSEARCH_ENGINE, "URL": url, "INDEX_NAME": index_name}


@pytest.fixture(params=list(ENGINES.values()), ids=list(ENGINES))
def any_engine_index(request, settings, tmp_path):
    """An empty index of plansite's engine, then of other ones (a settings change)."""
    if request.param != ELASTICSEARCH_ENGINE:
        with search_connection(settings, whoosh_options(request.param, tmp_path)) as b:
            yield b
        return
    name = f"plansite-test-{uuid.uuid4().hex[:12]}"
    with search_connection(
        settings, elasticsearch_options(ELASTICSEARCH_URL, name)
    ) as b:
        try:
            yield b
        finally:
            b.conn.indices.delete(index=b.index_name, ignore=[404])


def copy_samples(
    folder: Path, seeds_dir: Path, corpus_dir: Path, *, reports: int, chars: int
) -> Path:
    """``folder`` filled with the seeds, the Pingtan pages and the first
    ``reports`` national reports, one JSON-lines file each, shortened to
    ``chars`` characters (indexing stays quick; each is still a real text)."""
    shutil.copytree(seeds_dir, folder / "seeds")
    shutil.copytree(corpus_dir / "pingtan", folder / "pingtan")
    out = folder / "reports"
    out.mkdir()
    lines = (
        corpus_dir / "national-reports" / "government_work_reports.jsonl"
    ).read_text(encoding="utf-8")
    for number, line in enumerate(lines.splitlines()[:reports]):
        record = json.loads(line)
        record["content"] = record["content"][:chars]
        (out / f"report_{number:02d}.jsonl").write_text(
            json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    return folder


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


@contextmanager
def committed_archive(
    index_dir: Path,
    django_db_blocker,  # noqa: ANN001
    seeds_dir: Path,
    corpus_dir: Path,
) -> Iterator[None]:
    """The samples imported, indexed in ``index_dir`` and committed, for the
    tests of a module or package that only read; deleted afterwards.

    The settings name the index, not haystack's connection list alone: its
    engine reads PATH from settings, so archives that changed only the list
    all went into the test settings' index, and the research package counted
    the odd-requests module's deleted documents there too. For a module or
    package fixture (the settings fixture is a test's, and its changes are
    undone first).
    """
    from documents.models import Document, SourceTemplate

    options = {"default": {"ENGINE": ENGINE, "PATH": str(index_dir)}}
    with override_settings(HAYSTACK_CONNECTIONS=options):
        with django_db_blocker.unblock():
            templates = list(SourceTemplate.objects.values_list("pk", flat=True))
        try:
            with django_db_blocker.unblock():
                import_samples(seeds_dir, corpus_dir)
            yield
        finally:
            with django_db_blocker.unblock():
                Document.objects.all().delete()
                # The import learns the sources' templates: committed too.
                SourceTemplate.objects.exclude(pk__in=templates).delete()
