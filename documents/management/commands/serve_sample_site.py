"""Serve the sample 政务公开 column on loopback and write a source definition for it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from documents.harvest import sample_site

# Loopback is ours to load, but a harvest of it should still look like one of a
# real site: one request at a time, with a short pause.
LOCAL_DELAY = 0.5


class Command(BaseCommand):
    help = (
        "Copy the sample 政务公开 column (samples/site) into a folder, serve it on "
        "127.0.0.1, and write var/harvest/sample-site.toml, a source definition "
        "for it. Edit or delete files in the folder to change the site."
    )
    # A test stops the server through a threading.Event instead of Ctrl-C.
    stealth_options = ("stop_event",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--port",
            type=int,
            default=8790,
            help="Port on 127.0.0.1 (default 8790; 0 picks a free one).",
        )
        parser.add_argument(
            "--dir",
            type=Path,
            default=None,
            help="Folder to serve, a copy of samples/site made on first use "
            "(default VAR_DIR/sample-site). An existing copy is kept as edited.",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Start again from the shipped pages (undo edits and deletions).",
        )
        parser.add_argument(
            "--delay",
            type=float,
            default=LOCAL_DELAY,
            help=f"Seconds between requests in the written definition "
            f"(default {LOCAL_DELAY}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        var_dir = Path(settings.VAR_DIR)
        directory: Path = options["dir"] or var_dir / "sample-site"
        copied = sample_site.prepare_copy(directory, reset=options["reset"])
        site = sample_site.SampleSite(directory, source=None)
        try:
            url = site.start(options["port"])
        except OSError as exc:
            raise CommandError(
                f"无法监听端口 {options['port']} (cannot listen: {exc})"
            ) from exc
        definition = sample_site.write_definition(
            var_dir / "harvest" / "sample-site.toml",
            site.start_url,
            delay=options["delay"],
        )
        verbose = options["verbosity"] >= 1
        if verbose:
            made = "已复制 copied" if copied else "沿用已有副本 kept the existing copy"
            pages = site.document_paths()
            first = pages[0] if pages else sample_site.START_PATH
            self.stdout.write(
                f"示例站点 sample site: {url}/  ({made}: {directory})\n"
                f"栏目首页 column: {site.start_url}\n"
                f"源定义 definition: {definition}\n\n"
                f"采集 harvest it (another terminal):\n"
                f"  .venv/bin/python manage.py harvest {definition}\n"
                f"修改或删除页面 change or delete a page, then harvest again:\n"
                f"  edit    {directory / first.lstrip('/')}\n"
                f"  rm      {directory / first.lstrip('/')}\n"
                f"重新开始 start afresh: manage.py serve_sample_site --reset\n"
                f"Ctrl-C 停止 stops the server."
            )
            self.stdout.flush()
        try:
            site.serve_forever(stop=options.get("stop_event"))
        except KeyboardInterrupt:
            pass
        finally:
            site.stop()
        if verbose:
            self.stdout.write("已停止 stopped.")
