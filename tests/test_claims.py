"""Claim checks (`assistant.claims.verdict`): verdict logic on synthetic passages, then the
real brief."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from assistant.claims.verdict import MAX_CLAIM_CHARS, check_claim, parse_claim
from assistant.records import Hit
from assistant.text.sentences import SentenceScorer
from assistant.text.stems import Lexicon
from index.errors import QueryError
from ingest.records import Chunk, Document

BRIEF = Document(id="brief", title="Brief", kind="brief", origin="brief.pdf", sha256="",
                 page_count=3)
SOURCE = Document(id="src", title="Annual Report", kind="source", origin="https://example.org",
                  sha256="", page_count=9)

# Invented facts, so that no test leans on the shipped brief's wording.
PASSAGES = (
    "In 2019, adults accounted for 70% of recorded workers in the fishing fleets. "
    "Specifically, women represented 12% of total workers, being mostly employed in "
    "processing, while men represented 58% of total workers, being primarily employed at sea.",
    "The Harbour Convention was signed in 1987 by nine coastal states to regulate night "
    "fishing. It sets common standards for safety inspections.",
    "An audit of 212 vessels including information on 3,405 crew members found that "
    "inspections rarely detect unsafe equipment.",
    "Northern ports still register more foreign than local vessels.",
    "No port is exempt from the duty to inspect vessels.",
    "Inspectors are not adequately trained in most coastal states.",
)


def hits_for(texts: Sequence[str], document: Document = BRIEF) -> tuple[Hit, ...]:
    return tuple(
        Hit(rank=i, score=1.0, document=document,
            chunk=Chunk(id=f"{document.id}-{i}", document_id=document.id, text=text,
                        page_start=str(i), page_end=str(i)))
        for i, text in enumerate(texts, start=1)
    )


@pytest.fixture
def scorer(fake_embedder: Any) -> SentenceScorer:
    lexicon = Lexicon(PASSAGES)
    return SentenceScorer(fake_embedder.embed, lexicon)


def check(claim: str, scorer: SentenceScorer, texts: Sequence[str] = PASSAGES) -> Any:
    return check_claim(claim, hits_for(texts), scorer)


# ------------------------------------------------------------------ figures


def test_matching_figure_supports(scorer: SentenceScorer) -> None:
    verdict = check("In 2019 adults accounted for 70% of recorded workers in the fishing fleets",
                    scorer)
    assert verdict.verdict == "supported", verdict.reason
    assert "70%" in verdict.reason
    assert verdict.evidence[0].chunk.text == PASSAGES[0]
    (start, end), = verdict.evidence[0].highlights
    assert "70%" in PASSAGES[0][start:end]


def test_figure_for_same_group_differs_contradicts_with_the_sources_figure(
    scorer: SentenceScorer,
) -> None:
    verdict = check("men represented 12% of total workers", scorer)
    assert verdict.verdict == "contradicted"
    assert "gives 58% for men, not 12%" in verdict.reason
    assert "12% is the figure for women" in verdict.reason


def test_figure_of_another_group_is_not_evidence(scorer: SentenceScorer) -> None:
    verdict = check("women represented 58% of total workers", scorer)
    assert verdict.verdict == "contradicted"
    assert "gives 12% for women, not 58%" in verdict.reason


def test_wrong_year_contradicts(scorer: SentenceScorer) -> None:
    verdict = check("The Harbour Convention was signed in 1995", scorer)
    assert verdict.verdict == "contradicted"
    assert "1987" in verdict.reason and "1995" in verdict.reason


def test_hedged_and_spelled_figures(scorer: SentenceScorer) -> None:
    assert check("adults were about 70 per cent of recorded workers in fishing fleets",
                 scorer).verdict == "supported"
    assert check("the audit covered some 200 vessels", scorer).verdict == "supported"
    assert check("the audit covered 3405 crew members", scorer).verdict == "supported"


def test_count_with_other_noun_is_not_compared(scorer: SentenceScorer) -> None:
    verdict = check("The audit of 212 vessels covered 5,000 crew members", scorer)
    assert verdict.verdict == "contradicted"
    assert "3,405" in verdict.reason and "5,000" in verdict.reason


def test_figure_nobody_gives_is_not_found(scorer: SentenceScorer) -> None:
    verdict = check("The fleet spends 40 million euros a year on inspections", scorer)
    assert verdict.verdict == "not_found"


# A global figure and a regional one for the same group and unit; the regional sentence
# repeats more of the claims' wording, so similarity alone would pick it.
SCOPED = (
    "The figures are worrying. In 2021, adults accounted for 64% of registered workers. "
    "However, in terms of regional variation, West Africa and South Asia registered the "
    "highest share of adults out of all registered workers of the fishing fleets, which is "
    "about 80%.",
)


@pytest.mark.parametrize("split", [False, True])
def test_figure_with_fewest_unmentioned_qualifiers_decides(
    fake_embedder: Any, split: bool
) -> None:
    texts = SCOPED[0].split(" However, ") if split else SCOPED
    scorer = SentenceScorer(fake_embedder.embed, Lexicon(PASSAGES + SCOPED))
    claim = "adults are 50% of all registered workers of the fishing fleets"
    verdict = check_claim(claim, hits_for(texts), scorer)
    assert verdict.verdict == "contradicted"
    assert "gives 64% for adults, not 50%" in verdict.reason, verdict.reason
    assert "about 80% for West Africa, South Asia" in verdict.reason
    assert "64%" in verdict.evidence[0].chunk.text


def test_claim_naming_the_region_gets_the_regional_figure(fake_embedder: Any) -> None:
    scorer = SentenceScorer(fake_embedder.embed, Lexicon(PASSAGES + SCOPED))
    claim = "in West Africa adults are 50% of registered workers"
    verdict = check_claim(claim, hits_for(SCOPED), scorer)
    assert verdict.verdict == "contradicted"
    assert "gives about 80% for adults, not 50%" in verdict.reason, verdict.reason
    supported = check_claim("in West Africa adults are about 80% of registered workers",
                            hits_for(SCOPED), scorer)
    assert supported.verdict == "supported", supported.reason


def test_figure_stated_only_for_a_narrower_scope_does_not_support(fake_embedder: Any) -> None:
    scorer = SentenceScorer(fake_embedder.embed, Lexicon(PASSAGES + SCOPED))
    verdict = check_claim("adults are about 80% of all registered workers of the fishing fleets",
                          hits_for(SCOPED), scorer)
    assert verdict.verdict == "contradicted"
    assert "gives 64% for adults, not about 80%" in verdict.reason, verdict.reason
    assert "about 80% is given only for West Africa, South Asia" in verdict.reason


def test_year_the_claim_gives_is_no_qualifier(fake_embedder: Any) -> None:
    texts = ("In 2021, adults accounted for 64% of registered workers. In 2018, adults "
             "accounted for 55% of registered workers.",)
    scorer = SentenceScorer(fake_embedder.embed, Lexicon(texts))
    assert check_claim("in 2018 adults were 55% of registered workers", hits_for(texts),
                       scorer).verdict == "supported"
    verdict = check_claim("in 2021 adults were 55% of registered workers", hits_for(texts), scorer)
    assert verdict.verdict == "contradicted" and "gives 64%" in verdict.reason, verdict.reason


def test_figure_whose_subject_is_the_sentence_before(fake_embedder: Any) -> None:
    # A citation the sentence splitter cuts in two: the date's subject is the title before it.
    texts = ("Harbour Agency. Harbour Convention on Night Fishing. Coastal Press, Lisbon, "
             "12/03/1987. (01/02/2024).",)
    scorer = SentenceScorer(fake_embedder.embed, Lexicon(PASSAGES + texts))
    verdict = check_claim("The Harbour Convention on Night Fishing dates from 1987",
                          hits_for(texts), scorer)
    assert verdict.verdict == "supported", verdict.reason
    assert "“Harbour Convention on Night Fishing. Coastal Press" in verdict.reason
    verdict = check_claim("The Harbour Convention on Night Fishing dates from 1990",
                          hits_for(texts), scorer)
    assert verdict.verdict == "contradicted" and "12/03/1987, not 1990" in verdict.reason


CONTINUED = (
    "The Harbour Convention: this treaty was signed in 1987 by nine coastal states. It sets "
    "common standards for safety inspections. In addition, it allows joint patrols of ports.",
)


def test_sentences_continuing_the_subject_share_its_context(fake_embedder: Any) -> None:
    scorer = SentenceScorer(fake_embedder.embed, Lexicon(PASSAGES + CONTINUED))
    claim = "Since {} the Harbour Convention has allowed joint patrols of ports"
    verdict = check_claim(claim.format(1987), hits_for(CONTINUED), scorer)
    assert verdict.verdict == "supported", verdict.reason
    verdict = check_claim(claim.format(1990), hits_for(CONTINUED), scorer)
    assert verdict.verdict == "contradicted" and "1987, not 1990" in verdict.reason


def test_a_new_subject_does_not_continue_the_dated_sentence(fake_embedder: Any) -> None:
    texts = ("The Harbour Convention was signed in 1987 by nine coastal states. Regional "
             "fishing boards allow joint patrols of ports.",)
    scorer = SentenceScorer(fake_embedder.embed, Lexicon(PASSAGES + texts))
    verdict = check_claim("Since 1987 the Harbour Convention has allowed joint patrols of ports",
                          hits_for(texts), scorer)
    assert verdict.verdict != "supported", verdict.reason


TWO_FIGURES = (
    "An audit of 212 vessels found that female crew members (32%) report unsafe equipment "
    "themselves more often than male crew members (25%), who are mostly found by inspectors.",
)


def _check_two_figures(claim: str, fake_embedder: Any) -> Any:
    return check(claim, SentenceScorer(fake_embedder.embed, Lexicon(TWO_FIGURES)), TWO_FIGURES)


def test_two_figure_claim_matches_each_figure_to_its_own_group(fake_embedder: Any) -> None:
    verdict = _check_two_figures(
        "female crew members report unsafe equipment themselves in 32% of cases, "
        "compared to 25% for males", fake_embedder
    )
    assert verdict.verdict == "supported", verdict.reason
    assert "32% for female: supported; 25% for male: supported" in verdict.reason


def test_swapped_figures_contradict_and_name_each_figure(fake_embedder: Any) -> None:
    verdict = _check_two_figures(
        "female crew members report unsafe equipment themselves in 25% of cases, "
        "compared to 32% for males", fake_embedder
    )
    assert verdict.verdict == "contradicted", verdict.reason
    assert "25% for female: contradicted; 32% for male: contradicted" in verdict.reason
    assert "gives 32% for female, not 25%" in verdict.reason


def test_comparison_in_the_wrong_direction_contradicts(fake_embedder: Any) -> None:
    verdict = _check_two_figures(
        "male crew members report unsafe equipment themselves more often than "
        "female crew members", fake_embedder
    )
    assert verdict.verdict == "contradicted", verdict.reason
    assert "opposite" in verdict.reason


# ------------------------------------------------------------------ structure


def test_swapped_comparison_contradicts(scorer: SentenceScorer) -> None:
    verdict = check("Northern ports register more local than foreign vessels", scorer)
    assert verdict.verdict == "contradicted"
    assert "opposite comparison" in verdict.reason
    assert check("Northern ports register more foreign than local vessels",
                 scorer).verdict == "supported"


def test_statement_made_of_another_group_contradicts(scorer: SentenceScorer) -> None:
    verdict = check("Women are primarily employed at sea", scorer)
    assert verdict.verdict == "contradicted"
    assert "says this of men, not women" in verdict.reason
    # (support needs the real model's similarity; here it only must not contradict)
    assert check("Men are primarily employed at sea", scorer).verdict != "contradicted"


def test_negation_mismatch_contradicts(scorer: SentenceScorer) -> None:
    assert check("Some ports are exempt from the duty to inspect vessels",
                 scorer).verdict == "contradicted"
    assert check("Inspectors are adequately trained in most coastal states",
                 scorer).verdict == "contradicted"
    assert check("No port is exempt from the duty to inspect vessels",
                 scorer).verdict == "supported"


def test_unrelated_claim_is_not_found_and_names_unknown_words(scorer: SentenceScorer) -> None:
    verdict = check("Antarctic penguin colonies are shrinking", scorer)
    assert verdict.verdict == "not_found"
    assert "never mention" in verdict.reason and "penguin" in verdict.reason


def test_no_candidates_is_not_found(scorer: SentenceScorer) -> None:
    verdict = check_claim("anything at all", (), scorer)
    assert verdict.verdict == "not_found" and verdict.evidence == ()


def test_evidence_is_capped_and_reranked(scorer: SentenceScorer) -> None:
    verdict = check_claim("The Harbour Convention was signed in 1987", hits_for(PASSAGES),
                          scorer, k=2)
    assert len(verdict.evidence) == 2
    assert [h.rank for h in verdict.evidence] == [1, 2]
    assert verdict.evidence[0].chunk.text == PASSAGES[1]


def test_source_evidence_is_named_by_title(fake_embedder: Any) -> None:
    texts = ("The Harbour Convention was signed in 1987 by nine coastal states.",)
    scorer = SentenceScorer(fake_embedder.embed, Lexicon(texts))
    verdict = check_claim("The Harbour Convention was signed in 1990", hits_for(texts, SOURCE),
                          scorer)
    assert verdict.verdict == "contradicted"
    assert verdict.reason.startswith("Annual Report gives 1987, not 1990")


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("claim", ["", "   \n ", "38%", "1,453 — 2022!", "…"])
def test_unusable_claims_raise_query_error(claim: str, scorer: SentenceScorer) -> None:
    with pytest.raises(QueryError):
        check(claim, scorer)


def test_huge_claim_is_refused_quickly(scorer: SentenceScorer) -> None:
    started = time.perf_counter()
    with pytest.raises(QueryError, match="too long"):
        parse_claim("word " * 20_000)
    assert time.perf_counter() - started < 0.5
    assert MAX_CLAIM_CHARS == 1_000


def test_parse_claim_parts() -> None:
    parts = parse_claim("In 2019, Women at the UNODC were not 12% of Northern crews")
    assert [q.text for q in parts.quantities] == ["2019", "12%"]
    assert "unodc" in parts.key_stems and "northern" in parts.key_stems
    assert "women" not in parts.key_stems and parts.groups == {"women"}
    assert parts.negated


# ------------------------------------------------------------------ the real brief


@pytest.fixture(scope="module")
def brief(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from app_server import real_brief_index

    from assistant.assistant import Assistant

    index_dir, embedder = real_brief_index(Path(tmp_path_factory.mktemp("brief")))
    return Assistant.open(index_dir, embedder=embedder)


@pytest.mark.model
@pytest.mark.slow
@pytest.mark.parametrize(
    ("claim", "expected", "mentions"),
    [
        # The global figure, not the regional one (issue 5 follow-up) …
        ("children are 45% of victims", "contradicted", "gives 38% for children, not 45%"),
        # … unless the claim names the region.
        ("in Sub-Saharan Africa children are 45% of victims", "contradicted",
         "gives 60% approximately for children, not 45%"),
        ("children are 60% of victims", "contradicted", "60% approximately is given only for"),
        ("children accounted for 38% of detected victims in 2022", "supported", "38%"),
        ("girls were 16% of victims", "contradicted", "22% for girls"),
        ("boys are 22% of victims", "contradicted", "16% for boys"),
        ("the Palermo Protocol was adopted in 1995", "contradicted", "2000"),
        ("Antarctic penguin populations are declining", "not_found", "penguin"),
        ("about a third of detected victims in 2022 were children", "supported", "38%"),
        ("Europe and North America detect more child victims than adult victims",
         "contradicted", "opposite"),
        ("Girls are primarily trafficked for forced labor", "contradicted", "boys"),
        ("No country is exempt from the effects of child trafficking", "supported", ""),
        ("The African Union adopted a convention on child trafficking in 2015", "not_found", ""),
        # "… about 60%, followed by East Asia and the Pacific": no figure for East Asia.
        ("In East Asia children are about 60% of detected victims", "not_found",
         "only for the places it ranks first"),
        ("In Sub-Saharan Africa children are about 60% of detected victims", "supported", "60%"),
        # Several figures: each is matched to its own group (issue 13).
        ("Female victims were detected through their own action in 32% of cases, compared "
         "to 25% for males", "supported", "32% for female: supported; 25% for male: supported"),
        ("Female victims were detected through their own action in 25% of cases, compared "
         "to 32% for males", "contradicted",
         "25% for female: contradicted; 32% for male: contradicted"),
        ("Male victims are detected through their own action more frequently than female "
         "victims", "contradicted", "opposite"),
    ],
)
def test_verdicts_on_the_shipped_brief(brief: Any, claim: str, expected: str,
                                       mentions: str) -> None:
    verdict = brief.check(claim)
    assert verdict.verdict == expected, verdict.reason
    assert mentions in verdict.reason
    assert verdict.evidence and all(h.document.kind == "brief" for h in verdict.evidence)


HELDOUT = Path(__file__).resolve().parent / "data" / "claims_heldout.jsonl"


def test_heldout_claims_are_new_and_cover_every_verdict() -> None:
    from assistant.evaluation.gold import normalise
    from assistant.evaluation.goldfile import load_gold

    heldout = load_gold(HELDOUT)
    gold = load_gold(HELDOUT.with_name("gold.jsonl"))
    assert len(heldout) == 12 and all(i.kind == "claim" for i in heldout)
    assert not {normalise(i.query) for i in heldout} & {normalise(i.query) for i in gold}
    assert {i.verdict for i in heldout} == {"supported", "contradicted", "not_found"}


@pytest.mark.model
@pytest.mark.slow
def test_heldout_claim_accuracy(brief: Any) -> None:
    """Claims written after the thresholds were set and never tuned on: first run 10/12."""
    from assistant.evaluation.goldfile import load_gold

    heldout = load_gold(HELDOUT)
    wrong = []
    for item in heldout:
        verdict = brief.check(item.query)
        if verdict.verdict != item.verdict:
            wrong.append(f"{item.id}: expected {item.verdict}, got {verdict.verdict}: "
                         f"{verdict.reason}")
    accuracy = 1 - len(wrong) / len(heldout)
    assert accuracy >= 0.8, wrong


@pytest.mark.model
@pytest.mark.slow
def test_check_is_fast_once_warm(brief: Any) -> None:
    brief.check("girls represented 22% of victims")  # warm: model, lexicon, sentence vectors
    started = time.perf_counter()
    for claim in ("girls represented 23% of victims", "children are 38% of victims"):
        brief.check(claim)
    per_claim = (time.perf_counter() - started) / 2
    assert per_claim < 1.0, f"{per_claim:.2f} s per claim"


RANKED = (
    "By coast, the Northern Isles and the Western Shore recorded the highest share of unsafe "
    "vessels, about 40%, followed by the Southern Gulf and the Eastern Banks.",
    "Unsafe vessels are inspected twice a year.",
)


def test_a_place_ranked_after_the_figure_gets_no_figure(fake_embedder: Any) -> None:
    scorer = SentenceScorer(fake_embedder.embed, Lexicon(PASSAGES + RANKED))
    verdict = check("In the Southern Gulf about 40% of vessels are unsafe", scorer, RANKED)
    assert verdict.verdict == "not_found", verdict.reason
    assert "only for the places it ranks first" in verdict.reason
    assert "40%" in verdict.reason and "Southern Gulf" in verdict.reason  # quoted sentence
    # The places the figure is given for are still supported by it.
    verdict = check("In the Northern Isles about 40% of vessels are unsafe", scorer, RANKED)
    assert verdict.verdict == "supported", verdict.reason
