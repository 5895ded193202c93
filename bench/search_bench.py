"""Benchmark plansite search at archive scale against SQLite FTS5 and Tantivy.

Run from the project root:  .venv/bin/python -m bench.search_bench --docs 2000
See bench/README.md.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib.util
import io
import json
import os
import pstats
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

warnings.filterwarnings("ignore", category=SyntaxWarning)
warnings.filterwarnings("ignore", category=DeprecationWarning)

TERMS = [
    "乡村振兴", "美丽城镇", "最多跑一次", "垃圾分类", "小微企业", "亩均税收",
    "共同富裕", "数字经济", "五水共治", "专精特新", "营商环境", "高质量发展",
    "三改一拆", "亩均论英雄", "美丽乡村", "全域旅游", "河长制", "污水零直排",
    "小城镇环境综合整治", "基层治理", "安全生产", "疫情防控", "招商引资",
    "新型城镇化", "生态文明", "脱贫攻坚", "精准扶贫", "农村电商", "文明城市",
    "一带一路", "供给侧结构性改革", "放管服", "扫黑除恶", "平安建设", "人居环境",
    "厕所革命", "未来社区", "棚户区改造", "老旧小区改造", "养老服务", "义务教育",
    "公共文化", "民营经济", "实体经济", "新能源", "智能制造", "科技创新",
    "人才引进", "土地流转", "农民增收", "集体经济", "粮食安全", "耕地保护",
    "减税降费", "数字化改革", "碳达峰", "十四五", "小城市",
]  # fmt: skip
MODES = ("term", "term+township", "term+years", "browse")
PAGE_SIZE = 20
SNIPPETS_PER_HIT = 2  # as search/results.py renders a results page
SNIPPET_WIDTH = 110
PROFILE_TERMS = ("乡村振兴", "最多跑一次", "十四五")
# The peers (FTS5, Tantivy) match characters as written: plansite is compared
# with them in its EXACT form (issue 17; folded is the site's default).
PEER_FORM = "exact"


def default_shared() -> Path:
    """../shared when it is there, else the sample copies kept in the repository."""
    shared = ROOT.parent / "shared"
    return shared if (shared / "seeds").exists() else ROOT / "samples"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def setup_django(var_dir: Path, database_url: str | None = None) -> None:
    """Point every path at ``var_dir``: the database, the index, jieba's cache.

    ``database_url``: a throwaway database the benchmark made (else SQLite in
    var_dir); a configured DATABASE_URL is never used.
    """
    os.environ["PLANSITE_VAR_DIR"] = str(var_dir)
    # Pages are requested through Django's test client.
    os.environ["PLANSITE_ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plansite.settings.base")
    # The benchmark must never touch a configured (e.g. production) database.
    os.environ.pop("DATABASE_URL", None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()


def peak_rss_mb() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"self_mb": round(own, 1), "children_mb": round(children, 1)}


def dir_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(values) * 1000, 2) if values else None,
        "p95_ms": round(pct(values, 0.95) * 1000, 2) if values else None,
        "n": len(values),
    }


# --- database ------------------------------------------------------------------


def build_database(args) -> dict:
    from django.core.management import call_command

    from bench import corpus
    from documents.models import Document

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    samples = corpus.load_samples(args.shared)
    towns = corpus.load_townships()
    log(
        f"samples: {len(samples.paragraphs)} paragraphs, sizes {sorted(samples.sizes)}"
        f"; {len(towns)} townships"
    )
    batch: list[Document] = []
    chars = 0
    for values in corpus.generate(args.docs, args.seed, samples, towns):
        chars += len(values["title"]) + 1 + len(values["body"])
        batch.append(Document(**values))
        if len(batch) == 1000:
            Document.objects.bulk_create(batch)
            batch.clear()
    if batch:
        Document.objects.bulk_create(batch)
    from documents.services import refresh_statistics

    refresh_statistics()  # as import_plans does after an import
    return {
        "docs": Document.objects.count(),
        "seconds": round(time.perf_counter() - started, 2),
        "text_chars": chars,
        "avg_chars": round(chars / max(1, args.docs)),
    }


def marker(args) -> dict:
    return {"docs": args.docs, "seed": args.seed}


# --- indexing (a child process, so that its peak RSS is its own) ---------------


def index_phase() -> None:
    """Entry point of the child: rebuild the index the project's way, report JSON."""
    from search.services import rebuild_index

    started = time.perf_counter()
    count = rebuild_index()
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime
    json.dump(
        {
            "indexed": count,
            "seconds": round(seconds, 2),
            "cpu_seconds": round(cpu, 1),
            "peak_rss": peak_rss_mb(),
        },
        sys.stdout,
    )


