"""PostgreSQL: pg_dump of one snapshot, and pg_restore in one transaction."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from plansite.backup.archive import BackupError, Facts, Manifest
from plansite.backup.sqlite import read_facts

_VERSION = re.compile(r"\(PostgreSQL\)\s*(\d+)")
_TABLE = re.compile(r"^\S+ \d+ \d+ TABLE \S+ (\S+) ", flags=re.MULTILINE)


def snapshot(dump: Path) -> Facts:
    """pg_dump -Fc into ``dump``, and the facts of the same snapshot.

    The transaction exports its snapshot and stays open while pg_dump reads
    it (--snapshot), so the dump and the manifest's counts are one moment.
    pg_dump takes no lock that stops writers.
    """
    connection.ensure_connection()
    server = connection.pg_version // 10000
    pg_dump, major, version = client("pg_dump", at_least=server, of="服务器")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        exported = cursor.fetchone()[0]
        facts = read_facts(cursor, server_version=connection.pg_version)
        run([pg_dump, "-Fc", f"--snapshot={exported}", "-f", str(dump)], "pg_dump")
    facts.details.update(pg_dump_version=version, pg_dump_major=major)
    return facts


def check(dump: Path, manifest: Manifest) -> set[str]:
    """Read a dump through (pg_restore -l); the tables it holds."""
    listing = run([_pg_restore(manifest), "-l", str(dump)], "pg_restore -l", db=False)
    return set(_TABLE.findall(listing))


def restore(dump: Path, manifest: Manifest) -> None:
    """pg_restore in one transaction: on any error the database stays as it was."""
    extra = sorted(set(connection.introspection.table_names()) - check(dump, manifest))
    if extra:
        # --clean drops only what the dump holds: these would stay and break
        # the migrations that follow.
        raise BackupError(
            f"当前数据库有备份中没有的表（{', '.join(extra[:5])}），可能是更新的"
            "版本所建。请恢复到一个新建的空数据库（createdb），数据库未改动。"
        )
    connection.close()
    run(
        [
            _pg_restore(manifest),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            str(connection.settings_dict["NAME"]),
            str(dump),
        ],
        "pg_restore",
    )


def _pg_restore(manifest: Manifest) -> str:
    # pg_restore cannot read the archives of a newer pg_dump.
    major = int(manifest.details.get("pg_dump_major") or 0)
    return client("pg_restore", at_least=major, of="备份所用 pg_dump")[0]


def client(name: str, *, at_least: int, of: str) -> tuple[str, int, str]:
    """pg_dump or pg_restore (settings.PG_BINDIR, else PATH): its path, major
    version and version line; refused when older than ``at_least``."""
    folder = settings.PG_BINDIR
    path = str(Path(folder) / name) if folder else shutil.which(name)
    if not path or not Path(path).is_file():
        where = f"PLANSITE_PG_BINDIR={folder}" if folder else "PATH"
        raise BackupError(
            f"找不到 {name}（在 {where} 中）。请安装 PostgreSQL 客户端"
            f"{f'（主版本不低于 {at_least}）' if at_least else ''}，"
            "Debian 上为 apt-get install postgresql-client，"
            "或用 PLANSITE_PG_BINDIR 指向它所在的目录。"
        )
    try:
        line = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=60
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as error:
        raise BackupError(f"{path} 无法运行：{error}") from None
    found = _VERSION.search(line)
    if not found:
        raise BackupError(f"无法识别 {path} 的版本：{line!r}")
    major = int(found.group(1))
    if major < at_least:
        raise BackupError(
            f"{name} 的主版本是 {major}，低于{of}的 {at_least}：请安装 {at_least}"
            f" 或更新的 PostgreSQL 客户端（Debian：postgresql-client-{at_least}），"
            "或用 PLANSITE_PG_BINDIR 指向它所在的目录。"
        )
    return path, major, line


def run(command: list[str], what: str, *, db: bool = True) -> str:
    """Run a client program, connected to the configured database; its stdout."""
    env = dict(os.environ)
    if db:
        s = connection.settings_dict
        values = {
            "PGHOST": s.get("HOST"),
            "PGPORT": s.get("PORT"),
            "PGUSER": s.get("USER"),
            "PGPASSWORD": s.get("PASSWORD"),
            "PGDATABASE": s.get("NAME"),
            "PGSSLMODE": (s.get("OPTIONS") or {}).get("sslmode"),
        }
        env.update({key: str(value) for key, value in values.items() if value})
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(
            f"{what} 失败（退出码 {done.returncode}）：{done.stderr.strip()[-2000:]}"
        )
    return done.stdout
