"""Home, browse, year and document pages through the test client."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.utils.encoding import uri_to_iri

from documents.citation import readable_note
from documents.models import Document
from tests.conftest import import_samples

pytestmark = [pytest.mark.django_db, pytest.mark.search]

TOWNSHIP_URL = "/regions/浙江省/台州市/临海市/东塍镇/"
COUNTY_URL = "/regions/浙江省/宁波市/慈溪市/"


@pytest.fixture
def archive(search_index, seeds_dir: Path, corpus_dir: Path) -> None:
    import_samples(seeds_dir, corpus_dir)


def html(client, url: str, **params) -> str:  # noqa: ANN001
    response = client.get(url, params)
    assert response.status_code == 200, (url, params, response.status_code)
    return response.content.decode()


def test_home_shows_counts_latest_and_ways_in(client, archive) -> None:
    page = html(client, "/")
    assert 'role="search"' in page
    total = Document.objects.count()
    townships = (
        Document.objects.exclude(township="").values("county", "township").distinct()
    )
    assert f"<dd>{total}</dd>" in page
    assert f"<dd>{townships.count()}</dd>" in page
    years = Document.objects.exclude(plan_year=None).values_list("plan_year", flat=True)
    assert f"{min(years)}–{max(years)}" in page
    newest = Document.objects.order_by("-id").first()
    assert newest.title in page
    assert 'href="/regions/%E6%B5%99%E6%B1%9F%E7%9C%81/"' in page  # 浙江省
    assert "/years/2020/" in page


def test_cached_counts_follow_every_change_to_the_archive(client, archive) -> None:
    """Home and region counts are cached; an edit or a deletion shows at once."""
    total = Document.objects.count()
    zhejiang = Document.objects.filter(province="浙江省").count()
    assert f"<dd>{total}</dd>" in html(client, "/")
    assert f"共 {zhejiang} 篇文档" in html(client, "/regions/浙江省/")
    doc = Document.objects.filter(province="浙江省").first()
    doc.province = "福建省"
    doc.save()  # as the admin does
    assert f"共 {zhejiang - 1} 篇文档" in html(client, "/regions/浙江省/")
    doc.delete()
    assert f"<dd>{total - 1}</dd>" in html(client, "/")


def test_region_tree_counts_only_places_with_documents(client, archive) -> None:
    root = html(client, "/regions/")
    for province in set(
        Document.objects.exclude(province="").values_list("province", flat=True)
    ):
        assert province in root
    assert "北京市" not in root
    zhejiang = html(client, "/regions/浙江省/")
    count = Document.objects.filter(province="浙江省").count()
    assert f"共 {count} 篇文档" in zhejiang
    assert "台州市" in zhejiang and "宁波市" in zhejiang
    city = html(client, "/regions/浙江省/台州市/")
    assert "临海市" in city
    county = html(client, "/regions/浙江省/台州市/临海市/")
    assert "东塍镇" in county


def test_township_page_lists_by_year_with_a_bar(client, archive) -> None:
    page = html(client, TOWNSHIP_URL)
    assert "<h1>东塍镇</h1>" in page
    assert "东塍镇2020年工作计划" in page
    assert 'id="year-2020"' in page
    assert 'class="year-record"' in page
    assert "2020 年：计划 1 篇" in page


def test_year_record_names_the_missing_years(client, archive) -> None:
    years = set(
        Document.objects.filter(county="平潭县")
        .exclude(plan_year=None)
        .values_list("plan_year", flat=True)
    )
    missing = [y for y in range(min(years), max(years) + 1) if y not in years]
    page = html(client, "/regions/福建省/福州市/平潭县/")
    assert f"缺档年份：{'、'.join(map(str, missing))}。" in page


def test_county_level_documents_are_reachable_from_the_county(client, archive) -> None:
    # Seed 003 (慈溪's own plan) used to be the county-level example here; its
    # text names 慈溪 only in passing, so issue 13 leaves its region empty.
    # The Pingtan pages are county-level documents.
    assert Document.objects.filter(county="平潭县", township="").exists()
    page = html(client, COUNTY_URL)
    assert "周巷镇" in page  # the township below it is listed
    pingtan = html(client, "/regions/福建省/福州市/平潭县/")
    for doc in Document.objects.filter(county="平潭县"):
        assert doc.get_absolute_url() in pingtan


def test_national_documents_are_listed_at_the_root(client, archive) -> None:
    national = Document.objects.create(
        title="2020年国务院政府工作报告", original="正文", body="正文", content_hash="x"
    )
    page = html(client, "/regions/")
    assert national.get_absolute_url() in page
    assert "无地方区划" in html(client, "/years/2020/") or national.plan_year is None


def test_national_documents_are_browsed_under_quanguo(
    client, archive, corpus_dir: Path
) -> None:
    call_command(
        "import_plans",
        str(corpus_dir / "national-reports"),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    # Issue 13: national documents have the level national and no region, and
    # browse shows them under 全国, not among the documents of unknown region.
    national = Document.objects.filter(level=Document.Level.NATIONAL)
    assert national.count() >= 49  # the State Council reports of the corpus
    assert not national.exclude(province="").exists()
    root = html(client, "/regions/")
    assert 'href="/regions/%E5%85%A8%E5%9B%BD/"' in root  # /regions/全国/
    first = national.order_by("pk").first()
    assert first.get_absolute_url() not in root
    page = html(client, "/regions/全国/")
    assert f"共 {national.count()} 篇文档" in page
    assert first.get_absolute_url() in page
    detail = html(client, first.get_absolute_url())
    assert "国家级" in detail
    assert 'href="/regions/%E5%85%A8%E5%9B%BD/"' in detail
    listed = html(client, "/documents/", province="全国", page_size=100)
    assert first.get_absolute_url() in listed
    # Lists label it with its place like any other document, year pages group it.
    assert "全国 · " in listed
    year = html(client, f"/years/{first.plan_year}/")
    assert 'href="/regions/%E5%85%A8%E5%9B%BD/"' in year


def test_year_timeline_and_year_page(client, archive) -> None:
    timeline = html(client, "/years/")
    assert 'href="/years/2020/"' in timeline
    page = html(client, "/years/2020/")
    for doc in Document.objects.filter(plan_year=2020):
        assert doc.get_absolute_url() in page
    other = Document.objects.exclude(plan_year=2020).first()
    assert other.get_absolute_url() not in page
    narrowed = html(client, "/years/2020/", province="浙江省")
    assert "已筛选" in narrowed
    for doc in Document.objects.filter(plan_year=2020).exclude(province="浙江省"):
        assert doc.get_absolute_url() not in narrowed


def test_list_filters_and_sorts_live_in_the_url(client, archive) -> None:
    everything = html(client, "/documents/")
    assert f"共 {Document.objects.count()} 篇" in everything
    plans = html(client, "/documents/", kind="plan")
    assert "东塍镇2020年工作计划" in plans
    assert "店口镇2020年度政府工作报告" not in plans
    reports = html(client, "/documents/", kind="report", sort="title")
    assert "店口镇2020年度政府工作报告" in reports
    # A remove link keeps the other parameters.
    assert "?sort=title" in reports


def test_list_by_county_township_and_unknown_year(client, archive) -> None:
    pingtan = Document.objects.filter(county="平潭县")
    page = html(client, "/documents/", county="平潭县")
    assert f"共 {pingtan.count()} 篇" in page
    assert all(doc.get_absolute_url() in page for doc in pingtan)
    # The county and township boxes offer the places that have documents.
    assert '<datalist id="county-names">' in page and '<option value="平潭县">' in page
    township = html(client, "/documents/", township="东塍镇")
    assert f"共 {Document.objects.filter(township='东塍镇').count()} 篇" in township
    Document.objects.filter(title="东塍镇2020年工作计划").update(plan_year=None)
    undated = Document.objects.filter(plan_year=None)
    page = html(client, "/documents/", year="unknown")
    assert f"共 {undated.count()} 篇" in page
    assert "东塍镇2020年工作计划" in page
    assert "年度不详" in page.split('class="chips"', 1)[1]
    # The year timeline links to them.
    assert 'href="/documents/?year=unknown"' in html(client, "/years/")


def test_a_place_name_that_matches_nothing_gets_a_hint(client, archive) -> None:
    page = html(client, "/documents/", county="平潭")
    assert "共 0 篇" in page
    assert "没有名为“平潭”的区县" in page
    assert f'href="?county={quote("平潭县")}"' in page
    # A township's name in the county box: say what it is and offer the switch.
    page = html(client, "/documents/", county="周巷镇")
    assert "“周巷镇”是乡镇街道的名称" in page
    assert f'href="?township={quote("周巷镇")}"' in page


def test_year_page_keeps_a_province_with_no_documents_that_year(
    client, archive
) -> None:
    assert not Document.objects.filter(plan_year=2022, province="浙江省").exists()
    page = html(client, "/years/2022/", province="浙江省")
    # Still a choice in the menu, so 应用 does not drop it silently.
    assert '<option value="浙江省" selected>浙江省 (0)</option>' in page


def test_document_page_metadata_outline_and_citation(client, archive) -> None:
    doc = Document.objects.get(title="2023年章镇镇政府主要工作安排和任务分解")
    page = html(client, doc.get_absolute_url())
    assert doc.index_no in page
    assert 'href="/regions/%E6%B5%99%E6%B1%9F%E7%9C%81/"' in page
    assert 'href="/years/2023/"' in page
    assert "（推断）" in page  # plan_year is inferred
    for note in doc.review_notes:
        assert note in page
    # Headings become a table of contents with anchors.
    assert 'class="toc"' in page
    assert 'href="#sec-1"' in page and 'id="sec-1"' in page
    assert "聚力提质增效,加快多链融合,塑造产业发展新优势。" in page
    assert "[EB/OL]" in page
    assert f"{doc.issuer}. {doc.title}[EB/OL]. (2023-06-16)[" in page
    assert f"/documents/{doc.pk}/text.txt" in page


def test_needs_review_notice(client, archive) -> None:
    doc = Document.objects.filter(needs_review=True).first()
    page = html(client, doc.get_absolute_url())
    assert "本条记录待复核" in page
    for note in doc.review_notes:
        assert readable_note(note) in page


def test_review_notes_and_marks_read_as_plain_chinese(client, archive) -> None:
    doc = Document.objects.get(title="周巷镇2021年工作计划（无原标题，据正文拟）")
    assert "title" in doc.inferred
    page = html(client, doc.get_absolute_url())
    h1 = page.split("<h1>", 1)[1].split("</h1>", 1)[0]
    # The made-up title says so itself; no second （推断） after it.
    assert "（推断）" not in h1
    assert "元数据无标签，按位置识别：主题分类" in page
    assert (
        "category" not in page.split('class="notice review"', 1)[1].split("</aside>")[0]
    )
    assert "据正文“‘十四五’规划的开局之年”推断" in page
    assert "““" not in page


def test_percent_encoded_source_urls_are_shown_decoded(client, archive) -> None:
    # As the Wikisource pages of the national reports are stored.
    doc = Document.objects.get(title="东塍镇2020年工作计划")
    doc.source_url = "https://zh.wikisource.org/wiki/2020%E5%B9%B4%E5%B7%A5%E4%BD%9C"
    doc.save()
    page = html(client, doc.get_absolute_url())
    readable = uri_to_iri(doc.source_url)
    assert readable != doc.source_url
    # The link still goes to the stored URL; people read the decoded form,
    # in the 来源 field and in the citation.
    assert f'href="{doc.source_url}"' in page
    assert f">{readable}</a>" in page
    assert "[EB/OL]. " in page and f"]. {readable}." in page


def test_original_text_toggle_without_javascript(client, archive) -> None:
    doc = Document.objects.get(title="东塍镇2020年工作计划")
    clean = html(client, doc.get_absolute_url())
    assert '<pre class="original">' not in clean
    assert "?view=original" in clean
    original = html(client, doc.get_absolute_url(), view="original")
    assert '<pre class="original">' in original
    first_line = next(line for line in doc.original.splitlines() if line.strip())
    assert first_line.strip()[:10] in original


def test_hits_survive_the_outline(client, archive) -> None:
    doc = Document.objects.get(title="2023年章镇镇政府主要工作安排和任务分解")
    page = html(client, doc.get_absolute_url(), q="产业")
    assert page.count('<mark id="hit-') == doc.body.count("产业")


def test_similar_and_nearby_documents(client, archive) -> None:
    doc = Document.objects.filter(county="平潭县").first()
    page = html(client, doc.get_absolute_url())
    assert "平潭县的其他县级文档" in page
    assert "相似文档" in page


def test_text_download(client, archive) -> None:
    doc = Document.objects.get(title="东塍镇2020年工作计划")
    response = client.get(f"/documents/{doc.pk}/text.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert quote("东塍镇2020年工作计划") in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("标题：东塍镇2020年工作计划\n")
    assert "地区：浙江省 台州市 临海市 东塍镇" in text
    assert "[EB/OL]" in text
    assert text.rstrip().endswith(doc.body.rstrip()[-20:])


def test_the_server_error_page_renders_on_its_own(rf) -> None:
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert "<h1>出错了</h1>" in page
    assert 'href="/"' in page


LIST_URLS = [
    "/",
    "/documents/",
    "/regions/",
    "/regions/浙江省/",
    COUNTY_URL,
    TOWNSHIP_URL,
    "/years/",
    "/years/2020/",
]


def test_list_pages_use_a_bounded_number_of_queries(
    client, archive, django_assert_max_num_queries
) -> None:
    for url in LIST_URLS:
        with django_assert_max_num_queries(12):
            client.get(url)
    doc = Document.objects.filter(county="平潭县").first()
    with django_assert_max_num_queries(12):
        client.get(doc.get_absolute_url())
