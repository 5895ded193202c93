"""OCR quality and attachment-reading throughput, on rendered pages of known text.

Run from the project root:  .venv/bin/python -m bench.ocr_bench
(--quick: one page, one condition, for the smoke test; --json FILE: the figures.)

1. Quality. Real text from ../shared/corpus (Shanghai street/town documents,
   Pingtan plans, national 政府工作报告 after 1978) is set on A4 pages with
   Noto CJK as a 公文 is set (tests/attachments/scans.py), at 150 and 300 dpi,
   clean and degraded (blur, skew, noise + JPEG quality 30, all of them), and
   read by documents/attachments/ocr.py (Tesseract chi_sim) with each page
   segmentation mode asked for. CER = edit distance / reference length on text
   with whitespace removed; "cer" folds full/half-width forms (NFKC), "strict"
   does not. Also each condition's page confidence, which sets
   PLANSITE_OCR_MIN_CONFIDENCE.
2. Throughput. OCR pages/s serially (Tesseract's own threads, or one) and two
   pages at a time (one thread each); TSV against plain txt output. Text PDFs
   (LibreOffice-made) read with pdfplumber and pypdfium2, DOCX with python-docx:
   pages/s (a DOCX's pages counted as its PDF's).
3. --import-cost: the import of N documents without and with attachments
   (30% a DOCX, 20% a text PDF, 5% a one-page scan); seconds and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEGRADATIONS = ("clean", "blur", "skew", "jpeg30", "all", "faint", "heavy", "wrecked")


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plansite.settings.base")
    import django

    django.setup()


def default_shared() -> Path:
    env = os.environ.get("PLANSITE_SHARED")
    candidates = [Path(env)] if env else []
    candidates += [ROOT.parent / "shared", ROOT.parent.parent / "shared"]
    for path in candidates:
        if (path / "corpus").exists():
            return path
    raise SystemExit("no shared corpus found: set PLANSITE_SHARED")


# ---------------------------------------------------------------- the texts


def corpus_documents(shared: Path, count: int) -> list[tuple[str, str, str]]:
    """(name, title, body) of real documents, taken in turn from each source."""
    corpus = shared / "corpus"
    shanghai = []
    for path in sorted((corpus / "shanghai-towns" / "docs").rglob("*.md")):
        raw = path.read_text(encoding="utf-8")
        title = re.search(r"^标题:\s*(.+)$", raw, re.M)
        body = raw.split("\n---\n", 1)[-1]
        lines = [
            line.lstrip("#").strip()
            for line in body.splitlines()
            if line.strip() and not line.startswith(">")
        ]
        text = "\n".join(lines)
        if len(text) > 1500:  # skip the short notices
            shanghai.append((f"sh-{path.stem[:12]}", title[1] if title else "", text))
    pingtan = []
    for path in sorted((corpus / "pingtan").glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        title = re.search(r"^标题:\s*(.+)$", raw, re.M)
        body = raw.split("正文 ====================", 1)[-1].strip()
        pingtan.append((f"pt-{path.stem}", title[1] if title else "", body))
    national = []
    reports = corpus / "national-reports" / "government_work_reports.jsonl"
    for line in reports.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if int(row.get("year") or 0) >= 1980:
            national.append((f"nr-{row['year']}", row["title"], row["content"]))
    national.sort(key=lambda item: item[0], reverse=True)
    sources = [shanghai, pingtan, national]
    docs: list[tuple[str, str, str]] = []
    index = 0
    while len(docs) < count and any(index < len(s) for s in sources):
        for source in sources:
            # Spread the picks over each source rather than its first files.
            step = max(1, len(source) // max(1, count // len(sources) + 1))
            if index * step < len(source) and len(docs) < count:
                docs.append(source[index * step])
        index += 1
    return docs


# ---------------------------------------------------------------- quality


def run_quality(
    docs,
    *,
    pages_per_doc: int,
    dpis,
    degradations,
    psms,
    work: Path,
    upscale: bool,
    compare_rescale: bool,
) -> list[dict[str, Any]]:
    from documents.attachments import ocr
    from tests.attachments import scans

    jobs = []
    for name, title, body in docs:
        for dpi in dpis:
            pages = scans.render_pages(
                body, title=title, dpi=dpi, max_pages=pages_per_doc
            )
            for number, page in enumerate(pages, 1):
                for degradation in degradations:
                    image = scans.degrade_named(
                        page.image, degradation, dpi=dpi, seed=number
                    )
                    fmt = (
                        "jpg" if degradation not in ("clean", "blur", "skew") else "png"
                    )
                    path = work / f"{name}-{dpi}-{number}-{degradation}.{fmt}"
                    if fmt == "jpg":  # the q30 round trip is in the pixels
                        image.save(path, "JPEG", quality=95, dpi=(dpi, dpi))
                    else:
                        image.save(path, dpi=(dpi, dpi))
                    variants = [(str(dpi), path, dpi)]
                    if upscale and dpi < 300:
                        up = path.with_name(path.stem + "-up.png")
                        factor = 300 / dpi
                        image.resize(
                            (round(image.width * factor), round(image.height * factor)),
                            resample=3,  # bicubic
                        ).save(up, dpi=(300, 300))
                        variants.append((f"{dpi}→300", up, 300))
                    for label, image_path, tell_dpi in variants:
                        for psm in psms:
                            # Without ocr.py's rescaling: the first psm, the
                            # clean and worst pages, as it was before.
                            rescales = [True]
                            if (
                                compare_rescale
                                and psm == psms[0]
                                and degradation in ("clean", "all")
                                and "→" not in label
                            ):
                                rescales.append(False)
                            for rescale in rescales:
                                jobs.append(
                                    dict(
                                        doc=name,
                                        page=number,
                                        dpi=label,
                                        degradation=degradation,
                                        psm=psm,
                                        rescale=rescale,
                                        path=image_path,
                                        tell_dpi=tell_dpi,
                                        truth=page.text,
                                    )
                                )

    def one(job: dict[str, Any]) -> dict[str, Any]:
        start = time.perf_counter()
        text, confidence = ocr.ocr_image(
            job["path"],
            languages="chi_sim",
            psm=job["psm"],
            dpi=job["tell_dpi"],
            rescale=job["rescale"],
        )
        seconds = time.perf_counter() - start
        truth = job.pop("truth")
        job.pop("path")
        return {
            **job,
            "seconds": round(seconds, 3),
            "confidence": confidence,
            "cer": scans.cer(text, truth),
            "strict": scans.cer(text, truth, fold=False),
            "chars": len(scans.normalise_for_cer(truth)),
        }

    with ThreadPoolExecutor(max_workers=ocr.workers()) as pool:
        return list(pool.map(one, jobs))


def summarise_quality(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[(row["dpi"], row["degradation"], row["psm"], row["rescale"])].append(row)
    out = []
    for (dpi, degradation, psm, rescale), group in groups.items():
        chars = sum(r["chars"] for r in group)
        confidences = [r["confidence"] or 0.0 for r in group]
        out.append(
            dict(
                dpi=dpi,
                degradation=degradation,
                psm=psm,
                rescale=rescale,
                pages=len(group),
                # Character-weighted: total edits / total reference characters.
                cer=sum(r["cer"] * r["chars"] for r in group) / chars,
                strict=sum(r["strict"] * r["chars"] for r in group) / chars,
                worst_page_cer=max(r["cer"] for r in group),
                conf_mean=statistics.fmean(confidences),
                conf_min=min(confidences),
                conf_max=max(confidences),
                s_per_page=statistics.fmean(r["seconds"] for r in group),
            )
        )
    order = {d: i for i, d in enumerate(DEGRADATIONS)}
    out.sort(
        key=lambda r: (
            not r["rescale"],
            r["psm"],
            r["dpi"],
            order.get(r["degradation"], 9),
        )
    )
    return out


def print_quality(summary: list[dict[str, Any]]) -> None:
    print("\n## OCR quality (CER: whitespace removed; cer NFKC-folded, strict not)")
    print(
        f"{'scale':<5} {'psm':>3} {'dpi':>8} {'condition':<8} {'pages':>5} {'cer%':>6} "
        f"{'strict%':>7} {'worst%':>6} {'conf':>5} {'min':>5} {'max':>5} {'s/page':>6}"
    )
    for r in summary:
        print(
            f"{'auto' if r['rescale'] else 'off':<5} "
            f"{r['psm']:>3} {r['dpi']:>8} {r['degradation']:<8} {r['pages']:>5} "
            f"{100 * r['cer']:6.2f} {100 * r['strict']:7.2f} "
            f"{100 * r['worst_page_cer']:6.2f} {r['conf_mean']:5.1f} "
            f"{r['conf_min']:5.1f} {r['conf_max']:5.1f} {r['s_per_page']:6.2f}"
        )


def threshold_table(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each candidate PLANSITE_OCR_MIN_CONFIDENCE: the pages it names for
    review, the bad pages (CER > 5%) it catches, the good ones (CER ≤ 2%) it
    names needlessly. Only the runs as ocr.py does them (psm 6, rescaled)."""
    mine = [r for r in rows if r["rescale"] and r["psm"] == 6 and r["confidence"]]
    bad = [r for r in mine if r["cer"] > 0.05]
    good = [r for r in mine if r["cer"] <= 0.02]
    out = []
    for threshold in range(60, 92, 2):
        out.append(
            dict(
                threshold=threshold,
                flagged=sum(r["confidence"] < threshold for r in mine),
                pages=len(mine),
                bad_caught=sum(r["confidence"] < threshold for r in bad),
                bad=len(bad),
                good_flagged=sum(r["confidence"] < threshold for r in good),
                good=len(good),
            )
        )
    return out


