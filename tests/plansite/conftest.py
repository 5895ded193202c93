"""Fixtures of the plansite tests."""

from tests.processes import process_databases  # noqa: F401 - a fixture
