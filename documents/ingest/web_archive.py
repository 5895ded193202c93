"""Read web archives (.warc, .warc.gz, .wacz): captured pages and their attachments.

An archive is read record by record and never whole: a first pass notes
where each usable record starts (its URL, type, status, payload digest), a
second reads each document page's payload, within the per-document size
limit, and spools the attachments it links to (records of the same archive)
to temporary files under VAR_DIR, deleted once the page has been handed on.
A record that cannot be read (bad gzip, cut short) is reported and the rest
of the archive goes on. A WACZ is a ZIP: its ``archive/*.warc*`` members are
read the same way, after the checks the attachment bundles get (names,
member count, compression ratio).
"""

from __future__ import annotations

import contextlib
import logging
import re
import tempfile
import zipfile
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, TYPE_CHECKING
from urllib.parse import unquote, unquote_to_bytes, urldefrag, urljoin, urlsplit

from bs4 import BeautifulSoup
from django.conf import settings
from warcio.archiveiterator import ArchiveIterator
from warcio.timeutils import iso_date_to_datetime

from documents import identity
from documents.attachments import kinds
from documents.attachments.bundles import MAX_RATIO, safe_name, zip_member_name
from documents.attachments.ingest import AttachmentFile
from documents.harvest.links import script_paths
from documents.ingest.pathtext import path_text

if TYPE_CHECKING:
    from documents.ingest.pipeline import ImportSummary, ItemResult

logger = logging.getLogger(__name__)

WEB_ARCHIVE_SUFFIXES = (".warc", ".warc.gz", ".wacz")
_CHUNK = 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b\x08"
# After a damaged gzip member, how many times the reader looks for the next one.
_MAX_RESYNCS = 1000
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_REDIRECTS = 10
# Media types of attachments whose URL names no kind (download scripts).
_KIND_BY_MEDIA_TYPE = {kind.media_type: kind for kind in reversed(kinds.KINDS)}
_FILENAME = re.compile(
    r"filename\*\s*=\s*UTF-8'[^']*'([^;]+)|filename\s*=\s*\"?([^\";]+)\"?",
    re.IGNORECASE,
)


def is_web_archive(path: Path) -> bool:
    """A WARC file (plain or gzipped) or a WACZ, by its name."""
    return path.name.lower().endswith(WEB_ARCHIVE_SUFFIXES)


@dataclass(frozen=True)
class RejectedItem:
    """A record of the archive that gives no page, and why.

    ``revisit`` marks a revisit record whose earlier payload is not in this
    archive: the page was captured unchanged (the importer looks it up).
    """

    locator: str
    reason: str
    url: str = ""
    revisit: bool = False
    captured_at: datetime | None = None


@dataclass
class CapturedPage:
    """One HTML page captured with status 200, and the attachments it links to."""

    url: str
    captured_at: datetime
    status: int
    content_type: str
    body: bytes
    archive: str
    record_id: str
    attachments: list[AttachmentFile] = field(default_factory=list)
    # "name: reason" for each linked attachment that could not be taken.
    attachment_problems: list[str] = field(default_factory=list)

    @property
    def source_file(self) -> str:
        return f"{self.archive}#{self.record_id}"


@dataclass
class _Entry:
    """Where a usable record starts, and what its headers say."""

    stream: int  # which WARC stream of the archive (a WACZ has several)
    offset: int
    rec_type: str
    url: str
    record_id: str
    date: str
    status: int
    content_type: str
    disposition: str = ""
    payload_digest: str = ""
    # A redirect's target (absolute); a revisit's WARC-Refers-To URI and date.
    location: str = ""
    refers_to: tuple[str, str] = ("", "")


