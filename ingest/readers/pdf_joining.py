"""PDF joining: how two wrapped lines meet (a space, nothing inside a URL or a split word,
or a dropped hyphen), decided from the document's own vocabulary."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.readers.pdf_lines import _Line

_URL_TAIL = re.compile(r"(?:https?://|www\.)\S*$", re.IGNORECASE)

_URLISH_TOKEN = re.compile(r"[\w\-.~%/?#&=+:;@!$,'()*]+")

_URL_PART = re.compile(r"[/%=&?#_]|\.(?:html?|pdf|php|aspx?|jsp|xml|json)\b", re.IGNORECASE)

_WORDS = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")

# What a line opens with when it starts a new item, never the rest of a URL cut at the line
# end: a URL of its own ("https://…", "www.…"), a label ("WHO: …", "China International
# Development Cooperation Agency: …": up to eight words and a colon, then a space), or a
# list number ("10. …", "3) …").
_NEW_ITEM = re.compile(
    r"(?:https?://|www\.)|[^\s/:]{1,40}(?:[ \t][^\s/:]{1,40}){0,7}:(?:\s|$)"
    r"|\(?\d{1,3}[.)](?:\s|$)",
    re.IGNORECASE,
)

_EXTENSION = re.compile(r"s?html?|pdf|php|aspx?|jsp|xml|json|docx?|xlsx?|pptx?", re.IGNORECASE)

# A URL cut right after its scheme ("https://" + "www.un.org/…"): the next line is its host.
_BARE_SCHEME = re.compile(r"(?:https?://)$", re.IGNORECASE)



class _Joiner:
    """Decides how two wrapped lines meet: a space, nothing (URL, hyphenated word) or a
    dropped hyphen ("traffick-" + "ing" when the document spells "trafficking" elsewhere)."""

    def __init__(self, vocabulary: set[str], whole: set[str] | None = None) -> None:
        self.vocabulary = vocabulary
        self.whole = vocabulary if whole is None else whole  # words never cut by a line end

    def join(self, left: str, right: str, full_url_line: bool = False) -> tuple[str, str]:
        """Return (left, separator): `left` may lose a trailing (soft) hyphen.

        `full_url_line`: the last line of `left` is one URL filling the whole line, so the
        line break probably cut the URL (word processors break over-long URLs anywhere).
        """
        if not left or not right:
            return left, ""
        if left.endswith("\u00ad"):
            return left[:-1], ""
        if self.url_break(left, right, full_url_line):
            return left, ""
        if re.search(r"[^\W\d_][-\u2010]$", left) and right[:1].islower():
            head = re.search(r"(?<![\w-])[^\W\d_]+[-\u2010]$", left)
            rest = re.match(r"[^\W\d_]+(?![\w-])", right)
            if head and rest and self.split_word(head.group()[:-1], rest.group()):
                return left[:-1], ""
            return left, ""  # keep the hyphen: "well-" + "being" is "well-being"
        if re.search(r"(?:^|[\s\-/])[A-Z][^\W_]*[-\u2010]$", left) and right[:1].isupper():
            return left, ""  # a compound of names: "China-" + "Pakistan", "Secretary-" + "General"
        return left, " "

    def split_word(self, stem: str, rest: str) -> bool:
        """Was "stem-" + "rest" one word hyphenated at the line end ("circum-" + "stances")?

        The document decides where it can: the joined word printed elsewhere says yes, the
        hyphenated one no. Otherwise the hyphen is a compound's ("cross-border") when both
        halves are words this document prints on their own, or the first is a prefix that
        keeps its hyphen ("non-", "anti-"); a half that is no word at all means a split word.
        """
        joined, hyphenated = (stem + rest).lower(), f"{stem}-{rest}".lower()
        if hyphenated in self.vocabulary:
            return False
        if joined in self.vocabulary or _plural(joined) in self.vocabulary:
            return True
        low = stem.lower()
        if low in _HYPHEN_PREFIXES:
            return False
        return not (low in self.whole and rest.lower() in self.whole)

    @staticmethod
    def url_break(left: str, right: str, full_url_line: bool = False) -> str:
        """"certain"/"likely" when `left` ends inside a URL that `right` continues, else "".

        Never when `right` opens a new item (`_NEW_ITEM`): "…DAA2" + "https://…" are two
        URLs, "…/unicef.org/" + "WHO: https://…" two sources.
        """
        tail = _URL_TAIL.search(left)
        if not tail or not right.strip():
            return ""
        url = tail.group()
        token = left.rsplit(None, 1)[-1]
        first = right.split(None, 1)[0]
        if _opens_item(right) and not _BARE_SCHEME.search(url):
            return ""  # the next line starts a URL or an item of its own: never glue it on
        if token.startswith("<") and ">" not in token:
            return "certain"  # "<https://…" not closed yet
        if re.search(r"%[0-9A-Fa-f]?$", url):
            return "certain"  # a percent-escape needs two hex digits
        if not re.match(r"[\w%/?#&=~.]", first) or first.startswith("(") or (
            not _URLISH_TOKEN.fullmatch(first.rstrip(".,;)"))
        ):
            return ""
        if url[-1] in "/-_=?&#~+" and re.match(r"[\w%]", first):
            return "likely"
        if first[:1] in "%/?#&=_~" or (first[:1] == "." and first[1:2].isalnum()):
            return "likely"
        if url.endswith(".") and _EXTENSION.fullmatch(first.rstrip(".,;)")):
            return "likely"  # ".../content_2814749.htm" cut after its dot
        if re.search(r"%[0-9A-Fa-f]{2}", first):
            return "likely"  # only a URL escapes characters: "Understanding%20" + "Belt%20…"
        if _URL_PART.search(first) and not first[:1].isupper():
            return "likely"
        return "likely" if full_url_line else ""



def _opens_item(text: str) -> bool:
    """Does a line start a new URL, label or numbered item (`_NEW_ITEM`)? A first word that
    looks like part of a URL ("report.pdf:", "a/b") is no label."""
    text = text.lstrip()
    match = _NEW_ITEM.match(text)
    if not match or match.group().lower().startswith(("http", "www.")):
        return bool(match)
    return not _URL_PART.search(text.split(None, 1)[0])



# English prefixes printed with their hyphen whatever follows ("non-governmental").
_HYPHEN_PREFIXES = frozenset({
    "anti", "co", "counter", "cross", "ex", "extra", "inter", "intra", "mid", "multi", "neo",
    "non", "post", "pre", "pro", "pseudo", "quasi", "self", "semi", "socio", "sub", "super",
    "trans", "ultra", "un",
})



def _plural(word: str) -> str:
    return word[:-1] if word.endswith("s") else word + "s"



def _whole_words(lines: Sequence[_Line]) -> set[str]:
    """Words printed whole: not the first word of a line nor one cut by a line-end hyphen
    (either may be half of a hyphenated word)."""
    out: set[str] = set()
    for line in lines:
        words = _WORDS.findall(line.raw)
        if line.raw.endswith(("-", "\u2010", "\u00ad")) and words:
            words = words[:-1]
        out.update(w.lower() for w in words[1:])
    return out
