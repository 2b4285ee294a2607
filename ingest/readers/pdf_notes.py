"""PDF footnotes: the footnote area of each page (below a separator rule, or the small
lines at the bottom), its numbered notes, and notes continued from the previous page."""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence

from ingest.readers.common import is_caption, is_endnote_heading, strip_controls
from ingest.readers.pdf_layout import _LayoutBase
from ingest.readers.pdf_lines import _MARKER_SYMBOL, _SPACES, _Line, _PageText
from ingest.records import RawFootnote, is_symbol_note, superscript, symbol_note_number

# A footnote separator printed as text: a short row of dashes or rules.
_RULE_LINE = re.compile(r"[-–—_‒―\u2500\u2501]{3,40}")

# A note opened by its symbol drawn in the note's own type: "* Professor of Law, …".
_LEADING_SYMBOL = re.compile(rf"({_MARKER_SYMBOL.pattern})\s*(?=\S)")

# A footnote that ends like this is complete; one that does not may go on on the next page.
_FOOTNOTE_END = re.compile(r"(?:[.!?…\"'”’)\]>]|\d)\s*$")



def _leading_number(line: _Line) -> tuple[int, bool] | None:
    """(n, strong) when `line` starts with a number that could begin footnote n.

    Strong: the number is its own run, raised, or glued to a letter ("5UNODC").
    """
    segs = [s for s in line.segs if s.text.strip()]
    if not segs:
        return None
    first = segs[0]
    if first.numbers and len(first.numbers) == 1:
        return first.numbers[0], True
    head = re.fullmatch(r"(\d{1,4})([.)]?)", first.text.strip())
    if head and len(segs) > 1:
        # "3 Text" drawn apart is a note number; "3. Text" may as well be a numbered list
        # or a Works Cited entry, so it only counts where a body marker announced it.
        return int(head.group(1)), not head.group(2)
    symbol = _LEADING_SYMBOL.match(line.raw)
    if symbol and (number := symbol_note_number(symbol.group(1))) is not None:
        return number, False  # "* Professor of Law": a note only where a marker announced it
    match = re.match(r"(\d{1,4})(?![\d,/%:])([.)]?)(\s*)(\S)", line.raw)
    if not match:
        return None
    glued = not match.group(2) and not match.group(3) and match.group(4).isalpha()
    return int(match.group(1)), glued



def _strip_number(line: _Line, number: int) -> str:
    segs = [s for s in line.segs if s.text.strip()]
    if segs and (segs[0].numbers or re.fullmatch(r"\d{1,4}[.)]?", segs[0].text.strip())):
        rest = line.segs[line.segs.index(segs[0]) + 1:]
        return _SPACES.sub(" ", "".join(s.text for s in rest)).strip()
    printed = superscript(number) if is_symbol_note(number) else str(number)
    return re.sub(rf"^{re.escape(printed)}[.)]?\s*", "", line.raw)


