"""A page image (PNG, JPEG, TIFF, GIF, BMP): its text by OCR (i16-ocr's ocr.py)."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

from ..result import Extraction, ExtractionRejected, Limits, Method
from ._text import TextBuilder
from .pdf import ocr_summary


def read_image(path: Path, limits: Limits, *, name: str = "") -> Extraction:
    from PIL import Image

    try:
        with Image.open(path) as image:
            width, height = image.size
            image.verify()
    except Exception as error:
        raise ExtractionRejected(
            _("图片已损坏，无法打开 (corrupt image: %(error)s)") % {"error": error}
        ) from error
    # Pillow's own bomb guard stops at ~179 megapixels; a page scan at 600 dpi is 35.
    if width * height > 80_000_000:
        raise ExtractionRejected(
            _("图片过大（%(w)d×%(h)d 像素）(the image is too large to read)")
            % {"w": width, "h": height}
        )
    from ..ocr import ocr_images

    pages = ocr_images([path])
    builder = TextBuilder(limits.max_text_chars)
    for page in pages:
        builder.page(
            page.number, page.text, Method.OCR, confidence=page.confidence, label=name
        )
    return builder.build(
        Method.OCR, page_count=len(pages), **ocr_summary(builder.pages)
    )
