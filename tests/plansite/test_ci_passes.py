"""CI's second pass (PostgreSQL) runs only the tests that use the database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

SUITE = """
import pytest
from django.test import TestCase


@pytest.mark.django_db
def test_marked():
    pass


def test_db_fixture(db):
    pass


def test_admin(admin_client):
    pass


def test_live(live_server):
    pass


def test_plain(settings, tmp_path):
    pass


class TestCaseClass(TestCase):
    def test_in_a_django_test_case(self):
        pass


class TestPlainClass:
    def test_in_a_plain_class(self):
        pass
"""


def collected(folder: Path, *args: str) -> list[str]:
    """The names of the tests pytest would run in SUITE, with our conftest's hooks."""
    (folder / "test_sample.py").write_text(SUITE, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(folder), "--collect-only", "-q"]
        + ["-p", "tests.conftest", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        # The sample lies outside the project, whose pytest settings name this.
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "plansite.settings.test"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return sorted(
        line.rsplit("::", 1)[1] for line in done.stdout.split() if "::" in line
    )


def test_database_tests_only_leaves_out_the_tests_without_the_database(tmp_path):
    assert collected(tmp_path, "--database-tests-only") == [
        "test_admin",
        "test_db_fixture",
        "test_in_a_django_test_case",
        "test_live",
        "test_marked",
    ]


def test_without_the_option_every_test_runs(tmp_path):
    assert len(collected(tmp_path)) == 7
