"""OFD (GB/T 33190 版式文件): rejected with a clear reason until a reader holds up."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

from ..result import Extraction, ExtractionRejected, Limits


def read_ofd(path: Path, limits: Limits) -> Extraction:
    raise ExtractionRejected(
        _(
            "暂不支持 OFD 版式文件，请另存为 PDF 后上传 "
            "(OFD is not read yet: no maintained reader held up)"
        )
    )
