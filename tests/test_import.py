"""The engine is a library: importing it (every module but ui) never imports streamlit, and stays light."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_tlviz_does_not_import_streamlit():
    engine = sorted(p.stem for p in (ROOT / "tlviz").glob("*.py") if p.stem not in ("ui", "__init__"))
    code = ("import sys, importlib, tlviz\n"
            f"for m in {engine!r}: importlib.import_module('tlviz.' + m)\n"
            "import tlviz.viz, tlviz.data\n"
            "bad = [m for m in ('streamlit',) if m in sys.modules]\n"
            "heavy = [m for m in ('torch', 'transformers', 'timm', 'plotly') if m in sys.modules]\n"
            "print(bad, heavy)\n"
            "assert not bad, bad\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("[]")


def test_plain_import_is_lazy():
    code = ("import sys, tlviz, tlviz.models, tlviz.images, tlviz.lessons\n"
            "print(sorted(m for m in ('torch', 'transformers', 'timm', 'plotly', 'streamlit') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
