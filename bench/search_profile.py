"""Where plansite's search time and index bytes go, query by query and field by field.

Run from the project root on an archive that search_bench.py built:
    .venv/bin/python -m bench.search_profile --var-dir var/bench --docs 50000

Time: every planned query (search_bench's plan) through search_documents(),
with a timer around each stage it passes through (STAGES: a dotted path each,
patched where the caller looks it up). A stage whose path is gone (the code
moved) is reported as missing, never guessed. Bytes: each part of every Whoosh
segment (terms, postings, columns, stored fields) and each field's share of the
terms and postings; Tantivy's files by kind when its index is there.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import importlib
import importlib.util
import io
import json
import pstats
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# (stage, dotted paths, parent stage). A parent's time includes its children's.
# The first path that exists is timed: main's before issue 15's split, then
# where the split moves the job (each patched where its caller looks it up).
# A restructuring that moves a job again: add its new path here.
_BACKEND = "search.backend.PlansiteWhooshBackend"
STAGES: tuple[tuple[str, tuple[str, ...], str | None], ...] = (
    ("parse", ("search.services.parse_query",), None),
    # The tree becomes one Whoosh query with its filters (query.to_whoosh):
    # before issue 15 it was printed as a string and parsed again by Whoosh.
    ("tree to engine query", ("search.backend.request_query",), None),
    ("match", ("search.engine.matching.Matcher.match",), None),
    ("rank", (f"{_BACKEND}._ordered_by",), None),
    ("rank: jieba words", (f"{_BACKEND}.ranking_words",), "rank"),
    ("rank: BM25", ("search.engine.matching.Matcher.bm25",), "rank"),
    ("rank: date sort", ("search.engine.matching.Matcher.sort",), "rank"),
    ("facets", ("search.backend.facet_counts",), None),
    ("convert", ("search.backend.search_results",), None),
    ("SearchHit", ("search.services._hit",), None),
)
TOTAL = "search_documents"
OTHER = "other"


def _first(paths: tuple[str, ...]) -> tuple[Any, str] | None:
    """(owner, attribute) of the first of ``paths`` that exists."""
    for path in paths:
        found = _resolve(path)
        if found is not None:
            return found
    return None


def _resolve(path: str) -> tuple[Any, str] | None:
    """(owner, attribute) of a dotted path, or None if it no longer exists."""
    parts = path.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            owner: Any = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        try:
            for name in parts[split:-1]:
                owner = getattr(owner, name)
        except AttributeError:
            return None
        return (owner, parts[-1]) if hasattr(owner, parts[-1]) else None
    return None


class StageTimers:
    """Seconds and calls per stage while installed (``with timers.installed():``)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.missing = [stage for stage, paths, _ in STAGES if _first(paths) is None]

    def reset(self) -> None:
        self.seconds.clear()
        self.calls.clear()

    def _timed(self, stage: str, function: Callable) -> Callable:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[stage] += time.perf_counter() - started
                self.calls[stage] += 1

        return timed

    @contextmanager
    def installed(self) -> Iterator[None]:
        with ExitStack() as stack:
            for stage, paths, _ in STAGES:
                found = _first(paths)
                if found is None:
                    continue
                owner, name = found
                original = owner.__dict__.get(name, getattr(owner, name))
                if isinstance(original, staticmethod | classmethod):
                    continue  # not used by the stages above
                stack.enter_context(
                    mock.patch.object(owner, name, self._timed(stage, original))
                )
            yield


def time_query(timers: StageTimers, term: str, filters: dict) -> dict[str, Any]:
    """One search_documents() call: its total, hits and milliseconds per stage."""
    from search.services import SearchFilters, search_documents

    timers.reset()
    started = time.perf_counter()
    page = search_documents(
        query=term,
        filters=SearchFilters(**filters),
        sort="relevance",
        page=1,
        page_size=20,
    )
    total = time.perf_counter() - started
    stages = {stage: timers.seconds.get(stage, 0.0) * 1000 for stage, _, _ in STAGES}
    top = sum(stages[stage] for stage, _, parent in STAGES if parent is None)
    stages[OTHER] = total * 1000 - top
    stages[TOTAL] = total * 1000
    calls = {stage: timers.calls.get(stage, 0) for stage, _, _ in STAGES}
    return {"hits": page.total, "ms": stages, "calls": calls}


def profile_queries(plan: list[tuple[str, str, dict]], repeat: int = 3) -> dict:
    """Stage times of every planned query: the fastest of ``repeat`` runs each
    (the least disturbed by the other processes on a shared machine)."""
    timers = StageTimers()
    rows = []
    with timers.installed():
        time_query(timers, "乡村振兴", {})  # opens the searcher, loads jieba
        for mode, term, filters in plan:
            runs = [time_query(timers, term, filters) for _ in range(repeat)]
            best = min(runs, key=lambda run: run["ms"][TOTAL])
            rows.append({"mode": mode, "term": term, "filters": filters, **best})
    return {"missing": timers.missing, "repeat": repeat, "queries": rows}