def read_web_archive(
    path: Path | Sequence[Path], *, urls: Collection[str] | None = None
) -> Iterator[CapturedPage | RejectedItem]:
    """Each document page captured in the archive at ``path``, in record order.

    ``path`` may be several archives read as one (a harvest's files, oldest
    first): a page's attachments are then found in any of them, as when a run
    was resumed, or a file rolled over, between a page and its attachments.
    Only pages among ``urls`` when given (compared as identity compares URLs).
    A page's attachments are spooled to temporary files that are deleted when
    the next item is asked for (or the iterator is closed): the caller reads
    them before.
    """
    paths = [path] if isinstance(path, Path) else [Path(p) for p in path]
    wanted = (
        {identity.normalise_url(u) or u for u in urls} if urls is not None else None
    )
    with contextlib.ExitStack() as stack:
        streams: list[tuple[str, IO[bytes]]] = []
        names: list[str] = []  # the archive each stream belongs to
        for one in paths:
            try:
                opened = _open_streams(one, stack)
            except _Refused as refused:
                yield RejectedItem(one.name, refused.reason)
                continue
            streams.extend(opened)
            names.extend(one.name for _ in opened)
        entries: list[_Entry] = []
        for number, (label, stream) in enumerate(streams):
            for found in _scan(stream, number, label=f"{names[number]}{label}"):
                if isinstance(found, RejectedItem):
                    yield found
                else:
                    entries.append(found)
        yield from _pages(entries, streams, names=names, wanted=wanted)


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _open_streams(
    path: Path, stack: contextlib.ExitStack
) -> list[tuple[str, IO[bytes]]]:
    """The archive's WARC streams, each seekable: the file itself, or a WACZ's
    members (a stored member read in place, a compressed one spooled)."""
    try:
        handle = stack.enter_context(path.open("rb"))
    except OSError as exc:
        raise _Refused(f"无法读取 (cannot read): {exc.strerror or exc}") from None
    if not path.name.lower().endswith(".wacz"):
        return [("", handle)]
    try:
        bundle = stack.enter_context(zipfile.ZipFile(handle))
        infos = bundle.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _Refused(f"WACZ 文件已损坏 (corrupt WACZ: {exc})") from None
    limit = settings.PLANSITE_BUNDLE_MAX_MEMBERS
    if len(infos) > limit * 4:
        raise _Refused(f"WACZ 内文件过多 (more than {limit * 4} members)")
    streams: list[tuple[str, IO[bytes]]] = []
    for info in infos:
        try:
            name = safe_name(zip_member_name(info))
        except Exception as exc:  # ExtractionRejected: a name that climbs out
            raise _Refused(f"WACZ 成员名不安全 (unsafe member name: {exc})") from None
        parts = PurePosixPath(name).parts
        if info.is_dir() or not parts or parts[0] != "archive":
            continue
        if not name.lower().endswith((".warc", ".warc.gz")):
            continue
        if info.flag_bits & 0x1:
            raise _Refused(f"WACZ 成员已加密 (encrypted member): {name}")
        label = f"#{name}"
        if info.compress_type == zipfile.ZIP_STORED:
            streams.append((label, _Window(handle, _data_offset(handle, info), info)))
            continue
        if info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _Refused(f"WACZ 成员压缩比异常，疑似压缩炸弹 (zip bomb): {name}")
        streams.append((label, _spool_member(bundle, info, stack)))
    if not streams:
        raise _Refused("WACZ 中没有 WARC 文件 (no archive/*.warc in the WACZ)")
    return streams


def _data_offset(handle: IO[bytes], info: zipfile.ZipInfo) -> int:
    """Where a stored member's bytes start: after its local header."""
    handle.seek(info.header_offset)
    header = handle.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise _Refused("WACZ 文件已损坏 (bad local header)")
    name_length = int.from_bytes(header[26:28], "little")
    extra_length = int.from_bytes(header[28:30], "little")
    return info.header_offset + 30 + name_length + extra_length


