"""Gold sets for three real MUN guides (issue 13): tests/data/gold_{legal,disec,axis}.jsonl.

Written from reading the guides (``pdftotext``), not from the system's answers. Without a model
these tests keep the gold honest: the shape of each set, every snippet in the guide's text, no
question copying the guide. The guides themselves are not in the repository: the tests that
read them skip when ``../shared/real-docs`` is absent.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from assistant.evaluation.gold import normalise
from assistant.evaluation.goldfile import GoldItem, heldout, load_gold

DATA = Path(__file__).parent / "data"
REAL_DOCS = Path(__file__).resolve().parents[2] / "shared" / "real-docs"
GOLD = {
    "legal": "pacmun19_legal_a.pdf",
    "disec": "pacmun19_disec_a.pdf",
    "axis": "cmsmun_jcc_axis.pdf",
}


def _gold(name: str) -> tuple[GoldItem, ...]:
    return load_gold(DATA / f"gold_{name}.jsonl")


def _guide_text(name: str) -> str:
    path = REAL_DOCS / GOLD[name]
    if not path.exists():
        pytest.skip(f"{path} is absent (the real guides are not part of the repository)")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    # pdftotext breaks lines and hyphenates at line ends; the snippets were chosen within lines.
    return normalise(out)


@pytest.mark.parametrize("name", sorted(GOLD))
def test_each_set_has_the_required_shape(name: str) -> None:
    items = _gold(name)
    kinds = Counter(item.kind for item in items)
    assert kinds["question"] >= 30
    assert kinds["claim"] == 15
    assert kinds["lookup"] == 8
    verdicts = Counter(item.verdict for item in items if item.kind == "claim")
    assert verdicts["supported"] >= 5 and verdicts["contradicted"] >= 5
    assert verdicts["not_found"] >= 1
    # Some claims give two figures; ids are unique across the sets.
    assert any(len(re.findall(r"\d[\d,.]*", i.query)) >= 2 for i in items if i.kind == "claim")
    assert all(item.id.startswith(f"{name}-") for item in items)


@pytest.mark.parametrize("name", sorted(GOLD))
def test_every_snippet_is_in_the_guide(name: str) -> None:
    text = re.sub(r"\s+", " ", _guide_text(name))
    missing = [(i.id, s) for i in _gold(name) for s in i.gold if normalise(s) not in text]
    assert not missing


@pytest.mark.parametrize("name", sorted(GOLD))
def test_questions_are_paraphrased(name: str) -> None:
    """No question copies six consecutive words of the guide (asked as a delegate would)."""
    words = _guide_text(name).split()
    sixes = {" ".join(words[i : i + 6]) for i in range(len(words) - 5)}
    copied = []
    for item in _gold(name):
        if item.kind != "question":
            continue
        q = normalise(re.sub(r"[?.!]", "", item.query)).split()
        if any(" ".join(q[i : i + 6]) in sixes for i in range(len(q) - 5)):
            copied.append(item.id)
    assert not copied


def test_heldout_part_is_fixed_and_about_a_third() -> None:
    items = [i for name in GOLD for i in _gold(name)]
    held = [i for i in items if heldout(i.id)]
    assert 0.25 <= len(held) / len(items) <= 0.42
    assert {i.id for i in held} == {i.id for i in items if heldout(i.id)}  # deterministic
    for kind in ("question", "claim", "lookup"):
        assert any(i.kind == kind for i in held)
