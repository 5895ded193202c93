"""The archive file: one tar with the database member, the attachment store's
originals (attachments/<sha256>), the web archives of WARC_DIR (warc/<path>),
then manifest.json."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tarfile
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from documents.export import app_version
from documents.ingest.pipeline import PIPELINE_VERSION

FORMAT = "plansite-backup"
# 2 added the warc/ members; a version 1 archive (none) is read as before.
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# One member per original of the attachment store, named by its SHA-256.
ATTACHMENTS = "attachments"
_ATTACHMENT_MEMBER = re.compile(r"^attachments/([0-9a-f]{64})$")
# The WARC files, by their path under WARC_DIR (<source>/<file>.warc.gz): a name
# from the archive, so only plain names, no dot files, no climbing out.
WARC = "warc"
_WARC_PART = r"[A-Za-z0-9_][A-Za-z0-9._+-]{0,199}"
_WARC_MEMBER = re.compile(rf"^{WARC}/((?:{_WARC_PART}/){{0,3}}{_WARC_PART})$")


def warc_member_name(relative: str) -> str | None:
    """The member name of a file at ``relative`` under WARC_DIR, or None when
    its name is not one a restore would accept."""
    name = f"{WARC}/{relative}"
    match = _WARC_MEMBER.match(name)
    if match is None or any(part in (".", "..") for part in relative.split("/")):
        return None
    return name


ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator."""


@dataclass(frozen=True)
class Facts:
    """What a database snapshot holds, read inside the snapshot itself."""

    migrations: dict[str, list[str]]
    documents: int
    source_paths: int
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Manifest:
    """What an archive says about itself (manifest.json)."""

    created_at: str
    engine: str
    members: dict[str, dict[str, Any]]
    migrations: dict[str, list[str]]
    documents: int
    source_paths: int
    pipeline_version: str
    app_version: str
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def database_member(self) -> str:
        return DATABASE_MEMBERS[self.engine]

    def as_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "format_version": FORMAT_VERSION, **vars(self)}

    @classmethod
    def from_json(cls, data: Any) -> Manifest:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise BackupError("不是 plansite 的备份：manifest.json 的 format 不对。")
        if data.get("format_version") not in READABLE_VERSIONS:
            raise BackupError(
                f"本程序不认识备份格式版本 {data.get('format_version')!r}"
                f"（认识 {FORMAT_VERSION}）。"
            )
        names = [name for name in cls.__dataclass_fields__ if name != "details"]
        missing = [name for name in names if name not in data]
        if missing:
            raise BackupError(f"manifest.json 缺少字段：{', '.join(missing)}。")
        manifest = cls(
            **{name: data[name] for name in names}, details=data.get("details") or {}
        )
        if manifest.engine not in DATABASE_MEMBERS:
            raise BackupError(f"不支持备份里的数据库引擎 {manifest.engine!r}。")
        return manifest


def write_archive(
    path: Path,
    database: Path,
    *,
    engine: str,
    facts: Facts,
    attachments: Iterable[Path] = (),
    warc_files: Iterable[tuple[Path, str]] = (),
) -> Manifest:
    """Write the tar (the database, the attachment originals, the WARC files,
    then the manifest with every member's checksum), fsynced.

    ``attachments`` are files of the attachment store, each named by its hash;
    the database was copied before they are listed, so every row's original
    is among them (the store is written before the row that names it, and
    never loses a file). ``warc_files`` are (file, member name) pairs
    (warc_member_name); a file still being written is taken as far as it was
    when listed (its writer only appends).
    """
    member = DATABASE_MEMBERS[engine]
    with path.open("wb") as raw:
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            info = tar.gettarinfo(str(database), arcname=member)
            with database.open("rb") as handle:
                hashing = _HashingReader(handle)
                tar.addfile(info, hashing)
            members = {member: {"sha256": hashing.hexdigest(), "bytes": info.size}}
            for original in attachments:
                name = f"{ATTACHMENTS}/{original.name}"
                info = tar.gettarinfo(str(original), arcname=name)
                info.mode = 0o444
                with original.open("rb") as handle:
                    hashing = _HashingReader(handle)
                    tar.addfile(info, hashing)
                members[name] = {"sha256": hashing.hexdigest(), "bytes": info.size}
            attachment_files = len(members) - 1
            for path, name in warc_files:
                info = tar.gettarinfo(str(path), arcname=name)
                info.mode = 0o444
                with path.open("rb") as handle:
                    hashing = _HashingReader(handle)
                    tar.addfile(info, hashing)
                members[name] = {"sha256": hashing.hexdigest(), "bytes": info.size}
            details = dict(facts.details)
            details["attachment_files"] = attachment_files
            details["warc_files"] = len(members) - 1 - attachment_files
            manifest = Manifest(
                created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                engine=engine,
                members=members,
                migrations=facts.migrations,
                documents=facts.documents,
                source_paths=facts.source_paths,
                pipeline_version=PIPELINE_VERSION,
                app_version=app_version(),
                details=details,
            )
            data = json.dumps(manifest.as_json(), ensure_ascii=False, indent=2)
            encoded = data.encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(encoded), int(time.time()), 0o644
            tar.addfile(info, _BytesReader(encoded))
        raw.flush()
        os.fsync(raw.fileno())
    return manifest


