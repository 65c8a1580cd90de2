"""With ?lang=el every page speaks Greek: of the words a student reads (titles, text, captions, messages, widget
labels and options), at least 80% are in Greek script, apart from the technical names the lecture itself keeps in
English (attention, Transformer, BERT, [MASK], fine tuning...), symbols, and the models' own data (the English
sentences the English-only masked LM reads, the class names a classifier outputs)."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.pagetools import open_page
from tlviz.lessons import ROOT, available_lessons

#: Names the lecture writes in English inside Greek prose, model and data names, and units.
KEPT_IN_ENGLISH = {
    "attention", "self", "transformer", "transformers", "bert", "vit", "mlm", "mask", "cls", "sep", "pad", "unk",
    "fine", "tuning", "encoder", "decoder", "softmax", "seq2seq", "gru", "rnn", "lstm", "cnn", "relu", "dropout",
    "query", "key", "value", "feature", "extraction", "grad", "cam", "rollout", "imagenet", "efficientnet", "lite0",
    "minilm", "distilbert", "timm", "hugging", "face", "hub", "csv", "png", "url", "zip", "mnist", "animal", "animals",
    "digits", "scikit", "learn", "gpu", "cpu", "ram", "mb", "gb", "px", "alexnet", "vgg", "googlenet", "inception",
    "resnet", "ilsvrc", "coral", "mmd", "dann", "pca", "paris", "france", "the", "tlviz", "torch", "pytorch", "adam",
    "embedding", "embeddings", "tokens", "token", "head", "heads", "logits", "top", "loss", "batch", "epoch", "qr",
    "packaged", "checkpoint", "safetensors", "bos", "eos", "sos", "teacher", "forcing", "greedy", "beam", "patch",
    "patches", "layer", "norm", "x", "y", "k", "v", "q", "d", "h", "t", "s", "i", "e", "n", "pe", "sin", "cos", "max",
    "min", "log", "exp", "dk", "dmodel", "ff", "lr", "id", "ids", "ok", "yes", "no",
}
GREEK = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]+")
LATIN = re.compile(r"[A-Za-z]+")
PAGES = [lesson.page.removeprefix("lessons/").removesuffix(".py") for lesson in available_lessons()] + ["home"]


def _texts(at) -> list[str]:
    """Every text the page shows: its elements' values and its widgets' labels, options and help."""
    out = []
    for node in at.main.children.values() if hasattr(at.main, "children") else []:
        out.extend(_walk(node))
    return out


def _walk(node) -> list[str]:
    texts = []
    proto = getattr(node, "proto", None)
    for field in ("body", "label", "help", "placeholder", "caption"):
        value = getattr(proto, field, None) if proto is not None else None
        if isinstance(value, str) and value:
            texts.append(value)
    options = getattr(proto, "options", None) if proto is not None else None
    if options is not None:
        texts.extend(str(o) for o in options if isinstance(o, str))
    for child in getattr(node, "children", {}).values():
        texts.extend(_walk(child))
    return texts


def data_words(page: str) -> set[str]:
    """Words that are the models' data, not the interface: the English sentences the English-only masked LM
    reads, the class names a model outputs, the names of the sample images. They stay as the model knows them."""
    words: set[str] = set()
    if page == "bert":
        from tlviz import bert

        words |= {w.lower() for s in bert.EXAMPLES for w in LATIN.findall(s)}
    if page == "vit":
        from tlviz import vit

        words |= {w.lower() for n in vit.sample_names() for w in LATIN.findall(n)}
        words |= {w.lower() for c in vit.DEFAULT_CLASSES for w in LATIN.findall(c)}
    return words


def greek_share(texts: list[str], data: set[str] = frozenset()) -> tuple[float, int, int, list[str]]:
    text = " ".join(texts)
    text = re.sub(r"<style.*?</style>|<[^>]+>", " ", text, flags=re.S)  # markup drawn as HTML, not words
    text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$", " ", text, flags=re.S)  # formulas
    text = re.sub(r"`[^`]*`", " ", text)  # code spans: names, not prose
    text = re.sub(r"https?://\S+", " ", text)
    greek = GREEK.findall(text)
    latin = [w for w in LATIN.findall(text) if w.lower() not in KEPT_IN_ENGLISH | data]
    total = len(greek) + len(latin)
    return (len(greek) / total if total else 1.0), len(greek), len(latin), latin


@pytest.mark.parametrize("page", PAGES)
def test_every_page_speaks_greek(page):
    if page == "home":  # its lesson links need the app's navigation
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=240)
        at.query_params["lang"] = "el"
        at.run()
    else:
        at = open_page(page, timeout=240, lang="el")
    assert not at.exception, [e.value for e in at.exception]
    share, greek, latin, english = greek_share(_texts(at), data_words(page))
    print(f"{page}: {share:.0%} Greek ({greek} Greek, {latin} other words)")
    assert greek > 20, f"{page}: almost no Greek on the page"
    common = sorted(set(english), key=english.count, reverse=True)[:25]
    assert share >= 0.8, f"{page}: {share:.0%} Greek ({greek} Greek, {latin} other words), e.g. {common}"
