"""How true the importer's metadata is, on a hand-labelled set of real documents.

Run from the project root:  .venv/bin/python -m bench.metadata_bench

The labels (bench/metadata/labels/*.jsonl, conventions in bench/metadata/README.md)
were written by reading each source, never from the importer's output. This
script imports every labelled source into a throwaway SQLite database under
--var-dir (no search index), finds each label's Document by its source
locator (SourcePath.locator) and reports, per field, the share right, wrong
and empty, separately for fields the source states with a label and fields the
importer has to infer, and separately for the tune and the holdout documents.
It also lists wrong regions (the target is none), bodies that keep a labelled
chrome line and bodies that lost a labelled sentence.

Nobody tunes on the holdout: by default only its totals are printed;
--holdout prints its details too.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

LABEL_DIR = ROOT / "bench" / "metadata" / "labels"
FIELDS = (
    "title",
    "issuer",
    "level",
    "region",
    "index_no",
    "doc_date",
    "publish_date",
    "plan_year",
    "category",
)
REGION_LEVELS = ("province", "city", "county", "township")
MUNICIPALITIES = {"北京市", "天津市", "上海市", "重庆市"}
# Outcomes of one field of one document.
RIGHT, WRONG, EMPTY, PARTIAL = "right", "wrong", "empty", "partial"
# A chrome entry this short is matched as a whole body line, not as a substring.
SHORT_CHROME = 8


# ---------------------------------------------------------------- labels


def default_shared() -> Path:
    """The shared data folder (seeds, corpus): beside the checkout or one level up."""
    env = os.environ.get("PLANSITE_SHARED")
    candidates = [Path(env)] if env else []
    candidates += [ROOT.parent / "shared", ROOT.parent.parent / "shared"]
    for path in candidates:
        if (path / "seeds").exists():
            return path
    return ROOT / "samples"


def load_labels(label_dir: Path = LABEL_DIR) -> list[dict[str, Any]]:
    labels = []
    for path in sorted(label_dir.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                label = json.loads(line)
                label["_file"] = f"{path.name}:{number}"
                labels.append(label)
    return labels


def resolve(label_path: str, shared: Path) -> Path:
    """A label's path: ``shared/...`` is under the shared folder, else the repo."""
    if label_path.startswith("shared/"):
        return shared / label_path[len("shared/") :]
    return ROOT / label_path


def locator(label_path: str, record: str | None, shared: Path) -> str:
    """The SourcePath.locator the importer gives this file or record."""
    path = str(resolve(label_path, shared).resolve())
    return f"{path}#{record}" if record else path


def holdout_ids(ids: list[str], source: str, batch: int = 1) -> set[str]:
    """A quarter of a source's documents, by a fixed seeded shuffle.

    Documents added to a source later form a new ``batch`` (the label's
    ``batch`` key, 1 when absent) with its own seed, so adding documents never
    re-draws the holdout of the ones already labelled.
    """
    order = sorted(ids)
    seed = f"plansite-13-{source}" + (f"-batch{batch}" if batch > 1 else "")
    random.Random(seed).shuffle(order)
    return set(order[: round(len(order) / 4)])


# ---------------------------------------------------------------- comparison


