"""Import work plans from files or folders: python manage.py import_plans PATH ..."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from documents import services
from documents.ingest.pipeline import (
    ImportSummary,
    ItemResult,
    count_files,
    import_paths,
)
from documents.ingest.store import Outcome
from search.errors import IndexDamaged


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

        summary = import_paths(paths, on_result=report, on_file=lambda _p: bar.update())
        bar.close()
        if summary.recleaned and verbosity >= 1:
            self.stdout.write(
                f"模板更新 source templates learned again: "
                f"{len(summary.recleaned)} stored bodies cleaned again"
            )
        changed = summary.changed_ids
        if changed:
            services.refresh_statistics()
        if not options["no_index"]:
            try:
                self._index(summary, verbosity)
            except IndexDamaged as damage:
                # The documents are stored; only the index is behind, and the
                # repair rebuilds it from them.
                self._report(summary)
                raise CommandError(
                    f"检索索引已损坏（{damage.reason}），本次导入的文档已入库但未编入索引："
                    "请运行 manage.py check_index --repair"
                ) from None
        self._report(summary)
        if summary.rejected:
            raise CommandError(f"{len(summary.rejected)} 项被拒绝 (rejected), 见上文")

    def _index(self, summary: ImportSummary, verbosity: int) -> None:
        """Index what this run changed, what an earlier run left behind, and
        admin edits queued meanwhile."""
        changed = summary.changed_ids
        # A run killed before it indexed leaves documents that the next run
        # finds unchanged; index those too, or the index stays behind.
        behind = _behind_in_index(
            {
                r.document_id
                for r in summary.results
                if r.outcome is Outcome.UNCHANGED and r.document_id is not None
            }
        )
        if behind and verbosity >= 1:
            self.stdout.write(
                f"补建索引 reindexing {len(behind)} unchanged documents "
                "missing from or stale in the index"
            )
        to_index = sorted(set(changed) | set(behind))
        if to_index:
            services.reindex(to_index)
        # Admin edits made while this import held the index's lock, by a
        # web process that may be gone by now.
        services.flush_pending_index_writes()

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


def _behind_in_index(ids: set[int]) -> list[int]:
    """Those of ``ids`` whose index entry is missing or does not match the row."""
    from search.services import behind_in_index

    return behind_in_index(ids)
