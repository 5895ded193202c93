"""Real attachment files made by real tools, for every attachment test.

LibreOffice headless converts (DOCX → DOC, ODT, RTF, PDF, XLS, …), python-docx writes
DOCX with real heading styles, openpyxl writes XLSX, pypdfium2 copies PDF pages,
zipfile builds bundles. Nothing here fakes a converter: a test that reads one of these
files reads what the tool wrote.

LibreOffice starts in ~1-3 s, so convert many files in one `soffice` call
(`soffice_convert(paths, fmt, out_dir)`), and give each call a private profile
directory so parallel test runs do not fight over ~/.config/libreoffice.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import struct
import subprocess
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"

SOFFICE = shutil.which("soffice") or "/usr/bin/soffice"

# Export filters by target suffix; LibreOffice picks them from the suffix too, but
# naming them makes the intent plain (and "et" has no filter of its own: WPS 表格 reads
# and writes the Excel 97 binary format, so LibreOffice writes that).
FILTERS = {
    "docx": "docx:MS Word 2007 XML",
    "doc": "doc:MS Word 97",
    "odt": "odt:writer8",
    "rtf": "rtf:Rich Text Format",
    "pdf": "pdf:writer_pdf_Export",
    "xls": "xls:MS Excel 97",
    "xlsx": "xlsx:Calc MS Excel 2007 XML",
    "ods": "ods:calc8",
}


def soffice_convert(
    sources: Sequence[Path],
    fmt: str,
    out_dir: Path,
    *,
    infilter: str | None = None,
    timeout: float = 180,
) -> list[Path]:
    """Convert every source to `fmt` in ONE LibreOffice run; the outputs, in order.

    `fmt` is a suffix from FILTERS or a full "suffix:Filter:options" string. A plain-text
    source needs `infilter="Text (encoded):UTF8"` or LibreOffice guesses the encoding.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    if not sources:
        return []  # soffice with no file to convert would never exit
    target = FILTERS.get(fmt, fmt)
    suffix = target.split(":", 1)[0]
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        cmd = [
            SOFFICE,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
        ]
        if infilter:
            cmd.append(f"--infilter={infilter}")
        cmd += ["--convert-to", target, "--outdir", str(out_dir)]
        cmd += [str(s) for s in sources]
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()
            raise
    outputs = [out_dir / (Path(s).stem + "." + suffix) for s in sources]
    missing = [p for p in outputs if not p.exists()]
    if missing:
        raise RuntimeError(
            f"soffice made no {missing}: {out.decode(errors='replace')}"
            f" {err.decode(errors='replace')}"
        )
    return outputs


def convert_texts(
    texts: Mapping[str, str], fmt: str, out_dir: Path, *, timeout: float = 180
) -> dict[str, Path]:
    """Plain texts (stem → text) converted to `fmt` in ONE LibreOffice run; stem →
    the file made."""
    with tempfile.TemporaryDirectory(prefix="lo-texts-") as tmp:
        sources = []
        for stem, text in texts.items():
            source = Path(tmp) / f"{stem}.txt"
            source.write_text(text, encoding="utf-8")
            sources.append(source)
        outputs = soffice_convert(
            sources,
            fmt,
            out_dir,
            infilter="Text (encoded):UTF8,LF,,,",
            timeout=timeout,
        )
    return dict(zip(texts, outputs, strict=True))


# -- DOCX with python-docx -------------------------------------------------------


@dataclass(frozen=True)
class Para:
    """A paragraph to write: plain text, or a heading of `level` (1-9)."""

    text: str
    level: int = 0  # 0 = body text
    page_break_before: bool = False


