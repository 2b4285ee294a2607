"""What on an HTML page is certainly not content: the explicit rules, extraction's step 1.

`_strip_boilerplate` removes it before trafilatura and the landmark walk of `webpage` look
at the page (see that module's docstring for the three steps and why).
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, Tag

_DROP_TAGS = {
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed",
    "form", "button", "input", "select", "textarea", "nav", "aside", "dialog", "menu",
    "footer", "head", "link", "meta", "map", "audio", "video", "picture", "img",
}
_DROP_ROLES = {
    "navigation", "banner", "contentinfo", "complementary", "search", "dialog",
    "alertdialog", "menu", "menubar", "toolbar", "alert",
}
# A class/id token names boilerplate when one of these words starts or ends it
# ("cookie-banner", "site-footer", "share"), never when buried in the middle
# ("topic-social-protection-overview" is content).
_BOILERPLATE_WORDS = (
    r"cookies?|consent|gdpr|onetrust|cookiebot|cc-window|cc-banner|breadcrumbs?|share|sharing|"
    r"sharethis|addthis|newsletter|subscribe|subscription|popup|modal|overlay|sidebar|"
    r"advert|advertisement|ads|promo|skip-link|skiplink|navbar|nav|navigation|menu|"
    r"footer|masthead|site-header|global-header|toolbar|pagination|related|comments?|"
    r"print|language-switcher|lang-switch"
)
_BOILERPLATE = re.compile(
    rf"^(?:{_BOILERPLATE_WORDS})(?:[-_].*)?$|^.*[-_](?:{_BOILERPLATE_WORDS})$", re.IGNORECASE
)
_COOKIE_TEXT = re.compile(r"\bcookies?\b", re.IGNORECASE)
_CONSENT_TEXT = re.compile(r"\b(?:accept|consent|agree|reject|preferences)\b", re.IGNORECASE)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def _tokens(tag: Tag) -> list[str]:
    classes = tag.get("class")
    tokens: list[str] = (
        [str(c) for c in classes] if isinstance(classes, list) else str(classes or "").split()
    )
    ident = tag.get("id")
    if isinstance(ident, str) and ident:
        tokens.append(ident)
    return tokens


def _is_hidden(tag: Tag) -> bool:
    if tag.has_attr("hidden") or str(tag.get("aria-hidden", "")).lower() == "true":
        return True
    return bool(_HIDDEN_STYLE.search(str(tag.get("style", ""))))


def _is_boilerplate(tag: Tag, inside_content: bool) -> bool:
    name = tag.name
    if name in _DROP_TAGS:
        return True
    if name == "header" and not inside_content:
        return True
    if str(tag.get("role", "")).lower() in _DROP_ROLES or tag.get("aria-modal") == "true":
        return True
    if _is_hidden(tag):
        return True
    if any(_BOILERPLATE.match(token) for token in _tokens(tag)):
        return True
    label = str(tag.get("aria-label", ""))
    if _COOKIE_TEXT.search(label):
        return True
    if name in ("div", "section", "p"):
        # An unlabelled cookie notice: short, about cookies, asking for a decision.
        text = tag.get_text(" ", strip=True)
        if len(text) < 600 and _COOKIE_TEXT.search(text) and _CONSENT_TEXT.search(text):
            return True
    return False


def _content_anchors(soup: BeautifulSoup) -> list[Tag]:
    return [
        tag
        for tag in soup.find_all(True)
        if isinstance(tag, Tag) and (tag.name in ("main", "article") or tag.get("role") == "main")
    ]


def _strip_boilerplate(soup: BeautifulSoup) -> None:
    # Without main/article landmarks, the h1 is the best sign of where the content is.
    anchors = _content_anchors(soup) or [h for h in soup.find_all("h1") if isinstance(h, Tag)]
    protected = {id(parent) for anchor in anchors for parent in anchor.parents}
    protected |= {id(anchor) for anchor in anchors}
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in soup.find_all(True):
        if not isinstance(tag, Tag) or tag.decomposed or id(tag) in protected:
            continue
        if tag.name in ("html", "body"):
            continue
        inside_content = any(p.name in ("article", "main") for p in tag.parents)
        if _is_boilerplate(tag, inside_content):
            tag.decompose()