class _Window:
    """A stored ZIP member read in place: seekable, bounded to its bytes."""

    def __init__(self, handle: IO[bytes], start: int, info: zipfile.ZipInfo) -> None:
        self._handle = handle
        self._start = start
        self._size = info.file_size
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        left = self._size - self._pos
        if size is None or size < 0 or size > left:
            size = left
        if size <= 0:
            return b""
        self._handle.seek(self._start + self._pos)
        data = self._handle.read(size)
        self._pos += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        left = self._size - self._pos
        if size is None or size < 0 or size > left:
            size = left
        self._handle.seek(self._start + self._pos)
        data = self._handle.readline(size)
        self._pos += len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:  # The ZIP file is closed by its owner.
        pass


def _spool_member(
    bundle: zipfile.ZipFile, info: zipfile.ZipInfo, stack: contextlib.ExitStack
) -> IO[bytes]:
    """A compressed WARC member, copied out so that it can be read by offset."""
    # Closed (and so deleted) by the caller's stack, with the archive.
    spool = stack.enter_context(tempfile.TemporaryFile(dir=_temp_root()))  # noqa: SIM115
    written = 0
    try:
        with bundle.open(info) as source:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                if written > info.file_size:  # headers can lie
                    raise _Refused(
                        "WACZ 成员大小与目录不符 (member larger than stated)"
                    )
                spool.write(chunk)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
        raise _Refused(f"WACZ 成员已损坏 (corrupt member: {exc})") from None
    spool.seek(0)
    return spool


def _temp_root() -> Path:
    root = Path(settings.VAR_DIR) / "tmp"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _scan(
    stream: IO[bytes], number: int, *, label: str
) -> Iterator[_Entry | RejectedItem]:
    """Every record's headers, its payload read through (not kept) to find a cut.

    A record that cannot be read is reported, and reading goes on at the next
    record found after it (the next gzip member, or the next "WARC/1." line).
    """
    stream.seek(0)
    marker = _GZIP_MAGIC if stream.read(2) == _GZIP_MAGIC[:2] else b"WARC/1."
    start = 0
    for _attempt in range(_MAX_RESYNCS):
        stream.seek(start)
        iterator = ArchiveIterator(stream)
        good: int | None = None  # the last record read whole in this attempt
        current: int | None = None  # the record being read
        reason = ""
        try:
            for record in iterator:
                current = iterator.get_record_offset()
                entry = _entry(record, number, current)
                # A harvester that met its size cap keeps what it read and says
                # so (WARC-Truncated): a cut PDF or page is no document.
                truncated = record.rec_headers.get_header("WARC-Truncated") or ""
                cut = _drain(record)
                if cut:
                    # warcio ends a record whose gzip data is damaged early
                    # (it says so on stderr only): as a cut, it is short.
                    yield RejectedItem(
                        f"{label}@{current}",
                        "记录不完整（档案被截断或损坏）(record cut short or "
                        f"unreadable: {cut} bytes missing)",
                        url=entry.url if entry else "",
                    )
                    break
                good, current = current, None
                if entry is not None and truncated:
                    yield RejectedItem(
                        entry.url,
                        "采集时已截断，内容不完整 (record truncated at capture: "
                        f"{truncated[:40]})",
                        url=entry.url,
                    )
                elif entry is not None:
                    yield entry
            else:
                return
        except Exception as exc:  # ArchiveLoadFailed, zlib.error, EOFError, …
            text = str(exc).strip()
            reason = f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"
        if not reason:  # a short record, reported above
            assert current is not None
            following = _next_marker(stream, marker, after=current)
            if following is None:
                return
            start = following
            continue
        if current is None and good is not None:
            # The trouble is after the last whole record: start again at the
            # next one, which is then reported on its own if it is the bad one.
            following = _next_marker(stream, marker, after=good)
            if following is None:
                yield RejectedItem(
                    f"{label}@{good}",
                    f"记录无法读取 (unreadable record: {reason[:200]})",
                )
                return
            start = following
            continue
        bad = current if current is not None else start
        yield RejectedItem(
            f"{label}@{bad}", f"记录无法读取 (unreadable record: {reason[:200]})"
        )
        following = _next_marker(stream, marker, after=bad)
        if following is None:
            return
        start = following


