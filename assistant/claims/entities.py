"""Proper names in a claim against the deciding sentence: the same thing said of another name.

"Tarrant is an Oklahoma state agency" is not supported by "Tarrant, a Texas agency, …" though
the sentence shares nearly all its words, and "the Inter-American Court ruled …" is not
supported by "the European Court of Human Rights ruled …". A name of the claim (a run of
capitalised words, "of"/"for"/"on" joining them, or an acronym; a lone sentence-initial word is
left out: its capital says nothing) is compared with the names of the sentence in two ways:

1. Slot. The name fills a slot in the claim: a determiner before it and a word after it ("an
   *Oklahoma* state agency"), a word and a preposition before it ("signed in *Paris*", "by
   both *Pakistan* and …"), or a verb right after it ("*Beijing* experienced"). When the
   sentence fills that slot only with other names ("a *Texas* agency", "signed in *London*"),
   it says the same thing of another name: a clear swap. The subject of a verb is clear only
   when the claim's name is nowhere in the sentence: "the OWRB denied …" may be an organ of
   the "Oklahoma" a claim names.
2. Rival. The sentence does not name it, but names another of the same kind: a name with the
   same last word and a different qualifier ("*European* Court of Human Rights" for the
   "*Inter-American* Court of Human Rights"). Clear when the claim's qualifier appears nowhere
   in the sentence or the one before it; otherwise (both are named, the sentence says which
   did what only by its order) it is no support either way.

A name a claim gives itself never counts as a rival, and an acronym matches the words it spells
("UN" the "United Nations", "ECHR" the "European Court of Human Rights"). Read from the text
alone: no list of places or bodies.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from assistant.text.stems import STOPWORDS, stem

_TOKEN = re.compile(r"[^\W_][\w'’]*(?:[-‐‑‒–—][^\W_][\w'’]*)*")
_DASH = re.compile(r"[-‐‑‒–—]")
# Words that join the capitalised words of one name: "Court of Human Rights".
_JOINERS = frozenset({"of", "for", "on", "de", "du", "del", "la"})
_DETERMINERS = frozenset({"a", "an", "the", "another"})
# Between a preposition and the name it introduces: "in the Sahel", "by both Pakistan and …".
_SKIPPED = frozenset({"the", "both", "either", "neither", "all"})
_PREPOSITIONS = frozenset({"in", "at", "from", "by", "to", "into", "with", "against", "of",
                           "for", "on", "within", "across", "throughout", "inside", "toward",
                           "towards", "under"})
# Punctuation after which a capital is the sentence's (or a bullet's), not a name's.
_INITIAL = ".!?:;~•·*"
# "Northern Africa" names what "North Africa" does.
_DIRECTIONS = {"northern": "north", "southern": "south", "eastern": "east", "western": "west"}
# Between names of one list: "Texas, Oklahoma and Arkansas", "the Sahel or the Maghreb".
_LIST_GAP = re.compile(r"[\s,]*(?:(?:and|or|as well as)\s+)?(?:the\s+)?", re.IGNORECASE)


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int

    @property
    def lower(self) -> str:
        return self.text.lower()


@dataclass(frozen=True)
class Name:
    """A name as written, its tokens `first..last` (inclusive) and its words: (initial, stems,
    whether the word is an acronym)."""

    text: str
    first: int
    last: int
    parts: tuple[tuple[str, tuple[str, ...], bool], ...]

    @property
    def stems(self) -> frozenset[str]:
        return frozenset(s for _, stems, _ in self.parts for s in stems)


@dataclass(frozen=True)
class Swap:
    """A name of the claim (`claimed`) that the sentence replaces by another (`given`); `clear`
    when the sentence says the same thing of the other name (contradiction), else no support."""

    claimed: str
    given: str
    clear: bool


def _tokens(text: str) -> list[_Token]:
    return [_Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _capitalised(token: _Token) -> bool:
    return len(token.text) > 1 and token.text[0].isupper()


def _word_stems(word: str) -> tuple[str, ...]:
    out = []
    for part in _DASH.split(re.sub(r"['’]s$", "", word)):
        lowered = part.lower()
        if lowered and lowered not in STOPWORDS:
            out.append(stem(_DIRECTIONS.get(lowered, lowered)))
    return tuple(out)


def _acronym(word: str) -> bool:
    word = re.sub(r"['’]?s$", "", word) if word[:-1].isupper() else word
    return word.isalpha() and word.isupper() and 2 <= len(word) <= 8


def names(text: str) -> tuple[list[_Token], list[Name]]:
    """The tokens of `text` and its names, in order."""
    tokens = _tokens(text)
    out: list[Name] = []

    def gap(a: int, b: int) -> str:
        return text[tokens[a].end : tokens[b].start]

    i = 0
    while i < len(tokens):
        if not _capitalised(tokens[i]) or tokens[i].lower in STOPWORDS:
            i += 1
            continue
        j = i
        while True:
            k = j + 1
            if k < len(tokens) and tokens[k].lower in _JOINERS and not gap(j, k).strip():
                k += 1
                if k < len(tokens) and tokens[k].lower == "the" and not gap(k - 1, k).strip():
                    k += 1
            if (k < len(tokens) and _capitalised(tokens[k]) and tokens[k].lower not in STOPWORDS
                    and all(not gap(m, m + 1).strip() for m in range(j, k))):
                j = k
            else:
                break
        words = [t.text for t in tokens[i : j + 1] if t.lower not in _JOINERS | {"the"}]
        shouting = len(words) > 1 and all(w.isupper() for w in words)  # a heading in capitals
        before = text[: tokens[i].start].rstrip(" \t\"'“‘(")
        initial = not before or before[-1] in _INITIAL
        acronyms = [not shouting and _acronym(w) for w in words]
        if not (initial and len(words) == 1 and not acronyms[0]):
            parts = tuple(
                (w[0].lower(), (re.sub(r"['’]?s$", "", w).lower(),) if acr else _word_stems(w),
                 acr)
                for w, acr in zip(words, acronyms, strict=True)
            )
            if any(stems for _, stems, _ in parts):
                out.append(Name(text[tokens[i].start : tokens[j].end], i, j, parts))
        i = j + 1
    return tokens, out


def _expanded(name: Name, other: Name) -> list[str]:
    """`name`'s stems in order, each acronym replaced by the words of `other` it spells."""
    spelled = [(initial, stems) for initial, stems, acr in other.parts if not acr]
    out: list[str] = []
    for _, stems, acr in name.parts:
        if acr:
            letters = stems[0]
            for start in range(len(spelled)):
                run = spelled[start : start + len(letters)]
                if "".join(initial for initial, _ in run) == letters:
                    out.extend(s for _, word in run for s in word)
                    break
            else:
                out.extend(stems)
        else:
            out.extend(stems)
    return out


