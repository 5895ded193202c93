"""Harvest 政务公开 columns into WARC files and import them: manage.py harvest SRC."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

import search
from documents.harvest.crawl import HarvestReport, harvest
from documents.harvest.definitions import DefinitionError, load_source
from documents.harvest.frontier import HarvestBusy
from documents.models import HarvestRun


class Command(BaseCommand):
    help = (
        "Harvest sources (shipped definition names or .toml files): list pages, "
        "document pages and attachments into WARC files, then import them. "
        "Run it again (cron, a systemd timer) to keep them current."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "sources",
            nargs="+",
            help="Shipped definition names (trs-column, ...) or paths to .toml files.",
        )
        parser.add_argument(
            "--start-url",
            action="append",
            dest="start_urls",
            metavar="URL",
            help="Use this list page instead of the definition's (repeatable; "
            "one source only).",
        )
        parser.add_argument(
            "--delay",
            type=float,
            help="Seconds between two requests to one host (overrides the definition).",
        )
        parser.add_argument(
            "--max-list-pages",
            type=int,
            help="List pages to read per start URL (overrides the definition).",
        )
        parser.add_argument(
            "--no-import",
            action="store_true",
            help="Only capture into WARC files; import them later with import_plans.",
        )
        parser.add_argument(
            "--quiet",
            action="store_true",
            help="No progress lines, only each source's summary and errors.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        names: list[str] = options["sources"]
        if options["start_urls"] and len(names) > 1:
            raise CommandError(
                "--start-url 只能用于一个来源 (--start-url applies to one source only)"
            )
        verbosity: int = options["verbosity"]
        overrides = {
            "start_urls": options["start_urls"],
            "delay": options["delay"],
            "max_list_pages": options["max_list_pages"],
        }
        failed: list[str] = []
        for name in names:
            try:
                source = load_source(name, overrides=overrides)
            except DefinitionError as problem:
                self.stderr.write(
                    self.style.ERROR(f"来源定义有误 bad definition: {problem}")
                )
                failed.append(name)
                continue
            say = None
            if verbosity >= 1 and not options["quiet"]:
                say = lambda line, _n=source.name: self.stdout.write(f"[{_n}] {line}")  # noqa: E731
            try:
                report = harvest(
                    source, import_captures=not options["no_import"], progress=say
                )
            except HarvestBusy as busy:
                self.stderr.write(self.style.ERROR(str(busy)))
                failed.append(name)
                continue
            if report.changed_ids or report.unchanged_ids:
                self._index(report)
            if verbosity >= 1:
                self._summary(report)
            if report.status != HarvestRun.Status.FINISHED:
                failed.append(name)
                if report.status == HarvestRun.Status.INTERRUPTED:
                    # Stopped by a signal: stop the other sources too.
                    break
        if failed:
            raise CommandError(
                f"未能完成采集 not harvested to the end: {', '.join(failed)}"
            )

    def _index(self, report: HarvestReport) -> None:
        try:
            search.index_after_import(
                changed=report.changed_ids, unchanged=report.unchanged_ids
            )
        except search.IndexDamaged as damage:
            # The documents are stored; the repair rebuilds the index from them.
            self.stderr.write(self.style.WARNING(search.import_advice(damage)))

    def _summary(self, report: HarvestReport) -> None:
        stated = "?" if report.stated_total is None else str(report.stated_total)
        line = (
            f"{report.source}: 列表 listed {report.listed} (自述 stated {stated}), "
            f"采集 captured {report.captured}, 未变 unchanged {report.unchanged}, "
            f"失败 failed {report.failed}, 撤下 withdrawn {report.withdrawn}, "
            f"导入 imported {report.imported}, 请求 requests {report.requests}"
            + (" (续接 resumed)" if report.resumed else "")
        )
        if report.status == HarvestRun.Status.FINISHED:
            self.stdout.write(self.style.SUCCESS(line))
        else:
            self.stdout.write(self.style.WARNING(f"{line} [{report.status}]"))
        if report.error:
            self.stderr.write(self.style.ERROR(f"{report.source}: {report.error}"))
        for reason, count in sorted(report.failures.items()):
            self.stdout.write(f"  失败原因 failure: {reason} × {count}")
        for name in report.warc_files:
            self.stdout.write(f"  WARC {name}")
