"""Image datasets that ship inside packages, read directly (no network, no tensorflow)."""

from __future__ import annotations

import gzip
import importlib.util
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tlviz.errors import InputError

#: Animal-MNIST's classes, in label order (the package's description lists them alphabetically).
ANIMAL_CLASSES = ("bear", "bird", "cat", "cow", "dog", "elephant", "giraffe", "horse", "sheep", "zebra")


@dataclass(frozen=True)
class ImageDataset:
    """Images ``(N, H, W)`` or ``(N, H, W, 3)`` uint8 with integer labels and class names."""

    name: str
    images: np.ndarray
    labels: np.ndarray
    classes: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.labels)

    def split(self, test_fraction: float = 0.2, seed: int = 0) -> tuple[ImageDataset, ImageDataset]:
        """A stratified, seeded train/test split (the same seed always gives the same split)."""
        rng = np.random.default_rng(seed)
        test_idx = []
        for c in range(len(self.classes)):
            idx = np.flatnonzero(self.labels == c)
            rng.shuffle(idx)
            test_idx.extend(idx[: int(round(len(idx) * test_fraction))])
        test_mask = np.zeros(len(self.labels), dtype=bool)
        test_mask[test_idx] = True
        pick = lambda m, tag: ImageDataset(f"{self.name} ({tag})", self.images[m], self.labels[m],  # noqa: E731
                                           self.classes)
        return pick(~test_mask, "train"), pick(test_mask, "test")


def _animal_dir() -> Path:
    # Locate the package without importing it: animal_mnist's __init__ imports tensorflow.
    spec = importlib.util.find_spec("animal_mnist")
    if spec is None or not spec.submodule_search_locations:
        raise InputError("Animal-MNIST is not installed: pip install --no-deps animal-mnist==0.4")
    return Path(list(spec.submodule_search_locations)[0]) / "data" / "Animal_MNIST"


def animal_mnist() -> ImageDataset:
    """Animal-MNIST: 10,000 28x28 greyscale animal silhouettes, 1,000 per class (white shape on black)."""
    folder = _animal_dir()
    # These two pinned files are the only pickles tlviz ever opens; nothing a user gives is unpickled.
    with gzip.open(folder / "animal_data_version_3.gz", "rb") as f:
        images = np.asarray(pickle.load(f), dtype=np.uint8)  # (10000, 28, 28)
    with gzip.open(folder / "animal_label_version_3.gz", "rb") as f:
        labels = np.asarray(pickle.load(f), dtype=np.int64)  # (10000,)
    return ImageDataset("Animal-MNIST", images, labels, ANIMAL_CLASSES)


def digits() -> ImageDataset:
    """scikit-learn's handwritten digits: 1,797 8x8 images (0..16 scaled to 0..255), classes 0-9."""
    from sklearn.datasets import load_digits

    d = load_digits()
    images = (d.images / 16.0 * 255.0).round().astype(np.uint8)  # (1797, 8, 8)
    return ImageDataset("Digits (scikit-learn)", images, d.target.astype(np.int64), tuple(str(i) for i in range(10)))
