"""The ViT lesson page (AppTest): the top-5 it shows is tlviz.vit.classify's on the same image (the oracle), bad
uploads give a clear message while the previous image and its results stay, and a link opens the same view (bad
link values warn and keep the defaults)."""

import io
import json
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from tests.pages.pagetools import errors, figure_array, open_page, run_page
from tlviz import images, vit


def _app():
    return run_page("vit", timeout=120)


def _opened(**params):
    app = open_page("vit", **params)
    assert not app.exception, [e.value for e in app.exception]
    return app


def _caption(at) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Image: "))


def _figure(at, title_part: str) -> dict:
    for chart in at.get("plotly_chart"):
        fig = json.loads(chart.proto.spec)
        if title_part in fig["layout"].get("title", {}).get("text", ""):
            return fig
    raise AssertionError(f"no figure titled ...{title_part}...")


def _top5(at) -> list[tuple[str, float]]:
    """The (label, probability) bars of the prediction chart, as shown."""
    bar = _figure(at, "Top-5 classes")["data"][0]
    return list(zip([y.rstrip("\u200b") for y in bar["y"]], figure_array(bar["x"]).tolist()))


def _assert_top5_is_classify(at, image, model: str = vit.DEFAULT) -> None:
    shown = _top5(at)
    expected = vit.classify(vit.load(model), image, top_k=5)
    assert [lab for lab, _ in shown] == [lab for lab, _ in expected]
    np.testing.assert_allclose([p for _, p in shown], [p for _, p in expected], atol=1e-5)