def relation(claimed: Name, given: Name) -> str | None:
    """"full": `given` names all of `claimed`; "part": some of it ("Tarrant" for "Tarrant
    Regional Water District"); "rival": another name of the same kind (same last word, a
    different qualifier); None: unrelated."""
    mine, theirs = _expanded(claimed, given), _expanded(given, claimed)
    a, b = set(mine), set(theirs)
    if not a or not b:
        return None
    if a <= b:
        return "full"
    if b <= a:
        return "part"
    if mine[-1] == theirs[-1]:
        return "rival"
    return None


def _slot_groups(tokens: list[_Token], found: list[Name], text: str,
                 fits: Callable[[Name], bool]) -> list[list[Name]]:
    """Each name that fits a slot with the names listed with it ("Texas, Oklahoma and
    Arkansas": a list fills the slot together)."""
    groups = []
    for index, name in enumerate(found):
        if not fits(name):
            continue
        group = [name]
        for step in (-1, 1):
            k = index
            while 0 <= k + step < len(found):
                a, b = sorted((found[k], found[k + step]), key=lambda n: n.first)
                if not _LIST_GAP.fullmatch(text[tokens[a.last].end : tokens[b.first].start]):
                    break
                k += step
                group.append(found[k])
        groups.append(group)
    return groups


def _joined(tokens: list[_Token], text: str, a: int, b: int) -> bool:
    """Tokens `a` and `b` (a < b) are neighbours: only spaces between them."""
    return 0 <= a < b < len(tokens) and not text[tokens[a].end : tokens[b].start].strip()


def _preposition(tokens: list[_Token], text: str, name: Name) -> int:
    """Index of the token before `name`, past "the"/"both" ("in the Sahel", "by both
    Pakistan and China"): where a preposition would be."""
    k = name.first - 1
    while k >= 1 and tokens[k].lower in _SKIPPED and _joined(tokens, text, k, k + 1):
        k -= 1
    return k


