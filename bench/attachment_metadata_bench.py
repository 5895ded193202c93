"""How well title, issuer, 成文日期 and 文号 are read from attachments.

Run from the project root:  .venv/bin/python -m bench.attachment_metadata_bench

The labelled set (tests/attachments/data/metadata/README.md) is built here from
public material: the shared corpus documents whose titles, issuers and dates
were labelled by reading them (bench/metadata/labels/), laid out as the
attachments governments publish (a 红头 first page: banner, 文号, title, 主送,
text, 落款; the date in Chinese numerals or Arabic; the title wrapped; 附件,
抄送 and 印发 lines; "— 1 —" page numbers), plus hand-written first pages in
the shapes of GB/T 9704-2012 (handwritten.jsonl). Each is written as a DOCX
with python-docx, and half are converted to PDF by LibreOffice in one call;
the text is then read back from the files as the importer reads it and given
to documents/attachments/metadata.py. Per field it prints right, wrong (a value
that is not the truth, or a value where the attachment states none), empty
(nothing where the attachment states one), precision and recall; separately
for the tune and the holdout quarter (nobody tunes on the holdout).
"""

from __future__ import annotations

import argparse
import difflib
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.metadata_bench import default_shared, holdout_ids, load_labels  # noqa: E402

DATA = ROOT / "tests" / "attachments" / "data" / "metadata"
FIELDS = ("title", "issuer", "doc_date", "doc_number")
RIGHT, SHORT, NEAR, WRONG, EMPTY, NONE_OK = (
    "right",
    "short",
    "near",
    "wrong",
    "empty",
    "none",
)
# A value this close to the truth (difflib's ratio) is the right line read with
# a character or two wrong (OCR), not another line.
NEAR_RATIO = 0.9
BANNER, NUMBER, TITLE, CENTER, RIGHT_LINE, PARA, SMALL = (
    "banner",
    "number",
    "title",
    "center",
    "right",
    "para",
    "small",
)
_CN = "〇一二三四五六七八九"


@dataclass
class Item:
    """One attachment of the set: its layout, its file name and the truth."""

    id: str
    source: str
    name: str
    lines: list[tuple[str, str]]
    truth: dict[str, Any]
    fmt: str = "docx"
    footer: bool = False
    holdout: bool = False
    variant: str = ""
    path: Path | None = None
    found: dict[str, str] = field(default_factory=dict)


# ------------------------------------------------------------------ the set


def _bits(key: str) -> int:
    return int(hashlib.sha1(key.encode()).hexdigest(), 16)


def chinese_date(iso: str) -> str:
    """2023-03-05 → 二〇二三年三月五日 (as 落款 write it)."""
    year, month, day = (int(part) for part in iso.split("-"))

    def number(n: int) -> str:
        if n < 10:
            return _CN[n]
        tens, units = divmod(n, 10)
        return (_CN[tens] if tens > 1 else "") + "十" + (_CN[units] if units else "")

    return (
        "".join(_CN[int(d)] for d in str(year)) + f"年{number(month)}月{number(day)}日"
    )


def _wrap(title: str, width: int = 22) -> list[str]:
    """A long title over two or three lines, broken where a typist would."""
    if len(title) <= width:
        return [title]
    lines = []
    while len(title) > width:
        cut = width
        for mark in ("关于", "《", "的通知", "的"):
            at = title.rfind(mark, 8, width)
            if at > 8:
                cut = at
                break
        lines.append(title[:cut])
        title = title[cut:]
    return [*lines, title] if title else lines


def _front_matter(text: str) -> tuple[dict[str, str], list[str]]:
    meta: dict[str, str] = {}
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        end = lines.index("---", 1)
        for line in lines[1:end]:
            key, _, value = line.partition(":")
            meta[key.strip()] = value.strip()
        lines = lines[end + 1 :]
    return meta, lines


