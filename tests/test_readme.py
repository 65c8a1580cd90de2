"""The README's notebook example runs as written (figures built, not shown) and prints what it promises."""

import re
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def test_notebook_example_runs():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Using tlviz from a notebook.*?```python\n(.*?)```", readme, re.S).group(1)
    code = block.replace(".show()", "")
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    ex = namespace["ex"]
    assert ex.scores.tolist() == [15, 60, 15, 35]
    assert np.allclose(ex.context, [5, 0, 1], atol=1e-6)
    from tlviz import cnn, images

    assert cnn.classify(namespace["model"], images.load_sample("coffee"))[0][0] == "espresso"


def test_readme_starts_with_the_two_commands():
    head = (ROOT / "README.md").read_text().split("##")[0]
    assert "make run" in head and "make test" in head


def test_every_make_target_the_readme_names_exists():
    readme = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    named = set(re.findall(r"(?:`|^)(?:[A-Z_]+=\S+ )*make ([a-z][a-z-]*)", readme, re.M))
    assert {"run", "test", "lint", "class", "dev", "messages"} <= named
    assert named <= targets, named - targets
    headings = re.findall(r"^## (.+)$", readme, re.M)
    assert headings[:3] == ["Lint and CI", "Serving a class", "Languages"]
