"""manage.py harvest: options, the summary, and the errors an operator reads."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from documents.harvest import frontier
from documents.models import HarvestRun, HarvestUrl
from tests.harvest.tiny_site import COLUMN, TinySite, serve

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.WARC_DIR = tmp_path / "var" / "warc"
    site = TinySite(documents=6, per_page=4)
    site.build()
    with serve(site):
        yield site


def harvest(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("harvest", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_harvest_a_definition_file_and_read_the_summary(site, tmp_path):
    out, _err = harvest(str(site.definition(tmp_path)), "--no-import")

    assert "列表 listed 6 (自述 stated 6), 采集 captured 6" in out
    assert "[tiny] 列表 list" in out  # progress lines
    assert "WARC tiny/tiny-" in out
    run = HarvestRun.objects.get()
    assert (run.status, run.captured) == (HarvestRun.Status.FINISHED, 6)


def test_shipped_definition_with_start_url_and_overrides(site):
    out, _err = harvest(
        "trs-column",
        "--start-url",
        site.start_url,
        "--delay",
        "0",
        "--max-list-pages",
        "1",
        "--no-import",
        "--quiet",
    )
    # One list page of four links; the lists were cut short, so nothing counts
    # as absent.
    assert "列表 listed 4" in out and "[trs-column]" not in out
    assert site.fetched(COLUMN + "index_1.html") == 0
    assert HarvestUrl.objects.filter(source="trs-column", kind="document").count() == 4


def test_bad_definition_is_named_and_fails(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text('name = "Not A Slug!"\nstart_urls = 3\n', encoding="utf-8")
    with pytest.raises(CommandError, match="broken"):
        harvest(str(broken), "nosuchsource")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("harvest", "nosuchsource", stdout=StringIO(), stderr=err)
    assert "来源定义有误 bad definition" in err.getvalue()
    assert "nosuchsource" in err.getvalue()
    assert not HarvestRun.objects.exists()


def test_unreachable_source_fails_with_exit_code(site, tmp_path):
    site.failing.add(COLUMN + "index.html")
    err = StringIO()
    with pytest.raises(CommandError, match="tiny"):
        call_command(
            "harvest",
            str(site.definition(tmp_path)),
            "--no-import",
            stdout=StringIO(),
            stderr=err,
        )
    assert "500" in err.getvalue()
    assert HarvestRun.objects.get().status == HarvestRun.Status.FAILED


def test_second_harvest_of_the_same_source_refuses(site, tmp_path):
    definition = str(site.definition(tmp_path))
    err = StringIO()
    with frontier.source_lock("tiny"), pytest.raises(CommandError):
        call_command(
            "harvest", definition, "--no-import", stdout=StringIO(), stderr=err
        )
    assert "正在被另一个采集进程采集" in err.getvalue()
    assert not HarvestRun.objects.exists()


def test_start_url_with_several_sources_is_refused():
    with pytest.raises(CommandError, match="one source"):
        harvest("trs-column", "generic", "--start-url", "http://127.0.0.1:9/")


@pytest.mark.search
@pytest.mark.slow
def test_harvest_imports_and_the_index_follows(
    sample_site, search_index, settings, tmp_path
):
    from documents.models import Availability, Document

    settings.VAR_DIR = tmp_path / "var"
    settings.WARC_DIR = tmp_path / "var" / "warc"
    definition = tmp_path / "sample-site.toml"
    definition.write_text(sample_site.definition_toml(delay=0.0), encoding="utf-8")

    out, _err = harvest(str(definition), "--quiet")

    assert "导入 imported 11" in out
    assert Document.objects.filter(availability=Availability.ONLINE).count() == 11
    assert search_index.index.doc_count() == Document.objects.count() == 11