def build_index(args) -> dict:
    from django.conf import settings

    index_dir = Path(settings.WHOOSH_INDEX_DIR)
    shutil.rmtree(index_dir, ignore_errors=True)
    command = [sys.executable, "-m", "bench.search_bench", "--phase", "index"]
    command += ["--var-dir", str(args.var_dir)]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, env=os.environ.copy()
    )
    if done.returncode:
        log(done.stderr)
        raise SystemExit("indexing failed")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["size_bytes"] = dir_size(index_dir)
    result["segments"] = len(list(index_dir.glob("*.seg")))
    return result


def analysis_rates(args, sample_docs: int = 150) -> dict:
    """MB/s of the segmenters and each field's posting encoder, on a few documents."""
    from documents.models import Document
    from search.search_indexes import searchable_text
    from search.tokenizer import get_segmenter

    segmenter = get_segmenter()
    texts = [
        searchable_text(d)
        for d in Document.objects.order_by("pk").only("title", "body")[:sample_docs]
    ]
    megabytes = sum(len(t.encode()) for t in texts) / 1e6
    from haystack import connections

    backend = connections["default"].get_backend()
    schema = backend.build_schema(
        connections["default"].get_unified_index().all_searchfields()
    )[1]
    rates = {}
    for name, run in (
        ("jieba (reference)", lambda t: list(segmenter.reference.cut(t, HMM=True))),
        ("jieba + rjieba (used)", segmenter.cut),
        ("text field postings", lambda t: list(schema["text"].index(t))),
        ("exact field postings", lambda t: list(schema["exact"].index(t))),
        ("chars field postings", lambda t: list(schema["chars"].index(t))),
    ):
        started = time.perf_counter()
        for text in texts:
            run(text)
        seconds = time.perf_counter() - started
        rates[name] = {
            "mb_per_s": round(megabytes / seconds, 2),
            "s_per_doc_ms": round(seconds / len(texts) * 1000, 2),
        }
    return rates


# --- queries -------------------------------------------------------------------


def plan_queries(args) -> list[tuple[str, str, dict]]:
    """(mode, term, filters) for every query, the same for the same seed."""
    from documents.models import Document

    rng = random.Random(args.seed + 1)
    towns = sorted(set(Document.objects.values_list("township", flat=True)))
    terms = TERMS[: args.terms]
    plan = []
    for term in terms:
        plan.append(("term", term, {}))
    for term in terms:
        plan.append(("term+township", term, {"township": rng.choice(towns)}))
    for term in terms:
        start = rng.randint(2005, 2020)
        plan.append(("term+years", term, {"year_from": start, "year_to": start + 5}))
    for _ in range(args.browse):
        plan.append(("browse", "", {}))
    return plan


def results_page(term: str, filters: dict, form: str = PEER_FORM) -> dict:
    """One results page as /search/ builds it: search, fetch bodies, snippets."""
    from documents.models import Document
    from search.highlight import snippets
    from search.normalise import Form
    from search.services import SearchFilters, search_documents

    t0 = time.perf_counter()
    page = search_documents(
        query=term,
        filters=SearchFilters(**filters),
        sort="relevance",
        page=1,
        page_size=PAGE_SIZE,
        form=Form(form),
    )
    t1 = time.perf_counter()
    ids = [hit.id for hit in page.results]
    documents = Document.objects.only("pk", "index_no", "title", "body").in_bulk(ids)
    t2 = time.perf_counter()
    for hit in page.results:
        document = documents.get(hit.id)
        if document is not None:
            snippets(
                f"{document.title}\n{document.body}",
                page.terms,
                n=SNIPPETS_PER_HIT,
                width=SNIPPET_WIDTH,
            )
    t3 = time.perf_counter()
    return {
        "total": page.total,
        "facets": page.facets,
        "search": t1 - t0,
        "fetch": t2 - t1,
        "snippets": t3 - t2,
        "page": t3 - t0,
    }


def http_page(client, term: str, filters: dict) -> float:
    """Server time of GET /search/ (view, search, snippets, template), in seconds."""
    from urllib.parse import urlencode

    params = {"q": term, **{k: v for k, v in filters.items() if v not in ("", None)}}
    params["form"] = PEER_FORM
    started = time.perf_counter()
    response = client.get("/search/?" + urlencode(params))
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"/search/ answered {response.status_code} for {params}")
    return elapsed