def _next_marker(stream: IO[bytes], marker: bytes, *, after: int) -> int | None:
    """Where the next record may begin after the one at ``after``."""
    position = after + 1
    stream.seek(position)
    tail = b""
    while chunk := stream.read(_CHUNK):
        data = tail + chunk
        found = data.find(marker)
        if found >= 0:
            return position - len(tail) + found
        tail = data[-(len(marker) - 1) :]
        position += len(chunk)
    return None


def _drain(record) -> int:  # noqa: ANN001 (warcio's ArcWarcRecord)
    """Read a record's content to its end; the bytes missing if it was cut."""
    stream = record.raw_stream
    while stream.read(_CHUNK):
        pass
    return max(getattr(stream, "limit", 0) or 0, 0)


def _entry(record, number: int, offset: int) -> _Entry | None:  # noqa: ANN001
    """The record's facts when it may give a page or an attachment."""
    rec_type = record.rec_type
    if rec_type not in ("response", "resource", "revisit"):
        return None
    headers = record.rec_headers
    url = headers.get_header("WARC-Target-URI") or ""
    url = url.strip().strip("<>")
    if not url:
        return None
    status = 200
    content_type = headers.get_header("Content-Type") or ""
    disposition = location = ""
    if record.http_headers is not None and rec_type != "resource":
        try:
            status = int(record.http_headers.get_statuscode() or 0)
        except ValueError:
            status = 0
        content_type = record.http_headers.get_header("Content-Type") or ""
        disposition = record.http_headers.get_header("Content-Disposition") or ""
        location = record.http_headers.get_header("Location") or ""
    if status in _REDIRECTS and location.strip():
        location = urldefrag(urljoin(url, location.strip()))[0]
    elif status != 200:
        return None
    else:
        location = ""
    return _Entry(
        stream=number,
        offset=offset,
        rec_type=rec_type,
        url=urldefrag(url)[0],
        record_id=(headers.get_header("WARC-Record-ID") or "").strip("<>"),
        date=headers.get_header("WARC-Date") or "",
        status=status,
        content_type=content_type.split(";")[0].strip().lower(),
        disposition=disposition,
        payload_digest=headers.get_header("WARC-Payload-Digest") or "",
        location=location,
        refers_to=(
            (headers.get_header("WARC-Refers-To-Target-URI") or "").strip("<>"),
            headers.get_header("WARC-Refers-To-Date") or "",
        ),
    )


