"""PDF page labels: /PageLabels when the PDF defines them; else the printed folios when
they agree with the page order (roman front matter allowed); else the 1-based page index."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.readers.pdf_layout import _describe, _LayoutBase


def _roman_value(text: str) -> int | None:
    """Strict roman numeral → int ("iv" → 4); None for anything else ("mix", "iiii")."""
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
    low = text.lower()
    if not low or any(c not in values for c in low):
        return None
    total = 0
    for i, c in enumerate(low):
        v = values[c]
        total += -v if i + 1 < len(low) and values[low[i + 1]] > v else v
    return total if total > 0 and _to_roman(total) == low else None



def _to_roman(number: int) -> str:
    out = []
    for value, letters in (
        (1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
        (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"),
    ):
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)



def _consistent_offset(pairs: Sequence[tuple[int, int]]) -> int | None:
    """The offset `printed - index` most folios agree on, if they agree well enough."""
    if not pairs:
        return None
    offsets = Counter(value - index for index, value in pairs)
    offset, support = offsets.most_common(1)[0]
    if len(pairs) == 1 or (support >= 2 and support >= 0.6 * len(pairs)):
        return offset
    return None


@dataclass(frozen=True)
class FolioRun:
    """Pages whose printed folios agree on one offset (`printed = index + offset`)."""

    first: int  # page index of the run's first folio
    offset: int


def _arabic_runs(pairs: Sequence[tuple[int, int]]) -> list[FolioRun]:
    """Runs of two or more pages in page order with one offset: numbering that restarts (a
    slip opinion's syllabus 1-4, then its opinion 1-24) gives one run per numbering. A lone
    folio that agrees with neither neighbour (a year, a stray number) starts no run."""
    groups: list[list[tuple[int, int]]] = []
    for index, value in sorted(pairs):
        offset = value - index
        if groups and groups[-1][-1][1] - groups[-1][-1][0] == offset:
            groups[-1].append((index, value))
        else:
            groups.append([(index, value)])
    runs: list[FolioRun] = []
    for group in groups:
        if len(group) < 2:
            continue
        offset = group[0][1] - group[0][0]
        if runs and runs[-1].offset == offset:
            continue  # the same numbering after a stray folio
        runs.append(FolioRun(group[0][0], offset))
    return runs


def _labels_from_runs(n: int, runs: Sequence[FolioRun]) -> list[str]:
    """Each page takes the numbering of the run it is in or follows (an unnumbered page
    continues the numbering before it); pages before the first run count back from it, and
    a cover that would be numbered below 1 is front matter (i, ii, ...)."""
    labels: list[str] = []
    for i in range(n):
        run = next((r for r in reversed(runs) if r.first <= i), runs[0])
        value = i + run.offset
        labels.append(str(value) if value >= 1 else _to_roman(i + 1))
    return labels


class _LabelsStage(_LayoutBase):
    """The label printed on each page."""

    def _page_labels(self) -> list[str]:
        n = len(self.pages)
        try:
            root = self.reader.trailer["/Root"].get_object()
            if isinstance(root, dict) and "/PageLabels" in root:
                defined = list(self.reader.page_labels)
                if len(defined) == n and all(defined):
                    return defined
                self.warnings.append("/PageLabels present but unusable; using printed folios")
        except Exception as exc:  # a broken label tree is not fatal
            self.warnings.append(f"/PageLabels unreadable ({_describe(exc)})")
        arabic = [(i, int(v)) for i, v in self.folios.items() if v.isdigit()]
        runs = _arabic_runs(arabic)
        if len(runs) >= 2 and not any(not v.isdigit() for v in self.folios.values()):
            return _labels_from_runs(n, runs)
        romans = [(i, _roman_value(v)) for i, v in self.folios.items() if not v.isdigit()]
        roman_pairs = [(i, v) for i, v in romans if v]
        arabic_offset = _consistent_offset(arabic)
        roman_offset = _consistent_offset(roman_pairs)
        first_arabic = min((i for i, _ in arabic), default=n)
        labels: list[str] = []
        for i in range(n):
            if arabic_offset is not None and i >= first_arabic and (
                i + arabic_offset >= 1 or self.folios.get(i) == str(i + arabic_offset)
            ):
                labels.append(str(i + arabic_offset))  # a printed "0" on a cover is its label
            elif roman_offset is not None and i < first_arabic and i + roman_offset >= 1:
                labels.append(_to_roman(i + roman_offset))
            elif arabic_offset is not None and i + arabic_offset >= 1 and not roman_pairs:
                labels.append(str(i + arabic_offset))
            elif arabic_offset is not None and i < first_arabic and i + 1 <= first_arabic:
                # Unnumbered pages before printed page 1 (a cover): front matter, i, ii, …,
                # so no label says "1" twice.
                labels.append(_to_roman(i + 1))
            else:
                labels.append(str(i + 1))
        return labels