# The in-process cache of decoded posting lists: main's place, then where
# issue 15's split of the backend keeps it.
POSTING_CACHES = ("search.backend._POSTINGS", "search.engine.reading.POSTINGS")


def _clear_caches() -> None:
    """Empty the posting cache, so that a "cold" query reads its postings anew."""
    import importlib

    for path in POSTING_CACHES:
        module, name = path.rsplit(".", 1)
        try:
            cache = getattr(importlib.import_module(module), name, None)
        except ImportError:
            continue
        if cache is not None:
            cache.clear()
            return
    raise SystemExit(
        f"no posting cache at {POSTING_CACHES}: cold figures would be warm"
    )


def run_whoosh_queries(args, plan) -> dict:
    from django.test import Client

    from search import services

    client = Client()
    results_page("乡村振兴", {})  # opens the searcher, loads jieba and the columns
    http_page(client, "乡村振兴", {})
    samples: dict[str, dict[str, list[float]]] = {}
    totals: dict[str, dict[str, int]] = {m: {} for m in MODES}
    facets: dict[str, dict[str, dict]] = {m: {} for m in MODES}
    slowest: dict[str, dict] = {}
    # Cold: no posting list in memory before each query (the worst case).
    for mode, term, filters in plan:
        _clear_caches()
        measured = results_page(term, filters)
        samples.setdefault(mode, {}).setdefault("cold page", []).append(
            measured["page"]
        )
        if mode == "term":
            slowest[term] = {
                "hits": measured["total"],
                "cold_ms": measured["page"] * 1000,
            }
    for _ in range(args.repeat):
        for mode, term, filters in plan:
            measured = results_page(term, filters)
            bucket = samples.setdefault(mode, {})
            for key in ("page", "search", "fetch", "snippets"):
                bucket.setdefault(key, []).append(measured[key])
            http = http_page(client, term, filters)
            bucket.setdefault("http", []).append(http)
            totals[mode][term] = measured["total"]
            facets[mode][term] = measured["facets"]
            if mode == "term":
                slowest[term]["warm_ms"] = measured["page"] * 1000
                slowest[term]["http_ms"] = http * 1000
    # The same searches without facets, to see what facets cost.
    with mock.patch.object(services, "FACET_FIELDS", ()):
        for _ in range(args.repeat):
            for mode, term, filters in plan:
                if mode == "term":
                    measured = results_page(term, filters)
                    bucket = samples.setdefault("term (no facets)", {})
                    bucket.setdefault("search", []).append(measured["search"])
    return {
        "modes": {
            mode: {key: summary(values) for key, values in parts.items()}
            for mode, parts in samples.items()
        },
        "totals": totals,
        "facets": facets,
        "terms": dict(sorted(slowest.items(), key=lambda item: -item[1]["cold_ms"])),
    }


# --- field queries (标题:, 发文机关:, 文号:, 索引号:) ------------------------------


def plan_field_queries(args) -> list[tuple[str, str]]:
    """(kind, query) of field queries over the generated metadata, and plain
    terms for the same run to compare with; the same for the same seed."""
    from bench import corpus
    from documents.models import Document

    rng = random.Random(args.seed + 2)
    rows = list(
        Document.objects.order_by("pk").values_list(
            "township", "plan_year", "doc_number", "index_no"
        )[:5000]
    )
    picked = rng.sample(rows, 6)
    plan = [("标题:", f"标题:{kind}") for kind in corpus.KINDS]
    plan += [("标题:", f"标题:{year}年") for _, year, _, _ in picked[:2]]
    plan += [("标题:", f"标题:{town}") for town, _, _, _ in picked[2:4]]
    plan += [("发文机关:", f"发文机关:{town}") for town, _, _, _ in picked[:4]]
    plan += [("发文机关:", "发文机关:人民政府"), ("发文机关:", "发文机关:镇")]
    plan += [("文号:", f"文号:政发〔{year}〕") for _, year, _, _ in picked[:3]]
    plan += [("文号:", f"文号:{number}") for _, _, number, _ in picked[3:6] if number]
    plan += [("索引号:", f"索引号:{index_no}") for _, _, _, index_no in picked[:3]]
    plan += [("plain term", term) for term in TERMS[:12]]
    return plan


