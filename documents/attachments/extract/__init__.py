"""Text from an attachment file, in this process: dispatch by the sniffed kind.

`extract_file` is what the sandbox's child process runs; call
`documents.attachments.sandbox.run_extraction` to run it with limits.
"""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

from ..kinds import sniff
from ..result import Extraction, ExtractionRejected, Limits


def extract_file(path: Path, *, name: str, limits: Limits) -> Extraction:
    """The text of the file at `path` (its published name is `name`).

    Raises ExtractionRejected with a reason a person can act on.
    """
    path = Path(path)
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise ExtractionRejected(
            _("文件超过 %(limit)d 字节 (the file has %(size)d bytes, over the limit)")
            % {"limit": limits.max_file_bytes, "size": size}
        )
    if size == 0:
        raise ExtractionRejected(_("文件为空 (the file is empty)"))
    _refuse_encrypted_office(path)
    kind = sniff(path, name)
    if kind is None:
        raise ExtractionRejected(
            _("不支持的附件格式：%(name)s (unsupported attachment format)")
            % {"name": name}
        )
    family = kind.family
    if family == "pdf":
        from .pdf import read_pdf

        return read_pdf(path, limits)
    if family == "docx":
        from .docx import read_docx

        return read_docx(path, limits)
    if family == "office":
        from .office import read_office

        return read_office(path, limits, kind=kind.key)
    if family == "sheet":
        from .sheet import read_sheet

        return read_sheet(path, limits, kind=kind.key)
    if family == "ofd":
        from .ofd import read_ofd

        return read_ofd(path, limits)
    if family == "image":
        from .image import read_image

        return read_image(path, limits, name=name)
    if family == "text":
        from .text import read_text

        return read_text(path, limits)
    if family == "bundle":
        raise ExtractionRejected(
            _("压缩包须先解压，每个文件单独提取 (a bundle is unpacked, not read)")
        )
    raise ExtractionRejected(
        _("不支持的附件格式：%(name)s (unsupported attachment format)") % {"name": name}
    )


_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def _refuse_encrypted_office(path: Path) -> None:
    """An Office file with a password to open is an OLE file holding an
    "EncryptedPackage" stream (a DOCX/XLSX) - say so, rather than "corrupt".

    Untested on a real encrypted file: no tool here writes one (LibreOffice's
    command line ignores the Password filter option).
    """
    with path.open("rb") as handle:
        head = handle.read(1024 * 1024)
    if (
        head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
        and _ENCRYPTED_PACKAGE in head
    ):
        raise ExtractionRejected(
            _("文件已加密，需要密码才能打开 (the Office file is encrypted)")
        )