def cprofile_queries(plan: list[tuple[str, str, dict]], limit: int = 25) -> str:
    """cProfile of the plan's term queries, by own time and by cumulative time."""
    from search.services import SearchFilters, search_documents

    profiler = cProfile.Profile()
    terms = [(term, filters) for mode, term, filters in plan if mode == "term"]
    profiler.enable()
    for term, filters in terms:
        search_documents(
            query=term,
            filters=SearchFilters(**filters),
            sort="relevance",
            page=1,
            page_size=20,
        )
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(limit)
    stats.sort_stats("cumulative").print_stats(limit)
    return out.getvalue()


def profile_tantivy(
    path: Path, plan: list[tuple[str, str, dict]], repeat: int = 3
) -> dict[str, dict[str, float]]:
    """The peer's time by stage, median ms per mode: top 20 and count, the 20
    stored documents, the facet aggregation (fastest of ``repeat`` each)."""
    from bench.tantivy_peer import PAGE_SIZE, TantivySearcher

    peer = TantivySearcher(path)
    peer.page("乡村振兴")
    per_mode: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for mode, term, filters in plan:
        years = (
            (filters["year_from"], filters["year_to"])
            if filters.get("year_from")
            else None
        )
        query = peer.query(term, township=filters.get("township", ""), years=years)
        order = {} if term else {"order_by_field": "doc_date"}
        best: dict[str, float] = {}
        for _ in range(repeat):
            t0 = time.perf_counter()
            found = peer.searcher.search(query, PAGE_SIZE, count=True, **order)
            t1 = time.perf_counter()
            for _, address in found.hits:
                peer.searcher.doc(address)
            t2 = time.perf_counter()
            peer.facets(query)
            t3 = time.perf_counter()
            run = {"top 20 + count": t1 - t0, "stored docs": t2 - t1, "facets": t3 - t2}
            run["total"] = t3 - t0
            if not best or run["total"] < best["total"]:
                best = run
        for stage, seconds in best.items():
            per_mode[mode][stage].append(seconds * 1000)
    return {
        mode: {stage: statistics.median(values) for stage, values in stages.items()}
        for mode, stages in per_mode.items()
    }


# --- bytes -----------------------------------------------------------------------


def _part(name: str) -> str:
    """A compound segment's sub-file as a kind: .pst, .trm, <field>.col ..."""
    tail = name.split(".", 1)[1] if "." in name else name
    return tail


def whoosh_bytes(index_dir: Path) -> dict[str, Any]:
    """Bytes of each part of the segments, and each field's terms and postings.

    Reads Whoosh 2.7's own structures (compound directory, term infos): a
    measurement only, not something the project relies on.
    """
    from whoosh.codec.whoosh3 import W3TermInfo
    from whoosh.filedb.filestore import FileStorage

    storage = FileStorage(str(index_dir))
    index = storage.open_index("MAIN")
    parts: dict[str, int] = defaultdict(int)
    fields: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    segments = index._segments()
    for segment in segments:
        compound = segment.open_compound_file(storage)
        for name, info in compound._dir.items():
            parts[_part(name)] += info["length"]
        compound.close()
    reader = index.reader()
    leaves = [leaf for leaf, _ in reader.leaf_readers()]
    for leaf in leaves:
        terms = leaf._terms
        for key, value in terms._tindex.items():
            fieldname, _ = terms._keydecoder(key)
            info = W3TermInfo.from_bytes(value)
            row = fields[fieldname]
            row["terms"] += 1
            row["term_index_bytes"] += len(key) + len(value)
            if info._inlined is None:
                length = info._length
                if isinstance(length, tuple):
                    length = sum(length)
                row["posting_bytes"] += int(length or 0)
            else:
                row["inlined_terms"] += 1
    reader.close()
    return {
        "segments": len(segments),
        "total_bytes": sum(p.stat().st_size for p in index_dir.iterdir()),
        "parts": dict(sorted(parts.items(), key=lambda item: -item[1])),
        "fields": {
            name: dict(values)
            for name, values in sorted(
                fields.items(), key=lambda item: -item[1]["posting_bytes"]
            )
        },
    }


TANTIVY_KINDS = {
    ".idx": "postings: doc ids and term frequencies",
    ".pos": "positions",
    ".term": "term dictionary",
    ".store": "stored fields",
    ".fast": "fast fields (facets, sort)",
    ".fieldnorm": "field norms (BM25 lengths)",
}


def tantivy_bytes(index_dir: Path) -> dict[str, int]:
    """Bytes of a Tantivy index by kind of file."""
    kinds: dict[str, int] = defaultdict(int)
    for path in index_dir.iterdir():
        if path.is_file():
            kinds[TANTIVY_KINDS.get(path.suffix, "other")] += path.stat().st_size
    return dict(sorted(kinds.items(), key=lambda item: -item[1]))


# --- report ------------------------------------------------------------------------


def _median(rows: list[dict], stage: str) -> float:
    return statistics.median(row["ms"][stage] for row in rows) if rows else 0.0


