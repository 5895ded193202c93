"""Import work plans from files or folders: python manage.py import_plans PATH ..."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

import search
from documents import services
from documents.attachments import queue as attachment_queue
from documents.ingest.pipeline import ImportSummary, ItemResult, count_files
from documents.ingest.store import Outcome


class Command(BaseCommand):
    help = "Import work plans from files or folders (recursively) and index them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths", nargs="+", type=Path, help="Files or folders to import."
        )
        parser.add_argument(
            "--no-index",
            action="store_true",
            help="Do not update the search index (run rebuild_index later).",
        )
        parser.add_argument(
            "--progress",
            choices=["auto", "bar", "log"],
            default="auto",
            help="A progress bar on a terminal, log lines otherwise (default auto).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        paths: list[Path] = options["paths"]
        verbosity: int = options["verbosity"]
        use_bar = options["progress"] == "bar" or (
            options["progress"] == "auto" and sys.stderr.isatty()
        )
        bar = tqdm(
            total=count_files(paths), unit="文件", disable=not use_bar or verbosity == 0
        )

        def report(result: ItemResult) -> None:
            if result.outcome is Outcome.REJECTED:
                line = self.style.ERROR(
                    f"拒绝 rejected {result.locator}: {result.reason}"
                )
                (bar.write if use_bar else self.stderr.write)(line)
            elif not use_bar and verbosity >= 1:
                self.stdout.write(f"{result.outcome.value} {result.locator}")
            for problem in result.attachment_problems:
                line = self.style.WARNING(
                    f"附件未能提取 attachment not read {result.locator} → {problem}"
                )
                (bar.write if use_bar else self.stderr.write)(line)

        summary = services.import_documents(
            paths, on_result=report, on_file=lambda _p: bar.update()
        )
        bar.close()
        # Attachments an admin upload or a stopped process left pending; their
        # documents' index entries follow through the outbox (below).
        pending = attachment_queue.extract_pending()
        if pending.document_ids and verbosity >= 1:
            self.stdout.write(
                f"附件提取 pending attachments: {pending.extracted} extracted, "
                f"{pending.rejected} rejected"
            )
        if summary.recleaned and verbosity >= 1:
            self.stdout.write(
                f"模板更新 source templates learned again: "
                f"{len(summary.recleaned)} stored bodies cleaned again"
            )
        if not options["no_index"]:
            try:
                self._index(summary, verbosity)
            except search.IndexDamaged as damage:
                # The documents are stored; only the index is behind, and the
                # repair rebuilds it from them.
                self._report(summary)
                raise CommandError(search.import_advice(damage)) from None
        self._report(summary)
        if summary.rejected:
            raise CommandError(f"{len(summary.rejected)} 项被拒绝 (rejected), 见上文")

    def _index(self, summary: ImportSummary, verbosity: int) -> None:
        def behind(count: int) -> None:
            if verbosity >= 1:
                self.stdout.write(
                    f"补建索引 reindexing {count} unchanged documents "
                    "missing from or stale in the index"
                )

        search.index_after_import(
            changed=summary.changed_ids,
            unchanged=summary.unchanged_ids,
            on_behind=behind,
        )

    def _report(self, summary: ImportSummary) -> None:
        counts = {outcome: summary.count(outcome) for outcome in Outcome}
        self.stdout.write(
            self.style.SUCCESS(
                f"导入 imported {counts[Outcome.IMPORTED]}, "
                f"更新 updated {counts[Outcome.UPDATED]}, "
                f"未变 unchanged {counts[Outcome.UNCHANGED]}, "
                f"拒绝 rejected {counts[Outcome.REJECTED]}"
            )
        )
        if summary.attachments:
            self.stdout.write(
                f"附件 attachments read {summary.attachments}, "
                f"未能提取 not read {summary.attachment_problems} "
                "(kept with the reason; their documents are flagged for review)"
            )
