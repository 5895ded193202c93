"""The attachment formats the archive knows: one registry for every place that asks.

Importer (which files are attachments), sniffing (what a file really is, by
its first bytes), the extractor's dispatch, the download's Content-Type and the
page's label all read this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

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
)

BY_KEY: dict[str, Kind] = {kind.key: kind for kind in KINDS}
BY_SUFFIX: dict[str, Kind] = {
    suffix: kind for kind in KINDS for suffix in kind.suffixes
}
ATTACHMENT_SUFFIXES = frozenset(BY_SUFFIX)


def kind_for_name(name: str) -> Kind | None:
    """The kind a file name claims (its suffix), None when it claims none we read."""
    return BY_SUFFIX.get(PurePath(name).suffix.lower())


def is_attachment_name(name: str) -> bool:
    return kind_for_name(name) is not None
