"""PDF: the text layer page by page (pdfplumber), scanned or garbled pages to OCR.

pdfplumber, not PDFium's text API: PDFium was 40× faster (20 pages of a LibreOffice
PDF in 0.014 s against 0.56 s) but gives characters in content-stream order, and
LibreOffice writes the CJK quotes “” in a run of their own, so “限额以下工程” came
out as 限额以下工程 with the quotes elsewhere: exact search would miss it. pdfplumber
orders characters by their place on the page. PDFium still opens the file first:
it tells an encrypted PDF from a corrupt one, and counts pages, cheaply.

Each page's text is judged by quality.assess_text; pages it calls unusable (a
scan, fonts without a ToUnicode map, too few CJK characters) are rendered and
read by Tesseract (ocr.ocr_pdf_pages). Only the first limits.max_pages pages are
read; the Extraction then says it was cut off and how many pages there were.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from ..result import Extraction, ExtractionRejected, Limits, Method
from ._text import TextBuilder

log = logging.getLogger(__name__)


def _open(path: Path):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as error:
        message = str(error)
        if "password" in message.lower():
            raise ExtractionRejected(
                _("PDF 已加密，需要密码才能打开 (the PDF is encrypted: %(error)s)")
                % {"error": message}
            ) from error
        raise ExtractionRejected(
            _("PDF 文件已损坏，无法打开 (corrupt PDF: %(error)s)") % {"error": message}
        ) from error


def page_texts(path: Path, max_pages: int) -> tuple[list[str], int]:
    """The text layer of the first max_pages pages, and the number of pages."""
    import pdfplumber

    pdf = _open(path)
    count = len(pdf)
    pdf.close()
    texts = []
    try:
        with pdfplumber.open(path) as document:
            for page in document.pages[:max_pages]:
                texts.append(page_text(page))
                page.close()  # drop the page's cached objects: 300 pages stay small
    except ExtractionRejected:
        raise
    except MemoryError:
        raise
    except Exception as error:  # pdfminer raises many kinds on a broken file
        if _out_of_memory(error):
            # pdfplumber wraps zlib's MemoryError; the sandbox names the limit.
            raise MemoryError(str(error)) from error
        raise ExtractionRejected(
            _("PDF 文件已损坏，无法读取 (corrupt PDF: %(error)s)")
            % {"error": f"{type(error).__name__}: {error}"}
        ) from error
    return texts, count


def _out_of_memory(error: BaseException) -> bool:
    seen = 0
    current: BaseException | None = error
    while current is not None and seen < 10:
        if isinstance(current, MemoryError) or any(
            isinstance(arg, MemoryError) for arg in current.args
        ):
            return True
        current = current.__cause__ or current.__context__
        seen += 1
    return False


_SENTENCE_END = tuple("。！？：；!?:;")


def page_text(page) -> str:
    """The page's lines, a paragraph's wrapped lines joined again.

    A PDF breaks a paragraph wherever the line is full ("…的通" / "知"), and exact
    search must find "通知" across that break. A line that reaches the right edge
    of the page's text (within 4 characters: a line breaks early before an unbreakable
    "〔2020〕42号") and does not end a sentence goes on in the next line: joined
    without a space between CJK characters, with one between Latin words. A
    paragraph split by a page break stays split (pages are separate spans).
    """
    lines = [line for line in page.extract_text_lines() if line["text"].strip()]
    if not lines:
        return ""
    right = max(line["x1"] for line in lines)
    left = min(line["x0"] for line in lines)
    heights = sorted(line["bottom"] - line["top"] for line in lines)
    em = heights[len(heights) // 2]
    out = [lines[0]["text"]]
    for previous, line in zip(lines, lines[1:], strict=False):
        text = line["text"]
        # A paragraph goes on at the left margin in the same size; a centred or
        # right-set line (a 红头's 文号, a 落款's organ and date, "— 1 —") or a
        # line in another size (the banner, the title) stands on its own.
        size = previous["bottom"] - previous["top"]
        goes_on = line["x0"] <= left + em and abs(
            line["bottom"] - line["top"] - size
        ) <= 0.25 * max(size, em)
        if (
            goes_on
            and previous["x1"] >= right - 4 * em
            and not out[-1].endswith(_SENTENCE_END)
        ):
            latin = out[-1][-1].isascii() and text[0].isascii()
            out[-1] += (" " if latin else "") + text
        else:
            out.append(text)
    return "\n".join(out)


def _usable(text: str) -> bool:
    try:
        from ..quality import assess_text
    except ImportError:  # i16-ocr's module not merged yet: trust the text layer
        return bool(text.strip())
    return assess_text(text).usable


def read_pdf(path: Path, limits: Limits, *, ocr: bool = True) -> Extraction:
    texts, count = page_texts(path, limits.max_pages)
    warnings: list[str] = []
    if count > limits.max_pages:
        warnings.append(
            _(
                "只读取了前 %(n)d 页，共 %(count)d 页 "
                "(only the first %(n)d of %(count)d pages were read)"
            )
            % {"n": limits.max_pages, "count": count}
        )
    ocr_numbers = [n for n, text in enumerate(texts, 1) if not _usable(text)]
    ocr_pages: dict = {}
    skipped: list[int] = []
    if ocr and ocr_numbers:
        ocr_pages, skipped = _ocr_within_time(path, ocr_numbers, limits, warnings)
    builder = TextBuilder(limits.max_text_chars)
    for number, text in enumerate(texts, 1):
        if builder.full:
            break
        scanned = ocr_pages.get(number)
        if scanned is not None:
            builder.page(
                number, scanned.text, Method.OCR, confidence=scanned.confidence
            )
        elif number in skipped:
            builder.page(number, "", Method.OCR)  # not read: its text layer is junk
        else:
            builder.page(number, text, Method.PDF_TEXT)
    return builder.build(
        overall_method(builder.pages),
        page_count=count,
        truncated=count > limits.max_pages or bool(skipped),
        warnings=warnings,
        **ocr_summary(builder.pages),
    )


# OCR stops starting new pages after this share of the time limit, so a long scan
# comes back cut off with the pages it read, rather than killed with none.
OCR_TIME_SHARE = 0.8


def _ocr_within_time(
    path: Path, numbers: list[int], limits: Limits, warnings: list[str]
) -> tuple[dict, list[int]]:
    """OCR the PDF's pages ``numbers`` until the time budget is spent."""
    try:
        from ..ocr import ocr_pdf_pages
    except ImportError:
        warnings.append(_("未安装 OCR，扫描页未识别 (OCR is not available)"))
        return {}, []
    return ocr_within_time(
        lambda batch: ocr_pdf_pages(path, batch), numbers, limits, warnings
    )


