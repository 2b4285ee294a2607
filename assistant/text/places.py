"""Named places in text ("Sub-Saharan Africa", "in Canada") without a gazetteer."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.text.stems import STOPWORDS, stem, words

# Generic world-geography words: a capitalised run holding one names a place ("Sub-Saharan
# Africa", "East Asia", "the Caribbean"). Countries and cities are caught by the preposition
# before them instead ("in Canada", "across Mexico"), so no gazetteer of names is needed.
_GEO_WORDS = frozenset(
    """
    africa america americas asia europe oceania antarctica arctic antarctic caribbean pacific
    atlantic mediterranean balkans baltic sahel sahara saharan sub-saharan maghreb levant
    scandinavia eurasia australasia gulf
    """.split()  # noqa: SIM905 - a word list reads best as text
)
_GEO_PHRASES = ("middle east", "near east", "far east", "latin america", "horn of africa")
_LOCATIVE = frozenset({"in", "across", "within", "throughout", "inside"})
# "in May", "in March 2020", "in Spring" are times, not places.
_TIMES = frozenset(
    """
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday
    saturday sunday spring summer autumn fall winter
    """.split()  # noqa: SIM905 - a word list reads best as text
)
_CAPITALISED = re.compile(r"[A-Z][a-zà-ÿ'’]+(?:-[A-Za-zà-ÿ]+)*$")


@dataclass(frozen=True)
class Place:
    """A named place in a text: its words as written and its span."""

    name: str
    start: int
    end: int

    @property
    def keys(self) -> frozenset[str]:
        """Stems of its words (hyphen parts too): what another mention must contain."""
        out = set()
        for word in re.split(r"[\s-]+", self.name):
            if word.lower() not in STOPWORDS:
                out.add(stem(word))
        return frozenset(out)


def places(text: str) -> tuple[Place, ...]:
    """Named places in `text`: runs of capitalised words ("of"/"of the" may join them) that
    hold a world-geography word or follow "in"/"across"/"within" ("in Canada"). "and" ends a
    run: "Central America and the Caribbean" is two places."""
    tokens = words(text)
    out: list[Place] = []
    i = 0
    while i < len(tokens):
        # "In", "The" at a sentence start are capitalised function words, never part of a name.
        if not _CAPITALISED.match(tokens[i][0]) or tokens[i][0].lower() in STOPWORDS:
            i += 1
            continue
        j = i
        while True:
            nxt = j + 1
            # "Republic of the Congo": "of" / "of the" joins two capitalised words.
            while nxt < len(tokens) and tokens[nxt][0] in ("of", "the") and nxt - j <= 2:
                nxt += 1
            if (
                nxt < len(tokens)
                and _CAPITALISED.match(tokens[nxt][0])
                and re.fullmatch(r"[\s\w]*", text[tokens[j][2] : tokens[nxt][1]])
                and (nxt == j + 1 or tokens[j + 1][0] == "of")
            ):
                j = nxt
            else:
                break
        start, end = tokens[i][1], tokens[j][2]
        name = " ".join(text[start:end].split())
        lowered = name.lower()
        geographic = any(w in _GEO_WORDS for w in [*re.split(r"[\s-]+", lowered), lowered])
        geographic = geographic or any(p in lowered for p in _GEO_PHRASES)
        before = [w.lower() for w, _, _ in tokens[max(0, i - 2) : i]]
        if before[-1:] == ["the"]:
            before = before[:-1]
        located = (bool(before) and before[-1] in _LOCATIVE and i > 0
                   and lowered.split()[0] not in _TIMES)
        if geographic or located:
            out.append(Place(name, start, end))
        i = j + 1
    return tuple(out)
