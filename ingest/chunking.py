"""Sentence splitting and section-aware chunking.

A document's cleaned text is its blocks joined by blank lines. Chunks are contiguous spans of
that text (so `text[c.char_start:c.char_end] == c.text` always holds), never cut inside a
sentence. Definitions, list items and figure captions are chunks of their own; short
paragraphs of one section are merged up to the target size; long blocks are cut into sentence
windows that overlap by one sentence.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.records import Block, BlockKind, Chunk, Marker

BLOCK_SEPARATOR = "\n\n"

# Abbreviations after which a period does not end a sentence (lower-cased, without the dot).
_ABBREVIATION_WORDS = """
    p pp no nos vol vols fig figs art arts ch chap sec para paras ed eds eg ie etc al cf viz
    vs v mr mrs ms dr prof st jr sr inc ltd co corp dept approx est min max op cit ibid id
    jan feb mar apr jun jul aug sep sept oct nov dec u.s u.k u.n d.c e.g i.e a.m p.m
"""
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())

# A candidate boundary: terminal punctuation, optional closing quotes/brackets, then space.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*\s+")
# A blank line: between blocks (BLOCK_SEPARATOR), a sentence boundary whatever precedes it.
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")
# What may start a new sentence: capital, digit, opening quote/bracket, bullet.
_SENTENCE_START = re.compile(r"[\"'“‘(\[]?[A-Z0-9ÁÉÍÓÚÑÀÂÇÈÊËÎÏÔÛÙÜ•\-–]")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans `(start, end)` in `text`, whitespace trimmed, covering all its words.

    Copes with "p. 42", "D.C.", "U.N.", "No. 5", "e.g.", decimals ("3.5") and initials. A
    blank line always ends a sentence: it separates blocks (a chunk opens with its section's
    heading, which has no full stop to end it).
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for gap in _BLANK_LINE.finditer(text):
        spans += _paragraph_sentences(text, start, gap.start())
        start = gap.end()
    return spans + _paragraph_sentences(text, start, len(text))


def sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Sentence spans of a passage, as highlights and stored sentence vectors use them: a
    passage without sentence punctuation is one sentence."""
    if not text.strip():
        return ()
    return tuple(split_sentences(text)) or ((0, len(text)),)


