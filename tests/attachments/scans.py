"""Scanned pages of known text, made with real tools, for tests and the OCR bench.

- ``render_pages``: Chinese text set on A4 pages with Pillow and a Noto CJK font
  the way a 公文 is set (GB/T 9704: 三号 body, 二号 title, margins 37/35/28/26 mm,
  about 28 characters a line), wrapped line by line; each page keeps the text
  that is on it, the truth for OCR.
- ``degrade``: what a scanner and a publisher's JPEG do to it (Gaussian blur,
  a skew of 1-3 degrees, noise and JPEG quality 30).
- ``scanned_pdf``: page images into a PDF with the img2pdf command (lossless: the
  PDF holds the image files as they are), as a scanner's software makes one.
- ``text_pdfs``: text files into text PDFs with LibreOffice headless (one call).
- ``strip_tounicode``: a text PDF whose fonts lose their ToUnicode map (how and
  why in its docstring).
"""

from __future__ import annotations

import io
import random
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
FONT_SERIF = FONT_DIR / "NotoSerifCJK-Regular.ttc"
FONT_SERIF_BOLD = FONT_DIR / "NotoSerifCJK-Bold.ttc"
FONT_SANS = FONT_DIR / "NotoSansCJK-Regular.ttc"
# Index 2 in the .ttc files is the SC (simplified Chinese) face.
FONT_INDEX_SC = 2

A4_MM = (210.0, 297.0)
# GB/T 9704-2012 版心: top 37 mm, bottom 35 mm, left 28 mm, right 26 mm.
MARGINS_MM = (28.0, 37.0, 26.0, 35.0)  # left, top, right, bottom
BODY_PT = 16.0  # 三号
TITLE_PT = 22.0  # 二号
LINE_SPACING = 1.75  # 22 lines in the 225 mm 版心 at 16 pt


@dataclass(frozen=True)
class ScanPage:
    """One rendered page and the text set on it (lines joined with "\\n")."""

    image: Image.Image
    text: str
    dpi: int
    # The page's part of each paragraph, its wrapped lines joined (the title
    # is one): what ocr.py gives back when it reads the page right.
    paragraphs: tuple[str, ...] = ()


def _mm(mm: float, dpi: int) -> int:
    return round(mm / 25.4 * dpi)


def _pt(pt: float, dpi: int) -> int:
    return round(pt / 72 * dpi)


def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size, index=FONT_INDEX_SC)


