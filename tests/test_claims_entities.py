"""Names in claims (`assistant.claims.entities`), link lines as evidence, negation by a prefix
and claims that join two dated facts.

Synthetic passages (invented names and facts) and the deterministic fake embedder: no model.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_claims import hits_for

from assistant.claims.entities import name_swap, names, names_all_given, relation
from assistant.claims.verdict import check_claim
from assistant.text.sentences import SentenceScorer
from assistant.text.stems import Lexicon

PASSAGES = (
    "The Meridian Fisheries Board, a Norland agency, licenses trawlers that fish in waters off "
    "Vestria.",
    "The Harbour Accord was signed in Valletta in 1987 by nine coastal states.",
    "The Southern Maritime Court ruled on trawler seizures in 2015.",
    "According to national standards, over 60% of the water in upland farming villages is not "
    "safe to bathe in or drink.",
    "Inspectors found that most diesel generators on the island are unreliable during storms.",
    "Talks culminated in the signing of the Coastal Accord in 1978. Parliament ratified the "
    "Accord in 1980, making it law.",
    "3. https://www.example.org/coastal-patrol-council-night-fishing-rules/",
)


def _check(claim: str, fake_embedder: Any, texts: tuple[str, ...] = PASSAGES) -> Any:
    scorer = SentenceScorer(fake_embedder.embed, Lexicon(texts))
    return check_claim(claim, hits_for(texts), scorer)


def _name(text: str) -> Any:
    (found,) = names(text)[1]
    return found


# ------------------------------------------------------------------ names


def test_names_leave_out_a_lone_sentence_initial_word() -> None:
    found = [n.text for n in names("Tarrant is an Oklahoma state agency.")[1]]
    assert found == ["Oklahoma"]
    found = [n.text for n in names("The Inter-American Court of Human Rights ruled; UNHRC did "
                                   "not. Texas agreed.")[1]]
    assert found == ["Inter-American Court of Human Rights", "UNHRC"]


def test_relation_reads_acronyms_parts_and_rivals() -> None:
    assert relation(_name("the UN Security Council"),
                    _name("the United Nations Security Council")) == "full"
    assert relation(_name("the ECHR"), _name("the European Court of Human Rights")) == "full"
    # Any dash: "Inter‑American" (a non-breaking hyphen) is "Inter-American".
    assert relation(_name("the Inter-American Court"), _name("the Inter\u2011American Court")) \
        == "full"
    assert relation(_name("the Tarrant Regional Water District"), _name("a Tarrant")) == "part"
    assert relation(_name("the Inter-American Court of Human Rights"),
                    _name("the European Court of Human Rights")) == "rival"
    assert relation(_name("the North Africa"), _name("the Northern Africa")) == "full"
    assert relation(_name("the United States"), _name("the United Kingdom")) is None


def test_a_slot_filled_by_another_name_is_a_clear_swap() -> None:
    swap = name_swap("Tarrant is an Oklahoma state agency.",
                     "Tarrant, a Texas agency, wants water from within Oklahoma.")
    assert swap is not None and (swap.claimed, swap.given, swap.clear) == ("Oklahoma", "Texas",
                                                                           True)
    swap = name_swap("The treaty was signed in Paris.", "The treaty was signed in London.")
    assert swap is not None and swap.given == "London" and swap.clear
    swap = name_swap("It was declared a flagship project by both Norland and Vestria.",
                     "It was declared a flagship project by both Ostmark and Vestria.")
    assert swap is not None and (swap.claimed, swap.given) == ("Norland", "Ostmark")
    # The subject of the same verb: clear when the claim's name is not in the sentence at all …
    swap = name_swap("In 2013, Valletta experienced its worst smog.",
                     "In January 2013, Lisbon experienced its worst smog.")
    assert swap is not None and swap.given == "Lisbon" and swap.clear
    # … otherwise the subject may be a part or an organ of it ("the OWRB" of "Oklahoma").
    swap = name_swap("Then Oklahoma denied the permit.",
                     "Then the OWRB denied the permit under Oklahoma law.")
    assert swap is not None and swap.given == "OWRB" and not swap.clear


def test_names_that_agree_are_no_swap() -> None:
    # A name qualifying a noun in the slot is not the slot's name: "the British vessel".
    assert name_swap("The sinking of the Lusitania killed 128 civilians.",
                     "It was the sinking of the British vessel, the Lusitania, in 1914.") is None
    assert name_swap("The treaty was signed in Paris.",
                     "The treaty was signed in London, Paris and Rome.") is None
    assert name_swap("The treaty was adopted by the UN.",
                     "The treaty was adopted by the United Nations.") is None
    assert name_swap("The Texas agency sued the Oklahoma board.",
                     "Tarrant, a Texas agency, sued the Oklahoma board.") is None
    # The claim's own names never stand in for each other.
    assert name_swap("The European Court and the Inter-American Court ruled.",
                     "The European Court ruled.") is None


def test_a_rival_name_is_clear_only_when_the_claims_name_is_absent() -> None:
    claim = "The Inter-American Court of Human Rights ruled on surveillance."
    swap = name_swap(claim, "The European Court of Human Rights ruled on surveillance.")
    assert swap is not None and swap.clear
    # Both named, neither in the claim's slot: which ruled is not said clearly enough.
    swap = name_swap(claim, "European Court of Human Rights decisions on surveillance; "
                            "African and Inter\u2011American courts' positions on it.")
    assert swap is not None and not swap.clear
    # A slot the rival fills ("… ruled") is a clear swap even when the claim's name appears.
    swap = name_swap(claim, "The European Court of Human Rights ruled on surveillance; "
                            "African and Inter\u2011American courts weighed in.")
    assert swap is not None and swap.clear
    assert names_all_given(claim, "The Inter-American Court of Human Rights ruled.")


# ------------------------------------------------------------------ verdicts


@pytest.mark.parametrize(
    ("claim", "expected", "mentions"),
    [
        ("The Meridian Fisheries Board is a Vestria agency.", "contradicted",
         "of Norland, not Vestria"),
        ("The Harbour Accord was signed in Lisbon in 1987.", "contradicted",
         "of Valletta, not Lisbon"),
        ("The Northern Maritime Court ruled on trawler seizures in 2015.", "contradicted",
         "Southern Maritime Court, not Northern Maritime Court"),
        # Paraphrases that name the same bodies stay supported.
        ("The Meridian Fisheries Board is a Norland agency.", "supported", "Norland agency"),
        ("The Harbour Accord was signed in Valletta in 1987.", "supported", "1987"),
        ("The SMC ruled on trawler seizures in 2015.", "supported", "2015"),
    ],
)
def test_a_claim_about_another_name_is_not_supported(
    claim: str, expected: str, mentions: str, fake_embedder: Any
) -> None:
    verdict = _check(claim, fake_embedder)
    assert verdict.verdict == expected, verdict.reason
    assert mentions in verdict.reason


def test_a_rival_named_beside_the_claims_name_gives_not_found(fake_embedder: Any) -> None:
    texts = ("The Southern Maritime Court ruled on trawler seizures in 2015, citing earlier "
             "Northern and Eastern rulings.",)
    verdict = _check("The Northern Maritime Court ruled on trawler seizures in 2015.",
                     fake_embedder, texts)
    assert verdict.verdict == "not_found", verdict.reason
    assert "names Southern Maritime Court" in verdict.reason


def test_a_link_line_never_decides(fake_embedder: Any) -> None:
    verdict = _check("The Coastal Patrol Council sets night fishing rules.", fake_embedder)
    assert verdict.verdict == "not_found", verdict.reason
    assert "https://" not in verdict.reason


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        # "unsafe" says what "not safe" does; "not reliable" what "unreliable" does.
        ("By national standards, more than 60% of the water in upland farming villages is "
         "unsafe to drink.", "supported"),
        ("According to national standards, the water in upland farming villages is unsafe to "
         "bathe in or drink.", "supported"),
        ("Inspectors found that most diesel generators on the island are not reliable during "
         "storms.", "supported"),
        ("According to national standards, the water in upland farming villages is safe to "
         "bathe in or drink.", "contradicted"),
    ],
)
def test_a_negating_prefix_is_a_negation(claim: str, expected: str, fake_embedder: Any) -> None:
    verdict = _check(claim, fake_embedder)
    assert verdict.verdict == expected, verdict.reason


def test_each_dated_fact_of_a_joined_claim_is_judged_on_its_own_sentence(
    fake_embedder: Any,
) -> None:
    verdict = _check("The Coastal Accord was signed in 1978 and ratified by Parliament in 1980.",
                     fake_embedder)
    assert verdict.verdict == "supported", verdict.reason
    verdict = _check("The Coastal Accord was signed in 1977 and ratified by Parliament in 1980.",
                     fake_embedder)
    assert verdict.verdict == "contradicted", verdict.reason
    assert "gives 1978, not 1977" in verdict.reason