def _pages(
    entries: list[_Entry],
    streams: list[tuple[str, IO[bytes]]],
    *,
    names: list[str],
    wanted: set[str] | None,
) -> Iterator[CapturedPage | RejectedItem]:
    redirects = {_key(e.url): e.location for e in entries if e.location}
    entries = [e for e in entries if not e.location]
    by_url: dict[str, _Entry] = {}
    by_digest: dict[str, _Entry] = {}
    by_capture: dict[tuple[str, str], _Entry] = {}
    for entry in entries:
        if entry.rec_type != "revisit":
            # The latest capture of a URL is the one its links mean.
            by_url[_key(entry.url)] = entry
            by_capture[(_key(entry.url), entry.date)] = entry
            if entry.payload_digest:
                by_digest.setdefault(entry.payload_digest, entry)
    claimed: set[str] = set()  # attachments of the document pages
    if wanted is not None:
        # A document's URL may redirect: the page is where it led.
        wanted = wanted | {_key(_followed(url, redirects)) for url in wanted}
    for entry in entries:
        if not _is_html(entry):
            continue
        if wanted is not None and _key(entry.url) not in wanted:
            continue
        captured_at = _captured_at(entry.date)
        payload_entry: _Entry | None = entry
        if entry.rec_type == "revisit":
            uri, date = entry.refers_to
            payload_entry = (
                by_digest.get(entry.payload_digest) if entry.payload_digest else None
            ) or by_capture.get((_key(uri), date))
            if payload_entry is None:
                yield RejectedItem(
                    entry.url,
                    "重访记录：内容与先前采集相同，先前内容不在本档案中 "
                    "(revisit of a payload not in this archive)",
                    url=entry.url,
                    revisit=True,
                    captured_at=captured_at,
                )
                continue
        try:
            body = _payload(
                streams, payload_entry, settings.PLANSITE_MAX_DOCUMENT_BYTES
            )
        except _Refused as refused:
            yield RejectedItem(entry.url, refused.reason, url=entry.url)
            continue
        if wanted is None and looks_like_list_page(body):
            continue  # A column's list: its entries are the documents.
        with contextlib.ExitStack() as cleanup:
            linked = _linked_attachments(body, entry.url, by_url, redirects)
            claimed |= {_key(found.url) for found in linked}
            files, problems = _spooled(linked, streams, names=names, cleanup=cleanup)
            yield CapturedPage(
                url=entry.url,
                captured_at=captured_at,
                status=entry.status,
                content_type=entry.content_type,
                body=body,
                archive=names[entry.stream],
                record_id=entry.record_id,
                attachments=files,
                attachment_problems=problems,
            )
    # Files no document page links to (a list that links straight to its
    # PDFs): each a document of its own, as a lone file is.
    for entry in entries:
        key = _key(entry.url)
        if entry.rec_type == "revisit" or _is_html(entry) or _kind(entry) is None:
            continue
        if (key not in wanted) if wanted is not None else (key in claimed):
            continue
        with contextlib.ExitStack() as cleanup:
            files, problems = _spooled([entry], streams, names=names, cleanup=cleanup)
            if problems:
                yield RejectedItem(entry.url, problems[0], url=entry.url)
                continue
            yield CapturedPage(
                url=entry.url,
                captured_at=_captured_at(entry.date),
                status=entry.status,
                content_type=entry.content_type,
                body=b"",
                archive=names[entry.stream],
                record_id=entry.record_id,
                attachments=files,
            )


def _key(url: str) -> str:
    return identity.normalise_url(url) or url


def _followed(url: str, redirects: dict[str, str]) -> str:
    """Where ``url`` led through the redirects the archive holds."""
    seen = {_key(url)}
    while (target := redirects.get(_key(url))) is not None:
        if _key(target) in seen or len(seen) > _MAX_REDIRECTS:
            break  # a loop: the last URL before it
        seen.add(_key(target))
        url = target
    return url


def _is_html(entry: _Entry) -> bool:
    if entry.content_type:
        return entry.content_type in _HTML_TYPES
    return kinds.kind_for_name(PurePosixPath(urlsplit(entry.url).path).name) is None


def _captured_at(date: str) -> datetime:
    try:
        value = iso_date_to_datetime(date)
    except (ValueError, TypeError, IndexError):
        return datetime.now(UTC)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _record_at(streams: list[tuple[str, IO[bytes]]], entry: _Entry):  # noqa: ANN202
    stream = streams[entry.stream][1]
    stream.seek(entry.offset)
    try:
        return next(iter(ArchiveIterator(stream)))
    except StopIteration:
        raise _Refused("记录无法读取 (record not found again)") from None
    except Exception as exc:
        raise _Refused(f"记录无法读取 (unreadable record: {exc})") from None


def _payload(streams: list[tuple[str, IO[bytes]]], entry: _Entry, limit: int) -> bytes:
    """The record's payload (HTTP transfer and content encodings removed)."""
    chunks: list[bytes] = []
    _copy_payload(
        streams,
        entry,
        limit,
        chunks.append,
        too_big=f"记录过大，不像单篇文档 (too big: more than {limit} bytes)",
    )
    return b"".join(chunks)


def _spool(
    streams: list[tuple[str, IO[bytes]]], entry: _Entry, limit: int, target: Path
) -> None:
    with target.open("wb") as sink:
        _copy_payload(
            streams,
            entry,
            limit,
            sink.write,
            too_big=f"附件过大 (attachment too big: more than {limit} bytes)",
        )


