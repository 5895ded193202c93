"""What a column name, JSON key or front-matter key means, whatever its spelling."""

from __future__ import annotations

import re
from dataclasses import dataclass

from documents.ingest.labels import field_for_label, label_rank

# Column or key names, English and Chinese, mapped to canonical fields; English
# names are compared lower-cased without spaces, "_" or "-" (PublishTime,
# publish_time, Publish-Time). They cover the export format of export_plans, the
# <meta> names of CMSs (ArticleTitle, PubDate, ContentSource) and what scrapers
# commonly write. Chinese names go through the label table (labels.py) first.
_KEY_FIELDS: dict[str, str] = {
    "indexno": "index_no",
    "indexnumber": "index_no",
    "index": "index_no",
    "suoyinhao": "index_no",
    "title": "title",
    "articletitle": "title",
    "headline": "title",
    "issuer": "issuer",
    "publisher": "issuer",
    "department": "issuer",
    "dept": "issuer",
    "organ": "issuer",
    "organization": "issuer",
    "agency": "issuer",
    "contentsource": "issuer",
    "source": "issuer",
    "docdate": "doc_date",
    "writtendate": "doc_date",
    "writedate": "doc_date",
    "publishdate": "publish_date",
    "publishtime": "publish_date",
    "publishedat": "publish_date",
    "pubdate": "publish_date",
    "pubtime": "publish_date",
    "releasedate": "publish_date",
    "releasetime": "publish_date",
    "firstpublishedtime": "publish_date",
    "date": "publish_date",
    "planyear": "plan_year",
    "year": "plan_year",
    "category": "category",
    # A site's section (栏目), not a 主题分类: read so it stays out of the body.
    "columnname": "ignored",
    "column": "ignored",
    "channel": "ignored",
    "docnumber": "doc_number",
    "docno": "doc_number",
    "filenumber": "doc_number",
    "disclosure": "disclosure",
    "sourceurl": "source_url",
    "url": "source_url",
    "link": "source_url",
    "href": "source_url",
    "pageurl": "source_url",
    "计划年度": "plan_year",
    "年度": "plan_year",
    "年份": "plan_year",
    "官方链接": "source_url",
    "官网链接": "source_url",
    "原文网址": "source_url",
    "来源链接": "source_url",
    "页面地址": "source_url",
    # Kept as raw strings in RawRecord.fields for later stages (level is mapped
    # to Document.level there); not stored by normalise itself.
    "level": "level",
    "adminlevel": "level",
    "层级": "level",
    "级别": "level",
    "行政级别": "level",
    "发布层级": "level",
    "type": "doc_type",
    "doctype": "doc_type",
    "documenttype": "doc_type",
    "类型": "doc_type",
    "文种": "doc_type",
    "文件类型": "doc_type",
    "公文种类": "doc_type",
    "status": "status",
    "状态": "status",
    "效力": "status",
}
_BODY_KEYS = frozenset(
    {"body", "content", "text", "articlecontent", "maintext", "contenttext"}
    | {"正文", "内容", "全文", "文本"}
)
# Region evidence a record file carries (RawRecord.region_names).
_REGION_KEYS = {
    "township": "township",
    "town": "township",
    "street": "township",
    "subdistrict": "township",
    "乡镇": "township",
    "乡镇街道": "township",
    "乡镇（街道）": "township",
    "镇街": "township",
    "街镇": "township",
    "镇": "township",
    "乡": "township",
    "街道": "township",
    "所属乡镇": "township",
    "county": "county",
    "district": "county",
    "区县": "county",
    "县区": "county",
    "县（市、区）": "county",
    "县市区": "county",
    "县": "county",
    "区": "county",
    "所属区县": "county",
    "city": "city",
    "prefecture": "city",
    "地市": "city",
    "市": "city",
    "地级市": "city",
    "城市": "city",
    "所属城市": "city",
    "province": "province",
    "prov": "province",
    "省": "province",
    "省份": "province",
    "省区": "province",
    "省市": "province",
    "所属省份": "province",
    "divisioncode": "division_code",
    "areacode": "division_code",
    "adcode": "division_code",
    "区划代码": "division_code",
    "行政区划代码": "division_code",
}
# The provenance columns of export_plans, so that an export imports as it was.
_PROVENANCE_KEYS = {
    "inferred": "inferred",
    "needsreview": "needs_review",
    "reviewnotes": "review_notes",
    # The same columns under their Chinese labels (export_plans --lang zh).
    "推断字段": "inferred",
    "待复核": "needs_review",
    "复核说明": "review_notes",
}
# Known and deliberately not stored: ids and derived columns of exports.
# issuer_is_department is read again from the issuer's name.
_SKIPPED_KEYS = frozenset({"id", "pk", "snippet", "issuerisdepartment", "部门发文"})

# Columns naming the attachment files of a row (one or several, paths
# relative to the record file: documents/ingest/attached.py).
_ATTACHMENT_KEYS = frozenset(
    {
        "附件",
        "附件文件",
        "附件名称",
        "附件名",
        "附件列表",
        "附件路径",
        "attachment",
        "attachments",
        "attachmentfiles",
        "files",
    }
)

FIELD, BODY, REGION, PROVENANCE, SOURCE_FILE, SKIPPED, ATTACHMENTS = (
    "field",
    "body",
    "region",
    "provenance",
    "source_file",
    "skipped",
    "attachments",
)


@dataclass(frozen=True)
class KeyMeaning:
    """What a key holds: a field (with the rank of its label), the body, ..."""

    kind: str
    name: str = ""
    rank: int = 0


def compact(name: str) -> str:
    """The key as compared: no spaces, "_", "-" or ".", lower case."""
    return re.sub(r"[\s_\-.]", "", name).lower()


def key_meaning(name: str) -> KeyMeaning | None:
    """The meaning of a column name or key, or None for a name nobody taught us."""
    key = compact(name)
    if key in ("sourcefile", "来源文件"):
        return KeyMeaning(SOURCE_FILE)
    if key in _ATTACHMENT_KEYS:
        return KeyMeaning(ATTACHMENTS)
    if key in _PROVENANCE_KEYS:
        return KeyMeaning(PROVENANCE, _PROVENANCE_KEYS[key])
    if key in _BODY_KEYS:
        return KeyMeaning(BODY)
    if key in _KEY_FIELDS:
        field = _KEY_FIELDS[key]
        # Exact names (title, publish_date) before looser ones (url, date).
        return KeyMeaning(FIELD, field, 0 if key == compact(field) else 1)
    if key in _REGION_KEYS:
        return KeyMeaning(REGION, _REGION_KEYS[key])
    field = field_for_label(name)
    if field is not None:
        return KeyMeaning(FIELD, field, label_rank(field, name))
    if key in _SKIPPED_KEYS:
        return KeyMeaning(SKIPPED)
    return None
