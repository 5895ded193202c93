"""Back up the database while the site runs; restore it on any machine."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from documents.attachments import store as attachment_store
from documents.models import Document, SourcePath
from plansite.backup import postgres, sqlite
from plansite.backup.archive import (
    ATTACHMENTS,
    DATABASE_MEMBERS,
    ENGINE_NAMES,
    WARC,
    BackupError,
    Manifest,
    unpacked,
    warc_member_name,
    write_archive,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: Manifest
    bytes: int
    seconds: float


@dataclass(frozen=True)
class RestoreResult:
    manifest: Manifest
    # Originals put into the attachment store (those already there included).
    attachments: int
    documents: int
    source_paths: int
    indexed: int
    migrations_applied: list[str]
    restore_seconds: float
    index_seconds: float
    # Files put into WARC_DIR (those already there, the same, included).
    warc_files: int = 0


def default_destination(now: datetime | None = None) -> Path:
    """A timestamped archive name in settings.BACKUP_DIR."""
    stamp = (now or datetime.now().astimezone()).strftime("%Y%m%d-%H%M%S")
    return Path(settings.BACKUP_DIR) / f"plansite-{stamp}.tar"


def create_backup(*, destination: Path | None = None) -> BackupResult:
    """Write a consistent archive of the configured database while it is in use.

    ``destination`` is a file, or an existing folder to write a timestamped
    file into (default settings.BACKUP_DIR). An existing file is never
    overwritten, and the archive appears under its name only when complete.
    """
    started = time.monotonic()
    target = _archive_path(destination)
    target.parent.mkdir(parents=True, exist_ok=True)
    engine = connection.vendor
    if engine not in DATABASE_MEMBERS:
        raise BackupError(f"不支持备份 {engine} 数据库，只支持 SQLite 和 PostgreSQL。")
    # Work next to the archive: the same disk, and a rename that is atomic.
    with tempfile.TemporaryDirectory(
        dir=target.parent, prefix=".plansite-backup-"
    ) as work:
        copy = Path(work) / DATABASE_MEMBERS[engine]
        if engine == "sqlite":
            facts = sqlite.snapshot(Path(connection.settings_dict["NAME"]), copy)
        else:
            facts = postgres.snapshot(copy)
        partial = Path(work) / f"{target.name}.partial"
        # Listed after the database's snapshot: every original a row of it
        # names is in the store by now.
        manifest = write_archive(
            partial,
            copy,
            engine=engine,
            facts=facts,
            attachments=list(attachment_store.iter_stored()),
            warc_files=list(iter_warc_files()),
        )
        if target.exists():
            raise BackupError(f"{target} 已存在，不覆盖。")
        partial.replace(target)
    _fsync_dir(target.parent)
    return BackupResult(
        path=target,
        manifest=manifest,
        bytes=target.stat().st_size,
        seconds=time.monotonic() - started,
    )


def verify_backup(source: Path) -> Manifest:
    """Check an archive without touching any database: the checksums, then the
    database member itself (SQLite's integrity check, or pg_restore -l)."""
    folder = Path(settings.BACKUP_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    # Unpacked in the backup folder: /tmp may be too small (or in memory).
    with unpacked(Path(source).expanduser(), folder) as (manifest, database):
        if manifest.engine == "sqlite":
            sqlite.facts(database)
        else:
            postgres.check(database, manifest)
    return manifest


def restore_backup(*, source: Path, force: bool = False) -> RestoreResult:
    """Restore an archive onto the configured database, migrate it, and rebuild
    the search index from the restored documents.

    The database is changed only once the archive's checksums match, it comes
    from the same engine and from a schema this code knows, and the database
    holds no documents (or ``force``).
    """
    started = time.monotonic()
    engine = connection.vendor
    with unpacked(Path(source).expanduser(), _work_dir(engine)) as (manifest, dump):
        if manifest.engine != engine:
            raise BackupError(
                f"该备份来自 {ENGINE_NAMES.get(manifest.engine, manifest.engine)}，"
                f"当前数据库是 {ENGINE_NAMES.get(engine, engine)}：不支持跨引擎恢复，"
                "数据库未改动（见 docs/runbook.md）。"
            )
        _check_schema_known(manifest)
        present = _documents_present()
        if present and not force:
            raise BackupError(
                f"当前数据库已有 {present} 篇文档，恢复会覆盖它们，数据库未改动。"
                "确要覆盖请先备份当前数据库，再加 --force。"
            )
        # Originals first: a restored row never names a file not yet here.
        warc_files = _restore_warc_files(dump.parent / WARC, force=force)
        attachments = _restore_attachments(dump.parent / ATTACHMENTS)
        if engine == "sqlite":
            connection.close()
            sqlite.restore(dump, Path(connection.settings_dict["NAME"]))
        else:
            postgres.restore(dump, manifest)
    connection.close()
    # Counted before migrate, which may merge or drop rows of an older schema.
    restored = Document.objects.count()
    if restored != manifest.documents:
        raise BackupError(
            f"恢复后有 {restored} 篇文档，备份清单记的是 {manifest.documents} 篇。"
        )
    before = _applied()
    call_command("migrate", interactive=False, verbosity=0)
    applied = sorted(f"{app}.{name}" for app, name in _applied() - before)
    restore_seconds = time.monotonic() - started
    indexed = _rebuild_index()
    return RestoreResult(
        manifest=manifest,
        attachments=attachments,
        documents=Document.objects.count(),
        source_paths=SourcePath.objects.count(),
        indexed=indexed,
        migrations_applied=applied,
        restore_seconds=restore_seconds,
        index_seconds=time.monotonic() - started - restore_seconds,
        warc_files=warc_files,
    )


def iter_warc_files() -> Iterator[tuple[Path, str]]:
    """Each file under WARC_DIR and its member name, in a stable order. A file
    whose name a restore would refuse (a dot file, an odd name) is left out,
    with a warning in the log: the harvest writes none."""
    root = Path(settings.WARC_DIR)
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        relative = path.relative_to(root).as_posix()
        name = warc_member_name(relative)
        if name is None:
            logger.warning("not backed up: %s (a name a restore would refuse)", path)
            continue
        yield path, name


def _restore_warc_files(folder: Path, *, force: bool) -> int:
    """Put an archive's WARC files (checksums checked already) into WARC_DIR.

    A file there of the same name and other bytes is kept, and the restore
    refused, unless ``force``: a harvest of this machine wrote it.
    """
    if not folder.is_dir():
        return 0  # A backup made before WARC files were backed up.
    root = Path(settings.WARC_DIR)
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    placed = [(path, root / path.relative_to(folder)) for path in files]
    conflicts = [
        str(target.relative_to(root))
        for path, target in placed
        if target.exists() and not _same_bytes(path, target)
    ]
    if conflicts and not force:
        raise BackupError(
            f"WARC 目录中已有同名而内容不同的文件：{', '.join(conflicts[:5])}，"
            "数据库未改动。确要覆盖请加 --force。"
        )
    for path, target in placed:
        if target.exists() and _same_bytes(path, target):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        # Beside the target, then renamed: never a half-copied WARC file.
        partial = target.with_name(f".{target.name}.partial")
        shutil.copyfile(path, partial)
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        partial.replace(target)
        _fsync_dir(target.parent)
    return len(placed)


def _same_bytes(one: Path, other: Path) -> bool:
    if one.stat().st_size != other.stat().st_size:
        return False
    return _sha256(one) == _sha256(other)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _restore_attachments(folder: Path) -> int:
    """Put an archive's originals into the attachment store (checked against
    their names); how many there were."""
    if not folder.is_dir():
        return 0
    count = 0
    for path in sorted(folder.iterdir()):
        if not attachment_store.put_verified(path, path.name):
            raise BackupError(f"备份已损坏：附件原件 {path.name} 与其校验和不符。")
        count += 1
    return count


def _archive_path(destination: Path | None) -> Path:
    if destination is None:
        return default_destination()
    destination = Path(destination).expanduser().absolute()
    if destination.is_dir():
        return destination / default_destination().name
    if destination.exists():
        raise BackupError(f"{destination} 已存在，不覆盖。")
    return destination


def _work_dir(engine: str) -> Path:
    """Unpack next to the SQLite file (its disk must hold it anyway), else in
    the backup folder."""
    if engine == "sqlite":
        folder = Path(connection.settings_dict["NAME"]).parent
    else:
        folder = Path(settings.BACKUP_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _check_schema_known(manifest: Manifest) -> None:
    """Refuse an archive from newer code: migrate could not bring it up to date."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    apps = {app for app, _ in known}
    unknown = [
        f"{app}.{name}"
        for app, names in manifest.migrations.items()
        if app in apps
        for name in names
        if (app, name) not in known
    ]
    if unknown:
        raise BackupError(
            f"备份的数据库结构比本程序新（本程序没有迁移 {', '.join(unknown[:5])}），"
            "数据库未改动：请用备份时的版本或更新的版本恢复。"
        )


def _documents_present() -> int:
    if Document._meta.db_table not in connection.introspection.table_names():
        return 0
    return Document.objects.count()


def _applied() -> set[tuple[str, str]]:
    recorder = MigrationRecorder(connection)
    return set(recorder.applied_migrations()) if recorder.has_table() else set()


def _rebuild_index() -> int:
    """Through the services of the apps that own the index (never reimplemented)."""
    from documents.services import refresh_statistics
    from search.outbox import flush_pending_index_writes
    from search.services import IndexBusy, rebuild_index

    refresh_statistics()
    try:
        count = rebuild_index()
        # Edits queued when the backup was taken are in the rebuild already.
        flush_pending_index_writes()
    except IndexBusy as error:
        raise BackupError(
            f"数据库已恢复，但检索索引正被别的进程写入，未能重建（{error}）。"
            "请稍后运行 manage.py rebuild_index --noinput。"
        ) from None
    return count


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