def print_thresholds(table: list[dict[str, Any]]) -> None:
    print("\n## Review threshold: pages under it (bad: CER > 5%, good: CER <= 2%)")
    print(f"{'conf<':>5} {'flagged':>9} {'bad caught':>11} {'good flagged':>13}")
    for r in table:
        print(
            f"{r['threshold']:>5} {r['flagged']:>4}/{r['pages']:<4} "
            f"{r['bad_caught']:>5}/{r['bad']:<5} {r['good_flagged']:>6}/{r['good']:<6}"
        )


# ---------------------------------------------------------------- throughput


def run_ocr_throughput(docs, *, pages: int, work: Path) -> dict[str, Any]:
    from documents.attachments import ocr
    from tests.attachments import scans

    paths = []
    for name, title, body in docs:
        for number, page in enumerate(
            scans.render_pages(body, title=title, dpi=300, max_pages=2), 1
        ):
            path = work / f"tp-{name}-{number}.png"
            page.image.save(path, dpi=(300, 300))
            paths.append(path)
            if len(paths) >= pages:
                break
        if len(paths) >= pages:
            break
    out: dict[str, Any] = {"pages": len(paths), "workers": ocr.workers()}

    def timed(label: str, fn) -> None:
        start = time.perf_counter()
        fn()
        seconds = time.perf_counter() - start
        out[label] = round(len(paths) / seconds, 3)

    prepared_dir = work / "prepared"
    prepared_dir.mkdir(exist_ok=True)
    timed(
        "prepare_only",  # levelling and rescaling, no Tesseract
        lambda: [ocr.prepare_image(p, prepared_dir, 300) for p in paths],
    )
    prepared = [ocr.prepare_image(p, prepared_dir, 300) for p in paths]
    timed(
        "tesseract_tsv_prepared",
        lambda: [
            ocr.run_tesseract(p, languages="chi_sim", dpi=d, config="tsv")
            for p, d in prepared
        ],
    )
    timed(
        "tesseract_txt_prepared",
        lambda: [
            ocr.run_tesseract(p, languages="chi_sim", dpi=d, config="txt")
            for p, d in prepared
        ],
    )
    timed(
        "serial_tesseract_threads",
        lambda: [ocr.ocr_image(p, languages="chi_sim", threads=0) for p in paths],
    )
    timed(
        "serial_one_thread",
        lambda: [ocr.ocr_image(p, languages="chi_sim", threads=1) for p in paths],
    )
    timed("parallel_ocr_images", lambda: ocr.ocr_images(paths, languages="chi_sim"))
    timed(
        "unscaled_300dpi_serial",
        lambda: [ocr.ocr_image(p, languages="chi_sim", rescale=False) for p in paths],
    )
    return out