@contextmanager
def unpacked(source: Path, work_dir: Path | None = None) -> Iterator[tuple]:
    """Unpack the database member (and the attachment originals, into
    ``attachments/`` beside it, the WARC files into ``warc/``) into a
    temporary folder, checking every
    checksum on the way; yields (manifest, path of the member) only when the
    archive is whole. The folder is removed afterwards."""
    if not source.is_file():
        raise BackupError(f"找不到备份文件 {source}。")
    with tempfile.TemporaryDirectory(dir=work_dir, prefix=".plansite-restore-") as tmp:
        digests, manifest_data = _read_members(source, Path(tmp))
        if manifest_data is None:
            raise BackupError("备份不完整：没有 manifest.json（文件被截断？）。")
        try:
            manifest = Manifest.from_json(json.loads(manifest_data))
        except ValueError as error:
            raise BackupError(f"manifest.json 无法读取：{error}") from None
        expected = {
            name: (meta.get("sha256"), meta.get("bytes"))
            for name, meta in manifest.members.items()
        }
        if set(digests) != set(expected) or manifest.database_member not in digests:
            raise BackupError(
                f"备份成员与清单不符：有 {sorted(digests)}，"
                f"清单列的是 {sorted(expected)}。"
            )
        for name, (digest, size) in digests.items():
            if (digest, size) != expected[name]:
                raise BackupError(
                    f"备份已损坏：{name} 的 sha256 校验和不符"
                    f"（读到 {size} 字节，清单记 {expected[name][1]} 字节）。"
                )
        yield manifest, Path(tmp) / manifest.database_member


def _read_members(
    source: Path, folder: Path
) -> tuple[dict[str, tuple[str, int]], bytes | None]:
    """Copy the database member out, hashing it; the manifest's bytes."""
    digests: dict[str, tuple[str, int]] = {}
    manifest_data = None
    try:
        with tarfile.open(source, mode="r:") as tar:
            for info in tar:
                # Only the names this module writes; nothing is extracted by a
                # name taken from the archive but a hash it checks.
                original = _ATTACHMENT_MEMBER.match(info.name)
                warc = warc_member_name(info.name[len(WARC) + 1 :])
                web_archive = info.name.startswith(f"{WARC}/") and warc == info.name
                known = (
                    info.name == MANIFEST
                    or info.name in DATABASE_MEMBERS.values()
                    or original is not None
                    or web_archive
                )
                seen = info.name in digests or (
                    info.name == MANIFEST and manifest_data is not None
                )
                if not info.isfile() or not known or seen:
                    raise BackupError(f"备份里有意外的成员 {info.name!r}。")
                handle = tar.extractfile(info)
                if handle is None:
                    raise BackupError(f"备份成员 {info.name!r} 无法读取。")
                if info.name == MANIFEST:
                    manifest_data = handle.read()
                elif original is not None:
                    (folder / ATTACHMENTS).mkdir(exist_ok=True)
                    digests[info.name] = _copy_hashed(handle, folder / info.name)
                    if digests[info.name][0] != original.group(1):
                        raise BackupError(
                            f"备份已损坏：{info.name} 的内容与其校验和不符。"
                        )
                elif web_archive:
                    # Checked against the manifest once it is read (at the end).
                    target = folder / info.name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    digests[info.name] = _copy_hashed(handle, target)
                else:
                    digests[info.name] = _copy_hashed(handle, folder / info.name)
    except (tarfile.TarError, EOFError) as error:
        raise BackupError(f"备份文件已损坏或不完整：{error}") from None
    return digests, manifest_data


def _copy_hashed(handle: IO[bytes], target: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with target.open("wb") as out:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


class _HashingReader:
    """A file object that hashes what tarfile reads from it."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self._hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self._hash.update(data)
        return data

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


class _BytesReader:
    def __init__(self, data: bytes) -> None:
        self._data, self._at = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else self._at + size
        data, self._at = self._data[self._at : end], min(end, len(self._data))
        return data