def run_field_queries(args, plan) -> dict:
    """Medians of field queries beside plain terms, in both forms, warm."""
    from django.test import Client

    from search.normalise import Form
    from search.services import SearchFilters, search_documents

    client = Client()
    samples: dict[str, dict[str, list[float]]] = {}
    totals: dict[str, int] = {}
    for form in (Form.FOLDED, Form.EXACT):
        for _kind, query in plan:  # warm-up: postings and columns read once
            search_documents(
                query=query, filters=SearchFilters(), sort="relevance",
                page=1, page_size=PAGE_SIZE, form=form,
            )  # fmt: skip
        for _ in range(args.repeat):
            for kind, query in plan:
                label = f"{kind} ({form.value})"
                started = time.perf_counter()
                page = search_documents(
                    query=query, filters=SearchFilters(), sort="relevance",
                    page=1, page_size=PAGE_SIZE, form=form,
                )  # fmt: skip
                elapsed = time.perf_counter() - started
                bucket = samples.setdefault(label, {})
                bucket.setdefault("search", []).append(elapsed)
                started = time.perf_counter()
                response = client.get("/search/", {"q": query, "form": form.value})
                if response.status_code != 200:
                    raise SystemExit(f"/search/ answered {response.status_code}")
                bucket.setdefault("http", []).append(time.perf_counter() - started)
                totals[f"{query} ({form.value})"] = page.total
    return {
        "modes": {
            label: {key: summary(values) for key, values in parts.items()}
            for label, parts in samples.items()
        },
        "totals": totals,
    }


def field_report(result: dict) -> list[str]:
    fields = result.get("whoosh", {}).get("fields")
    if not fields:
        return []
    lines = ["", "field queries, warm, median (p95) ms:   search+facets   GET /search/"]
    for label, parts in fields["modes"].items():
        search, http = parts["search"], parts["http"]
        lines.append(
            f"  {label:34}{search['median_ms']:7.1f} ({search['p95_ms']:6.1f})"
            f"{http['median_ms']:9.1f} ({http['p95_ms']:6.1f})"
        )
    return lines


# The second term of each proximity pair: words that share sentences with the
# policy terms of TERMS in plans.
PARTNERS = ("发展", "建设", "推进", "工作", "加强", "产业")
# Each proximity form of a pair "A B", beside the plain AND of the two.
PROXIMITY_FORMS = {
    "A B (and)": "{a} {b}",
    "A /s B": "{a} /s {b}",
    "A /p B": "{a} /p {b}",
    "A /20 B": "{a} /20 {b}",
}


