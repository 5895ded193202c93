"""Search the archive from the command line, as the site and its API would."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict

from documents.models import Availability
from search.forms import FILTER_NAMES, parse_search_params
from search.payloads import search_payload
from search.results import run_search
from search.services import SortOrder


class Command(BaseCommand):
    help = (
        "按网站的规则检索文档（精确匹配子串；空格分隔为“与”，OR 为“或”，-词 为排除；"
        "a /s b 同句，a /p b 同段，a /N b 相距不超过 N 字）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("query", help="检索式，例如：美丽城镇 -垃圾分类")
        for name in FILTER_NAMES:
            parser.add_argument(
                f"--{name}", default="", help=f"只看 {name} 等于此值的文档。"
            )
        parser.add_argument(
            "--availability",
            choices=Availability.values,
            help="原网页状态：online 在线，withdrawn 已撤下，"
            "unknown 未知（文件导入）。",
        )
        parser.add_argument("--year-from", help="计划年度下限（含）。")
        parser.add_argument("--year-to", help="计划年度上限（含）。")
        parser.add_argument(
            "--sort",
            choices=SortOrder.values,
            help="排序：relevance、newest 或 oldest。",
        )
        parser.add_argument(
            "--form",
            choices=["folded", "exact"],
            help="字形：folded（默认，繁简、全半角视为相同）或 exact（原字形）。",
        )
        parser.add_argument(
            "--near",
            choices=["s", "p"],
            help="s：所有检索词在同一句中；p：在同一段中（同检索页的“同句/同段”）。",
        )
        parser.add_argument("--page", default="1", help="页码，从 1 开始。")
        parser.add_argument("--page-size", default="20", help="每页条数（最多 100）。")
        parser.add_argument(
            "--json", action="store_true", help="输出 JSON（与 /api/search 相同）。"
        )
        parser.add_argument(
            "--snippets", action="store_true", help="同时显示命中片段。"
        )

    def handle(self, *args, **options):
        # The same parameters, checks and messages as /search/ and /api/search.
        data = QueryDict(mutable=True)
        data["q"] = options["query"]
        for name in (
            *FILTER_NAMES,
            "availability",
            "year_from",
            "year_to",
            "sort",
            "form",
            "near",
            "page",
            "page_size",
        ):
            value = options.get(name)
            if value not in (None, ""):
                data[name] = str(value)
        _form, params = parse_search_params(data)
        outcome = run_search(params)
        if outcome.page is None:
            raise CommandError(outcome.error)
        for problem in outcome.problems:
            self.stderr.write(self.style.WARNING(problem))
        page = outcome.page
        if options["json"]:
            self.stdout.write(
                json.dumps(search_payload(params, outcome), ensure_ascii=False)
            )
            return
        for row in outcome.identified:
            hit = row.hit
            numbers = " ".join(n for n in (row.doc_number, row.index_no) if n)
            self.stdout.write(f"编号相符\t{hit.id}\t{numbers}\t{hit.title}")
        self.stdout.write(f"共 {page.total} 篇（第 {page.page}/{page.num_pages} 页）")
        for row in outcome.rows:
            hit = row.hit
            place = " ".join(p for p in (hit.county, hit.township) if p)
            title = hit.title
            if hit.availability == Availability.WITHDRAWN:
                title += "（已撤下）"
            self.stdout.write(
                f"{hit.id}\t{hit.plan_year or ''}\t{place}\t{title}\t{hit.issuer}"
            )
            if options["snippets"]:
                for passage in row.snippets:
                    self.stdout.write(f"\t\t{passage}")