def _variant(item_id: str) -> dict[str, Any]:
    v = _bits(item_id)
    return {
        "fmt": "pdf" if v % 2 else "docx",
        "banner": (v >> 1) % 3 != 0,
        "cn_date": (v >> 3) % 2 == 1,
        "wrap": (v >> 4) % 2 == 1,
        "distribution": (v >> 5) % 2 == 1,
        "public": (v >> 6) % 2 == 1,
        "name": (v >> 7) % 3,
        "footer": (v >> 9) % 2 == 1,
    }


def _name(title: str, choice: int, suffix: str) -> str:
    return (f"{title}", "附件", f"附件1：{title}")[choice] + suffix


def _corpus_item(
    label: dict[str, Any],
    layout: list[tuple[str, str]],
    v: dict[str, Any],
    *,
    number: str = "",
    variant: bool = False,
) -> Item:
    """One labelled corpus document laid out as ``layout``, its truth the labels'."""
    title = label["title"]["value"]
    suffix = ".pdf" if v["fmt"] == "pdf" else ".docx"
    return Item(
        id=label["id"],
        source=label["source"],
        name=_name(title, v["name"], suffix),
        lines=layout,
        truth={
            "title": title,
            "issuer": label["issuer"]["value"],
            "issuer_also": label["issuer"].get("also", []),
            "doc_date": label["doc_date"]["value"] or "",
            "doc_number": number,
        },
        fmt=v["fmt"],
        footer=v["footer"],
        holdout=bool(label.get("holdout")),
        variant=",".join(k for k, x in v.items() if x is True) if variant else "",
    )


def shanghai_items(shared: Path, labels: dict[str, dict]) -> list[Item]:
    """The Shanghai streets' and towns' documents, laid out as 红头 attachments."""
    items = []
    for label in labels.values():
        if label["source"] != "shanghai-towns" or not label.get("path"):
            continue
        path = shared / label["path"][len("shared/") :]
        meta, lines = _front_matter(path.read_text(encoding="utf-8"))
        title = label["title"]["value"]
        issuer = label["issuer"]["value"]
        day = label["doc_date"]["value"]
        v = _variant(label["id"])
        # The page's title heading (# …), repeated in some as a plain line.
        body = [
            line.strip()
            for line in lines
            if line.strip()
            and not line.startswith((">", "#"))
            and _norm(line) != _norm(title)
        ]
        if day and v["cn_date"]:
            arabic = re.compile(rf"^{int(day[:4])}年{int(day[5:7])}月{int(day[8:])}日$")
            body = [chinese_date(day) if arabic.match(b) else b for b in body]
        layout: list[tuple[str, str]] = []
        number = meta.get("文号", "").strip().strip("-—")
        if v["banner"]:
            layout.append((BANNER, f"{issuer}文件"))
            if number:
                layout.append((NUMBER, number))
        for line in _wrap(title) if v["wrap"] else [title]:
            layout.append((TITLE, line))
        layout += [(_align(b), b) for b in body[:400]]
        if v["public"]:
            layout.append((PARA, "（此件公开发布）"))
        if v["distribution"]:
            layout.append((PARA, "抄送：区政府办公室，区发展改革委，区财政局，"))
            layout.append((PARA, "区规划资源局。"))
            printed = chinese_date(day) if day else "2024年1月1日"
            layout.append((PARA, f"{issuer}办公室　　　{printed}印发"))
        items.append(
            _corpus_item(
                label, layout, v, number=number if v["banner"] else "", variant=True
            )
        )
    return items


_DATE_CHARS = re.compile(r"[\d〇一二三四五六七八九十年月日]+")
_ORGAN_LINE = re.compile(r"(?:政府|办事处|委员会|局|办公室)$")


def _align(line: str) -> str:
    """落款 lines are set right; the rest are paragraphs."""
    if len(line) <= 30 and (
        _ORGAN_LINE.search(line)
        or re.fullmatch(r"[\d〇一二三四五六七八九十年月日]+", line)
    ):
        return RIGHT_LINE
    return PARA