def _slots(tokens: list[_Token], text: str, name: Name) -> list[tuple[str, str]]:
    """The slots `name` fills in `text`: ("after", stem of the word it qualifies) for "an
    Oklahoma state agency"; ("before", "stem preposition next-stem") for "signed in Paris";
    ("verb", stem) for the word right after a name with no determiner ("Beijing experienced")."""
    out = []
    following = _following(tokens, text, name)
    first = name.first
    if following:
        determined = (first >= 1 and tokens[first - 1].lower in _DETERMINERS
                      and _joined(tokens, text, first - 1, first))
        out.append(("after", stem(following[-1])) if determined else ("verb", stem(following[0])))
    k = _preposition(tokens, text, name)
    if (k >= 1 and tokens[k].lower in _PREPOSITIONS and _joined(tokens, text, k, k + 1)
            and _joined(tokens, text, k - 1, k) and tokens[k - 1].text.islower()
            and tokens[k - 1].lower not in STOPWORDS):
        # What follows tells a name from a qualifier: "the sinking of the Lusitania killed"
        # is not said by "the sinking of the British vessel, the Lusitania".
        then = stem(following[0]) if following else ""
        out.append(("before", f"{stem(tokens[k - 1].text)} {tokens[k].lower} {then}"))
    return out


def _following(tokens: list[_Token], text: str, name: Name) -> list[str]:
    """The (at most two) lower-case content words right after `name`: "Texas state agency"."""
    out: list[str] = []
    k = name.last
    while (len(out) < 2 and _joined(tokens, text, k, k + 1) and tokens[k + 1].text.islower()
           and tokens[k + 1].lower not in STOPWORDS):
        k += 1
        out.append(tokens[k].text)
    return out


def _fills(tokens: list[_Token], text: str, name: Name, slot: tuple[str, str]) -> bool:
    """Whether `name` sits in `slot` (see `_slots`) in `text`."""
    kind, key = slot
    following = [stem(w) for w in _following(tokens, text, name)]
    if kind == "after":
        return key in following
    if kind == "verb":
        return following[:1] == [key]
    word, preposition, then = key.split(" ")
    if following and following[0] != then:
        return False  # "… of the British vessel": a qualifier, not the name in the slot
    k = _preposition(tokens, text, name)
    return (k >= 1 and tokens[k].lower == preposition and stem(tokens[k - 1].text) == word
            and _joined(tokens, text, k - 1, k))


def name_swap(claim: str, sentence: str, before: str = "") -> Swap | None:
    """The first name of `claim` that `sentence` (with `before`, the sentence before it)
    replaces by another name; None when the names agree or the sentence says nothing of them."""
    claim_tokens, claimed = names(claim)
    tokens, given = names(sentence)
    window = given + names(before)[1]
    window_stems = {s for n in window for s in n.stems} | {
        s for t in _tokens(f"{before} {sentence}") for s in _word_stems(t.text)}

    def own(name: Name) -> bool:  # a name the claim itself gives
        return any(relation(c, name) in ("full", "part") for c in claimed)

    unclear: Swap | None = None
    for name in claimed:
        named = any(relation(name, g) in ("full", "part") for g in window)
        for slot in _slots(claim_tokens, claim, name):
            def fits(g: Name, s: tuple[str, str] = slot) -> bool:
                return _fills(tokens, sentence, g, s)

            groups = _slot_groups(tokens, given, sentence, fits)
            if any(relation(name, g) in ("full", "part") for group in groups for g in group):
                break
            other = next((g for group in groups for g in group if not own(g)), None)
            if other is not None:
                # "X experienced …" of another X is clear only when the claim's is not named
                # at all: its subject may be a part or an organ of what the claim names.
                if slot[0] != "verb" or not named:
                    return Swap(name.text, other.text, clear=True)
                unclear = unclear or Swap(name.text, other.text, clear=False)
        if any(relation(name, g) == "full" for g in window):
            continue
        rival = next((g for g in given if relation(name, g) == "rival" and not own(g)), None)
        if rival is not None:
            distinct = set(_expanded(name, rival)) - set(_expanded(rival, name))
            if not distinct & window_stems:
                return Swap(name.text, rival.text, clear=True)
            unclear = unclear or Swap(name.text, rival.text, clear=False)
    return unclear


def names_all_given(claim: str, sentence: str, before: str = "") -> bool:
    """Whether `sentence` (with `before`) names every name of `claim` in full."""
    window = names(sentence)[1] + names(before)[1]
    return all(any(relation(c, g) == "full" for g in window) for c in names(claim)[1])
