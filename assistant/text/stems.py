"""Words and stems: what every module agrees a "word" is, and how much of a query a text covers.

Tokens, stop words, spelling normalisation (British → American, irregular plurals, words that
name the same dated event) and Snowball stems, shared by the sentence scorer, the claim checker,
the figure parser and the follow-up rewriter. `Lexicon` gives IDF weights over a set of
passages; `QueryWeights.coverage` is the IDF-weighted share of a query's stems a text contains.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ0-9]+(?:['’][A-Za-z]+)?(?:-[A-Za-zÀ-ÖØ-öø-ÿ0-9]+)*")

# Generic English function words and question scaffolding: never evidence of a topic match.
STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can cannot could did do does doing down during each
    either few for from further had has have having he her here hers herself him himself his how
    i if in into is it its itself just let me more most my myself no nor not of off on once only
    or other ought our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under until up
    upon very was we were what when where which while who whom why will with would you your
    yours yourself yourselves s t don't doesn't didn't isn't wasn't weren't won't can't
    tell show give say says said according brief document passage text please explain describe
    kind kinds type types thing things way ways much many
    """.split()  # noqa: SIM905 - a word list reads best as text
)

# Negations: kept out of STOPWORDS' effect where polarity matters (claims).
NEGATIONS = frozenset({"not", "no", "never", "none", "nor", "without", "neither", "cannot"})

# Irregular plurals the stemmer leaves apart ("children" ≠ "child" for Snowball).
_IRREGULAR = {
    "children": "child",
    "women": "woman",
    "men": "man",
    "people": "person",
    "minors": "minor",
    "countries": "country",
}

# Words that name the same event when a date is given for it: "founded in 1971" is checked
# against "established in 1961", "a protocol adopted in 1995" against "created in 2000"
# ("found" alone is the past of "find", "form" and "adoption" nouns: they stay apart).
_SAME_EVENT = dict.fromkeys(
    ("founded", "founding", "create", "created", "creates", "creating", "creation",
     "establish", "established", "establishes", "establishing", "establishment",
     "adopted", "formed"),
    "establish",
)

# British → American spellings, so "programmes"/"programs" and "analysed"/"analyzed" meet.
_SPELLING = (
    (re.compile(r"programme"), "program"),
    (re.compile(r"(?<=[a-z]{3})our(?=s?$|ed$|ing$)"), "or"),  # labour, behaviour, favoured
    (re.compile(r"(?<=[a-z]{2})is(e|ed|es|ing|ation|ations)$"), r"iz\1"),
    (re.compile(r"(?<=[a-z])ys(e|ed|es|ing)$"), r"yz\1"),
    (re.compile(r"(?<=[a-z]{2})tre(s?)$"), r"ter\1"),
)
_ISE_EXCEPTIONS = frozenset(
    {"rise", "wise", "raise", "noise", "poise", "otherwise", "promise", "premise", "precise",
     "concise", "expertise", "enterprise", "exercise", "advertise", "surprise", "compromise",
     "comprise", "franchise", "merchandise", "supervise", "revise", "devise", "despise",
     "improvise", "televise", "disguise", "arise", "paradise", "treatise", "cruise", "bruise",
     "sense", "expense", "dense", "intense", "immense", "tense", "suspense", "response",
     "condense", "dispense"}
)


@lru_cache(maxsize=1)
def _stemmer() -> object:
    import Stemmer  # PyStemmer: the Snowball stemmer bm25s uses too

    return Stemmer.Stemmer("english")


def words(text: str) -> list[tuple[str, int, int]]:
    """Word tokens `(word, start, end)`, digits included, hyphenated words kept whole."""
    return [(m.group(), m.start(), m.end()) for m in WORD.finditer(text)]


def normalise_spelling(word: str) -> str:
    word = word.lower().replace("’", "'")
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word in _SAME_EVENT:
        return _SAME_EVENT[word]
    if word in _ISE_EXCEPTIONS:
        return word
    for pattern, replacement in _SPELLING:
        word = pattern.sub(replacement, word)
    return word


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """One normalised stem: lower-cased, spelling-normalised, Snowball-stemmed."""
    normalised = normalise_spelling(word)
    if normalised.endswith("'s"):
        normalised = normalised[:-2]
    return str(_stemmer().stemWord(normalised))  # type: ignore[attr-defined]


def is_content_word(word: str) -> bool:
    lower = word.lower().replace("’", "'")
    return lower not in STOPWORDS and not lower.isdigit() and len(lower) > 1


def content_stems(text: str) -> list[str]:
    """Stems of the content words of `text`, in order, duplicates kept."""
    out: list[str] = []
    for word, _, _ in words(text):
        if not is_content_word(word):
            continue
        # "anti-trafficking" also counts as "trafficking": hyphen parts are words of their own.
        out.append(stem(word))
        if "-" in word:
            out.extend(stem(part) for part in word.split("-") if is_content_word(part))
    return out


class Lexicon:
    """Document frequencies of stems over a set of passages: IDF weights and a vocabulary."""

    def __init__(self, texts: Iterable[str]) -> None:
        df: dict[str, int] = {}
        count = 0
        for text in texts:
            count += 1
            for s in set(content_stems(text)):
                df[s] = df.get(s, 0) + 1
        self.document_count = count
        self.df = df

    def __contains__(self, stem_: str) -> bool:
        return stem_ in self.df

    def idf(self, stem_: str) -> float:
        """Smoothed IDF; unseen stems get the highest weight (they are the most specific)."""
        return math.log((self.document_count + 1) / (self.df.get(stem_, 0) + 0.5)) + 1.0


@dataclass(frozen=True)
class QueryWeights:
    """A query's distinct content stems with their coverage weights, computed once per query
    (a question is compared with every sentence of twenty passages)."""

    stems: tuple[str, ...]
    weights: tuple[float, ...]
    total: float

    @classmethod
    def of(cls, query_stems: Sequence[str], lexicon: Lexicon | None = None) -> QueryWeights:
        wanted = tuple(dict.fromkeys(query_stems))
        if lexicon is None:
            weights = tuple(1.0 for _ in wanted)
        else:
            # A word no passage contains cannot tell passages apart; it only lowers every
            # score alike. It gets the average weight of the query's known words, not the
            # (maximal) IDF of an unseen word, so that one paraphrased word does not sink a
            # true match.
            known = [lexicon.idf(s) for s in wanted if s in lexicon]
            neutral = sum(known) / len(known) if known else 1.0
            weights = tuple(lexicon.idf(s) if s in lexicon else neutral for s in wanted)
        return cls(stems=wanted, weights=weights, total=sum(weights))

    def coverage(self, passage_stems: Iterable[str]) -> float:
        if not self.stems:
            return 0.0
        have = set(passage_stems)
        found = sum(w for s, w in zip(self.stems, self.weights, strict=True) if s in have)
        return found / self.total


def coverage(
    query_stems: Sequence[str], passage_stems: Iterable[str], lexicon: Lexicon | None = None
) -> float:
    """IDF-weighted share of the query's distinct content stems found in the passage."""
    return QueryWeights.of(query_stems, lexicon).coverage(passage_stems)


def word_set(text: str) -> Mapping[str, int]:
    """Stem → count, for quick overlap tests."""
    counts: dict[str, int] = {}
    for s in content_stems(text):
        counts[s] = counts.get(s, 0) + 1
    return counts
