"""Check the search index against the database: damage, missing, stale, orphans."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from search.repair import inspect_index, repair_index

SHOWN_IDS = 20


class Command(BaseCommand):
    help = (
        "检查检索索引：先完整读一遍（是否损坏），再与数据库比较，列出缺失、过期和"
        "多余的文档；损坏或有差异时退出码为 1。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fix",
            "--repair",
            dest="fix",
            action="store_true",
            help=(
                "先完成排队的索引更新，再重新索引缺失和过期的文档、删除多余的"
                "索引条目；索引损坏或过时则按数据库重建（损坏的索引移到 "
                "var/index-quarantine/ 备查）。"
            ),
        )

    def _rebuilt(self, count: int | None) -> None:
        self.stdout.write(self.style.SUCCESS(f"已重建索引：{count} 篇文档。"))

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        fix = options["fix"]
        # What is wrong is printed before a repair that may take minutes.
        check = inspect_index()
        if check.queued and verbosity >= 1:
            self.stdout.write(f"等待索引更新（管理员修改后排队）: {check.queued} 篇")
        if check.damage is not None:
            self.stdout.write(f"检索索引已损坏：{check.damage}")
            if not fix:
                raise CommandError(
                    "检索索引已损坏，搜索页面暂不可用；运行 check_index --repair "
                    "按数据库重建。",
                    returncode=1,
                )
            check = repair_index(check)
            if check.still_damaged is not None:
                raise CommandError(
                    f"重建后索引仍不可读：{check.still_damaged}", returncode=1
                )
            if verbosity >= 1:
                self.stdout.write(
                    f"损坏的索引已移到 {check.quarantine}（只保留最近一份）。"
                )
            self.stdout.write(
                self.style.SUCCESS(f"已重建索引：{check.rebuilt} 篇文档。")
            )
            return
        if check.outdated:
            self.stdout.write("索引由旧版本写成（字段或格式不同），须整体重建。")
            if fix:
                self._rebuilt(repair_index(check).rebuilt)
                return
            raise CommandError(
                "索引须重建；运行 check_index --fix 或 rebuild_index。", returncode=1
            )
        found = check.found
        for label, ids in (
            ("缺失（未索引）", found.missing),
            ("过期（索引早于最近修改）", found.stale),
            ("多余（数据库中已无）", found.orphans),
        ):
            if ids and verbosity >= 1:
                shown = ", ".join(str(pk) for pk in ids[:SHOWN_IDS])
                more = " …" if len(ids) > SHOWN_IDS else ""
                self.stdout.write(f"{label}: {len(ids)} 篇 [{shown}{more}]")
        check = repair_index(check, dry_run=not fix)
        if check.ok:
            if verbosity >= 1:
                self.stdout.write(self.style.SUCCESS("索引与数据库一致。"))
            if check.unchecked and verbosity >= 1:
                self.stdout.write(
                    f"提示：{check.unchecked} 个索引段由旧版本写成，没有校验和，"
                    "损坏可能查不全；运行 rebuild_index 一次即可加上。"
                )
            if check.folded and verbosity >= 1:
                self.stdout.write(f"已合并小索引段：重新索引 {check.folded} 篇。")
            return
        if fix:
            self.stdout.write(
                self.style.SUCCESS(
                    f"已重新索引 {check.reindexed} 篇，删除 {check.removed} 条。"
                )
            )
            return
        raise CommandError(
            "索引与数据库不一致；运行 check_index --fix 或 rebuild_index 修复。",
            returncode=1,
        )
