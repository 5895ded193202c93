"""Report documents missing from, stale in, or orphaned in the search index."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from documents.services import flush_pending_index_writes, pending_index_writes
from search.services import (
    fold_segments,
    index_documents,
    index_status,
    rebuild_index,
    remove_documents,
)

SHOWN_IDS = 20


class Command(BaseCommand):
    help = "比较数据库与检索索引：列出缺失、过期和多余的文档；有差异时退出码为 1。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--fix",
            "--repair",
            dest="fix",
            action="store_true",
            help="先完成排队的索引更新，再重新索引缺失和过期的文档、删除多余的索引条目；索引过时则重建。",
        )

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        queued = pending_index_writes()
        if queued and verbosity >= 1:
            self.stdout.write(f"等待索引更新（管理员修改后排队）: {queued} 篇")
        status = index_status()
        if status.outdated:
            self.stdout.write("索引由旧版本写成（字段或格式不同），须整体重建。")
            if options["fix"]:
                count = rebuild_index()
                # Requests queued while it ran; the rest it has read already.
                flush_pending_index_writes()
                self.stdout.write(self.style.SUCCESS(f"已重建索引：{count} 篇文档。"))
                return
            raise CommandError(
                "索引须重建；运行 check_index --fix 或 rebuild_index。", returncode=1
            )
        for label, ids in (
            ("缺失（未索引）", status.missing),
            ("过期（索引早于最近修改）", status.stale),
            ("多余（数据库中已无）", status.orphans),
        ):
            if ids and verbosity >= 1:
                shown = ", ".join(str(pk) for pk in ids[:SHOWN_IDS])
                more = " …" if len(ids) > SHOWN_IDS else ""
                self.stdout.write(f"{label}: {len(ids)} 篇 [{shown}{more}]")
        if queued and options["fix"]:
            flush_pending_index_writes()
            status = index_status()
        if status.ok:
            if verbosity >= 1:
                self.stdout.write(self.style.SUCCESS("索引与数据库一致。"))
            # Small segments an edit left to a background writer that died.
            folded = fold_segments() if options["fix"] else 0
            if folded and verbosity >= 1:
                self.stdout.write(f"已合并小索引段：重新索引 {folded} 篇。")
            return
        if options["fix"]:
            indexed = index_documents(status.missing + status.stale)
            removed = remove_documents(status.orphans)
            self.stdout.write(
                self.style.SUCCESS(f"已重新索引 {indexed} 篇，删除 {removed} 条。")
            )
            return
        raise CommandError(
            "索引与数据库不一致；运行 check_index --fix 或 rebuild_index 修复。",
            returncode=1,
        )