def plain_items(shared: Path, labels: dict[str, dict]) -> list[Item]:
    """The township seeds and Pingtan pages (page dumps): their text as a plain
    plan attachment with its title and, where the date is known, a 落款."""
    items = []
    for label in labels.values():
        if label["source"] not in ("seeds", "pingtan") or not label.get("path"):
            continue
        title = (label.get("title") or {}).get("value")
        if not title:
            continue
        text = (shared / label["path"][len("shared/") :]).read_text(encoding="utf-8")
        first = label["sentences"][0][:12]
        start = text.find(first)
        body = text[start:] if start >= 0 else text
        body = re.split(r"\s来源[:：]", body)[0]
        sentences = re.findall(r"[^。\n]+。", body)
        paragraphs = [
            "".join(sentences[i : i + 3]) for i in range(0, min(len(sentences), 24), 3)
        ]
        issuer = label["issuer"]["value"]
        day = label["doc_date"]["value"]
        v = _variant(label["id"])
        layout = [(TITLE, line) for line in (_wrap(title) if v["wrap"] else [title])]
        layout += [(PARA, p) for p in paragraphs]
        if day:
            layout.append((RIGHT_LINE, issuer))
            layout.append(
                (RIGHT_LINE, chinese_date(day) if v["cn_date"] else _arabic(day))
            )
        items.append(_corpus_item(label, layout, v))
    return items


def _arabic(iso: str) -> str:
    return f"{int(iso[:4])}年{int(iso[5:7])}月{int(iso[8:])}日"