def squash(text: str) -> str:
    """Width-normalised text without whitespace (hard wraps may be rejoined)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def compare_value(truth: dict[str, Any], got: Any, norm=str) -> str | None:
    """right / wrong / empty for a single value; None when the field is not scored.

    A genuinely absent value (null) is right when the importer leaves it empty
    and wrong when it invents one.
    """
    if truth.get("how") == "unknown":
        return None
    value = truth.get("value")
    if blank(got):
        return RIGHT if value is None else EMPTY
    if value is None:
        return WRONG
    accepted = [value, *truth.get("also", [])]
    return RIGHT if norm(str(got)) in {norm(str(v)) for v in accepted} else WRONG


def compare_level(truth: dict[str, Any], level: str, department: bool | None) -> str:
    """The level must match; the department flag too when the importer has one."""
    if blank(level):
        return EMPTY
    if level != truth["value"]:
        return WRONG
    if department is not None and department != truth.get("department", False):
        return WRONG
    return RIGHT


def _names(truth: dict[str, Any], level: str) -> set[str]:
    value = (truth.get("value") or {}).get(level)
    names = set(value) if isinstance(value, list) else {value}
    names |= set(truth.get("also", {}).get(level, []))
    return {n for n in names if n}


def compare_region(truth: dict[str, Any], got: dict[str, str]) -> str:
    """By names at each level: right, partial (correct but coarser), wrong, empty.

    A municipality's city may be given as the municipality itself, 市辖区 or
    nothing. A national document is right only with no region at all.
    """
    got = {k: (got.get(k) or "").strip() for k in REGION_LEVELS}
    if truth.get("value") is None:
        return RIGHT if not any(got.values()) else WRONG
    if not any(got.values()):
        return EMPTY
    province = (truth["value"] or {}).get("province")
    if province in MUNICIPALITIES and got["city"] in ("", "市辖区", province):
        got["city"] = province
    coarser = False
    for level in REGION_LEVELS:
        names, value = _names(truth, level), got[level]
        if not value:
            if names:
                coarser = True
            continue
        if coarser or value not in names:
            return WRONG
    return PARTIAL if coarser else RIGHT


# The model's department flag, by the names it has had or may have.
DEPARTMENT_FIELDS = ("issuer_is_department", "is_department", "department")


def level_fields(doc: Any) -> tuple[str | None, str | None]:
    """The names of the model's own level and department fields (None: no such field).

    A Django model instance is asked through ``_meta``; a plain object (the
    tests' stand-ins) by its attributes.
    """
    meta = getattr(doc, "_meta", None)
    fields = meta.get_fields() if meta is not None else ()
    names = {f.name for f in fields} if meta is not None else set(vars(doc))
    level = "level" if "level" in names else None
    department = next((n for n in DEPARTMENT_FIELDS if n in names), None)
    return level, department


def importer_level(doc: Any) -> tuple[str, bool | None, bool]:
    """The importer's level, its department flag, and whether the level was derived.

    ``Document.level`` when the model has that field (blank there means the
    importer set none: empty, not derived); else the deepest region name, as
    before the model had a level. The department flag is None when the model
    has no such field (then it is not scored).
    """
    level_field, department_field = level_fields(doc)
    department = getattr(doc, department_field) if department_field else None
    if isinstance(department, str):
        department = department.lower() in ("1", "true", "yes")
    if level_field:
        level = getattr(doc, level_field)
        return ("" if blank(level) else str(level)), department, False
    level = next((k for k in reversed(REGION_LEVELS) if getattr(doc, k, "")), "")
    return level, department, True


def level_source() -> str:
    """Where the bench reads the importer's level: the model field or the region."""
    from documents.models import Document

    own, department = level_fields(Document)
    if own:
        return "Document.level" + (f" + Document.{department}" if department else "")
    return "derived from the deepest region name (the model has no level field)"


def chrome_in_body(body: str, chrome: list[str]) -> list[str]:
    """The labelled chrome entries that are still in the body."""
    lines = {squash(line) for line in body.splitlines()}
    whole = squash(body)
    found = []
    for entry in chrome:
        key = squash(entry)
        if not key:
            continue
        if (key in lines) if len(key) < SHORT_CHROME else (key in whole):
            found.append(entry)
    return found


def lost_sentences(body: str, sentences: list[str]) -> list[str]:
    whole = squash(body)
    return [s for s in sentences if squash(s) not in whole]


def compare_document(label: dict[str, Any], doc: Any) -> dict[str, str | None]:
    """Outcome per field for one labelled document (doc None: not imported)."""
    if doc is None:
        return {
            f: (None if label[f].get("how") == "unknown" else EMPTY) for f in FIELDS
        }
    level, department, derived = importer_level(doc)
    iso = lambda d: d.isoformat() if d else None  # noqa: E731
    region = compare_region(
        label["region"], {k: getattr(doc, k, "") for k in REGION_LEVELS}
    )
    if derived and region == PARTIAL:
        # A coarser region says nothing about the level: not a wrong level.
        level = ""
    return {
        "title": compare_value(label["title"], doc.title, squash),
        "issuer": compare_value(label["issuer"], doc.issuer, squash),
        "level": None
        if label["level"].get("how") == "unknown"
        else compare_level(label["level"], level, department),
        "region": region,
        "index_no": compare_value(label["index_no"], doc.index_no, squash),
        "doc_date": compare_value(label["doc_date"], iso(doc.doc_date)),
        "publish_date": compare_value(label["publish_date"], iso(doc.publish_date)),
        "plan_year": compare_value(label["plan_year"], doc.plan_year),
        "category": compare_value(label["category"], doc.category, squash),
    }


# ---------------------------------------------------------------- tallies


@dataclass
class Tally:
    counts: Counter

    @classmethod
    def new(cls) -> Tally:
        return cls(Counter())

    def add(self, outcome: str | None) -> None:
        if outcome is not None:
            self.counts[outcome] += 1

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    def share(self, outcome: str) -> float:
        return self.counts[outcome] / self.n if self.n else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            **{k: self.counts[k] for k in (RIGHT, WRONG, EMPTY, PARTIAL)},
            "right_share": round(self.share(RIGHT), 4),
        }


