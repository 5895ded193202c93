"""Build samples/site/ (the sample TRS 政务公开 column) from the shared sample texts.

Run once from the project root:
    .venv/bin/python samples/build_sample_site.py [SHARED_DIR]
It reads ../shared/seeds and ../shared/corpus (see samples/site/SOURCE.md), writes the
pages through documents/harvest/sample_site.py's templates, and makes the
attachments with real tools: python-docx for .docx, LibreOffice (headless, its own
profile, a timeout) for .pdf. The output is committed; this script is only needed
to change it.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from documents.harvest.sample_site import (  # noqa: E402
    COLUMN,
    PRIVATE_PREFIX,
    SAMPLE_SITE_DIR,
    Attachment,
    SampleDocument,
    detail_path,
    write_column,
)

# ../shared beside the checkout; a worktree elsewhere passes the folder as argv[1].
SHARED = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared"
BODY_CHARS = 6000  # a page's body is cut at the paragraph end after this many
# Attachments stay small: an embedded CJK font subset grows with the characters used.
ATTACHMENT_CHARS = 1500


def _paragraphs(text: str) -> list[str]:
    """Lines as paragraphs; a very long line (a flattened page) split at 。."""
    out: list[str] = []
    for line in text.splitlines():
        line = line.strip().strip("|").strip()
        if not line:
            continue
        if len(line) <= 400:
            out.append(line)
            continue
        current = ""
        for sentence in re.split(r"(?<=。)", line):
            current += sentence
            if len(current) >= 250:
                out.append(current.strip())
                current = ""
        if current.strip():
            out.append(current.strip())
    return out


def _cut(paragraphs: list[str], limit: int = BODY_CHARS) -> list[str]:
    kept, size = [], 0
    for p in paragraphs:
        kept.append(p)
        size += len(p)
        if size >= limit:
            break
    return kept


def _seed(name: str) -> list[str]:
    return (SHARED / "seeds" / name).read_text(encoding="utf-8").splitlines()


def _pingtan(number: str) -> list[str]:
    text = (SHARED / "corpus" / "pingtan" / f"{number}.txt").read_text("utf-8")
    body = text.split("==================== 正文 ====================", 1)[1]
    # The flattened page starts with its chrome: 当前位置 … 微信 微博 QQ空间.
    body = re.sub(r"^\s*当前位置：.*?QQ空间\s*", "", body, count=1, flags=re.S)
    return _paragraphs(body)


def _shanghai(relative: str) -> list[str]:
    text = (SHARED / "corpus" / "shanghai-towns" / "docs" / relative).read_text("utf-8")
    body = text.split("\n---\n", 1)[1]
    lines = [
        line
        for line in body.splitlines()
        if not line.startswith(">") and not line.startswith("# ")
    ]
    return _paragraphs("\n".join(lines))


def _attachment_name(date: str, label: str, suffix: str) -> str:
    digits = int(hashlib.sha256(label.encode()).hexdigest(), 16) % 10**14
    return f"P020{date.replace('-', '')}{digits:014d}{suffix}"


def documents() -> list[tuple[SampleDocument, list[tuple[Attachment, list[str]]]]]:
    """The twelve entries: metadata, body, and each attachment's text."""
    docs = []

    lines = _seed("000_7425ca3ffd931d1b.txt")
    body = _paragraphs("\n".join(lines[8:]))
    docs.append(
        (
            dict(
                serial=127594,
                title="周巷镇2021年政府工作目标和主要任务",
                date="2021-01-27",
                issuer="周巷镇",
                index_no=lines[0],
                subject="计划总结",
                source="shared/seeds/000_7425ca3ffd931d1b.txt (title written for "
                "the page: the seed has none)",
            ),
            body,
            [("附件1：周巷镇2021年政府工作目标和主要任务（全文）", "pdf")],
        )
    )
    lines = _seed("001_f335f9e20c8b25d3.txt")
    docs.append(
        (
            dict(
                serial=74151,
                title=lines[3].strip("| "),
                date="2023-06-16",
                issuer="章镇镇",
                index_no="002590139/2023-74151",
                subject="计划总结",
                source="shared/seeds/001_f335f9e20c8b25d3.txt",
            ),
            _paragraphs(re.sub(r"\s{1,}", "\n", "\n".join(lines[4:]))),
            [],
        )
    )
    lines = _seed("002_8e0279829cf70102.txt")
    docs.append(
        (
            dict(
                serial=144703,
                title=lines[3],
                date="2020-11-04",
                issuer="店口镇",
                index_no="001008006002071/2020-144703",
                subject="综合政务/政府工作",
                source="shared/seeds/002_8e0279829cf70102.txt",
            ),
            _paragraphs("\n".join(lines[4:])),
            [
                ("附件1：店口镇2020年度政府工作报告", "pdf"),
                ("附件2：店口镇2020年度政府工作报告", "docx"),
            ],
        )
    )
    lines = _seed("004_a6728eaf152c9f05.txt")
    start = next(i for i, line in enumerate(lines) if "浏览次数" in line) + 1
    docs.append(
        (
            dict(
                serial=108413,
                title="东塍镇2020年工作计划",
                date="2020-02-26",
                issuer="东塍镇",
                index_no="LH331082-074/2021-108413",
                subject="计划总结",
                source="shared/seeds/004_a6728eaf152c9f05.txt",
            ),
            _paragraphs("\n".join(lines[start:])),
            [],
        )
    )
    pingtan = [
        ("42036", "平潭综合实验区苏平片区管理局2022年度工作计划", "2021-12-31",
         "平潭综合实验区苏平片区管理局", "", []),
        ("42053", "海坛片区管理局2022工作计划", "2022-11-16",
         "平潭综合实验区海坛片区管理局", "", []),
        ("83294", "平潭综合实验区金井片区管理局2022年工作总结及2023年工作计划",
         "2023-01-05", "平潭综合实验区金井片区管理局", "",
         [("附件1：金井片区管理局2022年工作总结", "pdf"),
          ("附件2：金井片区管理局2023年工作计划", "docx"),
          ("附件3：金井片区管理局2023年工作计划", "pdf")]),
        ("6329", "平潭综合实验区市场监督管理局关于印发2016年工作思路的通知",
         "2016-01-19", "平潭综合实验区市场监督管理局", "", []),
    ]  # fmt: skip
    for number, title, date, issuer, doc_number, attached in pingtan:
        docs.append(
            (
                dict(
                    serial=int(number),
                    title=title,
                    date=date,
                    issuer=issuer,
                    doc_number=doc_number,
                    subject="计划总结",
                    source=f"shared/corpus/pingtan/{number}.txt",
                ),
                _pingtan(number),
                attached,
            )
        )
    shanghai = [
        ("城市更新与历史保护/上海市奉贤区柘林镇人民政府关于印发《柘林镇文物保护规划》的通知.md",
         "上海市奉贤区柘林镇人民政府关于印发《柘林镇文物保护规划》的通知", "2023-10-13",
         "奉贤区柘林镇人民政府", "奉柘府〔2023〕21号", 231104),
        ("规划与土地/上海市奉贤区人民政府头桥街道办事处关于印发《头桥街道建设用地减量化工作实施方案（2025年—2027.md",
         "上海市奉贤区人民政府头桥街道办事处关于印发《头桥街道建设用地减量化工作实施方案（2025年—2027年）》的通知",
         "2024-12-23", "上海市奉贤区人民政府头桥街道办事处", "奉头街〔2024〕13号",
         84985),
        ("房屋与住房/关于印发《吴泾镇城镇房屋安全隐患排查整治工作方案》的通知.md",
         "关于印发《吴泾镇城镇房屋安全隐患排查整治工作方案》的通知", "2021-07-02",
         "上海市闵行区吴泾镇人民政府", "闵吴府发〔2021〕5号", 3178),
    ]  # fmt: skip
    for relative, title, date, issuer, doc_number, serial in shanghai:
        docs.append(
            (
                dict(
                    serial=serial,
                    title=title,
                    date=date,
                    issuer=issuer,
                    doc_number=doc_number,
                    subject="规划计划",
                    source=f"shared/corpus/shanghai-towns/docs/{relative}",
                ),
                _shanghai(relative),
                [],
            )
        )
    # The entry robots.txt keeps crawlers from: a real page under /private/.
    docs.append(
        (
            dict(
                serial=59755,
                title="平潭综合实验区管委会印发平潭综合实验区2016年度旅游工作要点的通知",
                date="2016-02-06",
                issuer="平潭综合实验区管委会",
                index_no="PZ00101-2500-2016-00006",
                doc_number="岚综管综〔2016〕20号",
                subject="计划总结",
                source="shared/corpus/pingtan/59755.txt",
                column=PRIVATE_PREFIX,
            ),
            _pingtan("59755"),
            [],
        )
    )

    built = []
    for meta, body, attached in docs:
        serial = meta.pop("serial")
        column = meta.pop("column", COLUMN)
        kept = _cut(body)
        rest = body[len(kept) :] or kept
        files = []
        for label, suffix in attached:
            name = _attachment_name(meta["date"], label, "." + suffix)
            # The attachment's text: the part of the document the page leaves out
            # (or the whole body when nothing is left out), as sites often do.
            text = [label, *_cut(rest, ATTACHMENT_CHARS)]
            files.append((Attachment(name, f"{label}.{suffix}"), text))
        doc = SampleDocument(
            path=detail_path(meta["date"], serial, column=column),
            paragraphs=tuple(kept),
            attachments=tuple(a for a, _ in files),
            **meta,
        )
        built.append((doc, files))
    return built


