"""PDF fonts: a font's style (bold, italic), and its glyphs (the text and width of bytes shown).

Used by `pdf_runs`: the style comes from the font's name and its descriptor's flags and
weight; `_Glyphs` decodes the bytes a string shows through pypdf's font (encoding, ToUnicode
map, glyph widths; Type 3 font matrices honoured).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pypdf.generic._font import Font as PypdfFont

_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demibold|demi\b|extrabold|ultrabold", re.I)
_ITALIC_NAME = re.compile(r"italic|oblique|slanted", re.IGNORECASE)


@dataclass(frozen=True)
class Font:
    bold: bool
    italic: bool


def font_style(font: Any, cache: dict[int, Font]) -> Font:
    if font is None:
        return Font(False, False)
    key = id(font)
    if key in cache:
        return cache[key]
    bold = italic = False
    try:
        name = str(font.get("/BaseFont", ""))
        name = name.split("+", 1)[-1]
        bold = bool(_BOLD_NAME.search(name))
        italic = bool(_ITALIC_NAME.search(name))
        descriptor = font.get("/FontDescriptor")
        if descriptor is None and "/DescendantFonts" in font:
            descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
        if descriptor is not None:
            descriptor = descriptor.get_object()
            flags = int(descriptor.get("/Flags", 0))
            weight = float(descriptor.get("/FontWeight", 0))
            bold = bold or bool(flags & (1 << 18)) or weight >= 600
            italic = italic or bool(flags & (1 << 6))
    except Exception:  # a malformed font dict only costs us the style
        pass
    cache[key] = Font(bold, italic)
    return cache[key]


class _Glyphs:
    """One font: bytes shown → (text, advance in text space units per unit size, is a space)."""

    def __init__(self, font_dict: Any, styles: dict[int, Font]) -> None:
        self.font = PypdfFont.from_font_resource(font_dict)
        self.style = font_style(font_dict, styles)
        self.scale = 0.001
        if str(font_dict.get("/Subtype", "")) == "/Type3":
            try:
                self.scale = float(font_dict["/FontMatrix"][0])
            except Exception:  # no usable FontMatrix: the usual glyph space
                self.scale = 0.001
        self.default = float(self.font.character_widths.get("default", 500) or 500)
        self.cache: dict[bytes, tuple[str, list[float], list[bool]]] = {}

    def decode(self, data: bytes) -> tuple[str, list[float], list[bool]]:
        if data in self.cache:
            return self.cache[data]
        font = self.font
        widths = font.character_widths
        cmap = font.character_map
        raws: list[str]
        chars: list[str]
        if isinstance(font.encoding, str):
            try:
                decoded = data.decode(font.encoding, "surrogatepass")
            except UnicodeDecodeError:  # odd byte count, or an unmapped 16-bit code
                decoded = data.decode(font.encoding, "replace")
            except LookupError:  # an encoding name Python does not know
                decoded = data.decode("latin-1")
            raws = list(decoded)
            chars = [cmap.get(c, c) for c in raws]
            spaces = [c == " " and len(data) == len(raws) for c in raws]
        else:
            encoding = font.encoding
            raws = [chr(b) for b in data]
            chars = [cmap.get(encoding.get(b, chr(b)), encoding.get(b, chr(b))) for b in data]
            spaces = [b == 32 for b in data]
        advances = [float(widths.get(r, self.default)) * self.scale for r in raws]
        text = "".join(str(c) for c in chars)
        out = (text, advances, spaces)
        if len(self.cache) < 4096:
            self.cache[data] = out
        return out
