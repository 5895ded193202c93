"""How the search costs grow with the archive: search_bench figures at several sizes.

Reads the ``--json`` files of ``bench.search_bench`` runs at different
``--docs`` (for instance 50,000 and 200,000) and prints, for each figure, its
value at each size, the growth exponent between the two largest sizes (cost
proportional to N^k: k = 1 is linear, k = 0 flat) and what that exponent
predicts at a target size (a million documents by default). Sizes and build
times are also extrapolated per document (linearly), which is how they grow.

    .venv/bin/python -m bench.scaling_report var/bench-results/50k.json \
        var/bench-results/200k.json --target 1000000

A prediction from two points is a line through them on a log-log plot: it
says where the measured trend leads, not what a million documents will cost
(cache sizes, the page cache and the disk change the slope past some size;
docs/scaling.md says where).
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

MODES = ("term", "term+township", "term+years", "browse")
# (label, path into the search_bench result, unit)
FIGURES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("build, wall", ("whoosh", "index", "seconds"), "s"),
    ("build, CPU", ("whoosh", "index", "cpu_seconds"), "s"),
    ("index on disk", ("whoosh", "index", "size_bytes"), "MB"),
    ("build worker peak RSS", ("whoosh", "index", "peak_rss", "children_mb"), "MB"),
    *(
        (
            f"{mode}: results page {stat}",
            ("whoosh", "queries", "modes", mode, "page", key),
            "ms",
        )
        for mode in MODES
        for stat, key in (("median", "median_ms"), ("p95", "p95_ms"))
    ),
    *(
        (
            f"{mode}: search+facets {stat}",
            ("whoosh", "queries", "modes", mode, "search", key),
            "ms",
        )
        for mode in MODES
        for stat, key in (("median", "median_ms"), ("p95", "p95_ms"))
    ),
    (
        "term: GET /search/ p95",
        ("whoosh", "queries", "modes", "term", "http", "p95_ms"),
        "ms",
    ),
    (
        "term: cold page p95",
        ("whoosh", "queries", "modes", "term", "cold page", "p95_ms"),
        "ms",
    ),
    ("Tantivy build, wall", ("tantivy", "build", "build_s"), "s"),
    ("Tantivy index on disk", ("tantivy", "build", "size_bytes"), "MB"),
    *(
        (
            f"Tantivy {mode}: {stat}",
            ("tantivy", "queries", "modes", mode, "search", key),
            "ms",
        )
        for mode in MODES
        for stat, key in (("median", "median_ms"), ("p95", "p95_ms"))
    ),
)
# Figures that grow with the archive by construction: extrapolated per document.
LINEAR = {
    "build, wall",
    "build, CPU",
    "index on disk",
    "Tantivy build, wall",
    "Tantivy index on disk",
}


def figure(result: dict, path: tuple[str, ...], unit: str) -> float | None:
    """The figure at ``path`` in a search_bench result, in ``unit``; None if absent."""
    value = result
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    if value is None:
        return None
    return (
        float(value) / 1e6
        if unit == "MB" and path[-1] == "size_bytes"
        else float(value)
    )


def exponent(n1: int, v1: float, n2: int, v2: float) -> float | None:
    """k in value ~ N^k through two points; None when a value is not positive."""
    if v1 <= 0 or v2 <= 0 or n1 == n2:
        return None
    return math.log(v2 / v1) / math.log(n2 / n1)


def report(results: list[dict], target: int) -> list[str]:
    """The table: each figure at each size, its exponent and its prediction."""
    results = sorted(results, key=lambda r: r["docs"])
    sizes = [r["docs"] for r in results]
    head = "".join(f"{n:>12,}" for n in sizes)
    lines = [
        f"{'figure':36}{head}{'k':>7}{f'at {target:,}':>16}",
    ]
    for label, path, unit in FIGURES:
        values = [figure(r, path, unit) for r in results]
        if all(v is None for v in values):
            continue
        cells = "".join(
            f"{v:>12.1f}" if v is not None else f"{'-':>12}" for v in values
        )
        slope = predicted = None
        known = [(n, v) for n, v in zip(sizes, values, strict=True) if v is not None]
        if len(known) >= 2:
            (n1, v1), (n2, v2) = known[-2], known[-1]
            slope = exponent(n1, v1, n2, v2)
            if label in LINEAR:
                predicted = v2 / n2 * target
            elif slope is not None:
                predicted = v2 * (target / n2) ** slope
        k = f"{slope:7.2f}" if slope is not None else f"{'':7}"
        p = f"{predicted:>13.1f} {unit}" if predicted is not None else ""
        lines.append(f"{label + f' ({unit})':36}{cells}{k}{p:>16}")
    lines.append("")
    lines.append(
        "k: growth exponent between the two largest sizes (1 = linear). Build and "
        "size are extrapolated per document; the query figures along N^k."
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "results", nargs="+", type=Path, help="search_bench --json files"
    )
    parser.add_argument("--target", type=int, default=1_000_000, help="size to predict")
    args = parser.parse_args(argv)
    results = [json.loads(path.read_text(encoding="utf-8")) for path in args.results]
    if len({r["docs"] for r in results}) < 2:
        raise SystemExit("need search_bench results at two or more archive sizes")
    print("\n".join(report(results, args.target)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
