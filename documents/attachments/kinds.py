"""The attachment formats the archive knows: one registry for every place that asks.

Importer (which files are attachments), sniffing (what a file really is, by
its first bytes), the extractor's dispatch, the download's Content-Type and the
page's label all read this table.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePath

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Kind:
    key: str  # stored in Attachment.kind
    label: str
    media_type: str
    suffixes: tuple[str, ...]
    # What reads it: "pdf", "docx", "office" (LibreOffice), "sheet", "ofd",
    # "image" (OCR), "bundle" (unpacked, each member an attachment), "text".
    family: str


KINDS: tuple[Kind, ...] = (
    Kind("pdf", _("PDF"), "application/pdf", (".pdf",), "pdf"),
    Kind(
        "docx",
        _("Word 文档"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (".docx",),
        "docx",
    ),
    Kind("doc", _("Word 97-2003 文档"), "application/msword", (".doc",), "office"),
    Kind("wps", _("WPS 文字"), "application/vnd.ms-works", (".wps",), "office"),
    Kind("rtf", _("RTF 文档"), "application/rtf", (".rtf",), "office"),
    Kind(
        "odt",
        _("ODF 文本"),
        "application/vnd.oasis.opendocument.text",
        (".odt",),
        "office",
    ),
    Kind("et", _("WPS 表格"), "application/vnd.ms-excel", (".et",), "office"),
    Kind(
        "xls", _("Excel 97-2003 表格"), "application/vnd.ms-excel", (".xls",), "sheet"
    ),
    Kind(
        "xlsx",
        _("Excel 表格"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (".xlsx",),
        "sheet",
    ),
    Kind("ofd", _("OFD 版式文件"), "application/ofd", (".ofd",), "ofd"),
    Kind("zip", _("ZIP 压缩包"), "application/zip", (".zip",), "bundle"),
    Kind("rar", _("RAR 压缩包"), "application/vnd.rar", (".rar",), "bundle"),
    Kind("png", _("PNG 图片"), "image/png", (".png",), "image"),
    Kind("jpeg", _("JPEG 图片"), "image/jpeg", (".jpg", ".jpeg"), "image"),
    Kind("tiff", _("TIFF 图片"), "image/tiff", (".tif", ".tiff"), "image"),
    Kind("gif", _("GIF 图片"), "image/gif", (".gif",), "image"),
    Kind("bmp", _("BMP 图片"), "image/bmp", (".bmp",), "image"),
    # No suffix of its own: only sniffing finds it (a ".doc" that is a web page, as
    # Word's "save as web page" and many sites' download scripts give).
    Kind("html", _("网页"), "text/html", (), "text"),
)

BY_KEY: dict[str, Kind] = {kind.key: kind for kind in KINDS}
BY_SUFFIX: dict[str, Kind] = {
    suffix: kind for kind in KINDS for suffix in kind.suffixes
}
ATTACHMENT_SUFFIXES = frozenset(BY_SUFFIX)


# The media type of a file of no kind we know (stored, served as a download).
UNKNOWN_MEDIA_TYPE = "application/octet-stream"


def media_type_of(kind: Kind | None) -> str:
    return kind.media_type if kind is not None else UNKNOWN_MEDIA_TYPE


def kind_for_name(name: str) -> Kind | None:
    """The kind a file name claims (its suffix), None when it claims none we read."""
    return BY_SUFFIX.get(PurePath(name).suffix.lower())


def is_attachment_name(name: str) -> bool:
    return kind_for_name(name) is not None


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGES = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)


def sniff(path: Path, name: str) -> Kind | None:
    """What the file really is: its first bytes first, then the name's suffix.

    A ".doc" that is a DOCX or a web page is read as a DOCX or a web page; a file
    whose bytes say nothing known falls back to the kind its name claims (the
    reader then rejects it as corrupt if it is not).
    """
    claimed = kind_for_name(name)
    with Path(path).open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(b"%PDF-"):
        return BY_KEY["pdf"]
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _sniff_zip(path, claimed)
    if head.startswith(_OLE):
        return _sniff_ole(path, claimed)
    if head.startswith(b"{\\rtf"):
        return BY_KEY["rtf"]
    if head.startswith(b"Rar!\x1a\x07"):
        return BY_KEY["rar"]
    for magic, key in _IMAGES:
        if head.startswith(magic):
            return BY_KEY[key]
    if head.startswith(b"BM") and claimed is not None and claimed.key == "bmp":
        return BY_KEY["bmp"]
    # A PDF may start after some junk (1 KB, by Acrobat's rule); checked after the
    # magic numbers at byte 0, so a ZIP holding a PDF stays a ZIP.
    if b"%PDF-" in head[:1024]:
        return BY_KEY["pdf"]
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if (
        text.startswith((b"<!doctype html", b"<html"))
        or b"<html" in text[:1024]
        or is_web_archive(text)
    ):
        return BY_KEY["html"]
    return claimed


def is_web_archive(head: bytes) -> bool:
    """An MHTML file ("save as web page, single file"): mail headers, then the page."""
    head = head[:2048].lower()
    return b"mime-version:" in head and b"multipart/related" in head


def _sniff_zip(path: Path, claimed: Kind | None) -> Kind | None:
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist()[:5000])
            mimetype = b""
            if "mimetype" in names:
                # Only its head: sniffing runs outside the sandbox (an upload's
                # request, the import), and the member may be a bomb.
                with package.open("mimetype") as member:
                    mimetype = member.read(100)
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError, RuntimeError):
        return claimed  # the reader says it is corrupt
    if "word/document.xml" in names:
        return BY_KEY["docx"]
    if "xl/workbook.xml" in names:
        return BY_KEY["xlsx"]
    if mimetype.startswith(b"application/vnd.oasis.opendocument.text"):
        return BY_KEY["odt"]
    if "OFD.xml" in names:
        return BY_KEY["ofd"]
    if "[Content_Types].xml" in names or mimetype:
        return None  # another office format (PPTX, ODS, …) that we do not read
    return BY_KEY["zip"]


def _sniff_ole(path: Path, claimed: Kind | None) -> Kind | None:
    """DOC/WPS or XLS/ET by the names of the streams in the OLE directory."""
    with Path(path).open("rb") as handle:
        data = handle.read(4 * 1024 * 1024)
    word = "WordDocument".encode("utf-16-le") in data
    book = any(n.encode("utf-16-le") in data for n in ("Workbook", "Book"))
    if word:
        return claimed if claimed and claimed.key in ("doc", "wps") else BY_KEY["doc"]
    if book:
        return claimed if claimed and claimed.key in ("xls", "et") else BY_KEY["xls"]
    return claimed
