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


def _imports(path: Path) -> set[str]:
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
    return found


def test_layers_import_only_the_layers_below() -> None:
    # ingest ← index ← assistant: a lower layer never imports a higher one.
    above = {"ingest": {"index", "assistant", "app"}, "index": {"assistant", "app"}}
    wrong = [
        f"{p.relative_to(REPO)} imports {sorted(_imports(p) & banned)}"
        for layer, banned in above.items()
        for p in (REPO / layer).rglob("*.py")
        if _imports(p) & banned
    ]
    assert not wrong, wrong
