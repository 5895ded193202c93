"""A maximum-size document (5 MiB) on its page: one part at a time, bounded
marks and bytes, the true hit count, and every hit link landing on its hit."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings

from bench.corpus import largest_body
from documents.models import Document
from research.kwic import document_lines

pytestmark = [pytest.mark.django_db]

# What one page of the document may weigh: a part of PLANSITE_DOCUMENT_PART_CHARS
# characters (three bytes each), its marks and the page around it. The whole
# text with ?q=的 was 6.9 MB.
PAGE_BYTES = 1024 * 1024
PART_STATUS = re.compile(r"第 (\d+) / (\d+) 部分")


@pytest.fixture(scope="module")
def body() -> str:
    return largest_body(settings.PLANSITE_MAX_DOCUMENT_BYTES)


@pytest.fixture
def huge(body: str, search_index) -> Document:  # noqa: ANN001
    return Document.objects.create(
        title="超长文档", body=body, original=body, county="测试县"
    )


def get(client, url: str, **params) -> str:  # noqa: ANN001
    response = client.get(url, params)
    assert response.status_code == 200, (url, params, response.status_code)
    return response.content.decode()


def marks(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<mark id="hit-(\d+)">', page)]


def test_a_page_of_the_largest_document_is_bounded(client, huge, body) -> None:
    page = get(client, huge.get_absolute_url(), q="的")
    assert len(page.encode()) <= PAGE_BYTES
    assert 0 < len(marks(page)) <= settings.PLANSITE_DOCUMENT_PART_MARKS
    # The reader learns how many hits the whole text has, and which part this is.
    assert f"“的” 在正文中出现 {body.count('的')} 处" in page
    number, count = map(int, PART_STATUS.search(page).groups())
    assert number == 1 and count > 1
    assert "全文较长，分部分显示" in page and f"/documents/{huge.pk}/text.txt" in page
    # Without a query too, and the original.
    plain = get(client, huge.get_absolute_url())
    assert len(plain.encode()) <= PAGE_BYTES and PART_STATUS.search(plain)
    original = get(client, huge.get_absolute_url(), q="的", view="original")
    assert len(original.encode()) <= PAGE_BYTES
    assert 0 < len(marks(original)) <= settings.PLANSITE_DOCUMENT_PART_MARKS


def test_the_parts_together_are_the_whole_text(client, huge, body) -> None:
    """Every hit is marked once, in order, on exactly one part."""
    first = get(client, huge.get_absolute_url(), q="的")
    count = int(PART_STATUS.search(first).group(2))
    seen: list[int] = []
    for number in range(1, count + 1):
        page = get(client, huge.get_absolute_url(), q="的", part=number)
        assert PART_STATUS.search(page).groups() == (str(number), str(count))
        seen += marks(page)
    assert seen == list(range(1, body.count("的") + 1))


def test_kwic_links_to_deep_hits_name_the_part_that_holds_them(client, huge) -> None:
    lines = list(document_lines(huge, ["的"], query="的", width=10))
    assert len(lines) == huge.body.count("的")
    chosen = [lines[0], lines[len(lines) // 2], lines[-1]]
    chosen += [line for line in lines if line.hit % 9973 == 0][:3]
    for line in chosen:
        path, anchor = line.url.split("#")
        assert anchor == f"hit-{line.hit}"
        page = client.get(path).content.decode()
        assert f'<mark id="{anchor}">的</mark>' in page, line.url
    assert "part=" in lines[-1].url


def test_hit_bar_and_outline_lead_into_other_parts(client, huge) -> None:
    page = get(client, huge.get_absolute_url(), q="的", part=2)
    here = marks(page)
    # Without script: next/previous go to this part's first and last hit.
    assert f'href="#hit-{here[0]}" data-hit-nav="next"' in page
    assert f'href="#hit-{here[-1]}" data-hit-nav="prev"' in page
    # With it, past the ends of the part, the bar leads to the hits next door.
    for name, hit in (("next", here[-1] + 1), ("prev", here[0] - 1)):
        url = re.search(rf'data-{name}-url="([^"]+)"', page).group(1)
        url = url.replace("&amp;", "&")
        assert url.endswith(f"#hit-{hit}")
        path = url.split("#")[0]
        assert f'<mark id="hit-{hit}">' in client.get(path).content.decode()
    # Headings in other parts link to their part, and land on the heading.
    toc = re.search(r'<nav class="toc".*?</nav>', page, re.S).group(0)
    elsewhere = re.findall(r'href="([^"#]*part=(\d+)[^"#]*)#(sec-\d+)"', toc)
    assert {part for _url, part, _anchor in elsewhere} - {"2"}
    for url, part, anchor in elsewhere[:: max(1, len(elsewhere) // 5)]:
        assert part != "2"
        target = client.get(url.replace("&amp;", "&")).content.decode()
        assert f'id="{anchor}"' in target, (url, anchor)
    assert re.search(r'<a href="#sec-\d+">', toc)


@pytest.mark.parametrize(
    ("value", "shown", "message"),
    [
        ("abc", 1, "已忽略"),
        ("-1", 1, "已忽略"),
        ("1e3", 1, "已忽略"),
        ("２", 1, "已忽略"),
        ("0", 1, "没有第 0 部分"),
        ("9999", "last", "超出范围"),
        ("9" * 5000, "last", "超出范围"),
        (" 2 ", 2, ""),
    ],
)
def test_a_bad_part_shows_the_nearest_part_with_a_message(
    client, huge, value: str, shown: int | str, message: str
) -> None:
    page = get(client, huge.get_absolute_url(), part=value)
    number, count = map(int, PART_STATUS.search(page).groups())
    assert number == (count if shown == "last" else shown)
    if message:
        assert message in page
    assert len(page.encode()) <= PAGE_BYTES


def test_an_ordinary_document_is_shown_whole_as_before(client, search_index) -> None:  # noqa: ANN001
    body = largest_body(30_000)
    doc = Document.objects.create(title="普通文档", body=body, original=body)
    page = get(client, doc.get_absolute_url(), q="的")
    assert marks(page) == list(range(1, body.count("的") + 1))
    assert "part-nav" not in page and "part=" not in page
    assert 'href="#hit-1" data-hit-nav="next"' in page
    line = list(document_lines(doc, ["的"], query="的", width=5))[-1]
    assert urlsplit(line.url).fragment == f"hit-{body.count('的')}"
    assert parse_qs(urlsplit(line.url).query) == {"q": ["的"]}
    # A part asked of a document shown whole: the whole text, and a message.
    page = get(client, doc.get_absolute_url(), q="的", part=3)
    assert "超出范围" in page and len(marks(page)) == body.count("的")
