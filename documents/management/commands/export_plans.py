"""Export every document as JSON lines or CSV: manage.py export_plans --format csv"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from documents.export import write_csv, write_jsonl
from documents.models import Document


class Command(BaseCommand):
    help = "Write one record per document (JSON lines or CSV) to a file or stdout."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--format", choices=["jsonl", "csv"], default="jsonl", help="Output format."
        )
        parser.add_argument(
            "--output",
            "-o",
            type=Path,
            help="File to write (default: standard output).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        writer = write_csv if options["format"] == "csv" else write_jsonl
        queryset = Document.objects.all()
        output: Path | None = options["output"]
        if output is None:
            self.stdout.ending = ""  # Rows carry their own line ends.
            count = writer(queryset, self.stdout)
        else:
            with output.open("w", encoding="utf-8", newline="") as handle:
                count = writer(queryset, handle)
        if options["verbosity"]:
            # The count goes to stderr so stdout stays a clean data stream.
            self.stderr.write(f"exported {count} documents")
