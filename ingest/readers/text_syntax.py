"""Plain-text and Markdown syntax: superscript digits, the line patterns, `strip_markdown`.

Used by `ingest.readers.text`: headings (ATX and setext), rules, list items, fences, footnote
definitions and references (superscript and `[^5]`), closing endnote entries, and the
emphasis, autolink and escape decoration that `strip_markdown` removes.
"""

from __future__ import annotations

import re

SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_FROM_SUPERSCRIPT = str.maketrans(SUPERSCRIPTS, "0123456789")


def from_superscript(digits: str) -> int:
    """`"¹⁰"` → `10`."""
    return int(digits.translate(_FROM_SUPERSCRIPT))


_SUPER_DEF = re.compile(rf"^\s{{0,3}}([{SUPERSCRIPTS}]+)\s*(\S.*)$")
_MD_DEF = re.compile(r"^\s{0,3}\[\^([^\]\s]+)\]:\s?(.*)$")
_ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_RULE = re.compile(r"^\s{0,3}([-*_])(?:\s*\1){2,}\s*$")
_ITEM = re.compile(r"^\s*(?:[-*+•◦▪‣]|\d{1,3}[.)])\s+(\S.*)$")
# An entry of a closing "Notes" section: "1. text", "1) text", "[1] text".
_ENDNOTE_ENTRY = re.compile(r"^\s{0,3}(?:(\d{1,4})[.)]|\[(\d{1,4})\])\s+(\S.*)$")
# A superscript number after a word or punctuation: a marker that an endnote may answer.
_SUPER_MARKER = re.compile(rf"(?<=[^\s{SUPERSCRIPTS}])([{SUPERSCRIPTS}]+)")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")

_MD_REF = re.compile(r"\[\^([^\]\s]+)\]")
_SUPER_RUN = re.compile(rf"[{SUPERSCRIPTS}]+")
_BOLD = re.compile(r"(?<!\\)\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![\\\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])")
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^<>\s]+|mailto:[^<>\s]+|www\.[^<>\s]+)>", re.I)
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>])")


def strip_markdown(text: str) -> str:
    """Remove `**bold**`, `*italic*` and `<…>` autolink decoration; unescape `\\*` etc."""
    text = _AUTOLINK.sub(r"\1", text)
    text = _BOLD.sub(r"\1", text)
    text = _ITALIC.sub(r"\1", text)
    return _ESCAPE.sub(r"\1", text)
