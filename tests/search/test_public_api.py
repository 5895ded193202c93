"""search's public API: what other apps' pages and commands may import from it."""

from __future__ import annotations

import subprocess
import sys

import pytest

import search


@pytest.mark.parametrize("name", search.__all__)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(search, name) is not None
    assert name in dir(search)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        search.no_such_name  # noqa: B018


def test_importing_search_loads_no_engine() -> None:
    """Django imports the package while it loads the apps: nothing heavy yet."""
    probe = (
        "import sys, search; "
        "print(sorted(m for m in ('haystack', 'whoosh', 'jieba') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
