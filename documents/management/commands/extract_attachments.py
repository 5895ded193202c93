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
        parser.add_argument(
            "--retry-rejected",
            action="store_true",
            help="Read the rejected attachments whose original is stored again "
            "(after a timeout on a loaded machine, or newer converters).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["retry_rejected"]:
            again = queue.requeue_rejected(document_ids=options["documents"])
            if options["verbosity"] >= 1:
                self.stdout.write(f"重新提取 rejected, queued again: {again}")
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
