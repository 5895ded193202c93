"""Fixtures for the harvest tests: the sample 政务公开 column on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from documents.harvest.sample_site import SampleSite


@pytest.fixture
def sample_site(tmp_path: Path) -> Iterator[SampleSite]:
    """A fresh copy of samples/site in tmp_path, served on 127.0.0.1 (port 0).

    ``sample_site.start_url`` is the column's first list page; edit the copy with
    ``change_page``/``delete_page``; ``sample_site.requests`` is the request log.
    Stopped after the test, whatever happened.
    """
    site = SampleSite(tmp_path / "sample-site")
    site.start()
    try:
        yield site
    finally:
        site.stop()
