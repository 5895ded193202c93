"""Append HTTP exchanges to WARC files (warcio), one gzip member per record."""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import os
import socket
import threading
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from django.conf import settings
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

if TYPE_CHECKING:
    from documents.harvest.fetch import Exchange

logger = logging.getLogger(__name__)

WARC_VERSION = "WARC/1.1"
SOFTWARE = "plansite harvest (warcio)"
# Hop-by-hop framing that httpx has already undone: the stored body is
# de-chunked, so a "Transfer-Encoding: chunked" header would make readers
# try to de-chunk it again. Kept under another name, as pywb and
# Browsertrix do.
_RENAMED_HEADERS = {"transfer-encoding": "X-Archive-Orig-Transfer-Encoding"}


@dataclass(frozen=True)
class WarcLocation:
    """Where a record is: file relative to WARC_DIR, byte offset and length."""

    file: str
    offset: int
    length: int
    record_id: str


@dataclass(frozen=True)
class RevisitOf:
    """The earlier capture a revisit record points to (same payload)."""

    url: str
    date: datetime | None = None


def warc_date(moment: datetime) -> str:
    """A WARC-Date in UTC with microseconds (WARC/1.1)."""
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return datetime_to_iso_date(utc, use_micros=True)


def payload_digest(data: bytes) -> str:
    """The WARC-Payload-Digest warcio writes for these bytes (sha1, base32)."""
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode("ascii")


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path(settings.WARC_DIR).resolve()))
    except ValueError:
        # Outside WARC_DIR (a test or a one-off directory): the full path.
        return str(path)


class WarcJournal:
    """WARC files under one directory, written record by record and fsynced.

    Files are ``<directory>/<prefix>-<UTC yyyymmddHHMMSS>-<n>.warc.gz``, each
    starting with a warcinfo record. A journal never appends to a file it did
    not create, and rolls to a new file once one passes ``max_file_bytes``.
    Thread-safe: one lock around each exchange.
    """

    def __init__(
        self, directory: Path, *, prefix: str, max_file_bytes: int | None = None
    ) -> None:
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_file_bytes = (
            max_file_bytes
            if max_file_bytes is not None
            else settings.PLANSITE_WARC_FILE_BYTES
        )
        self._lock = threading.Lock()
        self._started = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        self._serial = 0
        self._out: BinaryIO | None = None
        self._path: Path | None = None
        self._name = ""  # the current file, relative to WARC_DIR
        self._writer: WARCWriter | None = None
        self._files: list[str] = []

    @property
    def files(self) -> list[str]:
        """The files written so far, relative to WARC_DIR."""
        return list(self._files)

    def write_exchange(
        self, exchange: Exchange, *, revisit_of: RevisitOf | None = None
    ) -> WarcLocation:
        """Append a response (or revisit) record and its request record.

        Returns where the response or revisit record is, once both records
        are on disk (flushed and fsynced).
        """
        with self._lock:
            self._ensure_file()
            assert self._out is not None and self._writer is not None
            assert self._path is not None
            response = self._response_record(exchange, revisit_of)
            response_id = response.rec_headers.get_header("WARC-Record-ID")
            request = self._request_record(exchange, response_id)
            offset = self._out.tell()
            self._writer.write_record(response)
            length = self._out.tell() - offset
            self._writer.write_record(request)
            self._sync()
            location = WarcLocation(
                file=self._name,
                offset=offset,
                length=length,
                record_id=response_id,
            )
            if self._out.tell() >= self.max_file_bytes:
                self._close_file()
            return location

    def close(self) -> None:
        """Close the current file; a later write opens a new one."""
        with self._lock:
            self._close_file()

    def __enter__(self) -> WarcJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Files

    def _ensure_file(self) -> None:
        if self._out is not None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        while True:
            name = f"{self.prefix}-{self._started}-{self._serial}.warc.gz"
            self._serial += 1
            path = self.directory / name
            try:
                # "x": never append to a file another journal (or a killed
                # run) left behind.
                out = path.open("xb")
            except FileExistsError:
                continue
            break
        self._out = out
        self._path = path
        self._writer = WARCWriter(out, gzip=True, warc_version=WARC_VERSION)
        self._name = _relative(path)
        self._files.append(self._name)
        info = self._writer.create_warcinfo_record(
            name,
            {
                "software": SOFTWARE,
                "format": "WARC File Format 1.1",
                "conformsTo": "https://iipc.github.io/warc-specifications/"
                "specifications/warc-format/warc-1.1/",
                "hostname": socket.gethostname(),
                "isPartOf": self.prefix,
            },
        )
        self._writer.write_record(info)
        self._sync()

    def _close_file(self) -> None:
        if self._out is None:
            return
        self._sync()
        self._out.close()
        self._out = None
        self._writer = None
        self._path = None

    def _sync(self) -> None:
        assert self._out is not None
        self._out.flush()
        os.fsync(self._out.fileno())

    # Records

    def _response_record(self, exchange: Exchange, revisit_of: RevisitOf | None):
        assert self._writer is not None
        status = f"{exchange.status} {exchange.reason}".strip()
        headers = [
            (_RENAMED_HEADERS.get(name.lower(), name), value)
            for name, value in exchange.headers
        ]
        http_headers = StatusAndHeaders(
            status, headers, protocol=exchange.http_version or "HTTP/1.1"
        )
        warc_headers = {"WARC-Date": warc_date(exchange.captured_at)}
        if exchange.peer:
            warc_headers["WARC-IP-Address"] = exchange.peer
        if exchange.truncated:
            warc_headers["WARC-Truncated"] = exchange.truncated
        if revisit_of is not None:
            refers_to_date = warc_date(revisit_of.date) if revisit_of.date else ""
            record = self._writer.create_revisit_record(
                exchange.url,
                payload_digest(exchange.raw_body),
                revisit_of.url,
                refers_to_date,
                http_headers=http_headers,
                warc_headers_dict=warc_headers,
            )
            if not refers_to_date:
                # No earlier date known: leave the optional header out.
                record.rec_headers.remove_header("WARC-Refers-To-Date")
            return record
        return self._writer.create_warc_record(
            exchange.url,
            "response",
            payload=io.BytesIO(exchange.raw_body),
            length=len(exchange.raw_body),
            http_headers=http_headers,
            warc_headers_dict=warc_headers,
        )

    def _request_record(self, exchange: Exchange, response_id: str):
        assert self._writer is not None
        target = exchange.request_target or "/"
        http_headers = StatusAndHeaders(
            f"{exchange.method} {target} {exchange.http_version or 'HTTP/1.1'}",
            list(exchange.request_headers),
            is_http_request=True,
        )
        warc_headers = {
            "WARC-Date": warc_date(exchange.captured_at),
            "WARC-Concurrent-To": response_id,
        }
        if exchange.peer:
            warc_headers["WARC-IP-Address"] = exchange.peer
        return self._writer.create_warc_record(
            exchange.url,
            "request",
            payload=io.BytesIO(b""),
            length=0,
            http_headers=http_headers,
            warc_headers_dict=warc_headers,
        )