class _NotesStage(_LayoutBase):
    """Footnote areas and their notes."""

    def _find_footnotes(self, candidates: dict[int, Counter[int]]) -> set[int]:
        has_candidates = any(candidates.values())
        pool: Counter[int] = Counter()
        last_number = 0
        small = 0.9 * self.body_size
        for page in self.pages:
            pool.update(candidates.get(page.index, Counter()))
            by_y = sorted(page.lines, key=lambda line: -line.baseline)
            group: list[_Line] = []
            rule = self._separator(page, by_y)
            if rule is not None:
                # Below a separator rule (court opinions print one): the footnote area, in
                # whatever size it is set.
                group = by_y[by_y.index(rule) + 1:]
            else:
                for line in reversed(by_y):
                    if line.size > small:
                        break
                    group.insert(0, line)
            if not group:
                continue
            start: int | None = None
            for k, line in enumerate(group):
                parsed = _leading_number(line)
                if parsed is None:
                    continue
                number, strong = parsed
                if number in pool or (
                    strong and number == last_number + 1 and (not has_candidates or k == 0)
                ):
                    start = k
                    break
                if not has_candidates and strong and number == 1:
                    start = k
                    break
            carried = self._carried_over(page, by_y, group, start, rule is not None)
            if carried:
                previous = self.footnotes[-1]
                text = previous.text
                for line in carried:
                    text, sep = self.joiner.join(text, line.raw)
                    text += sep + line.raw
                self.footnotes[-1] = RawFootnote(
                    previous.number, _SPACES.sub(" ", strip_controls(text)).strip(), previous.page
                )
                dropped = {id(ln) for ln in carried}
                page.lines = [ln for ln in page.lines if id(ln) not in dropped]
            if start is None:
                continue
            region = group[start:]
            above = [ln for ln in by_y if ln.baseline > region[0].baseline]
            if not above and page.rel_y(region[0]) > 0.6:
                continue  # a page of small print, not a footnote block
            notes = self._parse_region(region, pool, has_candidates)
            if not notes:
                continue
            label = self.labels[page.index]
            for number, text in notes:
                pool[number] -= 1
                if pool[number] <= 0:
                    del pool[number]
                self.footnotes.append(RawFootnote(number=number, text=text, page=label))
                if not is_symbol_note(number):
                    last_number = number
            dropped = {id(ln) for ln in region}
            page.lines = [ln for ln in page.lines if id(ln) not in dropped]
        for page, rule in self.separators:
            if not any(ln.baseline < rule.baseline for ln in page.lines):
                # The notes under it are gone: the rule is page furniture now.
                page.lines = [ln for ln in page.lines if ln is not rule]
        numbers = [f.number for f in self.footnotes]
        if dupes := sorted(n for n, c in Counter(numbers).items() if c > 1):
            self.warnings.append(
                "footnote numbers printed more than once (numbering restarts?): "
                + ", ".join(map(str, dupes))
            )
        return set(numbers)

    def _find_endnotes(self, candidates: dict[int, Counter[int]], found: set[int]) -> set[int]:
        """Notes printed together in a closing "Notes"/"Endnotes" section, in body type: the
        numbered entries after the last such heading whose numbers answer body markers that
        no footnote answered. Returns the numbers read (their lines leave the body)."""
        announced: Counter[int] = Counter()
        for counts in candidates.values():
            announced.update(n for n in counts if n not in found)
        if not announced:
            return set()
        heading: tuple[_PageText, _Line] | None = None
        for page in self.pages:
            for line in sorted(page.lines, key=lambda ln: -ln.baseline):
                if is_endnote_heading(line.raw):
                    heading = (page, line)
        if heading is None:
            return set()
        start_page, title = heading
        region: list[_Line] = []
        page_of: dict[int, _PageText] = {}
        for page in self.pages[start_page.index:]:
            for line in sorted(page.lines, key=lambda ln: -ln.baseline):
                if page is start_page and line.baseline >= title.baseline:
                    continue
                region.append(line)
                page_of[id(line)] = page
        while region and _leading_number(region[0]) is None:
            region.pop(0)  # an introduction under the heading stays body text
        if not region or (first := _leading_number(region[0])) is None or (
            first[0] not in announced
        ):
            return set()
        notes = self._parse_region(region, announced, True)
        if sum(1 for number, _ in notes if number in announced) < max(1, len(notes) // 2):
            return set()  # a numbered list that markers do not point at: no notes
        starts = {}
        for line in region:
            parsed = _leading_number(line)
            if parsed is not None and parsed[0] not in starts:
                starts[parsed[0]] = page_of[id(line)]
        for number, text in notes:
            page = starts.get(number, start_page)
            self.footnotes.append(RawFootnote(number=number, text=text,
                                              page=self.labels[page.index]))
        dropped = {id(ln) for ln in region}
        for page in self.pages[start_page.index:]:
            page.lines = [ln for ln in page.lines if id(ln) not in dropped]
        return {number for number, _ in notes}

    def _separator(self, page: _PageText, by_y: Sequence[_Line]) -> _Line | None:
        """The lowest line of the lower half of the page drawn as a rule ("——————"), with
        text below it: what separates the footnotes from the body."""
        for line in reversed(by_y):
            if page.rel_y(line) > 0.5:
                return None
            if _RULE_LINE.fullmatch(line.raw.replace(" ", "")) and line is not by_y[-1]:
                self.separators.append((page, line))
                return line
        return None

    def _carried_over(
        self, page: _PageText, by_y: Sequence[_Line], group: Sequence[_Line], start: int | None,
        ruled: bool = False,
    ) -> list[_Line]:
        """Lines at the top of this page's footnote area that finish the previous page's last
        footnote (it stopped mid-sentence; these lines carry no number of their own)."""
        if not self.footnotes or page.index == 0:
            return []
        previous = self.footnotes[-1]
        if previous.page != self.labels[page.index - 1] or _FOOTNOTE_END.search(previous.text):
            return []
        lines = list(group[:start] if start is not None else group)
        if not lines or any(is_caption(ln.raw) for ln in lines):
            return []
        size = lines[0].size
        gap = 1.5 * self.line_gap(size)
        chain = [*lines, group[start]] if start is not None else lines
        if any(abs(ln.size - size) > 0.3 for ln in chain):
            return []
        if any(a.baseline - b.baseline > gap for a, b in itertools.pairwise(chain)):
            return []
        above = [ln for ln in by_y if ln.baseline > lines[0].baseline and ln not in group]
        if above and not ruled:
            # The footnote area sits apart from the body (a rule and some space above it).
            if above[-1].baseline - lines[0].baseline < 1.5 * self.line_gap(above[-1].size):
                return []
        elif page.rel_y(lines[0]) > 0.5:
            return []
        return lines

    def _parse_region(
        self, region: Sequence[_Line], pool: Counter[int], has_candidates: bool
    ) -> list[tuple[int, str]]:
        notes: list[tuple[int, list[tuple[str, bool]]]] = []
        for i, line in enumerate(region):
            parsed = _leading_number(line)
            if parsed is not None and notes:
                number, strong = parsed
                # Symbol notes stand outside the numbered sequence (after "* …" comes note 1):
                # a symbol opens a note once, where a marker announced it.
                previous = max((n for n, _ in notes if not is_symbol_note(n)), default=0)
                expected = number == previous + 1 and (strong or not has_candidates)
                if is_symbol_note(number):
                    opens = number in pool and all(n != number for n, _ in notes)
                else:
                    opens = number > previous and (number in pool or expected)
                url = self.joiner.url_break(region[i - 1].raw, line.raw,
                                            self._full_url_line(region[i - 1]))
                if not opens or (
                    url == "certain" or (url == "likely" and not (expected and strong))
                ):
                    parsed = None  # "%2Creedbed…" continues a URL, it is not footnote 2
            if parsed is not None:
                notes.append((parsed[0], [(_strip_number(line, parsed[0]), False)]))
            elif notes:
                notes[-1][1].append((line.raw, False))
            if notes:
                text, _ = notes[-1][1][-1]
                notes[-1][1][-1] = (text, self._full_url_line(line))
        out: list[tuple[int, str]] = []
        for number, parts in notes:
            text, full = "", False
            for part, part_full in parts:
                text, sep = self.joiner.join(text, part, full)
                text, full = text + sep + part, part_full
            out.append((number, _SPACES.sub(" ", strip_controls(text)).strip()))
        return [(n, t) for n, t in out if t]