def _wrap(paragraph: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Break a paragraph into lines no wider than ``width`` pixels."""
    lines: list[str] = []
    line = ""
    for ch in paragraph:
        if line and font.getlength(line + ch) > width:
            lines.append(line)
            line = ""
        line += ch
    if line:
        lines.append(line)
    return lines


def render_pages(
    text: str,
    *,
    title: str | None = None,
    dpi: int = 300,
    font: Path = FONT_SERIF,
    body_pt: float = BODY_PT,
    max_pages: int | None = None,
) -> list[ScanPage]:
    """Set ``text`` (paragraphs split on newlines) on A4 pages at ``dpi``.

    The title, when given, is the first line of the first page, centred and
    bold. Paragraphs start with a two-character indent, as 公文 do.
    """
    width, height = _mm(A4_MM[0], dpi), _mm(A4_MM[1], dpi)
    left, top, right, bottom = (_mm(m, dpi) for m in MARGINS_MM)
    text_width = width - left - right
    body_font = _font(font, _pt(body_pt, dpi))
    line_height = round(_pt(body_pt, dpi) * LINE_SPACING)
    title_font = _font(FONT_SERIF_BOLD, _pt(TITLE_PT, dpi))

    # (text, font, centred, starts a paragraph) for each line, in order.
    lines: list[tuple[str, ImageFont.FreeTypeFont, bool, bool]] = []
    if title:
        for part in _wrap(title, title_font, text_width):
            lines.append((part, title_font, True, True))
        lines.append(("", body_font, False, True))
    indent = "\u3000\u3000"
    for paragraph in text.splitlines():
        paragraph = paragraph.strip().replace("\t", " ")
        if not paragraph:
            continue
        for index, part in enumerate(_wrap(indent + paragraph, body_font, text_width)):
            lines.append((part, body_font, False, index == 0))

    pages: list[ScanPage] = []
    y = top
    image = _blank(width, height)
    draw = ImageDraw.Draw(image)
    on_page: list[tuple[str, bool]] = []
    for part, line_font, centred, starts in lines:
        size = line_font.size
        step = round(size * LINE_SPACING)
        if y + step > height - bottom and on_page:
            pages.append(_page(image, on_page, dpi))
            if max_pages and len(pages) >= max_pages:
                return pages
            image = _blank(width, height)
            draw = ImageDraw.Draw(image)
            on_page, y = [], top
        if part:
            x = left
            if centred:
                x = left + (text_width - round(line_font.getlength(part))) // 2
            draw.text((x, y + (step - size) // 2), part, font=line_font, fill=0)
            # Each line of the title stands alone (centred lines are not joined).
            on_page.append((part, starts or centred))
        y += step if line_font is not body_font else line_height
    if on_page:
        pages.append(_page(image, on_page, dpi))
    return pages[:max_pages] if max_pages else pages


def _page(image: Image.Image, lines: list[tuple[str, bool]], dpi: int) -> ScanPage:
    paragraphs: list[str] = []
    for part, starts in lines:
        part = part.replace("\u3000", "").strip()
        if starts or not paragraphs:
            paragraphs.append(part)
        else:
            paragraphs[-1] += part
    return ScanPage(
        image, _page_text([part for part, _s in lines]), dpi, tuple(paragraphs)
    )


def _blank(width: int, height: int) -> Image.Image:
    return Image.new("L", (width, height), 255)


def _page_text(lines: Sequence[str]) -> str:
    return "\n".join(line.replace("\u3000", "").strip() for line in lines)


def degrade(
    image: Image.Image,
    *,
    blur: float = 0.0,
    skew: float = 0.0,
    noise: float = 0.0,
    jpeg_quality: int | None = None,
    fade: float = 0.0,
    seed: int = 0,
) -> Image.Image:
    """A scanner's damage: faded ink (0-1: black becomes grey), blur radius
    (px), skew (degrees), noise (grey-level standard deviation), then a JPEG
    round trip at ``jpeg_quality``."""
    out = image.convert("L")
    if fade:
        out = out.point(lambda p: round(255 - (255 - p) * (1 - fade)))
    if skew:
        out = out.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=255)
    if blur:
        out = out.filter(ImageFilter.GaussianBlur(blur))
    if noise:
        import numpy as np

        rng = np.random.default_rng(seed)
        pixels = np.asarray(out, dtype=np.float32)
        pixels = pixels + rng.normal(0, noise, pixels.shape)
        out = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "L")
    if jpeg_quality:
        buffer = io.BytesIO()
        out.save(buffer, "JPEG", quality=jpeg_quality)
        buffer.seek(0)
        out = Image.open(buffer)
        out.load()
    return out


# The degradations the bench and tests use, by name.
DEGRADATIONS: dict[str, dict[str, float]] = {
    "clean": {},
    "blur": {"blur": 1.2},
    "skew": {"skew": 2.0},
    "jpeg30": {"noise": 12.0, "jpeg_quality": 30},
    "all": {"blur": 1.0, "skew": 1.5, "noise": 12.0, "jpeg_quality": 30},
    # Worse than a publisher's scan should be: to see where confidence falls.
    "faint": {"fade": 0.6, "blur": 1.0, "noise": 20.0, "jpeg_quality": 30},
    "heavy": {"blur": 2.2, "skew": 3.0, "noise": 30.0, "jpeg_quality": 20},
    "wrecked": {
        "fade": 0.5,
        "blur": 3.2,
        "skew": 4.0,
        "noise": 40.0,
        "jpeg_quality": 15,
    },
}


def degrade_named(image: Image.Image, name: str, *, dpi: int, seed: int = 0):
    """Apply a named degradation; the blur radius scales with the dpi."""
    params = dict(DEGRADATIONS[name])
    if "blur" in params:
        params["blur"] = params["blur"] * dpi / 300
    if "jpeg_quality" in params:
        params["jpeg_quality"] = int(params["jpeg_quality"])
    if "skew" in params:
        params["skew"] = random.Random(seed).choice((-1, 1)) * params["skew"]
    return degrade(image, seed=seed, **params)


def save_pages(
    images: Iterable[Image.Image], out_dir: Path, *, stem: str, dpi: int, fmt="png"
) -> list[Path]:
    """Write page images as ``stem-001.png`` … with their resolution recorded."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, image in enumerate(images, 1):
        path = out_dir / f"{stem}-{number:03d}.{fmt}"
        if fmt in ("jpg", "jpeg"):
            image.convert("L").save(path, "JPEG", quality=85, dpi=(dpi, dpi))
        else:
            image.save(path, dpi=(dpi, dpi))
        paths.append(path)
    return paths


def scanned_pdf(images: Sequence[Path], out: Path) -> Path:
    """A scanned PDF: the page images, one a page, with the img2pdf command."""
    if not images:
        raise ValueError("no page images")
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["img2pdf", *map(str, images), "-o", str(out)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out


def scanned_pdf_of_text(
    text: str,
    out: Path,
    *,
    title: str | None = None,
    dpi: int = 300,
    max_pages: int | None = 1,
    degradation: str = "clean",
    seed: int = 0,
) -> tuple[Path, list[str]]:
    """Text → rendered pages → (degraded) page images → img2pdf PDF.

    Returns the PDF and the text of each page (the truth for OCR).
    """
    pages = render_pages(text, title=title, dpi=dpi, max_pages=max_pages)
    images = [degrade_named(p.image, degradation, dpi=dpi, seed=seed) for p in pages]
    fmt = "jpg" if "jpeg" in str(DEGRADATIONS[degradation]) else "png"
    image_dir = out.parent / f"{out.stem}-pages"
    paths = save_pages(images, image_dir, stem="page", dpi=dpi, fmt=fmt)
    scanned_pdf(paths, out)
    return out, [p.text for p in pages]


def text_pdfs(texts: dict[str, str], out_dir: Path, *, timeout: float = 180) -> dict:
    """Text files → text PDFs with LibreOffice headless, all in one soffice call.

    ``texts`` maps a file stem to its text; returns stem → PDF path.
    """
    from tests.attachments.makers import convert_texts

    return convert_texts(texts, "pdf", out_dir, timeout=timeout)


def strip_tounicode(pdf: Path, out: Path) -> Path:
    """Copy a text PDF with every font's ``/ToUnicode`` key made unknown.

    LibreOffice writes its fonts as subset CID fonts with Identity-H encoding
    and a ToUnicode CMap, uncompressed in the object dictionaries. Renaming
    the key ``/ToUnicode`` to ``/ToUnicodX`` (same length, so every xref offset
    stays right) leaves a valid PDF whose glyphs no reader can map back to
    text: pdfminer gives "(cid:N)", others guess from glyph ids. That is
    exactly a font without a ToUnicode map, as some publishing tools write.
    """
    data = pdf.read_bytes()
    if b"/ToUnicode" not in data:
        raise ValueError(f"{pdf} has no /ToUnicode key in plain bytes")
    out.write_bytes(data.replace(b"/ToUnicode", b"/ToUnicodX"))
    return out


def normalise_for_cer(text: str, *, fold: bool = True) -> str:
    """Text compared by CER: whitespace removed; with ``fold``, NFKC (full-width
    "：（" and half-width ":(" are the same character to a reader)."""
    import unicodedata

    if fold:
        text = unicodedata.normalize("NFKC", text)
    return "".join(text.split())


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insert, delete, substitute: 1 each)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            )
        previous = current
    return previous[-1]


def cer(ocr_text: str, truth: str, *, fold: bool = True) -> float:
    """Character error rate: edit distance / reference length, whitespace removed."""
    reference = normalise_for_cer(truth, fold=fold)
    hypothesis = normalise_for_cer(ocr_text, fold=fold)
    if not reference:
        return 0.0 if not hypothesis else 1.0
    return edit_distance(hypothesis, reference) / len(reference)
