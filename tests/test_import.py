"""The engine is a library: importing it (every module but the ui layer) never imports streamlit, and stays light.

Every submodule is found by walking the package (``tlviz.viz.*``, ``tlviz.data.*``, ``tlviz.transfer.*``... none
escapes), each is imported in a fresh interpreter, and the heavy libraries it pulls in are compared with what
this file allows: a module that defines ``torch.nn.Module`` classes at top level may import torch (as
tlviz/transformer.py does); nothing else may import a heavy library before it is used.
"""

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import tlviz

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "transformers", "timm", "plotly", "captum", "streamlit", "sklearn", "skimage", "matplotlib")
#: Modules allowed to import torch at import time (their nn.Module classes are top level), and what imports them.
TORCH_AT_IMPORT = {"tlviz.transformer", "tlviz.seq2seq", "tlviz.bottleneck"}


def submodules() -> list[str]:
    names = [m.name for m in pkgutil.walk_packages(tlviz.__path__, "tlviz.")]
    return sorted(n for n in names if not _is_ui(n) and not n.startswith("tlviz.recipes."))


def _is_ui(name: str) -> bool:
    """The interface layer (tlviz.ui, tlviz.ui_*) is Streamlit by design and is imported by pages only."""
    last = name.rsplit(".", 1)[-1]
    return name.count(".") == 1 and (last == "ui" or last.startswith("ui_"))


def heavy_after_import(modules: list[str]) -> dict[str, list[str]]:
    """For each module, imported alone in a fresh interpreter: the heavy libraries then in sys.modules."""
    code = ("import importlib, json, subprocess, sys\n"
            f"mods, heavy = {modules!r}, {HEAVY!r}\n"
            "out = {}\n"
            "for m in mods:\n"
            "    r = subprocess.run([sys.executable, '-c', f'import sys, {m}; import json; '\n"
            "                        f'print(json.dumps([h for h in {heavy!r} if h in sys.modules]))'],\n"
            "                       capture_output=True, text=True)\n"
            "    out[m] = json.loads(r.stdout) if r.returncode == 0 else ['IMPORT FAILED: ' + r.stderr[-300:]]\n"
            "print(json.dumps(out))\n")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_walk_finds_the_subpackages():
    names = submodules()
    for expected in ("tlviz.viz.core", "tlviz.data.images", "tlviz.training", "tlviz.i18n", "tlviz.cache"):
        assert expected in names
    assert len(names) >= 30


@pytest.mark.slow
def test_every_module_imports_light_and_without_streamlit():
    found = heavy_after_import(submodules())
    for module, heavy in found.items():
        allowed = {"torch"} if module in TORCH_AT_IMPORT else set()
        assert set(heavy) <= allowed, f"{module} imports {heavy} at import time (allowed: {sorted(allowed)})"
    # the allow-list is not stale: each module on it is real and does import torch
    for module in TORCH_AT_IMPORT:
        assert found.get(module) == ["torch"], f"{module} is on the allow-list but imports {found.get(module)}"


def test_plain_import_is_lazy():
    code = ("import sys, tlviz, tlviz.models, tlviz.images, tlviz.lessons, tlviz.training, tlviz.i18n, tlviz.cache\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