def handwritten_items() -> list[Item]:
    """First pages written by hand in GB/T 9704-2012's shapes."""
    rows = [
        json.loads(line)
        for line in (DATA / "handwritten.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()
        if line.strip()
    ]
    held = holdout_ids([row["id"] for row in rows], "attachment-handwritten")
    items = []
    for row in rows:
        suffix = Path(row["name"]).suffix.lower()
        fmt = "pdf" if suffix == ".pdf" else "docx"
        items.append(
            Item(
                id=row["id"],
                source="handwritten",
                name=row["name"],
                lines=[tuple(x) for x in row["lines"]],
                truth=row["truth"],
                fmt=fmt,
                footer=fmt == "pdf",
                holdout=row["id"] in held,
            )
        )
    return items


# ------------------------------------------------------------------ the files


def write_docx(item: Item, path: Path) -> None:
    """A DOCX laid out as GB/T 9704 sets a 公文 (fonts, sizes, alignment)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Noto Serif CJK SC"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Serif CJK SC")
    style.font.size = Pt(16)
    for kind, text in item.lines:
        paragraph = document.add_paragraph()
        run = paragraph.add_run(text)
        if kind == BANNER:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run.font.size = Pt(30)
            run.font.bold = True
            run.font.color.rgb = RGBColor(0xE0, 0, 0)
        elif kind in (NUMBER, CENTER, SMALL):
            paragraph.alignment = (
                WD_ALIGN_PARAGRAPH.LEFT if kind == SMALL else WD_ALIGN_PARAGRAPH.CENTER
            )
        elif kind == TITLE:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run.font.size = Pt(22)
        elif kind == RIGHT_LINE:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        else:
            paragraph.paragraph_format.first_line_indent = Pt(32)
    if item.footer:
        # "— 1 —" with a PAGE field, as GB/T 9704 numbers pages.
        footer = document.sections[0].footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        footer.add_run("— ")
        run = footer.add_run()
        for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
            if tag:
                element = OxmlElement("w:fldChar")
                element.set(qn("w:fldCharType"), tag)
            else:
                element = OxmlElement("w:instrText")
                element.text = text
            run._r.append(element)
        footer.add_run(" —")
    document.save(str(path))


def build_files(items: list[Item], out: Path) -> None:
    """Write every item's DOCX, then convert the PDF ones in one LibreOffice call."""
    out.mkdir(parents=True, exist_ok=True)
    to_pdf = []
    for number, item in enumerate(items):
        docx = out / f"{number:03d}.docx"
        write_docx(item, docx)
        item.path = docx
        if item.fmt == "pdf":
            to_pdf.append(docx)
    if to_pdf:
        with tempfile.TemporaryDirectory() as profile:
            subprocess.run(
                [
                    "soffice",
                    f"-env:UserInstallation=file://{profile}",
                    "--headless",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    str(out),
                    *map(str, to_pdf),
                ],
                check=True,
                capture_output=True,
                timeout=600,
            )
        for item in items:
            if item.fmt == "pdf":
                item.path = item.path.with_suffix(".pdf")  # type: ignore[union-attr]


def read(path: Path, name: str):
    """The attachment's Extraction, as the importer reads it."""
    try:
        from documents.attachments.extract import extract_file
        from documents.attachments.result import Limits

        return extract_file(path, name=name, limits=Limits.from_settings())
    except ImportError:
        return _read_fallback(path)


def _read_fallback(path: Path):
    """Before the extractors land: python-docx paragraphs, pdfplumber pages."""
    from documents.attachments.result import Extraction, Method, PageText

    if path.suffix == ".docx":
        from docx import Document

        text = "\n".join(p.text for p in Document(str(path)).paragraphs)
        return Extraction(text=text, method=Method.DOCX)
    import pdfplumber

    parts, pages, offset = [], [], 0
    with pdfplumber.open(str(path)) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            text = (page.extract_text() or "") + "\n"
            pages.append(PageText(number, offset, offset + len(text), Method.PDF_TEXT))
            parts.append(text)
            offset += len(text)
    return Extraction(text="".join(parts), method=Method.PDF_TEXT, pages=pages)


def scan_items(items: list[Item], count: int) -> list[Item]:
    """Copies of ``count`` PDF items to be read as scans (their pages rendered at
    300 dpi and read by Tesseract), chosen by a fixed hash of their ids."""
    pdfs = sorted((i for i in items if i.fmt == "pdf"), key=lambda i: _bits(i.id))
    return [
        Item(
            id=f"{item.id}#scan",
            source=item.source,
            name=item.name,
            lines=item.lines,
            truth=item.truth,
            fmt="scan",
            footer=item.footer,
            holdout=item.holdout,
            path=item.path,
        )
        for item in pdfs[:count]
    ]


def read_scan(path: Path, out: Path):
    """A scanned attachment's Extraction: the first two pages and the last (where
    the metadata is) rendered at 300 dpi and read by Tesseract chi_sim through
    documents/attachments/ocr.py."""
    from documents.attachments.ocr import ocr_pdf_pages
    from documents.attachments.result import Extraction, Method, PageText

    count = len(_pdf_pages(path))
    numbers = sorted({1, min(2, count), count})
    parts, pages, offset = [], [], 0
    for page in ocr_pdf_pages(path, numbers, dpi=300):
        text = page.text.strip() + "\n"
        pages.append(
            PageText(
                page.number, offset, offset + len(text), Method.OCR, page.confidence
            )
        )
        parts.append(text)
        offset += len(text)
    return Extraction(text="".join(parts), method=Method.OCR, pages=pages)


def _pdf_pages(path: Path) -> list[Any]:
    import pdfplumber

    with pdfplumber.open(str(path)) as pdf:
        return list(range(len(pdf.pages)))


# ------------------------------------------------------------------ scoring


def _norm(value: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", value or ""))


def score(name: str, truth: dict[str, Any], value: str | None) -> str:
    from documents.attachments.metadata import number_key

    expected = truth.get(name) or ""
    if not expected:
        return NONE_OK if not value else WRONG
    if not value:
        return EMPTY
    if name == "doc_number":
        return RIGHT if number_key(value) == number_key(expected) else WRONG
    if name == "issuer":
        names = {_norm(n) for n in [expected, *truth.get("issuer_also", [])]}
        if _norm(value) in names:
            return RIGHT
        # The same organ under a shorter name (赵巷镇人民政府 for 上海市青浦区…).
        if any(n.endswith(_norm(value)) for n in names):
            return SHORT
        return _near(value, expected)
    if name == "title":
        return RIGHT if _norm(value) == _norm(expected) else _near(value, expected)
    return RIGHT if _norm(value) == _norm(expected) else WRONG


def _near(value: str, expected: str) -> str:
    ratio = difflib.SequenceMatcher(None, _norm(value), _norm(expected)).ratio()
    return NEAR if ratio >= NEAR_RATIO else WRONG


def report(items: list[Item], *, details: bool) -> None:
    groups = []
    for kind, formats in (
        ("text layer (DOCX, PDF)", ("docx", "pdf")),
        ("scan", ("scan",)),
    ):
        for part, held in (("tune", False), ("holdout", True)):
            chosen = [i for i in items if i.fmt in formats and i.holdout == held]
            groups.append((f"{kind}, {part}", part, chosen))
    for title, part, chosen in groups:
        print(f"\n== {title}: {len(chosen)} attachments")
        print(
            f"{'field':<11}{'right':>6}{'short':>6}{'near':>6}{'wrong':>6}{'empty':>6}"
            f"{'none':>6}{'precision':>11}{'recall':>8}"
        )
        for name in FIELDS:
            counts = Counter(
                score(name, i.truth, i.found.get(name, "")) for i in chosen
            )
            said = counts[RIGHT] + counts[SHORT] + counts[NEAR] + counts[WRONG]
            stated = sum(1 for i in chosen if i.truth.get(name))
            precision = (counts[RIGHT] + counts[SHORT]) / said if said else 0.0
            recall = counts[RIGHT] / stated if stated else 0.0
            print(
                f"{name:<11}{counts[RIGHT]:>6}{counts[SHORT]:>6}{counts[NEAR]:>6}"
                f"{counts[WRONG]:>6}"
                f"{counts[EMPTY]:>6}{counts[NONE_OK]:>6}{precision:>11.1%}{recall:>8.1%}"
            )
        by_format = defaultdict(Counter)
        for i in chosen:
            for name in FIELDS:
                by_format[i.fmt][score(name, i.truth, i.found.get(name, ""))] += 1
        print(
            "by format: "
            + "; ".join(
                f"{fmt} {c[RIGHT] + c[NONE_OK]}/{sum(c.values())} field values right"
                for fmt, c in sorted(by_format.items())
            )
        )
        if details and part == "tune":
            for i in chosen:
                for name in FIELDS:
                    outcome = score(name, i.truth, i.found.get(name, ""))
                    if outcome in (WRONG, EMPTY, SHORT, NEAR):
                        print(
                            f"  {outcome:<5} {i.id} [{i.fmt}] {name}: "
                            f"{i.found.get(name, '')!r} ≠ {i.truth.get(name)!r}"
                        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None, help="where the files go")
    parser.add_argument("--details", action="store_true", help="list tune misses")
    parser.add_argument(
        "--scans",
        type=int,
        default=12,
        help="how many PDF attachments to read again as 300 dpi scans (Tesseract)",
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plansite.settings.test")
    import django

    django.setup()
    from documents.attachments.metadata import fields_from_attachment

    shared = args.shared or default_shared()
    labels = {label["id"]: label for label in load_labels()}
    items = [
        *shanghai_items(shared, labels),
        *plain_items(shared, labels),
        *handwritten_items(),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        build_files(items, out)
        items += scan_items(items, args.scans)
        for item in items:
            if item.fmt == "scan":
                extraction = read_scan(item.path, out)  # type: ignore[arg-type]
            else:
                extraction = read(item.path, item.name)  # type: ignore[arg-type]
            found = fields_from_attachment(extraction, name=item.name)
            item.found = {name: f.value for name, f in found.items()}
    sources = Counter(i.source for i in items)
    formats = Counter(i.fmt for i in items)
    print(
        f"{len(items)} attachments: "
        + ", ".join(f"{s} {n}" for s, n in sorted(sources.items()))
        + "; "
        + ", ".join(f"{f} {n}" for f, n in sorted(formats.items()))
    )
    print("right: the value; short: the same organ under a shorter name;")
    print(
        f"near: the right line with a character or two misread (ratio ≥ {NEAR_RATIO});"
    )
    print("wrong: another value, or one where the attachment states none;")
    print("empty: none where it states one; none: none, and it states none.")
    report(items, details=args.details)


if __name__ == "__main__":
    main()
