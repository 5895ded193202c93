"""A deterministic synthetic archive recombined from the shared sample texts."""

from __future__ import annotations

import csv
import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
GAZETTEER = ROOT / "documents" / "gazetteer" / "data"

# Sizes are drawn from the township plans; the national reports only add paragraphs.
SIZE_DIRS = ("seeds", "corpus/pingtan")
PARAGRAPH_DIRS = ("seeds", "corpus/pingtan", "corpus/national-reports")
MIN_PARAGRAPH = 8
YEARS = (2005, 2025)
KINDS = ("工作计划", "政府工作报告", "工作总结和工作思路", "主要工作安排和任务分解")
CATEGORIES = ("综合政务/政府工作", "计划总结", "综合类", "城乡建设", "农业农村")
PSEUDO_CITIES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
MUNICIPALITIES = {"11", "12", "31", "50"}


@dataclass(frozen=True)
class Township:
    name: str
    county: str
    city: str
    province: str
    code: str


@dataclass(frozen=True)
class Samples:
    paragraphs: list[str]
    sizes: list[int]
    chars: int


def _bodies(path: Path) -> Iterator[str]:
    """Cleaned bodies through the import pipeline, else the raw text."""
    try:
        from documents.ingest.decode import decode_bytes
        from documents.ingest.layouts import extract_records

        outcomes = extract_records(
            decode_bytes(path.read_bytes()).text, filename=path.name
        )
        for outcome in outcomes:
            if outcome.record is not None and outcome.record.body:
                yield outcome.record.body
    except Exception:  # The pipeline is optional here; the raw text will do.
        yield path.read_text(encoding="utf-8")


def load_samples(shared: Path = SHARED) -> Samples:
    """Paragraphs (lines of cleaned bodies) and document sizes from the samples."""
    paragraphs: dict[str, None] = {}
    sizes: list[int] = []
    chars = 0
    for sub in PARAGRAPH_DIRS:
        for path in sorted((shared / sub).glob("*.*")):
            for body in _bodies(path):
                chars += len(body)
                if sub in SIZE_DIRS:
                    sizes.append(len(body))
                for line in body.splitlines():
                    line = line.strip()
                    if len(line) >= MIN_PARAGRAPH:
                        paragraphs[line] = None
    if not paragraphs or not sizes:
        raise SystemExit(f"no sample texts under {shared}")
    return Samples(list(paragraphs), sizes, chars)


def _read(name: str) -> list[dict[str, str]]:
    with (GAZETTEER / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_townships() -> list[Township]:
    """Every township in streets.csv with its county, city, province names."""
    provinces = {r["code"]: r["name"] for r in _read("provinces.csv")}
    cities = {r["code"]: r["name"] for r in _read("cities.csv")}
    counties = {r["code"]: r["name"] for r in _read("areas.csv")}
    towns = []
    for row in _read("streets.csv"):
        province = provinces.get(row["provinceCode"], "")
        city = cities.get(row["cityCode"], "")
        if city in PSEUDO_CITIES:
            city = province if row["provinceCode"] in MUNICIPALITIES else ""
        towns.append(
            Township(
                name=row["name"],
                county=counties.get(row["areaCode"], ""),
                city=city,
                province=province,
                code=row["code"],
            )
        )
    return towns


def choose_townships(towns: list[Township], docs: int, rng: random.Random):
    """About ten documents per township, as an archive of a few regions would have."""
    count = max(20, min(len(towns), docs // 10))
    return rng.sample(towns, count)


def generate(
    docs: int, seed: int, samples: Samples, towns: list[Township]
) -> Iterator[dict]:
    """Field values for ``docs`` documents, the same for the same seed."""
    rng = random.Random(seed)
    pool = choose_townships(towns, docs, rng)
    paragraphs = samples.paragraphs
    for number in range(docs):
        town = rng.choice(pool)
        year = rng.randint(*YEARS)
        target = int(rng.choice(samples.sizes) * rng.uniform(0.7, 1.3))
        lines: list[str] = []
        size = 0
        while size < target:
            line = rng.choice(paragraphs)
            lines.append(line)
            size += len(line) + 1
        body = "\n".join(lines)
        doc_date = date(year, 1, 1) + timedelta(days=rng.randint(0, 364))
        kind = rng.choice(KINDS)
        yield {
            "index_no": f"BENCH-{seed}-{number:07d}",
            "title": f"{town.name}{year}年{kind}",
            "issuer": f"{town.name}人民政府",
            # A 文号 of the issuer's year (no draw from rng: the texts stay
            # the same for a seed), for field search (文号:).
            "doc_number": f"{town.name[:2]}政发〔{year}〕{number % 97 + 1}号",
            "township": town.name,
            "county": town.county,
            "city": town.city,
            "province": town.province,
            "division_code": town.code,
            "plan_year": year,
            "doc_date": doc_date,
            "publish_date": doc_date + timedelta(days=rng.randint(0, 30)),
            "category": rng.choice(CATEGORIES),
            "original": body,
            "body": body,
            "content_hash": hashlib.sha256(body.encode()).hexdigest(),
            "layout": "bench",
        }


def largest_body(limit_bytes: int, shared: Path = SHARED) -> str:
    """A text of at most ``limit_bytes`` UTF-8 bytes (and near it): the
    national reports one after another, paragraph by paragraph, again from the
    start when they run out. The worst document a page can be asked to show
    (PLANSITE_MAX_DOCUMENT_BYTES), with real headings and real prose."""
    import json

    base = shared if (shared / "corpus").exists() else ROOT / "samples"
    paragraphs: list[str] = []
    for path in sorted((base / "corpus" / "national-reports").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            content = json.loads(line)["content"]
            paragraphs += [p.strip() for p in content.split("\n") if p.strip()]
    chosen: list[str] = []
    size = 0
    while paragraphs:
        for paragraph in paragraphs:
            cost = len(paragraph.encode("utf-8")) + 1
            if size + cost > limit_bytes:
                return "\n".join(chosen)
            chosen.append(paragraph)
            size += cost
    return ""
