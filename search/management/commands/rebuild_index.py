"""Rebuild the search index from the database, the source of truth."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from search.outbox import flush_pending_index_writes
from search.services import index_procs, rebuild_index


class Command(BaseCommand):
    help = (
        "按数据库重建检索索引（数据库为准）：在旁边的新目录建好后整体换上，"
        "不读旧索引，旧索引损坏或丢失也能重建。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="不询问确认。",
        )
        parser.add_argument(
            "--procs",
            type=int,
            default=None,
            help=(
                f"并行进程数（默认 {index_procs()}，"
                "取 PLANSITE_INDEX_PROCS 或 CPU 核数）。"
            ),
        )

    def handle(self, *args, **options):
        if options["interactive"]:
            answer = input("将按数据库重建检索索引（替换现有索引）。继续吗？[y/N] ")
            if answer.strip().lower() not in {"y", "yes"}:
                self.stdout.write("已取消。")
                return
        count = rebuild_index(procs=options["procs"])
        # Admin edits queued while it ran (the others it has read already).
        flush_pending_index_writes()
        if options["verbosity"] >= 1:
            self.stdout.write(self.style.SUCCESS(f"已重建索引：{count} 篇文档。"))