def ocr_within_time(
    read: Callable[[list[int]], Sequence],
    numbers: list[int],
    limits: Limits,
    warnings: list[str],
) -> tuple[dict, list[int]]:
    """Read pages by OCR a few at a time (``read(batch)`` gives their OcrPages)
    until the time budget is spent.

    The pages read (number → OcrPage), and the numbers left unread, named in a
    warning. A scan's PDF and a multi-page TIFF share it.
    """
    from ..ocr import workers

    deadline = time.monotonic() + OCR_TIME_SHARE * limits.timeout_seconds
    step = max(1, workers())
    done: dict = {}
    for start in range(0, len(numbers), step):
        if start and time.monotonic() > deadline:
            skipped = numbers[start:]
            warnings.append(
                _(
                    "OCR 用尽时间限制，第 %(pages)s 页未识别 "
                    "(OCR ran out of time; these pages were not read)"
                )
                % {"pages": _page_list(skipped)}
            )
            return done, skipped
        for page in read(numbers[start : start + step]):
            done[page.number] = page
    return done, []


def _page_list(numbers: list[int]) -> str:
    """1, 2, 3, 7 → "1-3, 7"."""
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in runs)


def overall_method(pages) -> str:
    methods = {p.method for p in pages}
    if Method.OCR in methods and len(methods) > 1:
        return Method.MIXED
    if methods == {Method.OCR}:
        return Method.OCR
    return Method.PDF_TEXT


def ocr_summary(pages) -> dict:
    """The mean OCR confidence, and the OCR'd pages under the review threshold."""
    scored = [p for p in pages if p.method == Method.OCR and p.confidence is not None]
    if not scored:
        return {"ocr_confidence": None, "low_confidence_pages": []}
    threshold = getattr(settings, "PLANSITE_OCR_MIN_CONFIDENCE", 70.0)
    return {
        "ocr_confidence": sum(p.confidence for p in scored) / len(scored),
        "low_confidence_pages": [p.number for p in scored if p.confidence < threshold],
    }