def tally(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Field -> split (tune/holdout) -> stated/unstated -> Tally."""
    table: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(Tally.new)))
    for r in results:
        split = "holdout" if r["holdout"] else "tune"
        for field in FIELDS:
            how = r["how"][field]
            table[field][split][how].add(r["outcome"][field])
            table["ALL"][split][how].add(r["outcome"][field])
    return table


# ---------------------------------------------------------------- import


def setup(var_dir: Path, reuse: bool) -> None:
    from bench.search_bench import setup_django

    var_dir.mkdir(parents=True, exist_ok=True)
    db = var_dir / "plansite.sqlite3"
    if db.exists() and not reuse:
        db.unlink()
    setup_django(var_dir)
    from django.conf import settings
    from django.core.management import call_command

    name = str(settings.DATABASES["default"]["NAME"])
    if not name.startswith(str(var_dir.resolve())) and not name.startswith(
        str(var_dir)
    ):
        raise SystemExit(f"refusing to use a database outside {var_dir}: {name}")
    call_command("migrate", verbosity=0, interactive=False)


def source_roots(labels: list[dict[str, Any]], shared: Path) -> dict[str, Path]:
    """Each source's folder: the common folder of its labelled files."""
    dirs: dict[str, set[str]] = defaultdict(set)
    for label in labels:
        paths = [label["path"]] + [a["path"] for a in label.get("also", [])]
        for p in paths:
            dirs[label["source"]].add(str(resolve(p, shared).resolve().parent))
    return {s: Path(os.path.commonpath(sorted(d))) for s, d in sorted(dirs.items())}


def import_sources(roots: dict[str, Path]) -> dict[str, Any]:
    from documents.ingest.pipeline import import_paths

    report = {}
    for source, root in roots.items():
        summary = import_paths([root])
        outcomes = Counter(r.outcome.name for r in summary.results)
        report[source] = {"root": str(root), **outcomes}
        print(f"imported {source}: {dict(outcomes)}", file=sys.stderr, flush=True)
    return report


def evaluate(labels: list[dict[str, Any]], shared: Path) -> dict[str, Any]:
    from documents.models import Document, SourcePath

    by_locator = dict(SourcePath.objects.values_list("locator", "document_id"))
    docs = Document.objects.in_bulk()
    results, split_docs = [], []
    for label in labels:
        main = by_locator.get(locator(label["path"], label.get("record"), shared))
        others = [
            by_locator.get(locator(a["path"], a.get("record"), shared))
            for a in label.get("also", [])
        ]
        doc_id = main or next((o for o in others if o), None)
        if any(o and o != doc_id for o in others):
            split_docs.append(label["id"])
        doc = docs.get(doc_id) if doc_id else None
        outcome = compare_document(label, doc)
        body = doc.body if doc else ""
        results.append(
            {
                "id": label["id"],
                "source": label["source"],
                "holdout": bool(label.get("holdout")),
                "found": doc is not None,
                "document_id": doc_id,
                "how": {f: label[f].get("how", "stated") for f in FIELDS},
                "outcome": outcome,
                "region_got": [getattr(doc, k, "") for k in REGION_LEVELS]
                if doc
                else None,
                "region_truth": label["region"].get("value"),
                "chrome_left": chrome_in_body(body, label.get("chrome", []))
                if doc
                else [],
                "sentences_lost": lost_sentences(body, label.get("sentences", []))
                if doc
                else [],
                "wrong": {
                    f: {
                        "truth": label[f].get("value"),
                        "got": _got(doc, f),
                    }
                    for f in FIELDS
                    if outcome[f] == WRONG
                },
            }
        )
    labelled_ids = {r["document_id"] for r in results if r["document_id"]}
    return {
        "level_source": level_source(),
        "results": results,
        "split": split_docs,
        "unlabelled_documents": len(set(docs) - labelled_ids),
    }


def _got(doc: Any, field: str) -> Any:
    if doc is None:
        return None
    if field == "region":
        return [getattr(doc, k, "") for k in REGION_LEVELS]
    if field == "level":
        return list(importer_level(doc)[:2])
    value = getattr(doc, field, None)
    return value.isoformat() if hasattr(value, "isoformat") else value


# ---------------------------------------------------------------- report


def _cells(t: Tally) -> str:
    if not t.n:
        return f"{'-':>5} {'':>6} {'':>6} {'':>6}"
    empty = t.share(EMPTY) + t.share(PARTIAL)
    return f"{t.n:>5} {t.share(RIGHT):>6.1%} {t.share(WRONG):>6.1%} {empty:>6.1%}"


def print_report(
    evaluation: dict[str, Any], table: dict, show_holdout: bool, out=sys.stdout
) -> None:
    results = evaluation["results"]
    tune = [r for r in results if not r["holdout"]]
    hold = [r for r in results if r["holdout"]]
    p = lambda *a: print(*a, file=out)  # noqa: E731
    p(
        f"documents: {len(results)} labelled ({len(tune)} tune, {len(hold)} holdout), "
        f"{sum(not r['found'] for r in results)} not found, "
        f"{len(evaluation['split'])} imported twice (CSV row and file apart), "
        f"{evaluation['unlabelled_documents']} unlabelled documents imported"
    )
    p(f"level read from: {evaluation.get('level_source', '?')}")
    head = "n  right  wrong  empty"
    p(f"\n{'TUNE':<13} {'stated (labelled)':>26} | {'unstated (inferred)':>26}")
    p(f"{'field':<13} {head:>26} | {head:>26}")
    splits = ["tune", "holdout"] if show_holdout else ["tune"]
    for split in splits:
        if split == "holdout":
            p(f"\n{'HOLDOUT':<13} {'stated (labelled)':>26} | {'unstated':>26}")
        for field in (*FIELDS, "ALL"):
            row = table[field][split]
            stated, unstated = _cells(row["stated"]), _cells(row["unstated"])
            p(f"{field:<13} {stated:>26} | {unstated:>26}")
    if not show_holdout:
        row = table["ALL"]["holdout"]
        p(
            f"{'HOLDOUT ALL':<13} {_cells(row['stated']):>26} | "
            f"{_cells(row['unstated']):>26}   (details: --holdout)"
        )
    partial = {
        split: sum(
            table["region"][split][how].counts[PARTIAL]
            for how in ("stated", "unstated")
        )
        for split in ("tune", "holdout")
    }
    p(
        "\n(empty includes a correct but coarser region: "
        f"tune {partial['tune']}, holdout {partial['holdout']})"
    )

    by_source: dict[str, Tally] = defaultdict(Tally.new)
    for r in tune:
        for f in FIELDS:
            by_source[r["source"]].add(r["outcome"][f])
    p(
        "\nright share by source (tune, all fields): "
        + ", ".join(
            f"{s} {t.share(RIGHT):.1%} of {t.n}" for s, t in sorted(by_source.items())
        )
    )

    for name, subset in (("tune", tune), ("holdout", hold)):
        wrong = [r for r in subset if r["outcome"]["region"] == WRONG]
        chrome = [r for r in subset if r["chrome_left"]]
        lost = [r for r in subset if r["sentences_lost"]]
        p(
            f"\n{name}: wrong regions {len(wrong)}, bodies with chrome {len(chrome)}, "
            f"bodies that lost a labelled sentence {len(lost)}"
        )
        if name == "holdout" and not show_holdout:
            continue
        for r in wrong:
            got = "/".join(x for x in r["region_got"] if x)
            truth = _region_text(r["region_truth"])
            p(f"  WRONG REGION {r['id']}: got {got} truth {truth}")
        for r in chrome:
            p(f"  CHROME {r['id']}: {' | '.join(c[:30] for c in r['chrome_left'][:4])}")
        for r in lost:
            p(f"  LOST {r['id']}: {r['sentences_lost'][0][:40]}")


def _region_text(value: dict | None) -> str:
    if not value:
        return "(national)"
    parts = []
    for k in REGION_LEVELS:
        v = value.get(k)
        if v:
            parts.append(v[0] if isinstance(v, list) else v)
    return "/".join(parts)


def figures(evaluation: dict[str, Any], table: dict, imports: dict) -> dict[str, Any]:
    return {
        "imports": imports,
        "fields": {
            field: {
                split: {
                    how: table[field][split][how].as_dict()
                    for how in ("stated", "unstated")
                }
                for split in ("tune", "holdout")
            }
            for field in (*FIELDS, "ALL")
        },
        "level_source": evaluation["level_source"],
        "split": evaluation["split"],
        "unlabelled_documents": evaluation["unlabelled_documents"],
        "documents": evaluation["results"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var" / "metadata-bench")
    parser.add_argument("--shared", type=Path, default=None)
    parser.add_argument("--labels", type=Path, default=LABEL_DIR)
    parser.add_argument("--holdout", action="store_true", help="show holdout details")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the imported database"
    )
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)

    shared = args.shared or default_shared()
    labels = load_labels(args.labels)
    setup(args.var_dir, args.reuse)
    roots = source_roots(labels, shared)
    imports = {} if args.reuse else import_sources(roots)
    evaluation = evaluate(labels, shared)
    table = tally(evaluation["results"])
    print_report(evaluation, table, args.holdout)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                figures(evaluation, table, imports), ensure_ascii=False, indent=1
            ),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
