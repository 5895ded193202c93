"""Site chrome: the navigation, buttons and counters scraped along with the text."""

from __future__ import annotations

import re

# Pieces of site chrome. A line made only of these (and pipes, rules, spaces) is
# chrome; several often share a line ("【字号：大 中 小】 浏览次数：128").
_CHROME_FRAGMENT = re.compile(
    r"(?:进入|退出)?(?:老年|长辈|关怀)模式|无障碍(?:浏览|阅读)?"
    r"|当前位置[:：].*|您(?:现在)?的?位置[:：].*|首页\s*>.*|>\s*.*>.*"
    r"|【?\s*字号[:：]?\s*[\[【]?\s*大\s*[\]】]?\s*[\[【]?\s*中\s*[\]】]?\s*[\[【]?\s*小\s*[\]】]?\s*】?"
    r"|【\s*(?:打印|关闭|返回|收藏)[^】]{0,4}】"
    r"|打印(?:本页|此页)?|关闭(?:窗口|本页)?|返回顶部|\[?\s*返回\s*\]?|收藏|扫一扫"
    r"|在手机上?打开当前页|(?:分享到|分享)[:：]?.*"
    r"|微信|微博|QQ空间|全真版|文字版|文件下载"
    r"|[•·●▪]?\s*(?:浏览次数|访问次数|阅读次数|点击数|访问量)[:：]?\s*\d*"
    r"|页面链接与图片详见.*"
    r"|(?:来源[:：]\s*\S{0,40}\s*)?(?:附件下载|相关附件[:：]?)"
)
_LEFTOVER = " |-=\t\u3000\u00a0•·●▪"


# Phrases that end the chrome preamble of a flattened page dump, where chrome,
# metadata and body all sit on one line.
PREAMBLE_END = re.compile(
    r"(?:微信\s*微博\s*QQ空间|全真版\s*文字版\s*文件下载|相关链接[:：]\s*(?:-->)?"
    r"|【\s*字号[^】]{0,20}】|分享到[:：]?|打印\s*关闭)"
)
PREAMBLE_START = re.compile(r"^\s*(?:当前位置|您的位置|您现在的位置)[:：]")

# The source line and attachment link a page dump leaves after the last sentence.
TEXT_TAIL = re.compile(r"\s+来源[:：]\s*\S{1,40}\s*(?:附件下载)?\s*$|\s+附件下载\s*$")

# Pieces of chrome that can trail a line of text.
_TRAILING_CHROME = re.compile(r"\s*(?:\|\s*)+$")


def is_chrome_line(line: str) -> bool:
    """True for a line that is only site chrome (or only table rules)."""
    return not _CHROME_FRAGMENT.sub(" ", line).strip(_LEFTOVER)


def strip_trailing_pipes(line: str) -> str:
    """Drop the table pipes a scraped table row leaves after its text."""
    return _TRAILING_CHROME.sub("", line)


def breadcrumb_parts(line: str) -> list[str]:
    """The places in a breadcrumb (当前位置: 首页 > 政务公开 > 东塍镇 > 计划总结)."""
    text = re.sub(r"^.*?(?:当前位置|位置)[:：]", "", line.strip())
    return [part.strip() for part in re.split(r"\s*[>›»/]\s*", text) if part.strip()]
