"""Students' own image classes: files uploaded per class (as in Teachable Machine) or one zip with a folder per
class. Every image goes through :func:`tlviz.images.load_image`; nothing is written to disk and nothing a student
gives is unpickled or executed.

Zip rules: the archive itself at most :data:`MAX_ZIP_BYTES`; at most :data:`MAX_ENTRIES` entries; no absolute
paths, no ``..`` and no drive letters in names (the whole zip is refused: such names only come from tampering);
each member at most :data:`tlviz.images.MAX_BYTES` once unpacked, at most :data:`MAX_RATIO` times its
compressed size, and all members together at most :data:`MAX_TOTAL_BYTES` (the zip-bomb guard; the declared
sizes are checked first, then every read is bounded, because a zip can lie about its sizes). Non-image files,
hidden files and ``__MACOSX`` folders are skipped with a note; a corrupt image is skipped and named.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import numpy as np

from tlviz.errors import InputError
from tlviz.i18n import _
from tlviz.images import MAX_BYTES, load_image

MAX_ZIP_BYTES = 50 * 2**20
MAX_TOTAL_BYTES = 200 * 2**20
MAX_ENTRIES = 3000
MAX_RATIO = 100
MAX_CLASSES = 20
MAX_PER_CLASS = 300
MIN_PER_CLASS = 2
#: Uploaded images are centre-cropped and resized to this square size once, on upload.
STORE_SIZE = 128

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp"}


@dataclass
class UploadResult:
    """The dataset built from an upload and the notes for the student (skipped files and why)."""

    dataset: object  # tlviz.data.images.ImageDataset, images (N, STORE_SIZE, STORE_SIZE, 3) uint8
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        labels = np.asarray(self.dataset.labels)
        return {c: int((labels == i).sum()) for i, c in enumerate(self.dataset.classes)}


def _square(img, size: int = STORE_SIZE) -> np.ndarray:
    """Centre-crop to a square and resize to ``size``: uint8 (size, size, 3)."""
    from PIL import Image

    w, h = img.size
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    img = img.crop((left, top, left + side, top + side)).resize((size, size), Image.Resampling.BICUBIC)
    return np.asarray(img.convert("RGB"), dtype=np.uint8)


def _clean_class(name: str) -> str:
    name = re.sub(r"\s+", " ", str(name)).strip()
    if not name:
        raise InputError(_("Every class needs a name."))
    if len(name) > 40:
        raise InputError(_("The class name '{name}…' is too long (40 characters at most).").format(name=name[:40]))
    return name


def _build(per_class: Mapping[str, list[np.ndarray]], notes: list[str], name: str) -> UploadResult:
    from tlviz.data.images import ImageDataset

    if len(per_class) < 2:
        found = _(" (found only '{name}')").format(name=next(iter(per_class))) if per_class else ""
        raise InputError(_("A classifier needs at least two classes{found}. Add another class with its own images.")
                         .format(found=found))
    if len(per_class) > MAX_CLASSES:
        raise InputError(_("{n} classes is more than the {max} the lab accepts.").format(n=len(per_class),
                                                                                          max=MAX_CLASSES))
    empty = [c for c, imgs in per_class.items() if len(imgs) == 0]
    if empty:
        raise InputError(_("The class '{c}' has no usable images. Add at least {n} images to it or remove it.")
                         .format(c=empty[0], n=MIN_PER_CLASS) + (f" ({'; '.join(notes[:3])})" if notes else ""))
    few = [c for c, imgs in per_class.items() if len(imgs) < MIN_PER_CLASS]
    if few:
        raise InputError(_("The class '{c}' has only {n} usable image; every class needs at least {min} (one to "
                           "train on, one to validate).").format(c=few[0], n=len(per_class[few[0]]), min=MIN_PER_CLASS))
    classes = tuple(per_class)
    images, labels = [], []
    for i, c in enumerate(classes):
        imgs = per_class[c]
        if len(imgs) > MAX_PER_CLASS:
            notes.append(_("'{c}': kept the first {max} of {n} images.").format(c=c, max=MAX_PER_CLASS, n=len(imgs)))
            imgs = imgs[:MAX_PER_CLASS]
        images.extend(imgs)
        labels.extend([i] * len(imgs))
    ds = ImageDataset(name, np.stack(images), np.asarray(labels, dtype=np.int64), classes)
    return UploadResult(ds, notes)


def from_class_files(classes: Mapping[str, Iterable[tuple[str, bytes]]] | Iterable[tuple[str, Iterable]],
                     name: str = "Your images") -> UploadResult:
    """Images uploaded per class: ``{class name: [(file name, bytes), ...]}``, or ``(class name, files)`` pairs
    as a page's columns give them (two columns may carry the same name: refused). Unreadable files are skipped
    and named in the notes; total size is limited to :data:`MAX_TOTAL_BYTES`."""
    per_class: dict[str, list[np.ndarray]] = {}
    notes: list[str] = []
    total = 0
    for raw_name, files in (classes.items() if isinstance(classes, Mapping) else classes):
        cname = _clean_class(raw_name)
        if cname in per_class:
            raise InputError(_("Two classes are called '{c}'. Give every class its own name.").format(c=cname))
        per_class[cname] = []
        for fname, data in files:
            total += len(data)
            if total > MAX_TOTAL_BYTES:
                raise InputError(_("The uploads add up to more than {mb} MB. Use fewer or smaller images.")
                                 .format(mb=MAX_TOTAL_BYTES // 2**20))
            try:
                per_class[cname].append(_square(load_image(data)))
            except InputError as exc:
                notes.append(_("Skipped '{file}' in '{c}': {error}").format(file=fname, c=cname, error=exc))
    return _build(per_class, notes, name)


def _unsafe(name: str) -> bool:
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return True
    return any(part == ".." for part in re.split(r"[\\/]+", name))


def _bounded_read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """Read one member, never more than ``limit`` bytes whatever its header claims."""
    try:
        with zf.open(info) as f:
            data = f.read(limit + 1)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError, zlib.error) as exc:
        raise InputError(_("could not unpack it ({error})").format(error=exc)) from None
    if len(data) > limit:
        raise InputError(_("'{file}' unpacks to more than {mb} MB (its header said {size} bytes): this looks like a "
                           "zip bomb, so the zip was refused.").format(file=info.filename, mb=limit // 2**20,
                                                                       size=info.file_size))
    return data


def from_zip(data: bytes, name: str = "Your images") -> UploadResult:
    """A zip holding one folder per class (``cats/1.jpg``, ``dogs/2.png``...). A single top folder around the
    class folders (``animals/cats/1.jpg``) is unwrapped. See the module docstring for the safety rules."""
    if not data:
        raise InputError(_("The zip file is empty."))
    if len(data) > MAX_ZIP_BYTES:
        raise InputError(_("The zip is {mb:.0f} MB; the limit is {max} MB.").format(mb=len(data) / 2**20,
                                                                                       max=MAX_ZIP_BYTES // 2**20))
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise InputError(_("This is not a readable zip file ({error}). Zip a folder that holds one folder per "
                           "class.").format(error=exc)) from None
    if len(infos) > MAX_ENTRIES:
        raise InputError(_("The zip holds {n} entries; the limit is {max}.").format(n=len(infos), max=MAX_ENTRIES))
    for info in infos:
        if _unsafe(info.filename):
            raise InputError(_("The zip contains the unsafe path '{file}' (absolute or with '..'). Zip an ordinary "
                               "folder of class folders.").format(file=info.filename))
    files = [i for i in infos if not i.is_dir()]
    declared = sum(i.file_size for i in files)
    if declared > MAX_TOTAL_BYTES:
        raise InputError(_("The zip unpacks to {mb:.0f} MB; the limit is {max} MB.").format(
            mb=declared / 2**20, max=MAX_TOTAL_BYTES // 2**20))
    for info in files:
        if info.file_size > MAX_RATIO * max(1, info.compress_size) and info.file_size > 1_000_000:
            raise InputError(_("'{file}' is compressed {ratio} times: this looks like a zip bomb, so the zip was "
                               "refused.").format(file=info.filename,
                                                  ratio=info.file_size // max(1, info.compress_size)))

    notes: list[str] = []
    hidden = lambda p: any(part.startswith(".") or part == "__MACOSX" for part in p.parts)  # noqa: E731
    entries: list[tuple[PurePosixPath, zipfile.ZipInfo]] = []
    dirs: list[PurePosixPath] = []
    skipped_other = 0
    for info in infos:
        path = PurePosixPath(info.filename.replace("\\", "/"))
        if hidden(path):
            continue  # hidden files and macOS resource forks: not the student's images
        if info.is_dir():
            dirs.append(path)
        elif path.suffix.lower() in IMAGE_SUFFIXES:
            entries.append((path, info))
        else:
            skipped_other += 1
    if skipped_other:
        notes.append(_("Skipped {n} file(s) that are not images (by their extension).").format(n=skipped_other))
    loose = [p for p, _ in entries if len(p.parts) < 2]
    if loose:
        notes.append(_("Skipped {n} image(s) not inside a class folder (e.g. '{file}').").format(n=len(loose),
                                                                                                  file=loose[0]))
        entries = [(p, i) for p, i in entries if len(p.parts) >= 2]
    # Unwrap one common top folder ("animals/cats/1.jpg" -> "cats/1.jpg"), dir entries alike.
    while entries and all(len(p.parts) >= 3 for p, _ in entries) and len({p.parts[0] for p, _ in entries}) == 1:
        top = entries[0][0].parts[0]
        entries = [(PurePosixPath(*p.parts[1:]), i) for p, i in entries]
        dirs = [PurePosixPath(*d.parts[1:]) for d in dirs if len(d.parts) >= 2 and d.parts[0] == top]
    names = sorted({d.parts[0] for d in dirs if d.parts} | {p.parts[0] for p, _ in entries if len(p.parts) >= 2})
    if not names:
        raise InputError(_("The zip has no class folders with images. Put each class's images in its own folder "
                           "(cats/…, dogs/…) and zip the folders together."))
    per_class: dict[str, list[np.ndarray]] = {}
    for n in names:
        per_class.setdefault(_clean_class(n), [])
    total = 0
    for path, info in sorted(entries, key=lambda e: str(e[0])):
        if len(path.parts) < 2:
            continue
        cname = _clean_class(path.parts[0])
        per_class.setdefault(cname, [])
        try:
            raw = _bounded_read(zf, info, MAX_BYTES)
        except InputError as exc:
            if "zip bomb" in str(exc):
                raise
            notes.append(_("Skipped '{file}': {error}").format(file=info.filename, error=exc))
            continue
        except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError) as exc:
            raise InputError(_("The zip is damaged: '{file}' cannot be read ({error}). Zip the folder again and "
                               "upload the new file.").format(file=info.filename, error=exc)) from None
        total += len(raw)
        if total > MAX_TOTAL_BYTES:
            raise InputError(_("The zip unpacks to more than {mb} MB; the zip was refused.").format(
                mb=MAX_TOTAL_BYTES // 2**20))
        try:
            per_class[cname].append(_square(load_image(raw)))
        except InputError as exc:
            notes.append(_("Skipped '{file}': {error}").format(file=info.filename, error=exc))
    return _build(per_class, notes, name)
