"""Read the attachments still waiting for extraction (admin uploads, stopped runs)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from documents.attachments import queue


class Command(BaseCommand):
    help = (
        "Extract the text of every attachment still pending (admin uploads, or "
        "rows a stopped process left) and let the search index follow."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--document",
            type=int,
            action="append",
            dest="documents",
            help="Only this document's attachments (may be given more than once).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        waiting = queue.pending_count()
        if options["verbosity"] >= 1:
            self.stdout.write(f"待提取 pending: {waiting}")
        result = queue.extract_pending(document_ids=options["documents"])
        self.stdout.write(
            self.style.SUCCESS(
                f"提取 extracted {result.extracted}, "
                f"未能提取 rejected {result.rejected}, "
                f"文档 documents {len(result.document_ids)}"
            )
        )