def write_docx(
    path: Path,
    paragraphs: Iterable[Para | str],
    *,
    tables: Sequence[Sequence[Sequence[str]]] = (),
    heading_style: str = "Heading {level}",
) -> Path:
    """A DOCX with real heading styles ("Heading 1"… or e.g. "标题 {level}"), and tables.

    A style name not in python-docx's template (such as "标题 1", as a Chinese Word
    names it) is added as a paragraph style based on the matching "Heading N".
    """
    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    styles = document.styles
    for para in paragraphs:
        if isinstance(para, str):
            para = Para(para)
        if para.page_break_before:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        if para.level:
            name = heading_style.format(level=para.level)
            if name not in [s.name for s in styles]:
                style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
                style.base_style = styles[f"Heading {para.level}"]
            document.add_paragraph(para.text, style=name)
        else:
            document.add_paragraph(para.text)
    for rows in tables:
        width = max(len(r) for r in rows)
        table = document.add_table(rows=len(rows), cols=width)
        for i, row in enumerate(rows):
            for j, cell in enumerate(row):
                table.cell(i, j).text = str(cell)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


_FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document
 xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text">
<office:body><office:text>{body}</office:text></office:body></office:document>
"""


def write_fodt(path: Path, body: str) -> Path:
    """A flat ODF text document (LibreOffice's XML) with `body` as office:text.

    For what python-docx cannot write, such as a text box: LibreOffice converts
    the FODT to DOCX/DOC as Word would have them.
    """
    path.write_text(_FODT.format(body=body), encoding="utf-8")
    return path


def text_box_fodt(path: Path, before: str, box: str, after: str) -> Path:
    """Two paragraphs, the first anchoring a text box holding `box`."""
    return write_fodt(
        path,
        f"<text:p>{before}<draw:frame draw:name='f1' text:anchor-type='paragraph'"
        " svg:width='10cm' svg:height='2cm'><draw:text-box>"
        f"<text:p>{box}</text:p></draw:text-box></draw:frame></text:p>"
        f"<text:p>{after}</text:p>",
    )


def write_xlsx(path: Path, sheets: Mapping[str, Sequence[Sequence[object]]]) -> Path:
    """An XLSX with one worksheet per entry, rows as given (openpyxl)."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(str(path))
    return path


class _GbkInfo(zipfile.ZipInfo):
    """A member whose name goes into the header as GBK bytes, without the UTF-8
    flag (zipfile itself writes ASCII or flagged UTF-8 only)."""

    def _encodeFilenameFlags(self):  # noqa: N802 - zipfile's name
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def write_zip(
    path: Path,
    members: Mapping[str, bytes | Path],
    *,
    compression: int = zipfile.ZIP_DEFLATED,
    utf8_names: bool = True,
) -> Path:
    """A ZIP of the members (name → bytes or a file to copy in).

    `utf8_names=False` writes the names in GBK without the UTF-8 flag, as zip tools
    on Chinese Windows do; zipfile only writes that with a small trick (see below).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=compression) as bundle:
        for name, data in members.items():
            payload = data.read_bytes() if isinstance(data, Path) else data
            if utf8_names:
                bundle.writestr(name, payload)
            else:
                info = _GbkInfo(name)
                info.compress_type = compression
                bundle.writestr(info, payload)
    return path


def repeat_pdf_pages(source: Path, path: Path, count: int) -> Path:
    """A PDF of `count` pages, each a copy of `source`'s first page (PDFium)."""
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(str(source))
    out = pdfium.PdfDocument.new()
    out.import_pages(src, [0] * count)
    path.parent.mkdir(parents=True, exist_ok=True)
    out.save(str(path))
    out.close()
    src.close()
    return path


def encrypted_pdf_filter(password: str = "secret") -> str:
    """The soffice --convert-to target for a PDF that needs `password` to open."""
    options = {
        "EncryptFile": {"type": "boolean", "value": "true"},
        "DocumentOpenPassword": {"type": "string", "value": password},
    }
    return "pdf:writer_pdf_Export:" + json.dumps(options)


# -- Hostile files --------------------------------------------------------------
# Bombs are made by hand: no honest tool writes them. Their parts are real (zlib
# streams, PDF objects a reader parses), only the proportions are hostile.


def deflate_bomb(inflated_mib: int, byte: bytes = b" ") -> bytes:
    """A zlib stream that inflates to `inflated_mib` MiB of `byte`, in ~1 KB a MiB.

    Each MiB is compressed after a full flush (which resets the dictionary), so one
    block repeats; the Adler-32 at the end is computed over the whole output.
    """
    chunk = byte * (1 << 20)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    again = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    adler = 1
    for _ in range(inflated_mib):
        adler = zlib.adler32(chunk, adler)
    body = first + again * (inflated_mib - 1) + packer.flush()
    return b"\x78\xda" + body + struct.pack(">I", adler)


def _pdf(objects: Sequence[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<</Size {len(objects) + 1}/Root 1 0 R>>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    head = b"<</Length %d/Filter/FlateDecode%s>>\nstream\n" % (len(data), extra)
    return head + data + b"\nendstream"


_FONT = b"/Font<</F1 <</Type/Font/Subtype/Type1/BaseFont/Helvetica>>>>"


def pdf_memory_bomb(path: Path, inflated_mib: int = 1024) -> Path:
    """A one-page PDF of ~1 MB whose content stream inflates to `inflated_mib` MiB."""
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R"
        b"/Resources<<" + _FONT + b">>>>",
        _stream(deflate_bomb(inflated_mib)),
    ]
    path.write_bytes(_pdf(objects))
    return path


def pdf_cpu_bomb(path: Path, depth: int = 9, fanout: int = 10) -> Path:
    """A one-page PDF of ~3 KB that draws a form `fanout`**depth times (nested forms)."""
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R"
        b"/Resources<</XObject<</X 5 0 R>>>>>>",
        _stream(zlib.compress(b"/X Do")),
    ]
    for level in range(depth):
        number = 5 + level
        if level < depth - 1:
            body = b" ".join([b"q /X Do Q"] * fanout)
            resources = b"/Resources<</XObject<</X %d 0 R>>>>" % (number + 1)
        else:
            body = b"BT /F1 12 Tf 10 10 Td (bomb) Tj ET"
            resources = b"/Resources<<" + _FONT + b">>"
        form = b"/Type/XObject/Subtype/Form/BBox[0 0 612 792]" + resources
        objects.append(_stream(zlib.compress(body), form))
    path.write_bytes(_pdf(objects))
    return path


def slow_rtf(path: Path, paragraphs: int = 30000) -> Path:
    """An RTF that LibreOffice takes ~5 s to convert (30,000 paragraphs), to overrun
    a timeout with a real conversion rather than a pretend hang."""
    lines = [
        f"{{\\pard \\u31532?{i}\\u27573? work plan text\\par}}\n"
        for i in range(paragraphs)
    ]
    path.write_text("{\\rtf1\\ansi\\deff0 " + "".join(lines) + "}", "ascii")
    return path


# -- Real text from ../shared ----------------------------------------------------


_FRONT = re.compile(r"\A---\n.*?\n---\n", re.S)


def corpus_documents(limit: int = 5) -> list[tuple[str, str]]:
    """(title, body) of real Shanghai town documents from ../shared/corpus.

    The front matter and the quoted provenance note are dropped; the body keeps its
    paragraphs. Sorted by path so every run picks the same documents.
    """
    folder = CORPUS / "shanghai-towns" / "docs"
    if not folder.is_dir():
        # Without it every conversion below would get no file, and LibreOffice
        # given no file waits as a headless office until the timeout.
        raise FileNotFoundError(
            f"{folder}: the attachment tests make their files from the Shanghai "
            "towns corpus, which is in ../shared beside the checkout, not in samples/"
        )
    out: list[tuple[str, str]] = []
    for md in sorted(folder.rglob("*.md")):
        raw = md.read_text(encoding="utf-8")
        title_match = re.search(r"^标题:\s*(.+)$", raw, re.M)
        body = _FRONT.sub("", raw)
        lines = [
            line.lstrip("# ").strip()
            for line in body.splitlines()
            if line.strip() and not line.startswith(">")
        ]
        if not title_match or len(lines) < 3:
            continue
        out.append((title_match.group(1).strip(), "\n".join(lines)))
        if len(out) >= limit:
            break
    return out


def paragraphs_of(title: str, body: str) -> list[Para]:
    """Title as Heading 1, then the body's lines; "第X条"/"一、" lines as Heading 2."""
    paras = [Para(title, level=1)]
    for line in body.splitlines():
        if line == title:
            continue
        heading = re.match(
            r"^(第[一二三四五六七八九十百]+[章条]|[一二三四五六七八九十]+、)", line
        )
        paras.append(Para(line, level=2 if heading and len(line) < 40 else 0))
    return paras


# -- One set of files for a test session ----------------------------------------


@dataclass
class MadeFiles:
    """The files `make_all` wrote, and the text each holds (the truth for tests)."""

    texts: dict[str, str]  # stem → the paragraphs written, joined by "\n"
    files: dict[str, dict[str, Path]]  # stem → suffix → path

    def path(self, stem: str, suffix: str) -> Path:
        return self.files[stem][suffix]


OFFICE_FORMATS = ("doc", "odt", "rtf", "pdf")


def make_all(out_dir: Path, *, documents: int = 3) -> MadeFiles:
    """Real documents from the corpus as DOCX (python-docx), and DOC/ODT/RTF/PDF (LO).

    One soffice run per target format, each converting all documents. Also a two-page
    PDF ("twopage"), an XLSX with two sheets and its XLS conversion ("sheet"), and
    a paragraph anchoring a text box as DOCX and DOC ("textbox", from FODT).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    texts: dict[str, str] = {}
    files: dict[str, dict[str, Path]] = {}
    docx_paths = []
    for i, (title, body) in enumerate(corpus_documents(documents)):
        stem = f"doc{i}"
        paras = paragraphs_of(title, body)
        docx_path = write_docx(out_dir / f"{stem}.docx", paras)
        texts[stem] = "\n".join(p.text for p in paras)
        files[stem] = {"docx": docx_path}
        docx_paths.append(docx_path)
    pages = ["第一页的内容：乡村振兴重点任务。", "第二页的内容：人居环境整治提升。"]
    two = write_docx(
        out_dir / "twopage.docx",
        [Para(pages[0]), Para(pages[1], page_break_before=True)],
    )
    texts["twopage"] = "\n".join(pages)
    files["twopage"] = {"docx": two}
    sheet_rows = {
        "2023年任务": [["序号", "任务", "责任单位"], [1, "道路硬化", "建设办"]],
        "资金": [["项目", "金额（万元）"], ["污水管网", 120.5]],
    }
    xlsx = write_xlsx(out_dir / "sheet.xlsx", sheet_rows)
    box = text_box_fodt(
        out_dir / "textbox.fodt",
        "正文第一段。",
        "文本框里的发文机关标志",
        "正文第二段。",
    )
    texts["textbox"] = "正文第一段。\n文本框里的发文机关标志\n正文第二段。"
    jobs = {fmt: docx_paths + ([two] if fmt == "pdf" else []) for fmt in OFFICE_FORMATS}
    jobs["doc"].append(box)
    jobs["docx"] = [box]
    jobs["xls"] = [xlsx]
    # Two LibreOffice runs at a time (each its own profile): 12.4 s against 18.4 s
    # one after another, on two busy cores.
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = {
            fmt: pool.submit(soffice_convert, sources, fmt, out_dir / fmt)
            for fmt, sources in jobs.items()
        }
        for fmt, future in done.items():
            for src, made in zip(jobs[fmt], future.result(), strict=True):
                files.setdefault(src.stem, {})[fmt] = made
    xls = files["sheet"]["xls"]
    texts["sheet"] = "\n".join(
        "\t".join(str(c) for c in row) for rows in sheet_rows.values() for row in rows
    )
    files["sheet"] = {"xlsx": xlsx, "xls": xls}
    return MadeFiles(texts=texts, files=files)
