"""Search the archive from the command line, as the site would."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from search.highlight import snippets
from search.query import QueryError
from search.services import SearchFilters, SortOrder, search_documents


class Command(BaseCommand):
    help = (
        "按网站的规则检索文档（精确匹配子串；空格分隔为“与”，OR 为“或”，-词 为排除）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("query", help="检索式，例如：美丽城镇 -垃圾分类")
        for name in ("township", "county", "city", "province", "category", "issuer"):
            parser.add_argument(
                f"--{name}", default="", help=f"只看 {name} 等于此值的文档。"
            )
        parser.add_argument("--year-from", type=int, help="计划年度下限（含）。")
        parser.add_argument("--year-to", type=int, help="计划年度上限（含）。")
        parser.add_argument(
            "--sort",
            choices=SortOrder.values,
            default=SortOrder.RELEVANCE,
            help="排序：relevance、newest 或 oldest。",
        )
        parser.add_argument("--page", type=int, default=1, help="页码，从 1 开始。")
        parser.add_argument("--page-size", type=int, default=20, help="每页条数。")
        parser.add_argument("--json", action="store_true", help="输出 JSON。")
        parser.add_argument(
            "--snippets", action="store_true", help="同时显示命中片段（读取正文）。"
        )

    def handle(self, *args, **options):
        filters = SearchFilters(
            township=options["township"],
            county=options["county"],
            city=options["city"],
            province=options["province"],
            category=options["category"],
            issuer=options["issuer"],
            year_from=options["year_from"],
            year_to=options["year_to"],
        )
        try:
            page = search_documents(
                query=options["query"],
                filters=filters,
                sort=options["sort"],
                page=options["page"],
                page_size=options["page_size"],
            )
        except QueryError as exc:
            raise CommandError(str(exc)) from exc
        passages = self._passages(page) if options["snippets"] else {}
        if options["json"]:
            self.stdout.write(
                json.dumps(self._as_json(page, passages), ensure_ascii=False)
            )
            return
        self.stdout.write(f"共 {page.total} 篇（第 {page.page}/{page.num_pages} 页）")
        for hit in page.results:
            place = " ".join(p for p in (hit.county, hit.township) if p)
            year = hit.plan_year or ""
            self.stdout.write(f"{hit.id}\t{year}\t{place}\t{hit.title}")
            for passage in passages.get(hit.id, []):
                self.stdout.write(f"\t\t{passage}")

    def _passages(self, page) -> dict[int, list[str]]:
        from documents.models import Document
        from search.search_indexes import searchable_text

        ids = [hit.id for hit in page.results]
        documents = Document.objects.only("title", "body").in_bulk(ids)
        return {
            pk: snippets(searchable_text(doc), page.terms)
            for pk, doc in documents.items()
        }

    def _as_json(self, page, passages) -> dict:
        return {
            "total": page.total,
            "page": page.page,
            "page_size": page.page_size,
            "terms": page.terms,
            "results": [
                {
                    "id": hit.id,
                    "title": hit.title,
                    "issuer": hit.issuer,
                    "province": hit.province,
                    "city": hit.city,
                    "county": hit.county,
                    "township": hit.township,
                    "plan_year": hit.plan_year,
                    "category": hit.category,
                    "doc_date": hit.doc_date.isoformat() if hit.doc_date else None,
                    "snippets": passages.get(hit.id, []),
                }
                for hit in page.results
            ],
            "facets": {
                name: [[v, n] for v, n in counts]
                for name, counts in page.facets.items()
            },
        }
