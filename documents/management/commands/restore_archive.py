"""Restore a backup archive onto the configured database and rebuild the index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from plansite.backup import BackupError, restore_backup, verify_backup


class Command(BaseCommand):
    help = (
        "从 backup_archive 的归档恢复数据库（先核对校验和），再执行 migrate 并按"
        "恢复的文档重建检索索引。数据库已有文档时须加 --force。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", type=Path, help="backup_archive 写的 .tar 文件。")
        parser.add_argument(
            "--force",
            action="store_true",
            help="数据库已有文档时也覆盖（先备份它）。",
        )
        parser.add_argument(
            "--verify-only",
            action="store_true",
            help="只检查归档（校验和、数据库副本能否读取），不动任何数据库。",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbose = options["verbosity"] >= 1
        try:
            if options["verify_only"]:
                manifest = verify_backup(options["source"])
                if verbose:
                    self.stdout.write(
                        self.style.SUCCESS(
                            f"归档完好：{manifest.engine}，"
                            f"创建于 {manifest.created_at}，"
                            f"{manifest.documents} 篇文档，"
                            f"{manifest.source_paths} 个来源路径。"
                        )
                    )
                return
            result = restore_backup(source=options["source"], force=options["force"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        if verbose:
            applied = "、".join(result.migrations_applied) or "无"
            self.stdout.write(
                self.style.SUCCESS(
                    f"已恢复：{result.documents} 篇文档，"
                    f"{result.source_paths} 个来源路径，"
                    f"{result.attachments} 个附件原件，"
                    f"{result.warc_files} 个 WARC 文件"
                    f"（备份于 {result.manifest.created_at}），"
                    f"用时 {result.restore_seconds:.1f} 秒；补做的迁移：{applied}。\n"
                    f"已重建索引：{result.indexed} 篇文档，"
                    f"用时 {result.index_seconds:.1f} 秒。"
                )
            )