def run_text_throughput(docs, *, work: Path) -> dict[str, Any]:
    import docx
    import pdfplumber
    import pypdfium2 as pdfium

    from tests.attachments import makers, scans

    texts = {name: f"{title}\n{body}" for name, title, body in docs}
    pdfs = scans.text_pdfs(texts, work / "pdf")
    # DOCX from the same texts, by the same LibreOffice, in one call.
    docxs = list(
        makers.convert_texts(texts, "docx", work / "docx", timeout=300).values()
    )

    page_count = 0
    start = time.perf_counter()
    for pdf in pdfs.values():
        with pdfplumber.open(pdf) as document:
            for page in document.pages:
                page.extract_text()
                page_count += 1
    plumber = page_count / (time.perf_counter() - start)

    start = time.perf_counter()
    for pdf in pdfs.values():
        document = pdfium.PdfDocument(str(pdf))
        for index in range(len(document)):
            page = document[index]
            page.get_textpage().get_text_range()
            page.close()
        document.close()
    pdfium_rate = page_count / (time.perf_counter() - start)

    start = time.perf_counter()
    chars = 0
    for path in docxs:
        chars += sum(len(p.text) for p in docx.Document(str(path)).paragraphs)
    docx_seconds = time.perf_counter() - start
    return {
        "documents": len(docs),
        "pdf_pages": page_count,
        "pdfplumber_pages_per_s": round(plumber, 2),
        "pypdfium2_pages_per_s": round(pdfium_rate, 2),
        # A DOCX has no pages: its PDF's page count stands for them.
        "docx_pages_per_s": round(page_count / docx_seconds, 2),
        "docx_documents_per_s": round(len(docxs) / docx_seconds, 2),
        "docx_chars": chars,
    }


