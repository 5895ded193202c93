"""Source definitions: the shipped ones load, user files and overrides, and errors
that name the file and the key in Chinese and English."""

import re
from pathlib import Path

import pytest

from documents.harvest.definitions import (
    SHIPPED_DIR,
    DefinitionError,
    load_source,
    shipped_sources,
)

MINIMAL = """
name = "my-town"
title = "某某镇 计划总结"
start_urls = ["https://www.example.gov.cn/zwgk/jhzj/index.html"]
[links]
document_regex = ['/t\\d{8}_\\d+\\.html$']
"""


def write(tmp_path: Path, text: str, name: str = "my-town.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_shipped_definition_loads_under_its_file_name():
    sources = shipped_sources()
    names = {s.name for s in sources}
    assert {"trs-column", "hanweb-column", "gkmlpt", "xxgk-ilist", "generic"} <= names
    for source in sources:
        assert source.path == SHIPPED_DIR / f"{source.name}.toml"
        assert source.title and source.cms
        assert all(u.startswith(("http://", "https://")) for u in source.start_urls)
        assert source.politeness.concurrency == 1
        assert source.politeness.obey_robots is True
        # each file says where its structure came from
        text = source.path.read_text(encoding="utf-8")
        assert re.search(r"comes? from|Sources as cited", text), source.name


def test_politeness_defaults_come_from_settings(settings, tmp_path):
    settings.PLANSITE_HARVEST_DELAY = 7.5
    settings.PLANSITE_HARVEST_TIMEOUT = 12.0
    settings.PLANSITE_HARVEST_RETRIES = 4
    settings.PLANSITE_HARVEST_MAX_BYTES = 5_000_000
    settings.PLANSITE_HARVEST_USER_AGENT = "test-harvester/1.0 (+mailto:x@example.org)"
    source = load_source(str(write(tmp_path, MINIMAL)))
    p = source.politeness
    assert (p.delay, p.timeout, p.retries, p.max_bytes) == (7.5, 12.0, 4, 5_000_000)
    assert p.user_agent == "test-harvester/1.0 (+mailto:x@example.org)"
    assert (p.concurrency, p.backoff, p.obey_robots) == (1, 2.0, True)
    assert source.max_list_pages == 50
    assert source.drop_after_runs == 3
    assert source.cms == "generic"


def test_a_file_wins_over_settings_and_overrides_win_over_the_file(tmp_path):
    path = write(
        tmp_path,
        "max_list_pages = 5\n"
        + MINIMAL
        + """
[politeness]
delay = 1.5
concurrency = 2
obey_robots = false
""",
    )
    source = load_source(str(path))
    assert source.politeness.delay == 1.5
    assert source.politeness.concurrency == 2
    assert source.politeness.obey_robots is False
    assert source.max_list_pages == 5

    changed = load_source(
        str(path),
        overrides={
            "delay": 0,
            "start_urls": ["http://127.0.0.1:8123/zwgk/index.html"],
            "max_list_pages": 2,
            "timeout": None,  # an option not given on the command line
        },
    )
    assert changed.politeness.delay == 0.0
    assert changed.politeness.concurrency == 2
    assert changed.start_urls == ("http://127.0.0.1:8123/zwgk/index.html",)
    assert changed.max_list_pages == 2

    # the command passes options it was not given as None or []
    unchanged = load_source(str(path), overrides={"start_urls": [], "delay": None})
    assert unchanged.start_urls == source.start_urls
    assert unchanged.politeness == source.politeness

    nested = load_source(str(path), overrides={"politeness": {"retries": 0}})
    assert nested.politeness.retries == 0
    assert nested.politeness.delay == 1.5


def test_a_shipped_name_with_a_start_url(tmp_path):
    source = load_source(
        "trs-column", overrides={"start_url": "http://127.0.0.1:9/a/index.html"}
    )
    assert source.name == "trs-column"
    assert source.pagination.kind == "trs"
    assert source.start_urls == ("http://127.0.0.1:9/a/index.html",)


def test_a_user_definition_extends_a_shipped_one(tmp_path):
    path = write(
        tmp_path,
        """
extends = "trs-column"
name = "sample-site"
title = "样例站点"
start_urls = ["http://127.0.0.1:8000/zwgk/jhzj/index.html"]
[politeness]
delay = 0
""",
        "sample-site.toml",
    )
    source = load_source(str(path))
    shipped = load_source("trs-column")
    assert source.name == "sample-site"
    assert source.path == path
    assert source.cms == "trs"
    assert source.pagination == shipped.pagination
    assert source.links == shipped.links
    assert source.politeness.delay == 0.0
    assert source.start_urls == ("http://127.0.0.1:8000/zwgk/jhzj/index.html",)


def test_an_unknown_name_lists_the_shipped_ones():
    with pytest.raises(DefinitionError) as caught:
        load_source("no-such-source")
    message = str(caught.value)
    assert "找不到来源定义" in message
    assert "trs-column" in message


BAD = [
    ("colour = 'red'", "", "colour", "未知的键", "unknown key"),
    ("", "[politeness]\nspeed = 3", "[politeness] speed", "未知的键", "unknown key"),
    ("", "[politeness]\nconcurrency = 3", "concurrency", "1 到 2", "between 1 and 2"),
    ("", "[politeness]\ndelay = -1", "delay", "不能小于", "must not be below"),
    ("", "[politeness]\ndelay = 'fast'", "delay", "必须是数字", "must be a number"),
    (
        "",
        "[politeness]\nobey_robots = 'no'",
        "obey_robots",
        "true 或 false",
        "boolean",
    ),
    ("", "[links.x]", "[links] x", "未知的键", "unknown key"),
    ("", "[json]\nitems = 3", "[json] items", "字符串", "must be a string"),
    ("", "[selectors]\nitem = 'ul > > li'", "[selectors] item", "CSS", "CSS"),
    ("", "[selectors]\ndate = 'li:nth-child('", "[selectors] date", "CSS", "CSS"),
    ("", "[pagination]\nkind = 'infinite'", "kind", "翻页", "unknown kind"),
    ("", "[pagination]\npattern = 'index.html'", "pattern", "{n}", "{n}"),
    ("max_list_pages = 0", "", "max_list_pages", "之间", "between"),
    ("list_format = 'xml'", "", "list_format", "html 或 json", "one of"),
]


@pytest.mark.parametrize(("top", "tail", "key", "zh", "en"), BAD)
def test_bad_values_name_file_and_key(tmp_path, top, tail, key, zh, en):
    text = top + "\n" + MINIMAL + "\n" + tail + "\n"
    path = write(tmp_path, text, "bad-source.toml")
    with pytest.raises(DefinitionError) as caught:
        load_source(str(path))
    message = str(caught.value)
    assert "bad-source.toml" in message
    assert key in message
    assert zh in message
    assert en in message


def test_a_bad_regex_names_the_pattern(tmp_path):
    text = MINIMAL.replace("'/t\\d{8}_\\d+\\.html$'", "'(unclosed'")
    with pytest.raises(DefinitionError) as caught:
        load_source(str(write(tmp_path, text)))
    message = str(caught.value)
    assert "my-town.toml [links] document_regex" in message
    assert "正则表达式无效" in message
    assert "bad regular expression '(unclosed'" in message


@pytest.mark.parametrize(
    "url",
    [
        "ftp://www.example.gov.cn/list/",
        "javascript:alert(1)",
        "www.example.gov.cn/index.html",
        "file:///etc/passwd",
        "http://[::1/broken",
        "http://www.example.gov.cn:99999/",
        "http://www.example.gov.cn/a b.html",
        "",
    ],
)
def test_only_http_and_https_start_urls(tmp_path, url):
    text = MINIMAL.replace("https://www.example.gov.cn/zwgk/jhzj/index.html", url)
    path = write(tmp_path, text)
    with pytest.raises(DefinitionError) as caught:
        load_source(str(path))
    assert "start_urls" in str(caught.value)
    assert "http/https" in str(caught.value)
    assert "http or https only" in str(caught.value)


def test_bad_override_is_reported_too():
    with pytest.raises(DefinitionError) as caught:
        load_source("generic", overrides={"concurrency": 5})
    assert "concurrency" in str(caught.value)
    with pytest.raises(DefinitionError):
        load_source("generic", overrides={"start_url": "ftp://example.org/"})


@pytest.mark.parametrize(
    ("text", "zh"),
    [
        ("name = 'x\n", "TOML 格式错误"),
        ("title = 'no name'\nstart_urls = ['http://a.example/']", "缺少必填项"),
        (MINIMAL.replace('"my-town"', '"My Town"'), "小写字母"),
        (MINIMAL.replace("[links]", "[links]\nexclude_regex = 3\n[extra]"), "未知的键"),
        (
            MINIMAL.replace(
                "[links]\ndocument_regex = ['/t\\d{8}_\\d+\\.html$']", "[links]"
            ),
            "document_regex",
        ),
        ("extends = 'nothing-here'\n" + MINIMAL, "extends"),
        (MINIMAL.replace("start_urls = [", "start_urls = [] #"), "至少需要一个"),
    ],
)
def test_broken_files(tmp_path, text, zh):
    path = write(tmp_path, text)
    with pytest.raises(DefinitionError) as caught:
        load_source(str(path))
    assert zh in str(caught.value)
    assert "my-town.toml" in str(caught.value)


def test_the_harvest_fetches_every_format_the_importer_attaches():
    """One registry (documents.attachments.kinds): an .odt or .bmp 附件 the
    importer can read is not left off the WARC by the harvest's own list."""
    from documents.attachments import kinds
    from documents.harvest.definitions import DEFAULT_ATTACHMENT_EXTENSIONS
    from documents.harvest.links import is_attachment_url

    for kind in kinds.KINDS:
        for suffix in kind.suffixes:
            assert suffix in DEFAULT_ATTACHMENT_EXTENSIONS, kind.key
    assert is_attachment_url("http://www.example.gov.cn/P020230105.odt")