def _copy_payload(
    streams: list[tuple[str, IO[bytes]]],
    entry: _Entry,
    limit: int,
    write: Callable[[bytes], object],
    *,
    too_big: str,
) -> None:
    """Hand the record's payload to ``write`` in chunks, refused past ``limit``."""
    record = _record_at(streams, entry)
    size = 0
    try:
        source = record.content_stream()
        while chunk := source.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise _Refused(too_big)
            write(chunk)
    except _Refused:
        raise
    except Exception as exc:
        raise _Refused(f"记录无法读取 (unreadable payload: {exc})") from None


def _linked_attachments(
    body: bytes, url: str, by_url: dict[str, _Entry], redirects: dict[str, str]
) -> list[_Entry]:
    """The records the page links to that are attachments, in link order."""
    found: list[_Entry] = []
    seen: set[str] = set()
    for link in page_links(body, url):
        entry = by_url.get(_key(_followed(link, redirects)))
        if entry is None or entry.url in seen or _is_html(entry):
            continue
        if entry.rec_type == "revisit":
            continue
        if _kind(entry) is None:
            continue
        seen.add(entry.url)
        found.append(entry)
    return found


def _spooled(
    found: list[_Entry],
    streams: list[tuple[str, IO[bytes]]],
    *,
    names: list[str],
    cleanup: contextlib.ExitStack,
) -> tuple[list[AttachmentFile], list[str]]:
    """The records' payloads in temporary files (removed by ``cleanup``), and
    "name: reason" for each that could not be taken."""
    if not found:
        return [], []
    folder = Path(cleanup.enter_context(tempfile.TemporaryDirectory(dir=_temp_root())))
    files: list[AttachmentFile] = []
    problems: list[str] = []
    limit = settings.PLANSITE_ATTACHMENT_MAX_FILE_BYTES
    for number, entry in enumerate(found, start=1):
        name = _attachment_name(entry)
        suffix = PurePosixPath(name).suffix.lower()
        target = folder / f"{number:04d}{suffix if len(suffix) <= 8 else ''}"
        try:
            _spool(streams, entry, limit, target)
        except _Refused as refused:
            problems.append(f"{name}: {refused.reason}")
            target.unlink(missing_ok=True)
            continue
        files.append(
            AttachmentFile(
                target,
                name=name,
                origin=f"{names[entry.stream]}#{entry.record_id}",
                source_url=entry.url,
            )
        )
    return files, problems


def _kind(entry: _Entry) -> kinds.Kind | None:
    kind = kinds.kind_for_name(_attachment_name(entry))
    if kind is None:
        kind = _KIND_BY_MEDIA_TYPE.get(entry.content_type)
    if kind is not None and kind.key == "html":
        return None
    return kind


def _attachment_name(entry: _Entry) -> str:
    """Content-Disposition's file name, else the URL's last segment, decoded."""
    match = _FILENAME.search(entry.disposition or "")
    if match:
        raw = match.group(1) or match.group(2) or ""
        name = _decoded(raw.strip())
        if name:
            return PurePosixPath(name.replace("\\", "/")).name
    return _decoded(PurePosixPath(urlsplit(entry.url).path).name) or "attachment"


def _decoded(raw: str) -> str:
    """Percent-decoded as UTF-8, else GB18030 (what Chinese sites send); a
    header's raw bytes (which warcio gives as Latin-1) decoded the same way."""
    try:
        data = unquote_to_bytes(raw.encode("latin-1"))
    except UnicodeEncodeError:  # Text already (a UTF-8 header).
        return unquote(raw)
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw


def page_links(body: bytes, url: str) -> list[str]:
    """The page's link targets, absolute (against <base href> and the page URL),
    with the file paths its scripts name (as the harvest reads them)."""
    soup = _soup(body)
    base = url
    tag = soup.find("base", href=True)
    if tag is not None:
        base = urljoin(url, str(tag["href"]).strip())
    hrefs = [str(anchor["href"]) for anchor in soup.find_all(["a", "area"], href=True)]
    links: list[str] = []
    for href in [*hrefs, *script_paths(soup)]:
        href = "".join(href.split())  # CMSs wrap long hrefs
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        try:
            links.append(urldefrag(urljoin(base, href))[0])
        except ValueError:  # a bad host ("http://[x") names no record
            continue
    return links