# ---------------------------------------------------------------- main


def machine() -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    tesseract = subprocess.run(
        ["tesseract", "--version"], capture_output=True, text=True, check=False
    ).stdout.splitlines()[:1]
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "loadavg": load,
        "tesseract": tesseract[0] if tesseract else None,
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=6, help="documents from corpus")
    parser.add_argument("--pages", type=int, default=2, help="pages of each")
    parser.add_argument("--dpi", type=int, nargs="+", default=[150, 300])
    parser.add_argument("--degradations", nargs="+", default=list(DEGRADATIONS))
    parser.add_argument("--psm", type=int, nargs="+", default=[6, 3])
    parser.add_argument(
        "--no-upscale", action="store_true", help="skip 150 dpi upscaled to 300"
    )
    parser.add_argument(
        "--no-rescale-compare",
        action="store_true",
        help="skip the runs without ocr.py's rescaling",
    )
    parser.add_argument("--quick", action="store_true", help="1 page, 1 condition")
    parser.add_argument("--no-throughput", action="store_true")
    parser.add_argument("--no-quality", action="store_true")
    parser.add_argument("--throughput-pages", type=int, default=8)
    parser.add_argument("--import-cost", type=int, default=0, metavar="N")
    parser.add_argument("--shared", type=Path, default=None)
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var" / "bench-ocr")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.quick:
        args.docs, args.pages, args.dpi = 1, 1, [300]
        args.degradations, args.psm, args.no_upscale = ["clean"], [6], True
        args.no_rescale_compare = True
        args.throughput_pages = 1

    setup_django()
    shared = args.shared or default_shared()
    args.var_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": machine(), "command": sys.argv}
    print(f"# ocr_bench {results['machine']}")
    docs = corpus_documents(shared, args.docs)
    print("documents:", ", ".join(name for name, _t, _b in docs))
    with tempfile.TemporaryDirectory(dir=args.var_dir) as tmp:
        work = Path(tmp)
        start = time.perf_counter()
        rows = (
            []
            if args.no_quality
            else run_quality(
                docs,
                pages_per_doc=args.pages,
                dpis=args.dpi,
                degradations=args.degradations,
                psms=args.psm,
                work=work,
                upscale=not args.no_upscale,
                compare_rescale=not args.no_rescale_compare,
            )
        )
        if rows:
            summary = summarise_quality(rows)
            results["quality"] = summary
            results["quality_pages"] = rows
            print_quality(summary)
            results["thresholds"] = threshold_table(rows)
            print_thresholds(results["thresholds"])
            print(f"(quality runs: {time.perf_counter() - start:.0f} s)")
        if not args.no_throughput:
            tp = run_ocr_throughput(docs, pages=args.throughput_pages, work=work)
            results["ocr_throughput"] = tp
            print("\n## OCR pages/s (clean 300 dpi)", json.dumps(tp))
            text_tp = run_text_throughput(docs, work=work)
            results["text_throughput"] = text_tp
            print("## text PDF / DOCX pages/s", json.dumps(text_tp))
        if args.import_cost:
            from bench import ocr_import_cost

            cost = ocr_import_cost.run(args.import_cost, shared=shared, work=work)
            results["import_cost"] = cost
            print("## import cost", json.dumps(cost))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
