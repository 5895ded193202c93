"""Site chrome: the navigation, buttons and counters scraped along with the text."""

from __future__ import annotations

import re

# Where a breadcrumb starts: 当前位置：, 您的位置：, 您现在的位置：, 您当前的位置：…
BREADCRUMB_START = r"(?:您|你)?(?:现在|当前|目前)?(?:所在)?的?(?:位置|路径)\s*[:：]"
_FONT_SIZE = (
    r"[【\[]?\s*(?:字号|字体)\s*[:：]?\s*[\[【(（]?\s*大\s*[\]】)）]?\s*[\[【(（]?\s*中"
    r"\s*[\]】)）]?\s*[\[【(（]?\s*小\s*[\]】)）]?\s*[】\]]?"
)
# Pieces of site chrome. A line made only of these (and pipes, rules, spaces) is
# chrome; several often share a line ("【字号：大 中 小】 浏览次数：128").
_CHROME_FRAGMENT = re.compile(
    r"(?:进入|退出)?(?:老年|长辈|关怀)(?:模式|版)|无障碍(?:浏览|阅读)?|(?:网站)?支持IPv6"
    rf"|{BREADCRUMB_START}.*|首页\s*>.*|>\s*.*>.*"
    rf"|{_FONT_SIZE}"
    r"|[【\[]\s*(?:打印|关闭|返回|收藏)[^】\]]{0,4}[】\]]"
    r"|打印(?:本页|此页|文章)?|关闭(?:窗口|本页)?|返回顶部|\[?\s*返回\s*\]?|收藏"
    r"|扫一扫|(?:用?手机)?扫(?:描)?二维码.{0,12}"
    r"|在手机上?(?:打开|查看|浏览|阅读)(?:当前|本)页面?"
    r"|(?:分享到|分享)[:：]?.*"
    r"|微信|微博|QQ空间|全真版|文字版|文件下载"
    r"|[•·●▪]?\s*(?:浏览次数|访问次数|阅读次数|点击数|点击量|浏览量|阅读量|访问量)"
    r"[:：]?\s*\d*"
    r"|(?:上一篇|下一篇|上一条|下一条)\s*[:：].*"
    r"|政府网站找错|我要纠错"
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
PREAMBLE_START = re.compile(rf"^\s*{BREADCRUMB_START}")
BREADCRUMB_LINE = re.compile(rf"^{BREADCRUMB_START}|^>")

# The source line and attachment link a page dump leaves after the last sentence.
TEXT_TAIL = re.compile(r"\s+来源[:：]\s*\S{1,40}\s*(?:附件下载)?\s*$|\s+附件下载\s*$")


# A line naming the site's registration is footer, whatever else it says.
_SITE_REGISTRATION = re.compile(r"ICP备|ICP证|公网安备|网站标识码")
_MAX_CHROME_LINE = 300


# Only these fragments run to the end of the line, so only they make a long line
# chrome; trying every fragment at every position of long prose is slow.
_LONG_CHROME = re.compile(
    rf"^[\s{re.escape(_LEFTOVER)}]*(?:{BREADCRUMB_START}|首页\s*>|>|分享到|分享[:：]"
    r"|(?:上一篇|下一篇|上一条|下一条)\s*[:：]|页面链接与图片详见)"
)


_PROSE = re.compile(r"[。，；]")


def is_chrome_line(line: str) -> bool:
    """True for a line that is only site chrome (or only table rules)."""
    if len(line) <= _MAX_CHROME_LINE and _SITE_REGISTRATION.search(line):
        return True
    # Prose punctuation is in no fragment but those: a quick answer for text.
    if (len(line) > _MAX_CHROME_LINE or _PROSE.search(line)) and not (
        _LONG_CHROME.match(line)
    ):
        return False
    return not _CHROME_FRAGMENT.sub(" ", line).strip(_LEFTOVER)


def strip_trailing_pipes(line: str) -> str:
    """Drop the table pipes a scraped table row leaves after its text."""
    # Not a regex: \s*(?:\|\s*)+$ backtracks over every run of spaces.
    text = line.rstrip()
    while text.endswith("|"):
        text = text[:-1].rstrip()
    return text


def breadcrumb_parts(line: str) -> list[str]:
    """The places in a breadcrumb (当前位置: 首页 > 政务公开 > 东塍镇 > 计划总结)."""
    text = re.sub(rf"^.*?{BREADCRUMB_START}", "", line.strip())
    return [part.strip() for part in re.split(r"\s*[>›»/]\s*", text) if part.strip()]


# Menu words of 政务公开 sites; a line of several short items, one of them such a
# word, is a navigation bar ("网站首页 | 政务公开 | 政务服务 | 互动交流").
_MENU_WORDS = frozenset(
    (
        "首页",
        "网站首页",
        "政务公开",
        "信息公开",
        "政府信息公开",
        "政务服务",
        "办事服务",
        "互动交流",
        "政民互动",
        "新闻中心",
        "新闻动态",
        "要闻动态",
        "走进",
        "无障碍",
        "长辈版",
        "关怀版",
        "English",
        "繁體",
        "繁体",
        "简体",
        "登录",
        "注册",
        "网站地图",
        "联系我们",
        "专题专栏",
        "数据开放",
        "政策文件",
    )
)
_MENU_SPLIT = re.compile(r"\s*[|｜/·•]\s*|[ \u3000\u00a0]+")


def is_menu_line(line: str) -> bool:
    """A navigation bar: three or more short items, one of them a menu word."""
    items = [item for item in _MENU_SPLIT.split(line.strip()) if item]
    if len(items) < 3 or any(len(item) > 8 for item in items):
        return False
    if re.search(r"[。，；,;:：]", line):
        return False
    return any(item in _MENU_WORDS or item.startswith("走进") for item in items)


# What follows the text at the foot of a page: pager, related links, site footer.
_TAIL_LINE = re.compile(
    r"^(?:上一篇|下一篇|上一条|下一条)\s*[:：]|ICP备|ICP证|公网安备|网站标识码|版权所有"
    r"|Copyright|©|^(?:主办|承办|主管|协办|技术支持|运行维护|网站维护)(?:单位)?\s*[:：]"
    r"|^(?:联系电话|联系方式|地址|电话|邮编|传真|邮箱)\s*[:：]|政府网站找错|我要纠错"
    r"|建议使用.{0,20}(?:分辨率|浏览器)"
)
RELATED_MARKER = re.compile(
    r"^(?:相关(?:文件|链接|阅读|新闻|信息|文章|稿件|政策|解读)|延伸阅读|推荐阅读|热点推荐"
    r"|相关附件|附件)\s*[:：]?\s*$"
)
_LINK_TITLE_MAX = 50
_SENTENCE_END = re.compile(r"[。！？；!?;]$")


def is_tail_line(line: str) -> bool:
    """A pager, footer or menu line, as pages leave after the text."""
    return bool(
        _TAIL_LINE.search(line)
        or RELATED_MARKER.match(line)
        or is_chrome_line(line)
        or is_menu_line(line)
    )


def trim_tail(paragraphs: list[str]) -> list[str]:
    """Drop the page foot: footers and pagers, and a related-links list under its
    marker ("相关文件：" then short titles), however they are ordered."""
    end = len(paragraphs)
    while end:
        if is_tail_line(paragraphs[end - 1]):
            end -= 1
            continue
        start = end
        while (
            start
            and len(paragraphs[start - 1]) <= _LINK_TITLE_MAX
            and not _SENTENCE_END.search(paragraphs[start - 1])
            and not RELATED_MARKER.match(paragraphs[start - 1])
        ):
            start -= 1
        if (
            start
            and start < end
            and RELATED_MARKER.match(paragraphs[start - 1])
            and not _ends_signed(paragraphs[start - 1], paragraphs[start:end])
        ):
            end = start - 1
            continue
        break
    return paragraphs[:end]


# A 公文's attachment list (附件：1、… 2、…) stands before its signature: a list
# under 附件 that ends with an organ's line and a date line is the text's own.
_ATTACHMENT_MARKER = re.compile(r"^(?:相关)?附件\s*[:：]?\s*$")
_SIGNATURE_DATE = re.compile(
    r"^[（(]?(?:(?:19|20)\d{2}|[〇○零一二三四五六七八九]{4})\s*年"
    r"[\d一二三四五六七八九十]{1,3}月[\d一二三四五六七八九十]{1,3}日[）)]?$"
)
_SIGNATURE_ORGAN = re.compile(
    r"(?:政府|办事处|委员会|管委会|党委|党工委|局|厅|办公室|中心|镇|乡|街道)$"
)


def _ends_signed(marker: str, block: list[str]) -> bool:
    return (
        bool(_ATTACHMENT_MARKER.match(marker))
        and len(block) >= 2
        and bool(_SIGNATURE_DATE.match(block[-1].strip()))
        and bool(_SIGNATURE_ORGAN.search(block[-2].strip()))
    )
