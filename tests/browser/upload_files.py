"""Files that students might upload, built at test time (no binary fixtures in the repository).

Every builder writes into a given folder and returns the path. Images are small so that the pages stay quick.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image


def _pattern(size: int = 48, seed: int = 0) -> Image.Image:
    """A small RGB image with some structure (a gradient and a square), different per seed."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size]
    arr = np.stack([x * 255 // size, y * 255 // size, np.full_like(x, (seed * 53) % 256)], -1).astype(np.uint8)
    a, b = sorted(rng.integers(0, size, 2))
    arr[a:b + 1, a:b + 1] = rng.integers(0, 256, 3, dtype=np.uint8)
    return Image.fromarray(arr, "RGB")


def image_bytes(fmt: str = "PNG", seed: int = 0, size: int = 48) -> bytes:
    buf = io.BytesIO()
    _pattern(size, seed).save(buf, fmt)
    return buf.getvalue()


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = Path(folder) / name
    path.write_bytes(data)
    return path


# ------------------------------------------------------------------ single images
def good_png(folder: Path) -> Path:
    return _write(folder, "good.png", image_bytes("PNG", 1))


def good_jpeg(folder: Path) -> Path:
    return _write(folder, "good.jpg", image_bytes("JPEG", 2))


def png_16bit(folder: Path) -> Path:
    arr = (np.arange(64 * 64, dtype=np.uint16).reshape(64, 64) * 7)  # uses 0..28665 of 65535
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "PNG")  # uint16 -> mode I;16
    img = Image.open(io.BytesIO(buf.getvalue()))
    assert img.mode.startswith("I"), img.mode  # really 16-bit
    return _write(folder, "sixteen_bit.png", buf.getvalue())


def rgba_png(folder: Path) -> Path:
    img = _pattern(48, 3).convert("RGBA")
    alpha = np.zeros((48, 48), np.uint8)
    alpha[12:36, 12:36] = 255  # transparent border, opaque centre
    img.putalpha(Image.fromarray(alpha, "L"))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return _write(folder, "transparent.png", buf.getvalue())


def cmyk_jpeg(folder: Path) -> Path:
    buf = io.BytesIO()
    _pattern(48, 4).convert("CMYK").save(buf, "JPEG")
    assert Image.open(io.BytesIO(buf.getvalue())).mode == "CMYK"
    return _write(folder, "cmyk.jpg", buf.getvalue())


def exif_rotated_jpeg(folder: Path) -> Path:
    """A 64x32 image whose EXIF says 'rotate 90°' (orientation 6): shown upright it is 32x64."""
    img = _pattern(64, 5).resize((64, 32))
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif.tobytes())
    return _write(folder, "rotated.jpg", buf.getvalue())


def tiny_png(folder: Path) -> Path:
    buf = io.BytesIO()
    Image.new("RGB", (1, 1), (200, 30, 30)).save(buf, "PNG")
    return _write(folder, "tiny.png", buf.getvalue())


def animated_gif(folder: Path) -> Path:
    frames = [_pattern(40, s).convert("P") for s in (6, 7, 8)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert getattr(Image.open(io.BytesIO(buf.getvalue())), "is_animated", False)
    return _write(folder, "animated.gif", buf.getvalue())


def truncated_jpeg(folder: Path) -> Path:
    data = image_bytes("JPEG", 9, 96)
    return _write(folder, "truncated.jpg", data[: len(data) // 2])


def text_as_png(folder: Path) -> Path:
    return _write(folder, "notes.png", b"These are my lecture notes, not a picture.\n" * 20)


def empty_png(folder: Path) -> Path:
    return _write(folder, "empty.png", b"")


def bomb_png(folder: Path, side: int = 10_000) -> Path:
    """A PNG of one colour whose header claims side x side pixels (100 megapixels): a few hundred KB on disk."""
    img = Image.new("L", (side, side), 0)
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=False, compress_level=9)
    return _write(folder, "bomb.png", buf.getvalue())


# ------------------------------------------------------------------ zips
def _zip(folder: Path, name: str, members: dict[str, bytes]) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, data in members.items():
            zf.writestr(member, data)
    return _write(folder, name, buf.getvalue())


def _classes(names=("cats", "dogs"), per_class: int = 3, prefix: str = "", ext: str = ".png") -> dict[str, bytes]:
    members = {}
    for c, cname in enumerate(names):
        for i in range(per_class):
            fmt = "JPEG" if ext.lower() in (".jpg", ".jpeg") else "PNG"
            members[f"{prefix}{cname}/{i}{ext}"] = image_bytes(fmt, 10 * c + i)
    return members


def good_zip(folder: Path) -> Path:
    return _zip(folder, "good.zip", _classes(("cats", "dogs")))


def awkward_zip(folder: Path) -> Path:
    """One top folder around the classes, macOS junk, mixed-case extensions and a file that is no image."""
    members = {}
    for i in range(3):
        members[f"animals/owls/{i}.PNG"] = image_bytes("PNG", 20 + i)
        members[f"animals/foxes/{i}.JpG"] = image_bytes("JPEG", 30 + i)
    members["animals/foxes/readme.txt"] = b"foxes are orange"
    members["__MACOSX/animals/owls/._0.PNG"] = b"\x00\x05\x16\x07 resource fork"
    members["animals/.DS_Store"] = b"\x00\x00\x00\x01Bud1"
    return _zip(folder, "awkward.zip", members)


def zip_bomb(folder: Path, megabytes: int = 150) -> Path:
    """A zip whose one member inflates from a few hundred KB to ``megabytes`` MB of zeros (written in chunks)."""
    path = Path(folder) / "bomb.zip"
    chunk = b"\0" * 2**20
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        members = _classes(("cats",), 2)
        for member, data in members.items():
            zf.writestr(member, data)
        with zf.open("dogs/huge.png", "w", force_zip64=True) as f:
            for _ in range(megabytes):
                f.write(chunk)
    return path


def traversal_zip(folder: Path) -> Path:
    members = _classes(("cats", "dogs"))
    members["../../evil/0.png"] = image_bytes("PNG", 99)
    return _zip(folder, "traversal.zip", members)


def one_class_zip(folder: Path) -> Path:
    return _zip(folder, "one_class.zip", _classes(("cats",)))


def one_image_class_zip(folder: Path) -> Path:
    members = _classes(("cats",), 3)
    members["dogs/0.png"] = image_bytes("PNG", 77)
    return _zip(folder, "one_image_class.zip", members)


def corrupt_zip(folder: Path) -> Path:
    data = good_zip(folder).read_bytes()
    return _write(folder, "corrupt.zip", b"PK\x03\x04" + bytes(200) + data[len(data) // 2:])


# ------------------------------------------------------------------ per-class files
def class_images(folder: Path, tag: str, n: int = 3, seed: int = 0) -> list[Path]:
    folder = Path(folder) / tag
    folder.mkdir(parents=True, exist_ok=True)
    return [_write(folder, f"{tag}_{i}.png", image_bytes("PNG", seed + i)) for i in range(n)]