def run_proximity_queries(args) -> dict:
    """Search medians of proximity queries (/s, /p, /20) beside the plain AND
    of the same pairs and the first term alone, warm, search only (the
    engine's part of a results page); the hit totals show what each keeps."""
    from search.services import SearchFilters, search_documents

    rng = random.Random(args.seed + 2)
    pairs = [(term, rng.choice(PARTNERS)) for term in TERMS[: args.terms]]
    forms = {"A (plain term)": "{a}", **PROXIMITY_FORMS}

    def timed(query: str) -> tuple[float, int]:
        started = time.perf_counter()
        page = search_documents(
            query=query,
            filters=SearchFilters(),
            sort="relevance",
            page=1,
            page_size=PAGE_SIZE,
        )
        return time.perf_counter() - started, page.total

    samples: dict[str, list[float]] = {}
    hits: dict[str, int] = {}
    for label, pattern in forms.items():
        for a, b in pairs:
            timed(pattern.format(a=a, b=b))  # warm: postings decoded once
        for _ in range(args.repeat):
            for a, b in pairs:
                seconds, total = timed(pattern.format(a=a, b=b))
                samples.setdefault(label, []).append(seconds)
                hits[label] = hits.get(label, 0) + total
    return {
        "pairs": len(pairs),
        "forms": {label: summary(values) for label, values in samples.items()},
        "hits": {label: total // max(1, args.repeat) for label, total in hits.items()},
    }


def proximity_report(result: dict) -> list[str]:
    lines = [
        "",
        f"-- proximity: {result['pairs']} pairs, warm search, ms --",
        f"{'':20}{'median':>10}{'p95':>10}{'hits':>10}",
    ]
    for label, figures in result["forms"].items():
        lines.append(
            f"{label:20}{figures['median_ms']:10.1f}"
            f"{figures['p95_ms']:10.1f}{result['hits'][label]:10}"
        )
    return lines


def form_medians(args, plan) -> dict:
    """Search time (search+facets, warm) of the term queries in each form.

    The EXACT form reads the variants field besides the folded postings
    (search/engine/exact_form.py); the aim is the folded form's medians.
    """
    samples: dict[str, list[float]] = {"folded": [], "exact": []}
    totals: dict[str, dict[str, int]] = {"folded": {}, "exact": {}}
    terms = [term for mode, term, _ in plan if mode == "term"]
    for form in samples:
        results_page(terms[0], {}, form)
    for _ in range(args.repeat):
        for term in terms:
            for form, bucket in samples.items():
                measured = results_page(term, {}, form)
                bucket.append(measured["search"])
                totals[form][term] = measured["total"]
    return {
        "search": {form: summary(values) for form, values in samples.items()},
        "terms_differing": sum(
            1 for t in terms if totals["folded"][t] != totals["exact"][t]
        ),
        "terms": len(terms),
    }


def profile_whoosh(terms=PROFILE_TERMS) -> str:
    """cProfile of a few results pages: the functions where the time goes."""
    profiler = cProfile.Profile()
    profiler.enable()
    for term in terms:
        for _ in range(3):
            results_page(term, {})
    results_page("", {})
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(28)
    stats.sort_stats("tottime").print_stats(15)
    return out.getvalue()


def run_fts5_queries(args, plan, searcher) -> dict:
    samples: dict[str, list[float]] = {}
    totals: dict[str, dict[str, int]] = {m: {} for m in MODES}
    searcher.page("乡村振兴")
    for _ in range(args.repeat):
        for mode, term, filters in plan:
            years = (
                (filters["year_from"], filters["year_to"])
                if "year_from" in filters
                else None
            )
            t0 = time.perf_counter()
            total, _, _ = searcher.page(
                term, township=filters.get("township", ""), years=years
            )
            samples.setdefault(mode, []).append(time.perf_counter() - t0)
            totals[mode][term] = total
    return {
        "modes": {mode: {"page": summary(v)} for mode, v in samples.items()},
        "totals": totals,
    }


def build_fts5(args) -> dict:
    from bench import fts5
    from documents.models import Document
    from search.search_indexes import searchable_text
    from search.tokenizer import get_segmenter

    get_segmenter()  # loaded before the fork, shared by the workers

    def rows():
        queryset = Document.objects.order_by("pk").only(
            "title", "body", "township", "county", "plan_year", "category", "doc_date"
        )
        for doc in queryset.iterator(chunk_size=500):
            yield (
                doc.pk,
                doc.title,
                doc.township,
                doc.county,
                doc.plan_year,
                doc.category,
                doc.doc_date.isoformat() if doc.doc_date else None,
                searchable_text(doc),
            )

    return fts5.build(args.var_dir / "fts5.sqlite3", rows(), workers=args.workers)


def build_tantivy(args) -> dict:
    from bench import tantivy_peer
    from documents.models import Document
    from search.search_indexes import searchable_text

    fields = [f for f in tantivy_peer.ROW_FIELDS if f not in ("id", "text")]
    queryset = Document.objects.order_by("pk").only(*fields, "body")
    rows = tantivy_peer.rows_from(queryset.iterator(chunk_size=500), searchable_text)
    return tantivy_peer.build(args.var_dir / "tantivy", rows, workers=args.workers)


def run_tantivy_queries(args, plan, searcher) -> dict:
    """The plan as Tantivy answers it: top 20, their stored fields, count, facets."""
    samples: dict[str, list[float]] = {}
    totals: dict[str, dict[str, int]] = {m: {} for m in MODES}
    facets: dict[str, dict[str, dict]] = {m: {} for m in MODES}
    searcher.page("乡村振兴")
    for _ in range(args.repeat):
        for mode, term, filters in plan:
            years = (
                (filters["year_from"], filters["year_to"])
                if "year_from" in filters
                else None
            )
            t0 = time.perf_counter()
            page = searcher.page(
                term, township=filters.get("township", ""), years=years
            )
            samples.setdefault(mode, []).append(time.perf_counter() - t0)
            totals[mode][term] = page.total
            facets[mode][term] = page.facets
    return {
        "modes": {mode: {"search": summary(v)} for mode, v in samples.items()},
        "totals": totals,
        "facets": facets,
    }


def _facet_counts(facets: dict) -> dict[str, dict]:
    return {name: dict(pairs) for name, pairs in facets.items()}


def tantivy_agreement(whoosh: dict, tantivy: dict) -> dict:
    """Hit counts and facet counts of every planned query, plansite vs Tantivy.

    Both are exact, so they must be equal; the differences are listed.
    """
    queries = differ = facets_differ = 0
    differences = []
    for mode in MODES:
        wt, tt = whoosh["totals"][mode], tantivy["totals"][mode]
        for term, total in wt.items():
            queries += 1
            if tt.get(term) != total:
                differ += 1
                differences.append(
                    f"{mode} {term}: plansite {total}, Tantivy {tt.get(term)}"
                )
            wf = _facet_counts(whoosh["facets"][mode][term])
            tf = _facet_counts(tantivy["facets"][mode].get(term, {}))
            if wf != tf:
                facets_differ += 1
                names = [n for n in wf if wf[n] != tf.get(n)]
                differences.append(f"{mode} {term}: facets differ in {names}")
    term_totals = whoosh["totals"]["term"]
    return {
        "queries": queries,
        "counts_differ": differ,
        "facets_differ": facets_differ,
        "plansite_hits": sum(term_totals.values()),
        "tantivy_hits": sum(tantivy["totals"]["term"].get(t, 0) for t in term_totals),
        "differences": differences[:20],
    }


# --- report --------------------------------------------------------------------


def fmt_ms(value) -> str:
    return "-" if value is None else f"{value:8.1f}"


def tantivy_report(result: dict) -> list[str]:
    """plansite against Tantivy on the same work: search, count, facets, hits."""
    t = result.get("tantivy")
    if not t:
        return []
    w = result["whoosh"]
    lines = [
        "",
        "plansite vs Tantivy: search, count, the results page's seven facets and",
        "the 20 hits' stored fields (no database fetch, no snippets)",
        f"{'':34}{'plansite':>12}{'Tantivy':>12}{'ratio':>10}",
    ]

    def row(label, a, b):
        ratio = f"{a / b:9.1f}x" if a and b else ""
        cells = "".join(f"{v:12.1f}" if v is not None else f"{'-':>12}" for v in (a, b))
        lines.append(f"{label:34}{cells}{ratio:>10}")

    row("build time (s)", w["index"].get("seconds"), t["build"]["build_s"])
    row(
        "  CPU s (all processes)",
        w["index"].get("cpu_seconds"),
        t["build"].get("cpu_seconds"),
    )
    row(
        "index size (MB)",
        w["index"].get("size_bytes", 0) / 1e6,
        t["build"]["size_bytes"] / 1e6,
    )
    for mode in MODES:
        wm = w["queries"]["modes"].get(mode, {}).get("search", {})
        tm = t["queries"]["modes"].get(mode, {}).get("search", {})
        row(f"{mode}: median ms", wm.get("median_ms"), tm.get("median_ms"))
        row(f"{mode}: p95 ms", wm.get("p95_ms"), tm.get("p95_ms"))
    agree = result["tantivy_agreement"]
    lines.append(
        f"hit counts: {agree['queries'] - agree['counts_differ']}/{agree['queries']}"
        f" queries equal, facets equal for "
        f"{agree['queries'] - agree['facets_differ']}; term mode plansite "
        f"{agree['plansite_hits']:,} hits, Tantivy {agree['tantivy_hits']:,}"
    )
    lines += [f"  DIFFERENT: {d}" for d in agree["differences"]]
    return lines


def print_report(result: dict) -> None:
    w, f = result.get("whoosh", {}), result.get("fts5", {})
    lines = [
        "",
        f"== plansite search benchmark: {result['docs']} documents "
        f"({result['database']['text_chars'] / 1e6:.1f} M chars, "
        f"avg {result['database']['avg_chars']} chars) ==",
        f"{'':34}{'Whoosh':>14}{'FTS5':>14}{'Whoosh/FTS5':>14}",
    ]

    def row(label, a, b, unit=""):
        ratio = f"{a / b:12.1f}x" if a and b else ""
        sa = f"{a:12.1f}{unit}" if a is not None else f"{'-':>14}"
        sb = f"{b:12.1f}{unit}" if b is not None else f"{'-':>14}"
        lines.append(f"{label:34}{sa}{sb}{ratio:>14}")

    wi, fb = w.get("index", {}), f.get("build", {})
    row("build time (s)", wi.get("seconds"), fb.get("build_s"))
    if wi.get("cpu_seconds"):
        lines.append(
            f"{'  Whoosh: CPU s (all processes)':34}{wi['cpu_seconds']:12.1f}"
            f"   ({wi['cpu_seconds'] / max(1, wi['indexed']) * 1000:.1f} ms a document)"
        )
    if fb:
        lines.append(
            f"{'  FTS5: jieba tokenise / insert':34}"
            f"{'':14}{fb['tokenise_s']:8.1f} / {fb['insert_s']:.1f} s"
        )
    row(
        "index size (MB)",
        wi.get("size_bytes", 0) / 1e6 if wi else None,
        fb.get("size_bytes", 0) / 1e6 if fb else None,
    )
    if wi:
        rss = wi["peak_rss"]
        lines.append(
            f"{'indexer peak RSS (MB)':34}{rss['self_mb']:12.1f}  "
            f"(worker processes: {rss['children_mb']:.1f})  segments {wi['segments']}"
        )
    for mode in MODES:
        parts = w.get("queries", {}).get("modes", {}).get(mode, {})
        wm = parts.get("page", {})
        fm = f.get("queries", {}).get("modes", {}).get(mode, {}).get("page", {})
        row(f"{mode}: median ms", wm.get("median_ms"), fm.get("median_ms"))
        row(f"{mode}: p95 ms", wm.get("p95_ms"), fm.get("p95_ms"))
        for key, label in (("http", "GET /search/"), ("cold page", "cold")):
            part = parts.get(key)
            if part:
                lines.append(
                    f"{'  ' + label + ': median / p95 ms':34}"
                    f"{part['median_ms']:8.1f} / {part['p95_ms']:.1f}"
                )
    modes = w.get("queries", {}).get("modes", {})
    if modes:
        lines.append("")
        lines.append(
            "Whoosh results page, median (p95) ms:   search+facets     DB fetch"
            "     snippets"
        )
        for mode, parts in modes.items():
            cells = []
            for key in ("search", "fetch", "snippets"):
                part = parts.get(key)
                cells.append(
                    f"{part['median_ms']:7.1f} ({part['p95_ms']:6.1f})" if part else ""
                )
            lines.append(f"  {mode:36}" + "  ".join(f"{c:>16}" for c in cells))
    terms = w.get("queries", {}).get("terms", {})
    if terms:
        lines.append("")
        lines.append(
            "slowest terms (term mode, ms):   hits     cold     warm   GET /search/"
        )
        for term, row in list(terms.items())[:6]:
            lines.append(
                f"  {term:<28}{row['hits']:>7}{row['cold_ms']:>9.1f}"
                f"{row.get('warm_ms', 0):>9.1f}{row.get('http_ms', 0):>9.1f}"
            )
    lines += field_report(result)
    forms = w.get("forms")
    if forms:
        lines.append("")
        lines.append("term mode, search+facets median (p95) ms:  folded     exact")
        cells = [
            f"{forms['search'][form]['median_ms']:7.1f} "
            f"({forms['search'][form]['p95_ms']:6.1f})"
            for form in ("folded", "exact")
        ]
        lines.append(f"  {'':38}" + "  ".join(cells))
        lines.append(
            f"  terms whose hit count differs between the forms: "
            f"{forms['terms_differing']}/{forms['terms']}"
        )
    lines += tantivy_report(result)
    agree = result.get("agreement")
    if agree:
        lines.append("")
        lines.append(
            f"hit counts Whoosh (exact substring) vs FTS5 (jieba phrase), term mode: "
            f"equal for {agree['equal']}/{agree['terms']} terms; "
            f"Whoosh {agree['whoosh_hits']} hits, FTS5 {agree['fts5_hits']} hits"
        )
    print("\n".join(lines))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=50_000, help="archive size")
    parser.add_argument("--seed", type=int, default=1, help="random seed")
    parser.add_argument(
        "--var-dir",
        type=Path,
        default=ROOT / "var" / "bench",
        help="PLANSITE_VAR_DIR for the benchmark (database, index, FTS5 file)",
    )
    parser.add_argument(
        "--shared",
        type=Path,
        default=default_shared(),
        help="sample texts (../shared, else the copies in samples/)",
    )
    parser.add_argument("--terms", type=int, default=len(TERMS), help="terms used")
    parser.add_argument("--repeat", type=int, default=2, help="runs of each query")
    parser.add_argument("--browse", type=int, default=10, help="browse queries")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="FTS5 jieba workers"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database (same docs and seed)"
    )
    parser.add_argument(
        "--reuse-index", action="store_true", help="keep the Whoosh index too"
    )
    parser.add_argument("--no-fts5", action="store_true", help="skip the FTS5 peer")
    parser.add_argument(
        "--no-tantivy",
        action="store_true",
        help="skip the Tantivy peer (pip install -r bench/requirements.txt)",
    )
    parser.add_argument("--no-profile", action="store_true", help="skip cProfile")
    parser.add_argument(
        "--no-fields",
        action="store_true",
        help="skip the field-query rows",
    )
    parser.add_argument(
        "--no-proximity",
        action="store_true",
        help="skip the proximity queries",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--phase", choices=["all", "index"], default="all", help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    args.var_dir = args.var_dir.resolve()
    if not args.no_tantivy and importlib.util.find_spec("tantivy") is None:
        raise SystemExit(
            "the Tantivy peer needs tantivy: .venv/bin/pip install -r "
            "bench/requirements.txt (or run with --no-tantivy)"
        )

    if args.phase == "index":
        setup_django(args.var_dir)
        index_phase()
        return 0

    stamp = args.var_dir / "bench.json"
    reuse = (
        args.reuse
        and stamp.exists()
        and json.loads(stamp.read_text()).get("marker") == marker(args)
    )
    if not reuse:
        shutil.rmtree(args.var_dir, ignore_errors=True)
    args.var_dir.mkdir(parents=True, exist_ok=True)
    setup_django(args.var_dir)

    result: dict = {"docs": args.docs, "seed": args.seed, "var_dir": str(args.var_dir)}
    if reuse:
        result["database"] = json.loads(stamp.read_text())["database"]
        log("reusing the database")
    else:
        log(f"building a database of {args.docs} documents ...")
        result["database"] = build_database(args)
        stamp.write_text(
            json.dumps({"marker": marker(args), "database": result["database"]})
        )
    log(f"database: {result['database']}")

    whoosh: dict = {}
    if reuse and args.reuse_index and (args.var_dir / "index.json").exists():
        whoosh["index"] = json.loads((args.var_dir / "index.json").read_text())
        log("reusing the Whoosh index")
    else:
        log("indexing with search.services.rebuild_index() ...")
        whoosh["index"] = build_index(args)
        (args.var_dir / "index.json").write_text(json.dumps(whoosh["index"]))
    log(f"whoosh index: {whoosh['index']}")
    whoosh["analysis"] = analysis_rates(args)
    log(f"analysis rates: {whoosh['analysis']}")

    plan = plan_queries(args)
    log(f"running {len(plan)} Whoosh queries x {args.repeat} ...")
    whoosh["queries"] = run_whoosh_queries(args, plan)
    if not args.no_fields:
        field_plan = plan_field_queries(args)
        log(f"running {len(field_plan)} field and plain queries x {args.repeat} ...")
        whoosh["fields"] = run_field_queries(args, field_plan)
    log("folded and exact forms ...")
    whoosh["forms"] = form_medians(args, plan)
    if not args.no_proximity:
        log("running the proximity queries ...")
        whoosh["proximity"] = run_proximity_queries(args)
    result["whoosh"] = whoosh
    if not args.no_profile:
        profile = profile_whoosh()
        (args.var_dir / "profile.txt").write_text(profile)
        log(profile)

    if not args.no_fts5:
        from bench.fts5 import Fts5Searcher

        log("building FTS5 ...")
        fts: dict = {"build": build_fts5(args)}
        log(f"fts5: {fts['build']}")
        searcher = Fts5Searcher(args.var_dir / "fts5.sqlite3")
        fts["queries"] = run_fts5_queries(args, plan, searcher)
        searcher.close()
        result["fts5"] = fts
        wt = whoosh["queries"]["totals"]["term"]
        ft = fts["queries"]["totals"]["term"]
        result["agreement"] = {
            "terms": len(wt),
            "equal": sum(1 for t in wt if wt[t] == ft.get(t)),
            "whoosh_hits": sum(wt.values()),
            "fts5_hits": sum(ft.values()),
        }

    if not args.no_tantivy:
        from bench.tantivy_peer import TantivySearcher

        log("building Tantivy ...")
        peer: dict = {"build": build_tantivy(args)}
        log(f"tantivy: {peer['build']}")
        peer["queries"] = run_tantivy_queries(
            args, plan, TantivySearcher(args.var_dir / "tantivy")
        )
        result["tantivy"] = peer
        result["tantivy_agreement"] = tantivy_agreement(
            whoosh["queries"], peer["queries"]
        )

    print_report(result)
    if "proximity" in whoosh:
        print("\n".join(proximity_report(whoosh["proximity"])))
    # Facet counts were for the comparison; the figures file keeps the figures.
    for side in (whoosh, result.get("tantivy", {})):
        side.get("queries", {}).pop("facets", None)
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    agree = result.get("tantivy_agreement")
    if agree and (agree["counts_differ"] or agree["facets_differ"]):
        log("plansite and Tantivy disagree: both are exact, so one of them is wrong")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
