"""tlviz.images.load_image: every format becomes RGB; everything unsafe or broken becomes InputError."""

import io

import numpy as np
import pytest
from PIL import Image

from tlviz.errors import InputError
from tlviz.images import MAX_PIXELS, load_image, load_sample, sample_images, to_tensor


def encode(img: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def test_rgb_jpeg_from_bytes_path_and_file(tmp_path):
    img = Image.fromarray(np.full((20, 30, 3), (200, 10, 10), dtype=np.uint8))
    data = encode(img, "JPEG", quality=95)
    path = tmp_path / "x.jpg"
    path.write_bytes(data)
    for source in (data, str(path), path, io.BytesIO(data)):
        out = load_image(source)
        assert out.mode == "RGB" and out.size == (30, 20)
        assert abs(int(np.asarray(out)[10, 15, 0]) - 200) < 8


@pytest.mark.parametrize("mode", ["L", "1", "P", "CMYK", "LA", "RGBA", "I;16", "I"])
def test_modes_become_rgb(mode):
    base = Image.fromarray(np.linspace(0, 255, 64 * 64).reshape(64, 64).astype(np.uint8))
    if mode == "I;16":
        img = Image.fromarray((np.linspace(0, 4095, 64 * 64).reshape(64, 64)).astype(np.uint16))
        data = encode(img, "PNG")
    elif mode == "I":
        img = Image.fromarray((np.linspace(0, 65535, 64 * 64).reshape(64, 64)).astype(np.int32), mode="I")
        data = encode(img, "TIFF")
    elif mode == "CMYK":
        data = encode(base.convert("CMYK"), "JPEG")
    else:
        data = encode(base.convert(mode), "PNG")
    out = load_image(data)
    assert out.mode == "RGB" and out.size == (64, 64)
    arr = np.asarray(out)
    if mode in ("I;16", "I"):
        # a 12-bit range is stretched to the full 8-bit range, not left nearly black
        assert arr.max() == 255 and arr.min() == 0


def test_alpha_is_flattened_onto_white():
    img = Image.new("RGBA", (10, 10), (255, 0, 0, 0))  # fully transparent red
    out = np.asarray(load_image(encode(img)))
    assert (out == 255).all()


def test_palette_with_transparency_flattened():
    img = Image.new("P", (8, 8), 0)
    img.putpalette([0, 0, 0] * 256)
    img.info["transparency"] = 0
    out = np.asarray(load_image(encode(img, transparency=0)))
    assert (out == 255).all()


def test_exif_orientation_applied():
    img = Image.new("RGB", (40, 20), (0, 0, 255))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    out = load_image(encode(img, "JPEG", exif=exif))
    assert out.size == (20, 40)


def test_first_frame_of_animation():
    frames = [Image.new("RGB", (16, 16), c) for c in ((255, 0, 0), (0, 255, 0))]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:])
    out = np.asarray(load_image(buf.getvalue()))
    assert out[0, 0, 0] > 200 and out[0, 0, 1] < 50


@pytest.mark.parametrize("data, words", [
    (b"", "empty"),
    (b"hello, this is text, not a picture", "not an image"),
    (b"%PDF-1.4 fake", "not an image"),
])
def test_not_an_image(data, words):
    with pytest.raises(InputError, match=words):
        load_image(data)


def test_truncated_image_fails_clearly():
    data = encode(Image.fromarray(np.random.default_rng(0).integers(0, 255, (200, 200, 3), dtype=np.uint8)),
                  "JPEG")
    with pytest.raises(InputError, match="truncated|corrupt"):
        load_image(data[: len(data) // 2])


def test_decompression_bomb_refused_from_header():
    # A PNG header claiming 10000 x 10000 pixels: refused before decoding.
    side = int((MAX_PIXELS * 2) ** 0.5)
    img = Image.new("1", (side, side))
    data = encode(img, "PNG", optimize=True)
    assert len(data) < 2_000_000  # tiny file, huge image: the bomb's shape
    with pytest.raises(InputError, match="megapixels"):
        load_image(data)


def test_missing_path_and_wrong_type():
    with pytest.raises(InputError, match="No image file"):
        load_image("/no/such/file.png")
    with pytest.raises(InputError):
        load_image(12345)


def test_samples_are_bundled_and_load():
    samples = sample_images()
    assert {"coffee", "chelsea", "astronaut", "china", "flower", "grace_hopper"} <= set(samples)
    img = load_sample("coffee")
    assert img.mode == "RGB" and min(img.size) > 100
    with pytest.raises(InputError, match="No bundled photo"):
        load_sample("unicorn")


def test_to_tensor_normalises_and_crops():
    img = Image.new("RGB", (300, 200), (255, 0, 127))
    x = to_tensor(img, 64, (0.5, 0.5, 0.5), (0.5, 0.5, 0.5))
    assert tuple(x.shape) == (1, 3, 64, 64)
    assert np.allclose(x[0, :, 32, 32].numpy(), [1.0, -1.0, 127 / 255 * 2 - 1], atol=0.02)
