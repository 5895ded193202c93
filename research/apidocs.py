"""The API described for people, in Chinese, from the OpenAPI schema itself.

The endpoints, parameters, types, limits and formats are read from
research.openapi.openapi_schema, so the page cannot drift from /api/openapi.json;
only the Chinese wording and the example queries are kept here. A parameter
without Chinese wording shows the schema's own description.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

SUMMARIES = {
    "/api/search": _("检索：一页结果及各分面（乡镇、区县、年度、分类）的计数"),
    "/api/trend": _(
        "趋势：各计划年度的命中文档数与检索词出现次数，及其占当年文档的比例"
    ),
    "/api/kwic": _("语境（KWIC）：检索词的每一处出现及左右语境"),
    "/api/compare": _("地区比较：2–5 个乡镇或区县的年度文档数与特色词语"),
    "/api/export": _("导出：整组检索结果，CSV 或 JSON Lines"),
    "/api/openapi.json": _("本说明的机器可读版本（OpenAPI 3.1）"),
}
DETAILS = {
    "/api/search": _("无效的参数被忽略，原因写在 messages 中。"),
    "/api/trend": _(
        "比例和每篇次数都除以当年在相同筛选条件下的全部文档数（不论检索词）。"
        "split 按区县或乡镇另加命中最多的几条线。CSV 每行一条线的一个年度，"
        "place 列为地名，整组结果的那条线写作“全部”。"
    ),
    "/api/kwic": _(
        "JSON 分页和按语境排序最多覆盖前 20000 处（truncated 表示被截断）；"
        "按文档或日期排序的 CSV、JSON Lines 逐行输出全部出现位置（受导出上限约束）。"
        "date 是文档的成文日期，没有则为发布日期，都没有则为空。"
        "服务器同时输出的文件数有限，已满时返回 429，响应头 Retry-After 给出"
        "稍后重试的秒数。"
    ),
    "/api/compare": _(
        "地名须与地区页上的全名一致，且在所选层级有文档，"
        "否则返回 400 并说明哪个地名没有找到。特色词语按对数似然比（G²）排序。"
    ),
    "/api/export": _(
        "未以工作人员身份登录时每个文件有行数上限。响应头 X-Export-Limit（上限，"
        "登录后为 none）、X-Export-Total（命中总数）、X-Export-Rows（文件中的行数）"
        "说明是否有截断。服务器同时输出的文件数有限，已满时返回 429，"
        "响应头 Retry-After 给出稍后重试的秒数。"
    ),
}
PARAMETERS = {
    "q": _(
        "检索词。空格分隔表示同时包含，a OR b 表示任一，-a 表示排除，"
        "“引号”内为整句；每个词都按原文逐字匹配标题和正文。留空为全部文档。"
    ),
    "township": _("乡镇街道全名，如“东塍镇”。"),
    "county": _("区县全名，如“平潭县”。"),
    "city": _("地市全名。"),
    "province": _("省份全名。"),
    "category": _("主题分类（与文档上的写法一致）。"),
    "issuer": _("发布机构（与文档上的写法一致）。"),
    "year_from": _("起始计划年度。"),
    "year_to": _("截止计划年度。"),
    "sort": _("文档顺序：relevance 相关度，newest 最新，oldest 最早。"),
    "page": _("页码，从 1 开始。"),
    "page_size": _("每页条数。"),
    "split": _("按 county（区县）或 township（乡镇）分线。"),
    "lines": _("分线数：命中最多的几个地方各一条线。"),
    "order": _(
        "排序：doc 按文档标题，date 按日期（旧→新，无日期的在后），"
        "left 按左侧语境（倒序读），right 按右侧语境。"
    ),
    "width": _("每侧语境的字数。"),
    "format": _("返回格式。CSV 带 UTF-8 BOM，Excel 可直接打开。"),
    "level": _("比较层级：township（乡镇街道）或 county（区县）。"),
    "place": _("地名，重复这个参数给出多个地方。"),
    "full": _("1：附上全文（body 列）。"),
}
EXAMPLES = {
    "/api/search": [{"q": "乡村振兴", "county": "平潭县"}, {"q": "“美丽城镇” 慈溪"}],
    "/api/trend": [
        {"q": "乡村振兴"},
        {"q": "发展", "split": "county", "format": "csv"},
    ],
    "/api/kwic": [
        {"q": "乡村振兴", "page_size": 20},
        {"q": "五水共治", "order": "date", "format": "csv"},
    ],
    "/api/compare": [
        {"level": "township", "place": ["东塍镇", "周巷镇"]},
        {"level": "county", "place": ["平潭县", "慈溪市"], "q": "发展"},
    ],
    "/api/export": [{"q": "乡村振兴", "format": "csv"}, {"q": "发展", "full": 1}],
    "/api/openapi.json": [{}],
}
TYPES = {
    "string": _("文本"),
    "integer": _("整数"),
    "array": _("可重复"),
    "number": _("数"),
}
FORMATS = {
    "application/json": "JSON",
    "text/csv": "CSV",
    "application/x-ndjson": "JSON Lines",
}


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str
    allowed: str
    description: str
    required: bool


@dataclass(frozen=True)
class Endpoint:
    path: str
    summary: str
    details: str
    parameters: list[Parameter]
    formats: list[str]
    examples: list[str]


def _allowed(schema: dict[str, Any]) -> str:
    """The values a parameter takes, from its schema: 1–100, relevance / newest."""
    if schema.get("type") == "array":
        schema = {**schema.get("items", {}), **schema}
        schema.pop("type", None)
    parts = []
    if "enum" in schema:
        parts.append(" / ".join(str(v) for v in schema["enum"]))
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        parts.append(f"{low}–{high}")
    elif low is not None:
        parts.append(f"≥ {low}")
    if "maxLength" in schema:
        parts.append(str(_("最多 %(n)s 字")) % {"n": schema["maxLength"]})
    if "minItems" in schema:
        parts.append(
            str(_("%(a)s–%(b)s 个"))
            % {"a": schema["minItems"], "b": schema["maxItems"]}
        )
    if "default" in schema:
        parts.append(str(_("默认 %(v)s")) % {"v": schema["default"]})
    return "；".join(parts)


def _parameter(raw: dict[str, Any]) -> Parameter:
    schema = raw.get("schema", {})
    kind = schema.get("type", "string")
    return Parameter(
        name=raw["name"],
        kind=str(TYPES.get(kind, kind)),
        allowed=_allowed(schema),
        description=str(PARAMETERS.get(raw["name"], raw.get("description", ""))),
        required=bool(raw.get("required")),
    )


def _formats(operation: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for response in operation.get("responses", {}).values():
        for content_type in response.get("content", {}):
            label = FORMATS.get(content_type, content_type)
            if label not in found:
                found.append(label)
    return found


def api_reference(schema: dict[str, Any], *, server: str = "") -> list[Endpoint]:
    """Every GET endpoint of the schema, in its order, described in Chinese."""
    endpoints = []
    for path, item in schema.get("paths", {}).items():
        operation = item.get("get")
        if operation is None:
            continue
        examples = [
            f"{server}{path}" + (f"?{urlencode(query, doseq=True)}" if query else "")
            for query in EXAMPLES.get(path, [])
        ]
        endpoints.append(
            Endpoint(
                path=path,
                summary=str(SUMMARIES.get(path, operation.get("summary", ""))),
                details=str(DETAILS.get(path, operation.get("description", ""))),
                parameters=[_parameter(p) for p in operation.get("parameters", [])],
                formats=_formats(operation),
                examples=examples,
            )
        )
    return endpoints