def _png(w, h, seed=0) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def _png_header_only(w, h) -> bytes:
    """A PNG whose header claims w x h pixels (a decompression bomb's calling card), with no real pixel data."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 16)) + chunk(b"IEND", b""))


def test_default_page_shows_every_section_and_the_models_own_top5():
    at = _app()
    assert not errors(at) and not at.warning
    assert any("10 animal silhouettes" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) >= 12
    assert [h.value.split(".")[0] for h in at.header] == [str(i) for i in range(1, 8)]
    sample = at.selectbox(key="vit_sample").value
    assert sample.startswith("bear") and "7x7 = 49 patches" in _caption(at)
    _assert_top5_is_classify(at, vit.load_sample(sample))
    layer = at.slider(key="vit_layer")
    assert layer.value == layer.max == 5  # the last of the default's five layers
    assert at.query_params["image"] == sample and at.query_params["layer"] == "5" and at.query_params["head"] == "0"


@pytest.mark.parametrize("name,data,expected", [
    ("notes.txt", b"this is not an image at all", "not an image"),
    ("broken.png", _png(40, 30)[:120], "truncated or corrupt"),
    ("empty.jpg", b"", "empty"),
    ("huge.png", _png_header_only(20000, 20000), "megapixels"),
])
def test_bad_upload_keeps_previous_image_and_results(name, data, expected):
    at = _app()
    before, top_before = _caption(at), _top5(at)
    charts_before = len(at.get("plotly_chart"))
    at.file_uploader(key="vit_upload").set_value((name, data, "application/octet-stream")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(errors(at)) == 1
    message = errors(at)[0]
    assert f"'{name}' was not used" in message and expected in message
    assert "previous image and its results are kept" in message
    assert _caption(at) == before and _top5(at) == top_before
    assert len(at.get("plotly_chart")) == charts_before
    # A later interaction (another layer) still works on the kept image, and the message stays while the bad file
    # sits in the uploader.
    at.slider(key="vit_layer").set_value(1).run()
    assert not at.exception and _caption(at) == before
    assert any(name in e for e in errors(at))


def test_good_non_square_upload_replaces_the_image_and_is_classified():
    at = _app()
    data = _png(300, 40, seed=7)
    at.file_uploader(key="vit_upload").set_value(("wide.png", data, "image/png")).run()
    assert not at.exception and not errors(at), errors(at)
    assert "upload: wide.png** (300x40 px)" in _caption(at)
    _assert_top5_is_classify(at, images.load_image(data))


def test_sample_choice_attribution_and_unknown_model():
    from tlviz import ui

    at = _app()
    photo = next(o for o in at.selectbox(key="vit_sample").options if o.startswith("photo: "))
    at.selectbox(key="vit_sample").set_value(photo).run()
    assert not at.exception and photo in _caption(at)
    _assert_top5_is_classify(at, vit.load_sample(photo))
    at.radio(key="vit_attr").set_value("ig").run()
    assert not at.exception and not errors(at), errors(at)
    assert _figure(at, "CNN Integrated gradients")
    at.selectbox(key="vit_model").set_value(ui.OTHER).run()
    at.text_input(key="vit_model_other").input("no_such_vit_model_xyz").run()
    assert not at.exception
    assert any("no_such_vit_model_xyz" in e for e in errors(at))


def test_switching_to_a_smaller_model_keeps_sliders_in_range(tiny_timm_vit_folder):
    from tlviz import ui

    at = _app()
    at.slider(key="vit_layer").set_value(5).run()
    at.slider(key="vit_row").set_value(6).run()
    at.selectbox(key="vit_head").set_value(4).run()
    at.selectbox(key="vit_model").set_value(ui.OTHER).run()
    at.text_input(key="vit_model_other").input(str(tiny_timm_vit_folder)).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not errors(at), errors(at)
    assert at.slider(key="vit_layer").value == 2 and at.slider(key="vit_row").value == 3
    assert at.selectbox(key="vit_head").value == 0
    assert "4x4 = 16 patches" in _caption(at)
    assert len(_top5(at)) == 3  # the tiny model has three classes: its own prediction is shown
    _assert_top5_is_classify(at, vit.load_sample(at.selectbox(key="vit_sample").value), str(tiny_timm_vit_folder))


def test_a_link_opens_the_same_view_and_the_url_follows():
    photo = next(n for n in vit.sample_names() if n.startswith("photo: "))
    at = _opened(image=photo, layer="2", head="3", row="1", col="5", attribution="ig")
    assert not at.warning and not errors(at), [w.value for w in at.warning] + errors(at)
    assert at.selectbox(key="vit_sample").value == photo and photo in _caption(at)
    assert at.slider(key="vit_layer").value == 2 and at.selectbox(key="vit_head").value == 3
    assert (at.slider(key="vit_row").value, at.slider(key="vit_col").value) == (1, 5)
    assert at.radio(key="vit_attr").value == "ig"
    assert _figure(at, "[CLS] attention, layer 2, head 3") and _figure(at, "Patch (1,5) as the query, layer 2, head 3")
    _assert_top5_is_classify(at, vit.load_sample(photo))
    at.slider(key="vit_layer").set_value(4).run()
    at.selectbox(key="vit_head").set_value(0).run()
    assert at.query_params["layer"] == "4" and at.query_params["head"] == "0" and at.query_params["image"] == photo
    assert _figure(at, "[CLS] attention, layer 4, mean of heads")


def test_bad_link_values_give_a_message_and_the_defaults():
    at = _opened(image="no such picture", layer="99", head="x", row="-3", attribution="saliency", model="nope")
    assert not errors(at), errors(at)
    assert len(at.warning) == 6 and all("link" in w.value for w in at.warning)
    assert at.selectbox(key="vit_sample").value.startswith("bear") and at.slider(key="vit_layer").value == 5
    assert at.selectbox(key="vit_head").value == 0 and at.slider(key="vit_row").value == 3
    assert at.radio(key="vit_attr").value == "grad_cam" and at.selectbox(key="vit_model").value == vit.DEFAULT
    _assert_top5_is_classify(at, vit.load_sample(at.selectbox(key="vit_sample").value))


def test_the_shared_result_is_the_uncached_one():
    from tlviz import ui

    at = _app()
    sample = at.selectbox(key="vit_sample").value
    model = vit.load(vit.DEFAULT)
    shared, fresh = ui.shared(vit.lesson, model, sample), vit.lesson(model, sample)
    np.testing.assert_array_equal(shared.trace.weights, fresh.trace.weights)
    np.testing.assert_array_equal(shared.rollout, fresh.rollout)
    assert shared.top == fresh.top and ui.SHARED.stats()["hits"] > 0
