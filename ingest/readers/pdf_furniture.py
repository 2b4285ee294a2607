"""PDF page furniture: running headers and footers (text repeating at the same edge) and
folios (bare page numbers) are set aside as `Furniture`, the folios kept for page labels."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

from ingest.readers.pdf_labels import _roman_value
from ingest.readers.pdf_layout import _LayoutBase
from ingest.readers.pdf_lines import _SPACES, _Line, _PageText
from ingest.readers.pdf_notes import _leading_number
from ingest.records import Furniture

_FOLIO = re.compile(
    r"^(?:page|p\.|pg\.?)?\s*[-–—(\[|]?\s*(\d{1,5}|[ivxlcdm]{1,8})\s*[-–—)\]|]?"
    r"(?:\s*(?:of|/)\s*\d{1,5})?$",
    re.IGNORECASE,
)

_EDGE_NUMBER = re.compile(r"^(\d{1,5})\b|\b(\d{1,5})$")



def _edge_number(text: str) -> int | None:
    match = _EDGE_NUMBER.search(text)
    return int(match.group(1) or match.group(2)) if match else None



def _numbered_key(zone: str, line: _Line, offset: int) -> tuple[str, int, int, int]:
    return zone, round(line.baseline / 3), round(line.size), offset



def _edge_key(zone: str, line: _Line) -> tuple[str, float, str]:
    """Running headers repeat in the same place and size, numbers aside ("Page 3" ~ "Page 4")."""
    text = re.sub(r"\d+", "#", _SPACES.sub(" ", line.raw).strip().lower())
    return zone, round(line.size), text


def _continued_capital_romans(
    edges: Sequence[tuple[_PageText, Sequence[tuple[str, _Line, int | None]]]],
) -> set[tuple[int, str]]:
    """(page index, numeral) of the bare capital roman numerals at a page edge that the next
    or previous page continues ("IV" then "V"). Alone, a capital "I", "C" or "D" at the foot
    of a page is as likely a list's letter (a table of contents lettered A-I) as a folio."""
    found: dict[int, list[tuple[str, int]]] = {}
    for page, lines in edges:
        for _zone, line, _number in lines:
            bare = _FOLIO.fullmatch(line.raw)
            if bare and bare.group(1).isupper() and (value := _roman_value(bare.group(1))):
                found.setdefault(page.index, []).append((bare.group(1), value))
    return {
        (index, numeral)
        for index, numerals in found.items()
        for numeral, value in numerals
        if any(v == value - 1 for _, v in found.get(index - 1, []))
        or any(v == value + 1 for _, v in found.get(index + 1, []))
    }


class _FurnitureStage(_LayoutBase):
    """Running headers, footers and folios."""

    def _strip_furniture(self, candidates: dict[int, Counter[int]]) -> None:
        """Drop running headers/footers and folios; remember the folios for page labels."""
        n = len(self.pages)
        threshold = 2 if n <= 3 else max(3, math.ceil(0.4 * n))
        edges: list[tuple[_PageText, list[tuple[str, _Line, int | None]]]] = []
        texts: Counter[tuple[str, float, str]] = Counter()
        numbered: Counter[tuple[str, int, int, int]] = Counter()
        for page in self.pages:
            page_candidates = candidates.get(page.index, Counter())
            by_y = sorted(page.lines, key=lambda line: -line.baseline)
            picked = [("top", ln) for ln in by_y[:3] if page.rel_y(ln) > 0.8]
            picked += [("bottom", ln) for ln in by_y[-3:] if page.rel_y(ln) < 0.2]
            lines = [(zone, ln, _edge_number(ln.raw)) for zone, ln in picked
                     if not self._footnote_like(ln, page_candidates)]
            texts.update({_edge_key(zone, ln) for zone, ln, _ in lines})
            numbered.update({
                _numbered_key(zone, ln, number - page.index)
                for zone, ln, number in lines if number is not None
            })
            edges.append((page, lines))
        capitals = _continued_capital_romans(edges)
        for page, lines in edges:
            drop: set[int] = set()
            folio: str | None = None
            for zone, line, number in lines:
                bare = _FOLIO.fullmatch(line.raw)
                if bare and (bare.group(1).isdigit() or (
                    _roman_value(bare.group(1))
                    and (bare.group(1).islower() or (page.index, bare.group(1)) in capitals)
                )):
                    drop.add(id(line))
                    folio = folio or bare.group(1)
                elif number is not None and (
                    numbered[_numbered_key(zone, line, number - page.index)] >= threshold
                ):
                    # Same place and size on many pages, its number rising with the page:
                    # "Chapter 2: Structure handling 4" whose text changes by chapter.
                    drop.add(id(line))
                    folio = folio or str(number)
                elif texts[_edge_key(zone, line)] >= threshold:
                    drop.add(id(line))
                    if number is not None and n > 1:
                        # "Annual Report 2023 | 14": only trusted by `_page_labels` when the
                        # numbers agree with the page order.
                        self.folios.setdefault(page.index, str(number))
            if folio is not None:
                self.folios[page.index] = folio
            self.furniture += [
                Furniture("folio" if _FOLIO.fullmatch(ln.raw) else "header" if zone == "top"
                          else "footer", ln.raw, page.index + 1)
                for zone, ln, _ in lines if id(ln) in drop]
            page.lines = [ln for ln in page.lines if id(ln) not in drop]

    def _footnote_like(self, line: _Line, page_candidates: Counter[int]) -> bool:
        number = _leading_number(line)
        return number is not None and number[0] in page_candidates
