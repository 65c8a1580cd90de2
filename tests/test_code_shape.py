"""The shape the house rules promise (ARCHITECTURE.md): thin lesson pages, engine modules split by idea.

Limits are "about" 120 lines per page, 40 per page section and 450 per engine module; the small margins below
are the "about".
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE_LINES, SECTION_LINES, MODULE_LINES = 125, 45, 460
PAGES = sorted((ROOT / "lessons").glob("*.py"))
ENGINE = sorted(p for p in (ROOT / "tlviz").rglob("*.py") if "locales" not in p.parts)


def test_there_is_something_to_check():
    assert len(PAGES) >= 8 and len(ENGINE) >= 30


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_pages_are_thin(path):
    source = path.read_text(encoding="utf-8")
    lines = source.count("\n")
    assert lines <= PAGE_LINES, f"{path.name} has {lines} lines (limit {PAGE_LINES}): move logic into tlviz/"
    tree = ast.parse(source)
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert any(f.name == "main" for f in functions), f"{path.name} has no main()"
    for f in functions:
        length = f.end_lineno - f.lineno + 1
        assert length <= SECTION_LINES, f"{path.name}: {f.name}() has {length} lines (limit {SECTION_LINES})"
    calls = [n for n in tree.body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)]
    assert any(getattr(c.value.func, "id", "") == "main" for c in calls), f"{path.name} never calls main()"
    for node in ast.walk(tree):  # the private keys of ui.kept belong to tlviz/ui.py alone
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            assert not node.value.startswith("_kept_"), f"{path.name} touches ui.kept's private keys"


@pytest.mark.parametrize("path", ENGINE, ids=lambda p: str(p.relative_to(ROOT)))
def test_engine_modules_are_split_by_idea(path):
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MODULE_LINES, f"{path.relative_to(ROOT)} has {lines} lines (limit {MODULE_LINES})"


def test_only_ui_imports_streamlit():
    """The interface layer (``tlviz/ui.py`` and the lesson-specific ``tlviz/ui_*.py``) is the only part of the
    engine that knows Streamlit."""
    for path in ENGINE:
        if path.name == "ui.py" or path.name.startswith("ui_"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.split(".")[0] == "streamlit" for n in names), f"{path.name} imports streamlit"
