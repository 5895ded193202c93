"""Real `manage.py` processes on a database of their own, for tests that kill,
race or restart processes.

Each run gets a var dir and a fresh copy of the migrated (gazetteer-loaded)
test database: a SQLite file on SQLite, a database cloned from a template on
PostgreSQL (dropped when the session ends). Never ./var, never the test
database itself.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent

MANAGE = ROOT / "manage.py"
PROCESS_TIMEOUT = 300


@dataclass
class ProcessDatabases:
    """Makes databases for subprocesses from one migrated template."""

    vendor: str
    sqlite_template: Path | None = None
    pg_settings: dict = field(default_factory=dict)
    pg_template: str = ""
    created: list[str] = field(default_factory=list)
    _numbers: Iterator[int] = field(default_factory=itertools.count)

    def environment(self, var_dir: Path) -> dict[str, str]:
        """Settings for a process using ``var_dir``, with a database of its own."""
        env = self._settings(var_dir)
        if self.vendor == "sqlite":
            assert self.sqlite_template is not None
            shutil.copy(self.sqlite_template, var_dir / "plansite.sqlite3")
        else:
            name = f"{self.pg_template}_{next(self._numbers)}"
            self.copy_when_idle(self.pg_template, name)
            self.created.append(name)
            env["DATABASE_URL"] = self._url(name)
        return env

    def _settings(self, var_dir: Path) -> dict[str, str]:
        var_dir.mkdir(parents=True, exist_ok=True)
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("PLANSITE_", "DJANGO_")) and k != "DATABASE_URL"
        }
        env.update(
            DJANGO_SETTINGS_MODULE="plansite.settings.dev",
            PLANSITE_DEBUG="0",
            PLANSITE_VAR_DIR=str(var_dir),
            # A stale write lock must fail the test, not wait the default ten minutes.
            PLANSITE_SEARCH_WRITE_WAIT="60",
            PYTHONUNBUFFERED="1",
        )
        return env

    def empty_environment(self, var_dir: Path) -> dict[str, str]:
        """Settings for a process on an empty machine: no database file (SQLite),
        or a database just created, without tables (PostgreSQL)."""
        env = self._settings(var_dir)
        if self.vendor != "sqlite":
            name = f"{self.pg_template}_{next(self._numbers)}"
            self._admin(f'CREATE DATABASE "{name}"')
            self.created.append(name)
            env["DATABASE_URL"] = self._url(name)
        return env

    def copy_when_idle(self, source: str, target: str, seconds: float = 30) -> None:
        """CREATE DATABASE target TEMPLATE source, once no session uses source
        (a live server thread may still be closing its connection)."""
        import psycopg2

        deadline = time.monotonic() + seconds
        while True:
            try:
                self._admin(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
                return
            except psycopg2.errors.ObjectInUse:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def count(self, env: dict[str, str], table: str) -> int:
        """Rows in ``table`` of the database ``env`` points at."""
        if "DATABASE_URL" not in env:
            path = Path(env["PLANSITE_VAR_DIR"]) / "plansite.sqlite3"
            with sqlite3.connect(path) as db:
                assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
                return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        import psycopg2

        with psycopg2.connect(env["DATABASE_URL"]) as db, db.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            return cursor.fetchone()[0]

    def _url(self, name: str) -> str:
        s = self.pg_settings
        auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
        return (
            f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{name}"
        )

    def _admin(self, sql: str) -> None:
        import psycopg2

        s = self.pg_settings
        db = psycopg2.connect(
            dbname="postgres",
            user=s["USER"],
            password=s.get("PASSWORD") or None,
            host=s["HOST"] or None,
            port=s["PORT"] or None,
        )
        db.autocommit = True
        try:
            with db.cursor() as cursor:
                cursor.execute(sql)
        finally:
            db.close()

    def drop_all(self) -> None:
        for name in [*self.created, self.pg_template]:
            if name:
                self._admin(f'DROP DATABASE IF EXISTS "{name}"')
        self.created.clear()


@pytest.fixture(scope="session")
def process_databases(
    django_db_setup, django_db_blocker, tmp_path_factory
) -> Iterator[ProcessDatabases]:  # noqa: ANN001
    """Session-scoped, so it is set up before any test opens a transaction.

    Tests using it must be marked django_db, which makes pytest-django create
    the test database that serves as the template.
    """
    with django_db_blocker.unblock():
        connection.ensure_connection()
        vendor = connection.vendor
        name = str(connection.settings_dict["NAME"])
        # pytest-django sets up the test database only for a session with
        # django_db tests in it; never copy the developer's database instead.
        if not (
            connection.is_in_memory_db() if vendor == "sqlite" else "test_" in name
        ):
            pytest.fail(f"{name} is not a test database: mark the test django_db")
        if vendor == "sqlite":
            target = tmp_path_factory.mktemp("process-db") / "template.sqlite3"
            copy = sqlite3.connect(target)
            try:
                connection.connection.backup(copy)
                # As `migrate` leaves a real database. Two processes whose
                # first connections both switch a rollback-journal file to WAL
                # fail at once with "database is locked" (no busy wait).
                copy.execute("PRAGMA journal_mode=WAL")
            finally:
                copy.close()
            yield ProcessDatabases(vendor=vendor, sqlite_template=target)
            return
        if vendor != "postgresql":
            pytest.skip(f"no process databases on {vendor}")
        settings = dict(connection.settings_dict)
        test_name = settings["NAME"]
        # PostgreSQL copies a template only while nobody is connected to it.
        connection.close()
        databases = ProcessDatabases(
            vendor=vendor, pg_settings=settings, pg_template=f"{test_name}_proc"
        )
        databases._admin(f'DROP DATABASE IF EXISTS "{databases.pg_template}"')
        databases.copy_when_idle(test_name, databases.pg_template)
    try:
        yield databases
    finally:
        databases.drop_all()


def manage(
    env: dict[str, str], *args: str, timeout: float = PROCESS_TIMEOUT
) -> subprocess.CompletedProcess:
    """Run manage.py to the end in ``env``."""
    return subprocess.run(
        [sys.executable, str(MANAGE), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def start(env: dict[str, str], *args: str) -> subprocess.Popen:
    """Start manage.py in ``env``, stdout and stderr merged into one text pipe."""
    return subprocess.Popen(
        [sys.executable, str(MANAGE), *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
    )
