"""tlviz.data.uploads: students' own classes from per-class files or a zip, with every bad upload refused clearly."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from tlviz.data import uploads as U
from tlviz.errors import InputError


def png(color=(200, 30, 30), size=(40, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


def make_zip(files: dict[str, bytes], dirs: tuple[str, ...] = ()) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for d in dirs:
            zf.writestr(zipfile.ZipInfo(d), b"")
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def good_files(prefix: str = "") -> dict[str, bytes]:
    return {f"{prefix}cats/{i}.png": png((200, 10 * i, 10)) for i in range(3)} | \
           {f"{prefix}dogs/{i}.png": png((10, 10 * i, 200)) for i in range(4)}


def test_zip_with_one_folder_per_class():
    res = U.from_zip(make_zip(good_files()))
    assert res.dataset.classes == ("cats", "dogs") and res.counts() == {"cats": 3, "dogs": 4}
    assert res.dataset.images.shape == (7, U.STORE_SIZE, U.STORE_SIZE, 3) and res.dataset.images.dtype == np.uint8
    assert res.notes == []


def test_zip_with_a_top_folder_hidden_files_and_non_images():
    files = good_files("animals/") | {"animals/readme.txt": b"hello", "__MACOSX/animals/._x.png": b"junk",
                                      "animals/cats/.DS_Store": b"x", "loose.png": png()}
    res = U.from_zip(make_zip(files))
    assert res.counts() == {"cats": 3, "dogs": 4}
    assert any("not images" in n for n in res.notes)


def test_corrupt_image_inside_zip_is_skipped_and_named():
    files = good_files() | {"dogs/broken.png": png()[:60]}
    res = U.from_zip(make_zip(files))
    assert res.counts() == {"cats": 3, "dogs": 4}
    assert any("dogs/broken.png" in n for n in res.notes)


@pytest.mark.parametrize("name", ["../evil.png", "cats/../../evil.png", "/etc/evil.png", "C:/evil.png",
                                  "cats\\..\\..\\evil.png"])
def test_path_traversal_names_refuse_the_zip(name):
    with pytest.raises(InputError, match="unsafe path"):
        U.from_zip(make_zip(good_files() | {name: png()}))


def test_one_class_only():
    with pytest.raises(InputError, match="at least two classes.*cats"):
        U.from_zip(make_zip({f"cats/{i}.png": png() for i in range(3)}))


def test_empty_class_folder():
    with pytest.raises(InputError, match="'birds' has no usable images"):
        U.from_zip(make_zip(good_files(), dirs=("birds/",)))
    with pytest.raises(InputError, match="'birds' has no usable images"):
        U.from_zip(make_zip(good_files() | {"birds/a.png": b"not a png at all"}))


def test_class_with_a_single_image():
    with pytest.raises(InputError, match="at least 2"):
        U.from_zip(make_zip(good_files() | {"birds/a.png": png()}))


def test_zip_bomb_is_refused():
    bomb = make_zip(good_files() | {"cats/huge.png": b"\0" * (30 * 2**20)})
    assert len(bomb) < 200_000
    with pytest.raises(InputError, match="zip bomb"):
        U.from_zip(bomb)


def test_lying_sizes_are_bounded(monkeypatch):
    # Even when the per-file ratio check is passed, a member is never read past the limit.
    monkeypatch.setattr(U, "MAX_BYTES", 1000)
    monkeypatch.setattr(U, "MAX_RATIO", 10**9)
    with pytest.raises(InputError, match="more than"):
        U.from_zip(make_zip(good_files() | {"cats/big.png": b"\0" * 5000}))


def test_size_limits(monkeypatch):
    data = make_zip(good_files())
    monkeypatch.setattr(U, "MAX_ZIP_BYTES", len(data) - 1)
    with pytest.raises(InputError, match="limit is"):
        U.from_zip(data)
    monkeypatch.undo()
    monkeypatch.setattr(U, "MAX_TOTAL_BYTES", 100)
    with pytest.raises(InputError, match="unpacks to"):
        U.from_zip(data)


def test_not_a_zip_and_empty():
    with pytest.raises(InputError, match="not a readable zip"):
        U.from_zip(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(InputError, match="empty"):
        U.from_zip(b"")
    with pytest.raises(InputError, match="no class folders"):
        U.from_zip(make_zip({"a.png": png(), "b.png": png()}))


def test_damaged_zip_is_refused_with_a_message():
    """A zip whose directory survives but whose data is cut (a broken download): refused, never a ValueError."""
    data = make_zip(good_files())
    damaged = b"PK\x03\x04" + bytes(200) + data[len(data) // 2:]
    with pytest.raises(InputError, match="damaged"):
        U.from_zip(damaged)


def test_two_columns_with_the_same_class_name_are_refused():
    with pytest.raises(InputError, match="Two classes are called 'bears'"):
        U.from_class_files([("bears", [("a.png", png())] * 2), ("bears", [("b.png", png())] * 2)])


def test_per_class_files():
    res = U.from_class_files({"red": [("r1.png", png()), ("r2.png", png()), ("notes.txt", b"hi")],
                              "blue": [("b1.png", png((0, 0, 255))), ("b2.png", png((0, 0, 250)))]})
    assert res.counts() == {"red": 2, "blue": 2}
    assert any("notes.txt" in n for n in res.notes)
    with pytest.raises(InputError, match="at least two classes"):
        U.from_class_files({"red": [("r1.png", png()), ("r2.png", png())]})
    with pytest.raises(InputError, match="'blue' has no usable images"):
        U.from_class_files({"red": [("r1.png", png()), ("r2.png", png())], "blue": []})
    with pytest.raises(InputError, match="name"):
        U.from_class_files({"red": [("r1.png", png())] * 2, "  ": [("b.png", png())] * 2})


def test_uploaded_classes_train_through_the_lab():
    from tlviz import transfer as T

    res = U.from_zip(make_zip(good_files()))
    data = T.prepare(res.dataset, 32, train_per_class=None, val_per_class=None)
    assert data.x_train.shape[1:] == (3, 32, 32) and [c for c, _, _ in data.counts()] == ["cats", "dogs"]
    assert all(v >= 1 and t >= 1 for _, t, v in data.counts())
