"""The ViT lesson page (AppTest): it renders with the offline default, and bad uploads or model names give a clear
message while the previous image and its results stay."""

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

PAGE = "../../lessons/vit.py"


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("TLVIZ_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def _app():
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _caption(at) -> str:
    return next(c.value for c in at.caption if c.value.startswith("Image: "))


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


def test_default_page_renders_every_section():
    at = _app()
    assert not at.error, [e.value for e in at.error]
    assert any("10 animal silhouettes" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) >= 12
    assert [h.value.split(".")[0] for h in at.header] == [str(i) for i in range(1, 8)]
    assert "bear" in _caption(at) and "7x7 = 49 patches" in _caption(at)
    # The top-5 bar chart lists five of the default's classes.
    bars = [c for c in at.get("plotly_chart") if '"type":"bar"' in c.proto.spec.replace(" ", "")]
    assert bars


@pytest.mark.parametrize("name,data,expected", [
    ("notes.txt", b"this is not an image at all", "not an image"),
    ("broken.png", _png(40, 30)[:120], "truncated or corrupt"),
    ("empty.jpg", b"", "empty"),
    ("huge.png", _png_header_only(20000, 20000), "megapixels"),
])
def test_bad_upload_keeps_previous_image_and_results(name, data, expected):
    at = _app()
    before = _caption(at)
    charts_before = len(at.get("plotly_chart"))
    at.file_uploader(key="vit_upload").set_value((name, data, "application/octet-stream")).run()
    assert not at.exception, [e.value for e in at.exception]
    messages = " ".join(e.value for e in at.error)
    assert name in messages and expected in messages and "previous image" in messages
    assert _caption(at) == before
    assert len(at.get("plotly_chart")) == charts_before
    # A later interaction (another layer) still works on the kept image, and the message stays while the bad file
    # sits in the uploader.
    at.slider(key="vit_layer").set_value(1).run()
    assert not at.exception and _caption(at) == before
    assert any(name in e.value for e in at.error)


def test_good_non_square_upload_replaces_the_image():
    at = _app()
    at.file_uploader(key="vit_upload").set_value(("wide.png", _png(300, 40), "image/png")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "upload: wide.png** (300x40 px)" in _caption(at)


def test_sample_choice_and_unknown_model():
    from tlviz import ui

    at = _app()
    options = at.selectbox(key="vit_sample").options
    photo = next(o for o in options if o.startswith("photo: "))
    at.selectbox(key="vit_sample").set_value(photo).run()
    assert not at.exception and photo in _caption(at)
    at.radio(key="vit_attr").set_value("Integrated gradients (slower)").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("CNN Integrated gradients" in c.proto.spec for c in at.get("plotly_chart"))
    at.selectbox(key="vit_model").set_value(ui.OTHER).run()
    at.text_input(key="vit_model_other").input("no_such_vit_model_xyz").run()
    assert not at.exception
    assert any("no_such_vit_model_xyz" in e.value for e in at.error)


def test_switching_to_a_smaller_model_keeps_sliders_in_range(tmp_path):
    import timm

    from tlviz import ui

    m = timm.create_model("vit_tiny_patch16_224", pretrained=False, img_size=32, patch_size=8, embed_dim=16,
                          depth=2, num_heads=2, num_classes=3)
    timm.models.save_for_hf(m, tmp_path, safe_serialization=True)
    at = _app()
    at.slider(key="vit_layer").set_value(5).run()
    at.slider(key="vit_row").set_value(6).run()
    at.selectbox(key="vit_head").set_value("head 4").run()
    at.selectbox(key="vit_model").set_value(ui.OTHER).run()
    at.text_input(key="vit_model_other").input(str(tmp_path)).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.slider(key="vit_layer").value == 2 and at.slider(key="vit_row").value == 3
    assert at.selectbox(key="vit_head").value == "mean of heads"
    assert "4x4 = 16 patches" in _caption(at)
