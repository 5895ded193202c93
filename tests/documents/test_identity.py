"""What identifies a document: 索引号 with its issuer, else its page's URL, else its
text. Records are imported and the rows counted; the database's unique identity
holds whatever the look-up before an insert missed."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction

from documents.ingest.fingerprint import text_key
from documents.ingest.pipeline import import_paths
from documents.ingest.store import Outcome
from documents.models import Document, SourcePath
from tests.admin_forms import change_form_data

pytestmark = pytest.mark.django_db

GUANHAIWEI = "330282107"  # 慈溪市观海卫镇
CHONGSHOU = "330282116"  # 慈溪市崇寿镇


def _plan(
    *,
    place: str,
    sentence: str,
    index_no: str = "",
    issuer: str = "",
    url: str = "",
) -> str:
    lines = []
    if index_no:
        lines.append(f"索引号：{index_no}")
    if issuer:
        lines.append(f"发布机构：{issuer}")
    if url:
        lines.append(f"原文链接：{url}")
    lines += [
        f"{place}2021年工作计划",
        f"一、总体要求。坚持稳中求进工作总基调，{sentence}",
        "二、重点任务。抓好项目建设，办好民生实事，守牢安全底线，提升治理效能。",
    ]
    return "\n".join(lines) + "\n"


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _import(folder: Path) -> list:
    summary = import_paths([folder])
    assert summary.rejected == [], summary.rejected
    return summary.results


def _documents_of(*paths: Path) -> set[int]:
    locators = [str(path.resolve()) for path in paths]
    return set(
        SourcePath.objects.filter(locator__in=locators).values_list(
            "document_id", flat=True
        )
    )


# --- 索引号 with its issuer --------------------------------------------------------


def test_two_townships_short_serials_are_two_documents(tmp_path: Path) -> None:
    a = _write(
        tmp_path / "plans",
        "guanhaiwei.txt",
        _plan(
            place="观海卫镇",
            index_no="2021-00005",
            issuer="慈溪市观海卫镇人民政府",
            sentence="推动观海卫镇经济社会高质量发展，建设美丽城镇样板。",
        ),
    )
    b = _write(
        tmp_path / "plans",
        "chongshou.txt",
        _plan(
            place="崇寿镇",
            index_no="2021-00005",
            issuer="慈溪市崇寿镇人民政府",
            sentence="推动崇寿镇乡村全面振兴，建设共同富裕示范镇。",
        ),
    )
    results = _import(tmp_path / "plans")
    assert [r.outcome for r in results] == [Outcome.IMPORTED, Outcome.IMPORTED]
    assert Document.objects.count() == 2
    docs = {d.division_code: d for d in Document.objects.all()}
    assert set(docs) == {GUANHAIWEI, CHONGSHOU}
    assert {d.index_no for d in docs.values()} == {"2021-00005"}
    assert "崇寿镇" in docs[CHONGSHOU].body and "观海卫镇" in docs[GUANHAIWEI].body
    assert len(_documents_of(a, b)) == 2


def test_index_no_with_division_one_document_per_township(tmp_path: Path) -> None:
    """Two sources of one township's serial, the organ named two ways, are one
    document; the same serial from the next township is another."""
    folder = tmp_path / "plans"
    first = _write(
        folder,
        "a_site.txt",
        _plan(
            place="观海卫镇",
            index_no="2021-00005",
            issuer="慈溪市观海卫镇人民政府",
            sentence="推动观海卫镇经济社会高质量发展，建设美丽城镇样板。",
        ),
    )
    mirror = _write(
        folder,
        "b_mirror.txt",
        _plan(
            place="观海卫镇",
            index_no="2021-00005",
            issuer="观海卫镇人民政府",
            sentence="推动观海卫镇经济社会高质量发展，建设美丽城镇样板。另附任务清单。",
        ),
    )
    other = _write(
        folder,
        "c_other.txt",
        _plan(
            place="崇寿镇",
            index_no="2021-00005",
            issuer="慈溪市崇寿镇人民政府",
            sentence="推动崇寿镇乡村全面振兴，建设共同富裕示范镇。",
        ),
    )
    _import(folder)
    assert Document.objects.count() == 2
    assert len(_documents_of(first, mirror)) == 1
    assert _documents_of(first) != _documents_of(other)
    doc = Document.objects.get(pk=_documents_of(first).pop())
    assert doc.identity == f"index-division:{GUANHAIWEI}:2021-00005"
    assert doc.sources.count() == 2


def test_index_no_with_issuer_name_when_no_division_is_known(tmp_path: Path) -> None:
    folder = tmp_path / "plans"
    one = _write(
        folder,
        "a.txt",
        _plan(
            place="示范区",
            index_no="2022-017",
            issuer="示范区第一管理处",
            sentence="做好园区第一片区的规划编制和基础设施配套工作，完善服务体系。",
        ),
    )
    again = _write(
        folder,
        "b.txt",
        _plan(
            place="示范区",
            index_no="2022-017",
            issuer="示范区 第一管理处",  # spacing differs: the same organ
            sentence="做好园区第一片区的规划编制和基础设施配套工作，完善服务体系。补充说明。",
        ),
    )
    second = _write(
        folder,
        "c.txt",
        _plan(
            place="示范区",
            index_no="2022-017",
            issuer="示范区第二管理处",
            sentence="推进园区第二片区的招商引资和企业服务工作，优化营商环境。",
        ),
    )
    _import(folder)
    assert Document.objects.count() == 2
    assert len(_documents_of(one, again)) == 1
    assert _documents_of(one) != _documents_of(second)
    keys = set(Document.objects.values_list("identity", flat=True))
    assert keys == {
        "index-issuer:示范区第一管理处:2022-017",
        "index-issuer:示范区第二管理处:2022-017",
    }


def test_a_bare_serial_without_issuer_does_not_identify(tmp_path: Path) -> None:
    """Whose 2022-3 is nobody says: two different texts stay two documents, and
    the same text under it is one (its text identifies it)."""
    folder = tmp_path / "plans"
    text_a = _plan(
        place="",
        index_no="2022-3",
        sentence="做好辖区道路养护和河道保洁，完善垃圾分类收运体系，改善人居环境质量。",
    )
    text_b = _plan(
        place="",
        index_no="2022-3",
        sentence="加强社区卫生服务站建设，开展老年人健康体检，提升基层医疗服务能力水平。",
    )
    a = _write(folder, "a.txt", text_a)
    b = _write(folder, "b.txt", text_b)
    a_copy = _write(folder, "c.txt", text_a.replace("，", ", "))
    _import(folder)
    assert Document.objects.filter(issuer="", division_code="").count() == 2
    assert Document.objects.count() == 2
    assert _documents_of(a) == _documents_of(a_copy) != _documents_of(b)
    assert all(
        key.startswith("text:")
        for key in Document.objects.values_list("identity", flat=True)
    )


# --- the page's URL ---------------------------------------------------------------


def test_a_captured_page_is_identified_by_its_url(tmp_path: Path) -> None:
    """Two captures of one page (the text edited in between) are one document;
    the URL's host case and fragment do not matter."""
    folder = tmp_path / "pages"
    first = _write(
        folder,
        "capture_2023.txt",
        _plan(
            place="",
            url="https://www.Example.gov.cn/art/2023/3/1/art_1229_1.html",
            sentence="加快建设现代化产业体系，培育新兴产业集群，推动传统产业转型升级。",
        ),
    )
    later = _write(
        folder,
        "capture_2024.txt",
        _plan(
            place="",
            url="HTTPS://www.example.gov.cn:443/art/2023/3/1/art_1229_1.html#zw",
            sentence="全面深化改革开放，持续优化营商环境，激发各类经营主体活力和创造力。",
        ),
    )
    other_page = _write(
        folder,
        "other.txt",
        _plan(
            place="",
            url="https://www.example.gov.cn/art/2023/3/1/art_1229_2.html",
            sentence="扎实推进乡村全面振兴，稳定粮食生产，发展乡村特色产业，建设和美乡村。",
        ),
    )
    _import(folder)
    assert Document.objects.count() == 2
    assert len(_documents_of(first, later)) == 1
    assert _documents_of(first) != _documents_of(other_page)
    doc = Document.objects.get(pk=_documents_of(first).pop())
    assert doc.identity == "url:https://www.example.gov.cn/art/2023/3/1/art_1229_1.html"


