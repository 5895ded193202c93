"""The cost of attachments in an import: N documents with and without them.

Run through bench/ocr_bench.py --import-cost N, or alone:
    .venv/bin/python -m bench.ocr_import_cost --docs 1000

N page files (bench/corpus.py's synthetic documents, as "key: value" text pages
with a 正文 line, as the Pingtan pages are) are imported twice with
``manage.py import_plans`` into fresh var directories (SQLite, the Whoosh index,
the attachment store): once alone, once with a folder of the same name beside
30% of them holding a DOCX (python-docx), 20% a text PDF (LibreOffice) and 5% a
one-page scan (rendered with Noto CJK at 300 dpi, JPEG, img2pdf), each with
text of its own (the store keeps a file once by hash, so copies would be free).
The seconds are wall time of the whole command (extraction in the sandbox, rows,
search index), the making of the files not counted.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SHARES = (("docx", 0.30), ("pdf", 0.20), ("scan", 0.05))


def _page(doc: dict[str, Any]) -> str:
    return (
        f"标题: {doc['title']}\n"
        f"发布时间: {doc['publish_date']}\n"
        f"文号: \n"
        f"发布机构: {doc['issuer']}\n"
        f"索引号: {doc['index_no']}\n"
        f"==================== 正文 ====================\n"
        f"{doc['body']}\n"
    )


def make_trees(count: int, work: Path, *, shared: Path, seed: int = 16) -> dict:
    """Two folders of the same N pages: ``plain`` and ``attached``."""
    import docx

    from bench.corpus import generate, load_samples, load_townships
    from tests.attachments import scans

    samples = load_samples(shared)
    towns = load_townships()
    docs = list(generate(count, seed, samples, towns))
    # The attachments' texts: other documents of the same generator.
    texts = list(generate(count, seed + 1, samples, towns))
    rng = random.Random(seed)
    kinds: list[str | None] = []
    for kind, share in SHARES:
        kinds += [kind] * round(share * count)
    kinds += [None] * (count - len(kinds))
    rng.shuffle(kinds)

    plain, attached = work / "plain", work / "attached"
    for tree in (plain, attached):
        tree.mkdir(parents=True, exist_ok=True)
    pdf_sources: dict[str, str] = {}
    scans_made = 0
    for number, (doc, kind) in enumerate(zip(docs, kinds, strict=True)):
        stem = f"doc-{number:05d}"
        page = _page(doc)
        (plain / f"{stem}.txt").write_text(page, encoding="utf-8")
        (attached / f"{stem}.txt").write_text(page, encoding="utf-8")
        if kind is None:
            continue
        folder = attached / stem
        folder.mkdir()
        text = texts[number]
        if kind == "docx":
            document = docx.Document()
            document.add_heading(text["title"], level=1)
            for paragraph in text["body"].splitlines():
                document.add_paragraph(paragraph)
            document.save(folder / "附件1.docx")
        elif kind == "pdf":
            pdf_sources[stem] = f"{text['title']}\n{text['body']}"
        else:
            pages = scans.render_pages(
                text["body"], title=text["title"], dpi=300, max_pages=1
            )
            image = folder / "scan-page.jpg"
            pages[0].image.save(image, "JPEG", quality=75, dpi=(300, 300))
            scans.scanned_pdf([image], folder / "附件1扫描件.pdf")
            image.unlink()
            scans_made += 1
    if pdf_sources:
        made = scans.text_pdfs(pdf_sources, work / "pdfs", timeout=1800)
        for stem, pdf in made.items():
            shutil.move(pdf, attached / stem / "附件1.pdf")
    return {
        "plain": plain,
        "attached": attached,
        "docx": kinds.count("docx"),
        "pdf": kinds.count("pdf"),
        "scan": kinds.count("scan"),
    }


def _env(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        PLANSITE_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="plansite.settings.base",
        PYTHONPATH=str(ROOT),
    )
    return env


def timed_import(tree: Path, var_dir: Path) -> dict[str, Any]:
    """Migrate a fresh var dir (not timed), then time ``import_plans tree``."""
    var_dir.mkdir(parents=True, exist_ok=True)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=_env(var_dir), check=True, cwd=ROOT)
    start = time.perf_counter()
    done = subprocess.run(
        [*manage, "import_plans", str(tree), "-v1"],
        env=_env(var_dir),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"import_plans failed:\n{done.stderr[-3000:]}")
    counts = subprocess.run(
        [
            *manage,
            "shell",
            "-c",
            "import json; from collections import Counter; "
            "from documents.models import Attachment, Document; "
            "print(json.dumps({'documents': Document.objects.count(), "
            "'attachments': Attachment.objects.count(), "
            "'methods': Counter(Attachment.objects.values_list('method', flat=True)), "
            "'attachment_chars': sum(len(t) for t in "
            "Attachment.objects.values_list('text', flat=True))}))",
        ],
        env=_env(var_dir),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return {
        "seconds": round(seconds, 1),
        **json.loads(counts.stdout.strip().splitlines()[-1]),
        "last_lines": done.stdout.strip().splitlines()[-3:],
    }


def run(count: int, *, shared: Path, work: Path) -> dict[str, Any]:
    start = time.perf_counter()
    trees = make_trees(count, work / "trees", shared=shared)
    made = time.perf_counter() - start
    without = timed_import(trees["plain"], work / "var-plain")
    with_ = timed_import(trees["attached"], work / "var-attached")
    return {
        "documents": count,
        "with_docx": trees["docx"],
        "with_text_pdf": trees["pdf"],
        "with_scan": trees["scan"],
        "making_files_s": round(made, 1),
        "without": without,
        "with": with_,
        "ratio": round(with_["seconds"] / without["seconds"], 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var" / "bench-ocr")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    from bench.ocr_bench import default_shared, setup_django

    setup_django()
    args.var_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=args.var_dir) as tmp:
        result = run(args.docs, shared=default_shared(), work=Path(tmp))
    print(json.dumps(result, ensure_ascii=False, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
