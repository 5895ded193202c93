"""Decoding stage: encodings, BOMs, binary and truncated input."""

import codecs

import pytest

from documents.ingest.decode import decode_bytes
from documents.ingest.errors import RejectedInput

TEXT = "索引号：LH331082-074/2021-108413\r\n东塍镇2020年工作计划\r\n推动企业提质升档。"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("gbk"), "gb18030"),
        (TEXT.encode("gb18030"), "gb18030"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),
    ],
)
def test_decodes_each_encoding_to_the_same_text(data: bytes, encoding: str) -> None:
    decoded = decode_bytes(data)
    assert decoded.text == TEXT
    assert decoded.encoding == encoding
    assert "\r\n" in decoded.text  # CRLF kept verbatim for the original


def test_text_cut_inside_last_character_keeps_the_rest() -> None:
    data = TEXT.encode("utf-8")[:-1]
    decoded = decode_bytes(data)
    assert decoded.text == TEXT[:-1]
    assert decoded.warnings


def test_mixed_utf8_and_gbk_lines_are_decoded_line_by_line() -> None:
    data = "第一行东塍镇\n".encode() + "第二行周巷镇\n".encode("gbk")
    decoded = decode_bytes(data)
    assert decoded.text == "第一行东塍镇\n第二行周巷镇\n"
    assert decoded.encoding == "mixed"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "空文件"),
        (b"\x00\x01\x02\x03PK\x03\x04" * 100, "二进制"),
        (bytes(range(1, 32)) * 50, "二进制"),
        (b"   \n\t  \r\n", "没有文字"),
    ],
)
def test_rejects_non_text(data: bytes, reason: str) -> None:
    with pytest.raises(RejectedInput) as excinfo:
        decode_bytes(data)
    assert reason in excinfo.value.reason


def test_gbk_cut_inside_last_character_keeps_the_rest() -> None:
    data = TEXT.encode("gbk")[:-1]
    decoded = decode_bytes(data)
    assert decoded.text == TEXT[:-1]
    assert decoded.encoding == "gb18030"
    assert decoded.warnings


def test_nul_bytes_anywhere_mean_binary() -> None:
    data = TEXT.encode("utf-8") * 200
    cut = 5001  # inside a character, so the file is not valid UTF-8 either
    with pytest.raises(RejectedInput) as excinfo:
        decode_bytes(data[:cut] + b"\x00\x00\x00" + data[cut:])
    assert "NUL" in excinfo.value.reason and "二进制" in excinfo.value.reason


@pytest.mark.parametrize(
    "data",
    [
        (
            "R\xe9sum\xe9 of the caf\xe9 meeting \x96 \x93quoted\x94 text \x85\n" * 40
        ).encode("latin-1"),
        b"<html><head><script>window.location.href='/a.html';</script></head></html>",
        b"Plain English text, no Chinese at all.\n" * 10,
    ],
)
def test_text_without_chinese_is_rejected_never_guessed(data: bytes) -> None:
    with pytest.raises(RejectedInput) as excinfo:
        decode_bytes(data)
    assert "没有中文" in excinfo.value.reason
