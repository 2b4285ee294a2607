"""Acronyms a name spells with its initials ("Convention on the Rights of the Child": CRC).

"United Nations International Children's Emergency Fund" spells UNICEF; "Office of the United
Nations High Commissioner for Refugees" spells OUNHCR and, within it, UNHCR.

A question says "UNICEF" where the brief names the body in full, or the other way round. The
sentence scorer (`assistant.text.sentences`) adds what a sentence spells to its stems, so a
sentence naming the body in full is not scored as missing the question's acronym. Read from the
text alone: no list of bodies, and no guess at what an acronym the text never spells means.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Small words a name keeps and its acronym skips: "Office on Drugs and Crime" spells ODC.
_JOINERS = frozenset({"of", "for", "and", "on", "the", "in", "to", "at", "de", "&"})
_WORD = re.compile(r"[^\W\d_][\w'’-]*|&")
MIN_LETTERS = 3
MAX_LETTERS = 8


@lru_cache(maxsize=65_536)
def spelled_acronyms(text: str) -> frozenset[str]:
    """The lower-cased initials of every run of 3 to 8 capitalised words in `text`, joiners
    inside a run skipped; a run ends at punctuation or a word in lower case ("Indonesia,
    Thailand" is two names, not one)."""
    found: set[str] = set()
    run: list[str] = []
    last_end = 0
    for match in _WORD.finditer(text):
        word, gap = match.group(), text[last_end : match.start()]
        last_end = match.end()
        if run and gap.strip():  # punctuation between two words ends a name
            _add_runs(run, found)
            run = []
        if word.lower() in _JOINERS:
            continue  # inside a name ("Rights of the Child") or before one ("the United …")
        if word[0].isupper() and not word.isupper():
            run.append(word[0].lower())
        else:  # a word in lower case, or an acronym itself, is not part of a spelled name
            _add_runs(run, found)
            run = []
    _add_runs(run, found)
    return frozenset(found)


def _add_runs(initials: list[str], found: set[str]) -> None:
    # Every stretch of the run: "Office of the United Nations High Commissioner for Refugees"
    # spells OUNHCR and, within it, UNHCR.
    for start in range(len(initials)):
        for end in range(start + MIN_LETTERS, min(len(initials), start + MAX_LETTERS) + 1):
            found.add("".join(initials[start:end]))
