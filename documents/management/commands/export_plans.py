"""Export every document as JSON lines or CSV: manage.py export_plans --format csv"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from documents.export import Lang, write_csv, write_jsonl
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
        parser.add_argument(
            "--lang",
            choices=[lang.value for lang in Lang],
            help="Column names: zh (Chinese labels) or en (field names). "
            "Default: zh for CSV (what Excel users expect), en for JSON lines.",
        )
        parser.add_argument(
            "--no-meta",
            action="store_true",
            help="Leave out the first row that says what the file holds "
            "(software and archive version, export time).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        csv_format = options["format"] == "csv"
        writer = write_csv if csv_format else write_jsonl
        lang = Lang(options["lang"] or (Lang.ZH if csv_format else Lang.EN))
        shape = {"lang": lang, "meta": not options["no_meta"]}
        queryset = Document.objects.all()
        output: Path | None = options["output"]
        if output is None:
            self.stdout.ending = ""  # Rows carry their own line ends.
            count = writer(queryset, self.stdout, **shape)
        else:
            with output.open("w", encoding="utf-8", newline="") as handle:
                count = writer(queryset, handle, **shape)
        if options["verbosity"]:
            # The count goes to stderr so stdout stays a clean data stream.
            self.stderr.write(f"exported {count} documents")
