"""Write a consistent backup archive of the database while the site runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from plansite.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "备份数据库为一个 .tar 归档（SQLite 在线备份或 pg_dump，附 manifest.json）；"
        "网站和导入可以照常运行。检索索引不备份，恢复时由数据库重建。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "destination",
            nargs="?",
            type=Path,
            help=(
                "归档文件名，或一个已有目录（其中写 plansite-时间.tar）；"
                "默认 PLANSITE_BACKUP_DIR（$PLANSITE_VAR_DIR/backups）。"
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = create_backup(destination=options["destination"])
        except BackupError as error:
            raise CommandError(str(error)) from None
        if options["verbosity"] >= 1:
            manifest = result.manifest
            self.stdout.write(
                self.style.SUCCESS(
                    f"已备份：{result.path}（{manifest.engine}，"
                    f"{manifest.documents} 篇文档，{manifest.source_paths} 个来源路径，"
                    f"{manifest.details.get('warc_files', 0)} 个 WARC 文件，"
                    f"{result.bytes / 1e6:.1f} MB，{result.seconds:.1f} 秒）"
                )
            )
