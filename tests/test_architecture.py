"""docs/architecture.md's module map names every module of the project, file for file."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_module_map_names_every_module() -> None:
    doc = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    packages = sorted(
        str(p.relative_to(REPO))
        for package in ("ingest", "index", "assistant")
        for p in (REPO / package).rglob("*.py")
        if p.name != "__init__.py"
    )
    modules = [*packages, "app.py"]
    missing = [m for m in modules if f"`{m}`" not in doc]
    assert not missing, f"add these to the module map in docs/architecture.md: {missing}"


def test_the_module_map_names_no_module_that_is_gone() -> None:
    doc = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = doc.split("## Module map", 1)[1].split("\n## ", 1)[0]
    named = [line.split("`")[1] for line in section.splitlines() if line.startswith("| `")]
    assert named and all((REPO / name).is_file() for name in named)
