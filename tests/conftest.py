"""Shared fixtures: paths to the sample documents."""

from __future__ import annotations

import io
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


ENGINE = "search.backend.PlansiteWhooshEngine"


@pytest.fixture
def search_index(settings, tmp_path):
    """Point haystack at an empty index in tmp_path for this test."""
    settings.HAYSTACK_CONNECTIONS = {
        "default": {"ENGINE": ENGINE, "PATH": str(tmp_path / "whoosh_index")}
    }
    # haystack reads the connection list once, at import; swap it for the test.
    saved = connections.connections_info
    connections.connections_info = settings.HAYSTACK_CONNECTIONS
    connections.reload("default")
    yield connections["default"].get_backend()
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