def test_rows_of_a_record_file_sharing_a_listing_url_stay_apart(tmp_path: Path) -> None:
    """A CSV's URL column often names the listing page or the site: rows of
    record files, and a site's root, are not identified by it."""
    folder = tmp_path / "export"
    folder.mkdir()
    sentences = [
        "加快建设现代化产业体系，培育新兴产业集群，推动传统产业转型升级。",
        "全面深化改革开放，持续优化营商环境，激发各类经营主体活力和创造力。",
        "扎实推进乡村全面振兴，稳定粮食生产，发展乡村特色产业，建设和美乡村。",
    ]
    with (folder / "list.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["标题", "正文", "原文链接"])
        for n, sentence in enumerate(sentences):
            writer.writerow(
                [
                    f"第{n + 1}号工作安排",
                    f"坚持稳中求进工作总基调，{sentence}抓好项目建设，办好民生实事。",
                    "https://www.example.gov.cn/col/col1229/index.html",
                ]
            )
    for n, sentence in enumerate(sentences[:2]):
        _write(
            folder,
            f"home_{n}.txt",
            _plan(place="", url="https://www.example.gov.cn/", sentence=sentence * 2),
        )
    _import(folder)
    assert Document.objects.count() == 5
    assert not Document.objects.filter(identity__startswith="url:").exists()


# --- the text ---------------------------------------------------------------------


def test_a_document_without_index_or_url_is_identified_by_its_text(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "texts"
    text = _plan(
        place="",
        sentence="统筹推进城乡融合发展，完善基础设施网络，提高公共服务均等化水平。",
    )
    a = _write(folder, "a.txt", text)
    spaced = _write(folder, "b.txt", text.replace("，", " , ").replace("\n", "\n\n"))
    other = _write(folder, "c.txt", text.replace("城乡融合", "区域协调"))
    _import(folder)
    assert Document.objects.count() == 2
    assert _documents_of(a) == _documents_of(spaced) != _documents_of(other)
    doc = Document.objects.get(pk=_documents_of(a).pop())
    assert doc.identity == "text:" + text_key(doc.body)


def test_the_database_refuses_a_second_row_with_one_identity(tmp_path: Path) -> None:
    """What the look-up misses (another process's insert), the constraint holds."""
    folder = tmp_path / "plans"
    _write(
        folder,
        "a.txt",
        _plan(
            place="观海卫镇",
            index_no="2021-00005",
            issuer="慈溪市观海卫镇人民政府",
            sentence="推动观海卫镇经济社会高质量发展，建设美丽城镇样板。",
        ),
    )
    _import(folder)
    doc = Document.objects.get()
    copy = Document.objects.get(pk=doc.pk)
    copy.pk = None
    copy.identity = ""
    copy.body += "另一进程读到的版本。"
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()
    assert Document.objects.count() == 1


# --- the key follows the document -------------------------------------------------


def test_the_identity_follows_a_merge_that_fills_the_issuer(tmp_path: Path) -> None:
    """A CSV row without issuer, then the page that names it: the key of the one
    document becomes its 索引号 and township."""
    folder = tmp_path / "sources"
    folder.mkdir()
    body = (
        "坚持稳中求进工作总基调，推动观海卫镇经济社会高质量发展，建设美丽城镇样板。"
        "抓好项目建设，办好民生实事，守牢安全底线，提升治理效能。"
    )
    with (folder / "a_rows.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["索引号", "标题", "正文"])
        writer.writerow(["2021-00005", "2021年工作计划", body])
    _import(folder)
    doc = Document.objects.get()
    assert doc.identity.startswith("text:")
    page = tmp_path / "page"
    _write(
        page,
        "plan.txt",
        "索引号：2021-00005\n发布机构：慈溪市观海卫镇人民政府\n2021年工作计划\n" + body,
    )
    _import(page)
    doc = Document.objects.get()
    assert doc.sources.count() == 2
    assert doc.identity == f"index-division:{GUANHAIWEI}:2021-00005"


def test_an_admin_edit_that_would_repeat_another_document_is_refused(
    admin_client, tmp_path: Path
) -> None:  # noqa: ANN001
    folder = tmp_path / "plans"
    for serial, sentence in (
        ("2021-00005", "推动观海卫镇经济社会高质量发展，建设美丽城镇样板。"),
        ("2021-00006", "推进观海卫镇老旧小区改造，完善城镇公共服务配套设施。"),
    ):
        _write(
            folder,
            f"{serial}.txt",
            _plan(
                place="观海卫镇",
                index_no=serial,
                issuer="慈溪市观海卫镇人民政府",
                sentence=sentence,
            ),
        )
    _import(folder)
    first = Document.objects.get(index_no="2021-00005")
    second = Document.objects.get(index_no="2021-00006")
    url = f"/admin/documents/document/{second.pk}/change/"

    data = change_form_data(admin_client, second)
    data["index_no"] = "2021-00005"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "已有相同的文档标识" in page and f"编号 {first.pk}" in page
    second.refresh_from_db()
    assert second.index_no == "2021-00006"

    # The same serial in the next township is another document: saved, and
    # the key follows the edit.
    data["division"] = CHONGSHOU
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    second.refresh_from_db()
    assert (second.index_no, second.division_code) == ("2021-00005", CHONGSHOU)
    assert second.identity == f"index-division:{CHONGSHOU}:2021-00005"
    assert Document.objects.count() == 2