def _paragraph_sentences(text: str, start: int, stop: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for match in _BOUNDARY.finditer(text, start, stop):
        end = match.end()
        if not _SENTENCE_START.match(text, end):
            continue
        if not _ends_sentence(text, start, match.start(), match.group()):
            continue
        spans.append((start, match.end()))
        start = end
    spans.append((start, stop))
    return [trimmed for s, e in spans if (trimmed := _trim(text, s, e))[0] < trimmed[1]]


def _ends_sentence(text: str, start: int, punct_at: int, punct: str) -> bool:
    if not punct.startswith("."):
        return True
    if punct.startswith(".."):  # an ellipsis followed by a capital does end the sentence
        return True
    word_match = re.search(r"(\S+)$", text[start:punct_at])
    if not word_match:
        return True
    word = word_match.group(1).lstrip("\"'“‘([").lower()
    if word in _ABBREVIATIONS or word.rstrip(".") in _ABBREVIATIONS:
        return False
    # Single letters ("J. Smith") and dotted acronyms ("U.N.", "D.C.") are not sentence ends,
    # unless the acronym is followed by something that clearly starts a sentence: we cannot
    # know, and a missed split costs less than a sentence cut in two.
    return not (len(word) == 1 and word.isalpha()) and not re.fullmatch(r"(\w\.)+\w?", word)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


@dataclass(frozen=True)
class ChunkingOptions:
    target_words: int = 150  # merge short paragraphs of one section up to this size
    max_words: int = 200  # a block longer than this is cut into sentence windows
    overlap_sentences: int = 1  # sentences repeated between consecutive windows of one block
    # Hard cap on one chunk, whatever the punctuation: a sentence (or an item) longer than
    # this is cut at word boundaries, so no page can make one passage of a million characters.
    max_chars: int = 4000


@dataclass(frozen=True)
class ChunkedDocument:
    text: str  # cleaned document text: block texts joined by BLOCK_SEPARATOR
    chunks: tuple[Chunk, ...]
    block_offsets: tuple[int, ...]  # start of each block in `text`


def chunk_blocks(
    document_id: str, blocks: Sequence[Block], options: ChunkingOptions | None = None
) -> ChunkedDocument:
    """Cut a document's blocks into chunks with full provenance."""
    options = options or ChunkingOptions()
    offsets: list[int] = []
    position = 0
    for block in blocks:
        offsets.append(position)
        position += len(block.text) + len(BLOCK_SEPARATOR)
    text = BLOCK_SEPARATOR.join(block.text for block in blocks)

    builder = _ChunkBuilder(document_id, text, options)
    section: tuple[str, ...] = ()
    pending: list[int] = []  # indexes of paragraph blocks waiting to be merged
    # Headings since the last chunk. They open the next chunk, so their words (and any
    # marker on them) are indexed and shown, not only kept as the section path: a run of
    # headings with no body under it (a masthead, a timeline of bold lines) would otherwise
    # reach no chunk at all.
    lead: list[int] = []

    def placed(indexes: list[int]) -> list[tuple[int, Block]]:
        return [(offsets[j], blocks[j]) for j in indexes]

    def flush() -> None:
        if pending:
            builder.add_blocks(placed(lead + pending), section, lead=len(lead))
            pending.clear()
            lead.clear()

    def flush_lead() -> None:
        if lead:
            builder.add_blocks(placed(lead), section, lead=len(lead))
            lead.clear()

    skip: set[int] = set()
    for i, block in enumerate(blocks):
        if not block.text.strip() or i in skip:
            continue
        if block.kind == "heading":
            flush()
            lead_words = sum(_word_count(blocks[j].text) for j in lead)
            if lead_words + _word_count(block.text) > options.target_words:
                flush_lead()
            lead.append(i)
            section = (block.text.strip(),)
            continue
        if block.kind != "paragraph":
            flush()
            group = [i]
            # A lone URL a page break pushed below its list item belongs to that item.
            while group[-1] + 1 < len(blocks) and _is_orphan_link(blocks[group[-1] + 1]):
                group.append(group[-1] + 1)
                skip.add(group[-1])
            builder.add_blocks(placed(lead + group), section, lead=len(lead))
            lead.clear()
            continue
        words = _word_count(block.text)
        pending_words = sum(_word_count(blocks[j].text) for j in pending)
        if pending and pending_words + words > options.target_words:
            flush()
        pending.append(i)
        if words >= options.target_words:
            flush()
    flush()
    flush_lead()
    return ChunkedDocument(text=text, chunks=tuple(builder.chunks), block_offsets=tuple(offsets))


_LONE_LINK = re.compile(r"<?(https?://|www\.)\S+>?[.,;)]*")


def _is_orphan_link(block: Block) -> bool:
    return block.kind == "paragraph" and bool(_LONE_LINK.fullmatch(block.text.strip()))


def _word_count(text: str) -> int:
    return len(text.split())


class _ChunkBuilder:
    def __init__(self, document_id: str, text: str, options: ChunkingOptions) -> None:
        self.document_id = document_id
        self.text = text
        self.options = options
        self.chunks: list[Chunk] = []

    def add_blocks(
        self, placed: list[tuple[int, Block]], section: tuple[str, ...], lead: int = 0
    ) -> None:
        """One chunk of `placed` (contiguous blocks), or sentence windows of a long block.
        The first `lead` blocks are headings opening it; the chunk's kind is its body's."""
        headings_only = lead >= len(placed)
        body = placed if headings_only else placed[lead:]
        kind = body[0][1].kind
        words = sum(_word_count(block.text) for _, block in body)
        first_start = placed[0][0]
        if words <= self.options.max_words or len(body) > 1 or headings_only:
            last_start, last = placed[-1]
            self._emit(first_start, last_start + len(last.text), placed, section, kind)
            return
        self._emit_windows(body[0][0], body[0][1], section, placed[:lead], first_start)

    def _emit_windows(
        self,
        block_start: int,
        block: Block,
        section: tuple[str, ...],
        headings: list[tuple[int, Block]],
        lead_start: int,
    ) -> None:
        """Overlapping sentence windows of one long block; the first also takes the headings
        before it (from `lead_start`)."""
        sentences = split_sentences(block.text)
        target, overlap = self.options.target_words, self.options.overlap_sentences
        i = 0
        while i < len(sentences):
            j, words = i, 0
            while j < len(sentences):
                size = self._words(block, sentences[j])
                if j > i and words + size > target:
                    break
                words += size
                j += 1
            start, end = block_start + sentences[i][0], block_start + sentences[j - 1][1]
            if i == 0 and headings:
                start = lead_start
            self._emit(start, end, [*headings, (block_start, block)], section, block.kind)
            if j >= len(sentences):
                break
            i = max(j - overlap, i + 1)

    @staticmethod
    def _words(block: Block, span: tuple[int, int]) -> int:
        return _word_count(block.text[span[0] : span[1]])

    def _emit(
        self,
        start: int,
        end: int,
        placed: list[tuple[int, Block]],
        section: tuple[str, ...],
        kind: BlockKind,
    ) -> None:
        for piece_start, piece_end in _capped_spans(
            self.text, start, end, self.options.max_chars, self.options.max_words
        ):
            self._emit_one(piece_start, piece_end, placed, section, kind)

    def _emit_one(
        self,
        start: int,
        end: int,
        placed: list[tuple[int, Block]],
        section: tuple[str, ...],
        kind: BlockKind,
    ) -> None:
        markers: list[Marker] = []
        pages: list[str] = []
        for block_start, block in placed:
            block_end = block_start + len(block.text)
            if block_end < start or block_start > end:
                continue
            for marker in block.markers:
                absolute = block_start + marker.offset
                if start <= absolute <= end:
                    markers.append(Marker(offset=absolute - start, number=marker.number))
            pages.extend(p for p in (block.page_start, block.page_end) if p is not None)
        chunk_text = self.text[start:end]
        digest = hashlib.sha256(
            f"{self.document_id}\x00{start}\x00{chunk_text}".encode()
        ).hexdigest()[:12]
        footnotes = tuple(dict.fromkeys(m.number for m in markers))
        self.chunks.append(
            Chunk(
                id=f"{self.document_id}:{len(self.chunks):04d}:{digest}",
                document_id=self.document_id,
                text=chunk_text,
                section=section,
                page_start=pages[0] if pages else None,
                page_end=pages[-1] if pages else None,
                char_start=start,
                char_end=end,
                footnotes=footnotes,
                markers=tuple(markers),
                kind=kind,
            )
        )


_WORD = re.compile(r"\S+")


def _capped_spans(
    text: str, start: int, end: int, max_chars: int, max_words: int
) -> list[tuple[int, int]]:
    """`text[start:end]` as consecutive spans of at most `max_chars` characters and
    `max_words` words, cut at word boundaries (a single word longer than `max_chars` is cut
    inside). Spans are trimmed of whitespace; together they cover every word."""
    if end - start <= max_chars and _word_count(text[start:end]) <= max_words:
        return [(start, end)]
    spans: list[tuple[int, int]] = []
    piece_start: int | None = None
    piece_end = start
    words = 0
    for match in _WORD.finditer(text, start, end):
        word_start, word_end = match.span()
        while word_end - word_start > max_chars:  # one enormous "word": cut inside it
            if piece_start is not None:
                spans.append((piece_start, piece_end))
                piece_start, words = None, 0
            spans.append((word_start, word_start + max_chars))
            word_start += max_chars
        if piece_start is not None and (
            word_end - piece_start > max_chars or words + 1 > max_words
        ):
            spans.append((piece_start, piece_end))
            piece_start, words = None, 0
        if piece_start is None:
            piece_start = word_start
        piece_end = word_end
        words += 1
    if piece_start is not None:
        spans.append((piece_start, piece_end))
    return spans
