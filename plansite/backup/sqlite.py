"""SQLite: copy a live database and write one back, with the online backup API."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from documents.models import Document, SourcePath
from plansite.backup.archive import BackupError, Facts


def snapshot(database: Path, copy: Path) -> Facts:
    """Copy the live database into ``copy``; what the copy holds.

    One step (pages=-1) is one read transaction: a consistent snapshot, which
    in WAL mode never holds up the writers (an import, admin edits). A
    stepwise backup restarts whenever another process writes, and a file
    copy misses or tears the commits still in the -wal file.
    """
    if not database.is_file():
        raise BackupError(f"数据库文件 {database} 不存在。")
    source = sqlite3.connect(database, timeout=30)
    try:
        target = sqlite3.connect(copy)
        try:
            source.backup(target)
            # One self-contained file, with no -wal beside it.
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
    finally:
        source.close()
    return facts(copy)


def facts(path: Path) -> Facts:
    """Check a copy (integrity, foreign keys) and read its migrations and counts."""
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise BackupError(f"SQLite 副本无法打开：{error}") from None
    try:
        problems = [row[0] for row in db.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupError(f"SQLite 副本已损坏：{'; '.join(problems[:5])}")
        if db.execute("PRAGMA foreign_key_check").fetchone() is not None:
            raise BackupError("SQLite 副本中有指向不存在的行的外键。")
        return read_facts(db.cursor(), sqlite_version=sqlite3.sqlite_version)
    except sqlite3.Error as error:
        raise BackupError(f"SQLite 副本无法读取：{error}") from None
    finally:
        db.close()


def read_facts(cursor: Any, **details: Any) -> Facts:
    """Migrations and counts through a DB-API cursor (inside one snapshot)."""
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    migrations: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        migrations.setdefault(app, []).append(name)
    counts = []
    for model in (Document, SourcePath):
        cursor.execute(f"SELECT COUNT(*) FROM {model._meta.db_table}")
        counts.append(cursor.fetchone()[0])
    return Facts(migrations, counts[0], counts[1], details)


def restore(copy: Path, database: Path) -> None:
    """Write a verified copy into the configured database file.

    The backup API writes it in one transaction on the target: a process that
    has the database open sees the old or the new contents, never a mix, and
    a crash leaves the old ones (renaming a file over a WAL database that is
    open would not).
    """
    facts(copy)
    source = sqlite3.connect(f"{copy.resolve().as_uri()}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(database, timeout=30)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=WAL")
        except sqlite3.Error as error:
            raise BackupError(f"写入 {database} 失败，数据库未改动：{error}") from None
        finally:
            target.close()
    finally:
        source.close()
