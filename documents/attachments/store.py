"""The attachment store: each original once, under ATTACHMENT_DIR by its SHA-256.

Files are written to a temporary name in the same folder, flushed to disk and
renamed into place, so a crash leaves either the whole file or none of it
(a stray ``.tmp-*`` at worst, which ``put`` never reads). A file is never
rewritten: the same hash is the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Stored:
    sha256: str
    size: int


def root() -> Path:
    return Path(settings.ATTACHMENT_DIR)


def path_for(sha256: str) -> Path:
    """Where the bytes with this hash are (or would be): ab/cd/abcd…"""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a SHA-256: {sha256!r}")
    return root() / sha256[:2] / sha256[2:4] / sha256


def exists(sha256: str) -> bool:
    return path_for(sha256).is_file()


def open_original(sha256: str) -> BinaryIO:
    """The stored bytes, for reading; FileNotFoundError when they are not here."""
    return path_for(sha256).open("rb")


def put_file(source: Path) -> Stored:
    """Store a file's bytes (streamed, never all in memory) and return their hash."""
    with source.open("rb") as src:
        return put_stream(src)


def put_stream(src: BinaryIO) -> Stored:
    """Store what a binary file object holds (an upload) and return its hash."""
    folder = root() / "incoming"
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    handle, temp_name = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        return _settle(Path(temp_name), digest.hexdigest(), size)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def put_bytes(data: bytes) -> Stored:
    """Store bytes held in memory and return their hash."""
    sha256 = hashlib.sha256(data).hexdigest()
    if exists(sha256):
        return Stored(sha256, len(data))
    folder = root() / "incoming"
    folder.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=".tmp-", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        return _settle(Path(temp_name), sha256, len(data))
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, streamed (to compare before storing)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def iter_stored() -> Iterator[Path]:
    """Every original in the store (not the temporary files of a write)."""
    base = root()
    if not base.is_dir():
        return
    for path in sorted(base.glob("??/??/*")):
        name = path.name
        if (
            path.is_file()
            and len(name) == 64
            and all(c in "0123456789abcdef" for c in name)
            and path.parent.parent.name == name[:2]
            and path.parent.name == name[2:4]
        ):
            yield path


def put_verified(source: Path, sha256: str) -> bool:
    """Copy ``source`` into the store as ``sha256`` (a restore); False when its
    bytes do not have that hash. An original already there is left alone."""
    if exists(sha256):
        return True
    if file_sha256(source) != sha256:
        return False
    put_file(source)
    return True


def _settle(temp: Path, sha256: str, size: int) -> Stored:
    """Move a written temporary file to its hash's place (or drop it: already there)."""
    target = path_for(sha256)
    if target.is_file():
        temp.unlink(missing_ok=True)
        return Stored(sha256, size)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp.chmod(0o444)
    temp.replace(target)
    _fsync_dir(target.parent)
    return Stored(sha256, size)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
