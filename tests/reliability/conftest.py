"""Fixtures of the reliability tests."""

from tests.processes import process_databases  # noqa: F401 - a fixture