# Repair after kill -9


def _gzip_member_ends(path: Path) -> set[int] | None:
    """Offsets where complete gzip members end; None if the file is not gzip."""
    ends: set[int] = set()
    with path.open("rb") as f:
        if f.read(2) != b"\x1f\x8b":
            return None
        f.seek(0)
        position = 0  # file offset of the first byte of `chunk`
        decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
        chunk = b""
        while True:
            if not chunk:
                chunk = f.read(1024 * 1024)
                if not chunk:
                    return ends
            try:
                decompressor.decompress(chunk)
            except zlib.error:
                return ends
            if not decompressor.eof:
                position += len(chunk)
                chunk = b""
                continue
            unused = decompressor.unused_data
            position += len(chunk) - len(unused)
            ends.add(position)
            chunk = unused
            decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)


def _complete_end(path: Path) -> int:
    """The offset just past the last record that is whole, from the start."""
    member_ends = _gzip_member_ends(path)
    good_end = 0
    with path.open("rb") as f:
        iterator = ArchiveIterator(f)
        try:
            for record in iterator:
                # The block less the HTTP headers warcio has already parsed.
                declared = (record.length or 0) - (
                    record.http_headers.total_len if record.http_headers else 0
                )
                read = 0
                while True:
                    buf = record.raw_stream.read(65536)
                    if not buf:
                        break
                    read += len(buf)
                if read < declared:
                    break
                offset = iterator.get_record_offset()
                end = offset + iterator.get_record_length()
                if member_ends is not None:
                    if end not in member_ends:
                        break
                else:
                    # Uncompressed: the two CRLFs after the block belong
                    # to the record, but warcio leaves them out of its length.
                    f_pos = f.tell()
                    f.seek(end)
                    tail = f.read(4)
                    f.seek(f_pos)
                    if tail != b"\r\n\r\n":
                        break
                    end += 4
                good_end = end
        except Exception as error:  # a cut header or member: stop there
            logger.info("WARC %s unreadable past %d: %s", path, good_end, error)
    return good_end


def repair(path: Path) -> int:
    """Cut a killed writer's partial last record; return the bytes cut.

    Keeps every record that is whole from the start of the file (for .warc.gz
    also a whole gzip member) and truncates after the last of them. 0 if the
    file was whole.
    """
    path = Path(path)
    size = path.stat().st_size
    end = _complete_end(path)
    if end >= size:
        return 0
    with path.open("r+b") as f:
        f.truncate(end)
        f.flush()
        os.fsync(f.fileno())
    logger.warning("WARC %s: cut %d bytes of a partial record", path, size - end)
    return size - end
