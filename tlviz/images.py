"""Safe image loading: anything a student uploads becomes an RGB PIL image or a clear :class:`InputError`."""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from tlviz.errors import InputError
from tlviz.i18n import _

#: Largest image we decode, in pixels (a 50-megapixel photo is already far beyond what any lesson needs).
MAX_PIXELS = 50_000_000
#: Largest file we read, in bytes.
MAX_BYTES = 40 * 1024 * 1024

ImageSource = bytes | bytearray | str | os.PathLike | BinaryIO


def _read_bytes(source: ImageSource) -> bytes:
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise InputError(_("No image file at {path}.").format(path=path))
        if path.stat().st_size > MAX_BYTES:
            raise InputError(_("That file is {mb:.0f} MB; images up to {max} MB are accepted. Please pick a "
                               "smaller image.").format(mb=path.stat().st_size / 2**20, max=MAX_BYTES // 2**20))
        data = path.read_bytes()
    elif hasattr(source, "read"):
        data = source.read(MAX_BYTES + 1)
        if isinstance(data, str):
            raise InputError(_("Expected an image file, got text."))
    else:
        raise InputError(_("Cannot read an image from a {kind}.").format(kind=type(source).__name__))
    if len(data) == 0:
        raise InputError(_("The file is empty (0 bytes). Please upload a JPEG, PNG, GIF, BMP, TIFF or WebP image."))
    if len(data) > MAX_BYTES:
        raise InputError(_("The file is larger than {max} MB. Please pick a smaller image.").format(
            max=MAX_BYTES // 2**20))
    return data


def _to_8bit_rgb(img: Image.Image) -> Image.Image:
    """Convert every PIL mode we accept to RGB, flattening transparency onto white."""
    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        # 16-bit / 32-bit greyscale: stretch the full range of the data to 0..255, so a 12-bit medical image
        # that only uses 0..4095 is not rendered black.
        arr = np.asarray(img, dtype=np.float64)
        lo, hi = float(np.nanmin(arr)), float(np.nanmax(arr))
        scaled = np.zeros_like(arr) if hi <= lo else (arr - lo) / (hi - lo) * 255.0
        img = Image.fromarray(np.nan_to_num(scaled).round().astype(np.uint8), mode="L")
        mode = "L"
    if mode == "P" and "transparency" in img.info:
        img = img.convert("RGBA")
        mode = "RGBA"
    if mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if mode in ("CMYK", "YCbCr", "LAB", "HSV", "1", "L", "P", "RGB"):
        return img.convert("RGB")
    raise InputError(_("This image uses the pixel format '{mode}', which tlviz cannot show. Please save it as an "
                       "ordinary RGB JPEG or PNG.").format(mode=mode))


def load_image(source: ImageSource) -> Image.Image:
    """Decode ``source`` (bytes, a path or a file object) into an RGB :class:`PIL.Image.Image`.

    Applies the EXIF orientation, takes the first frame of an animation, flattens alpha onto white and scales
    16-bit images to 8-bit. Raises :class:`InputError` for anything that is not a safe, decodable image: empty,
    corrupt or truncated files, non-images, and images over :data:`MAX_PIXELS` (checked from the header,
    before any pixel is decoded, so a decompression bomb costs nothing).
    """
    data = _read_bytes(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            width, height = img.size
            if width <= 0 or height <= 0:
                raise InputError(_("The image has zero width or height."))
            if width * height > MAX_PIXELS:
                raise InputError(_("The image is {w}x{h} pixels ({mp:.0f} megapixels); the limit is {max:.0f} "
                                   "megapixels. Please resize it first.").format(
                    w=width, h=height, mp=width * height / 1e6, max=MAX_PIXELS / 1e6))
            if getattr(img, "is_animated", False):
                img.seek(0)
            # Truncated files must fail, not come back half grey.
            previous = ImageFile.LOAD_TRUNCATED_IMAGES
            ImageFile.LOAD_TRUNCATED_IMAGES = False
            try:
                img.load()
            finally:
                ImageFile.LOAD_TRUNCATED_IMAGES = previous
            img = ImageOps.exif_transpose(img) or img
            return _to_8bit_rgb(img)
    except InputError:
        raise
    except UnidentifiedImageError:
        raise InputError(_("This file is not an image tlviz can read. Please upload a JPEG, PNG, GIF, BMP, TIFF "
                           "or WebP image.")) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InputError(_("The image is too large to decode safely (over {max:.0f} megapixels). Please resize it "
                           "first.").format(max=MAX_PIXELS / 1e6)) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise InputError(_("The image could not be decoded (it may be truncated or corrupt): {error}").format(
            error=exc)) from None


def sample_images() -> dict[str, Callable[[], Image.Image]]:
    """Photos that ship inside installed packages, by name, as loaders returning an RGB image.

    scikit-image: astronaut, chelsea (a cat), coffee, rocket; scikit-learn: china, flower; matplotlib:
    grace_hopper. Only those whose package is installed are listed.
    """
    found: dict[str, Callable[[], Image.Image]] = {}
    try:
        import skimage.data as skd

        for name in ("chelsea", "coffee", "astronaut", "rocket"):
            if hasattr(skd, name):
                found[name] = (lambda n=name: Image.fromarray(getattr(skd, n)()).convert("RGB"))
    except ImportError:
        pass
    try:
        import importlib.util

        spec = importlib.util.find_spec("sklearn")
        if spec and spec.submodule_search_locations:
            base = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "images"
            for name in ("china", "flower"):
                path = base / f"{name}.jpg"
                if path.is_file():
                    found[name] = (lambda p=path: load_image(p))
    except ImportError:
        pass
    try:
        import matplotlib

        path = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
        if path.is_file():
            found["grace_hopper"] = (lambda p=path: load_image(p))
    except ImportError:
        pass
    return found


def load_sample(name: str) -> Image.Image:
    """One of :func:`sample_images` by name, as RGB."""
    samples = sample_images()
    if name not in samples:
        raise InputError(_("No bundled photo called '{name}'. Available: {names}.").format(
            name=name, names=", ".join(sorted(samples)) or _("none")))
    return samples[name]()


def to_tensor(image: Image.Image, size: int, mean, std, crop_pct: float = 0.875):
    """RGB image -> float tensor (1, 3, size, size): resize the short side to size / crop_pct (bicubic),
    centre-crop to size, scale to 0..1, normalise by ``mean`` and ``std`` per channel."""
    import torch

    short = max(1, int(round(size / crop_pct)))
    w, h = image.size
    scale = short / min(w, h)
    resized = image.resize((max(size, round(w * scale)), max(size, round(h * scale))), Image.Resampling.BICUBIC)
    left = (resized.width - size) // 2
    top = (resized.height - size) // 2
    crop = resized.crop((left, top, left + size, top + size))
    arr = np.asarray(crop, dtype=np.float32) / 255.0  # (H, W, 3)
    arr = (arr - np.asarray(mean, dtype=np.float32)) / np.asarray(std, dtype=np.float32)
    return torch.from_numpy(arr.transpose(2, 0, 1).copy()).unsqueeze(0)  # (1, 3, H, W)
