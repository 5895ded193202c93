"""A page image (PNG, JPEG, TIFF, GIF, BMP): its text by OCR (i16-ocr's ocr.py).

A multi-page TIFF (as scanners and fax software write) is split into one PNG a
frame, each a page, up to limits.max_pages. An image too large to be a page
(a decompression bomb) is refused before anything decodes its pixels.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.utils.translation import gettext as _

from ..result import Extraction, ExtractionRejected, Limits, Method
from ._text import TextBuilder
from .pdf import ocr_summary, ocr_within_time

# An A3 page at 600 dpi is 70 megapixels; Pillow's own guard stops at ~179.
MAX_PIXELS = 80_000_000


def _too_large(width: int, height: int) -> ExtractionRejected:
    return ExtractionRejected(
        _("图片过大（%(w)d×%(h)d 像素），不像一页文件 (the image is too large to read)")
        % {"w": width, "h": height}
    )


def read_image(path: Path, limits: Limits, *, name: str = "") -> Extraction:
    from PIL import Image

    try:
        with Image.open(path) as image:
            width, height = image.size
            frames = getattr(image, "n_frames", 1)
    except Image.DecompressionBombError as error:
        raise ExtractionRejected(
            _("图片过大，疑似图片炸弹 (the image is too large to read: %(error)s)")
            % {"error": error}
        ) from error
    except Exception as error:
        raise ExtractionRejected(
            _("图片已损坏，无法打开 (corrupt image: %(error)s)") % {"error": error}
        ) from error
    if width * height > MAX_PIXELS:
        raise _too_large(width, height)
    from ..ocr import ocr_images

    warnings = []
    with tempfile.TemporaryDirectory(prefix="plansite-frames-") as tmp:
        if frames > 1:
            paths = _split_frames(path, Path(tmp), min(frames, limits.max_pages))
            if frames > limits.max_pages:
                warnings.append(
                    _(
                        "只读取了前 %(n)d 页，共 %(count)d 页 "
                        "(only the first %(n)d of %(count)d pages were read)"
                    )
                    % {"n": limits.max_pages, "count": frames}
                )
        else:
            paths = [path]
        # A long TIFF is cut off at the time budget, as a long scanned PDF is,
        # rather than killed whole at the sandbox's wall clock.
        read, skipped = ocr_within_time(
            lambda batch: ocr_images(
                [paths[n - 1] for n in batch], first_number=batch[0]
            ),
            list(range(1, len(paths) + 1)),
            limits,
            warnings,
        )
    builder = TextBuilder(limits.max_text_chars)
    for number in range(1, len(paths) + 1):
        page = read.get(number)
        builder.page(
            number,
            page.text if page else "",
            Method.OCR,
            confidence=page.confidence if page else None,
            label=name,
        )
    return builder.build(
        Method.OCR,
        page_count=frames,
        truncated=frames > limits.max_pages or bool(skipped),
        warnings=warnings,
        **ocr_summary(builder.pages),
    )


def _split_frames(path: Path, out_dir: Path, count: int) -> list[Path]:
    from PIL import Image

    paths = []
    with Image.open(path) as image:
        for index in range(count):
            image.seek(index)
            if image.size[0] * image.size[1] > MAX_PIXELS:
                raise _too_large(*image.size)
            frame = out_dir / f"{index + 1:04d}.png"
            # Keep the resolution: Tesseract reads it to size the text.
            dpi = image.info.get("dpi")
            image.save(frame, "PNG", **({"dpi": dpi} if dpi else {}))
            paths.append(frame)
    return paths