def _soup(body: bytes) -> BeautifulSoup:
    return BeautifulSoup(body, "lxml")


# A date as list pages print it beside each entry: 2023-05-06, 2023/5/6, 2023年5月6日.
_DATE = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ROW_TAGS = ["li", "tr", "dd", "dl", "p"]
# Pagination as 政务公开 CMSs print it (TRS's createPageHTML script, 共N条, 下一页).
_PAGINATION = re.compile(r"createPageHTML|共\s*\d+\s*[条页]|下一页|尾页|末页")
# A list page has at least this many links dated in their row…
LIST_MIN_DATED_LINKS = 5
# …and less running text than this outside its links (Chinese characters: the
# location bar, "共N条" and a footer), or, paginated, less than its entries' titles.
LIST_MAX_RUNNING_TEXT = 150


def looks_like_list_page(body: bytes) -> bool:
    """A column's list rather than a document: many links each with its date in
    its row, and little text outside links (a detail page has its text; the
    "related documents" box some detail pages carry does not make them lists).

    Measured on real detail pages (tests/fixtures: at least 180 characters of
    text outside links) against TRS and Hanweb list templates (50 or fewer).
    """
    soup = _soup(body)
    for tag in soup(["script", "style", "noscript", "template"]):
        if tag.name == "script" and _PAGINATION.search(tag.get_text()):
            tag.replace_with("下一页")  # keep the signal, drop the code
        else:
            tag.decompose()
    dated: set[str] = set()
    titles = 0
    for anchor in soup.find_all("a", href=True):
        row = anchor.find_parent(_ROW_TAGS) or anchor
        text = row.get_text(" ", strip=True)
        if len(text) <= 200 and _DATE.search(text):
            href = str(anchor["href"]).strip()
            if href not in dated:
                dated.add(href)
                titles += len(_CJK.findall(anchor.get_text()))
    if len(dated) < LIST_MIN_DATED_LINKS:
        return False
    running = sum(
        len(_CJK.findall(str(string)))
        for string in soup.find_all(string=True)
        if string.find_parent("a") is None
    )
    if running < LIST_MAX_RUNNING_TEXT:
        return True
    return running < titles and bool(_PAGINATION.search(soup.get_text()))


def import_web_archives(
    paths: Sequence[Path],
    *,
    urls: Collection[str] | None = None,
    together: bool = False,
    on_result: Callable[[ItemResult], None] | None = None,
) -> ImportSummary:
    """Import the pages the archives at ``paths`` captured (only ``urls`` when
    given: the harvest names the documents it found in its lists).

    ``together`` reads the archives as one (a harvest's files, oldest first),
    so that a page's attachments are found in whichever file holds them.

    As import_documents does for files: templates learned again after, the
    planner's statistics refreshed; the search index is the caller's to follow.
    """
    # The pipeline reads archives through this module: imported here, not above.
    from documents.ingest.pipeline import ImportSummary, import_archive
    from documents.ingest.template_store import TemplateBook, relearn_templates
    from documents.services import refresh_statistics

    summary = ImportSummary()
    groups: list[Path | list[Path]] = [Path(p) for p in paths]
    if together and paths:
        groups = [[Path(p) for p in paths]]
    for group in groups:
        first = group if isinstance(group, Path) else group[0]
        results = import_archive(
            group,
            urls=urls,
            root=path_text(first.resolve().parent),
            templates=TemplateBook(),
        )
        for result in results:
            summary.results.append(result)
            if on_result is not None:
                on_result(result)
    summary.recleaned.extend(relearn_templates())
    if summary.changed_ids:
        refresh_statistics()
    return summary