def _make_docx(path: Path, paragraphs: list[str]) -> None:
    import docx
    from docx.oxml.ns import qn

    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name = "Noto Serif CJK SC"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Noto Serif CJK SC")
    document.add_heading(paragraphs[0], level=1)
    for p in paragraphs[1:]:
        document.add_paragraph(p)
    document.core_properties.author = "sample site"
    document.save(path)


def _make_pdf(path: Path, paragraphs: list[str], work: Path) -> None:
    source = work / (path.stem + ".docx")
    _make_docx(source, paragraphs)
    profile = work / "lo-profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work),
            str(source),
        ],
        check=True,
        timeout=120,
        capture_output=True,
    )
    shutil.move(work / (path.stem + ".pdf"), path)


def main() -> None:
    target = SAMPLE_SITE_DIR
    for child in target.iterdir() if target.exists() else []:
        if child.name != "SOURCE.md":
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    built = documents()
    write_column(target, [doc for doc, _ in built])
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        for doc, files in built:
            folder = (target / doc.path.lstrip("/")).parent
            for attachment, text in files:
                out = folder / attachment.filename
                if out.suffix == ".docx":
                    _make_docx(out, text)
                else:
                    _make_pdf(out, text, work)
    for doc, _ in built:
        names = [a.filename for a in doc.attachments]
        sys.stdout.write(f"{doc.path} {doc.title} {names}\n")


if __name__ == "__main__":
    main()