def report(timing: dict, whoosh: dict | None, tantivy: dict | None) -> str:
    """The figures as Markdown tables (docs/search-profile.md quotes them)."""
    columns = [stage for stage, _, _ in STAGES] + [OTHER, TOTAL]
    lines = []
    if timing["missing"]:
        lines.append(f"Stages not found (code moved): {', '.join(timing['missing'])}")
        lines.append("")
    rows = timing["queries"]
    runs = f"fastest of {timing['repeat']} runs per query"
    lines.append(f"Median ms per stage, by mode ({runs}):")
    lines.append("")
    lines.append("| mode | queries | " + " | ".join(columns) + " |")
    lines.append("|---|---|" + "---|" * len(columns))
    modes = list(dict.fromkeys(row["mode"] for row in rows))
    for mode in modes:
        chosen = [row for row in rows if row["mode"] == mode]
        cells = " | ".join(f"{_median(chosen, stage):.2f}" for stage in columns)
        lines.append(f"| {mode} | {len(chosen)} | {cells} |")
    lines.append("")
    lines.append("Term mode, query by query (ms), slowest first:")
    lines.append("")
    lines.append("| term | hits | " + " | ".join(columns) + " |")
    lines.append("|---|---|" + "---|" * len(columns))
    terms = sorted(
        (row for row in rows if row["mode"] == "term"),
        key=lambda row: -row["ms"][TOTAL],
    )
    for row in terms:
        cells = " | ".join(f"{row['ms'][stage]:.2f}" for stage in columns)
        lines.append(f"| {row['term']} | {row['hits']:,} | {cells} |")
    if whoosh:
        lines += ["", f"Whoosh index: {whoosh['total_bytes'] / 1e6:,.1f} MB in "
                  f"{whoosh['segments']} segments. By part:", ""]  # fmt: skip
        lines += ["| part | MB | share |", "|---|---|---|"]
        total = sum(whoosh["parts"].values()) or 1
        for part, size in whoosh["parts"].items():
            lines.append(f"| {part} | {size / 1e6:,.1f} | {size / total:.1%} |")
        lines += ["", "By field (terms index entries and posting lists):", ""]
        lines += [
            "| field | terms | terms index MB | postings MB | inlined terms |",
            "|---|---|---|---|---|",
        ]
        for name, row in whoosh["fields"].items():
            lines.append(
                f"| {name} | {row.get('terms', 0):,} "
                f"| {row.get('term_index_bytes', 0) / 1e6:,.1f} "
                f"| {row.get('posting_bytes', 0) / 1e6:,.1f} "
                f"| {row.get('inlined_terms', 0):,} |"
            )
    peer = timing.get("tantivy")
    if peer:
        stages = list(next(iter(peer.values())))
        lines += ["", f"Tantivy, median ms per stage ({runs}):", ""]
        lines += [
            "| mode | " + " | ".join(stages) + " |",
            "|---|" + "---|" * len(stages),
        ]
        for mode, values in peer.items():
            cells = " | ".join(f"{values[stage]:.2f}" for stage in stages)
            lines.append(f"| {mode} | {cells} |")
    if tantivy:
        lines += ["", "Tantivy index by kind of file:", ""]
        lines += ["| kind | MB |", "|---|---|"]
        for kind, size in tantivy.items():
            lines.append(f"| {kind} | {size / 1e6:,.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from bench import search_bench

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var" / "bench")
    parser.add_argument("--docs", type=int, default=50_000, help="as built")
    parser.add_argument("--seed", type=int, default=1, help="as built")
    parser.add_argument("--terms", type=int, default=len(search_bench.TERMS))
    parser.add_argument("--browse", type=int, default=3, help="browse queries")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each query")
    parser.add_argument("--no-bytes", action="store_true", help="skip index bytes")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    args.var_dir = args.var_dir.resolve()
    if not (args.var_dir / "bench.json").exists():
        raise SystemExit(f"no archive in {args.var_dir}: run bench.search_bench first")
    search_bench.setup_django(args.var_dir)
    from django.conf import settings

    plan = search_bench.plan_queries(args)
    search_bench.log(f"timing {len(plan)} queries x {args.repeat} ...")
    timing = profile_queries(plan, repeat=args.repeat)
    profile = cprofile_queries(plan)
    peer = args.var_dir / "tantivy"
    if peer.exists() and importlib.util.find_spec("tantivy") is not None:
        search_bench.log("timing the Tantivy peer ...")
        timing["tantivy"] = profile_tantivy(peer, plan, repeat=args.repeat)
    whoosh = tantivy = None
    if not args.no_bytes:
        search_bench.log("measuring index bytes ...")
        whoosh = whoosh_bytes(Path(settings.WHOOSH_INDEX_DIR))
        tantivy = tantivy_bytes(peer) if peer.exists() else None
    text = report(timing, whoosh, tantivy)
    (args.var_dir / "search-profile.md").write_text(text + "\n")
    (args.var_dir / "search-cprofile.txt").write_text(profile)
    print(text)
    if args.json:
        figures = {"timing": timing, "whoosh_bytes": whoosh, "tantivy_bytes": tantivy}
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
