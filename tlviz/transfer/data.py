"""The lab's images: a seeded stratified split resized to the network's input, and the packaged sets."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from tlviz.errors import InputError

# ============================================================================================ data

@dataclass
class LabData:
    """Images for the lab, already at the network's input size.

    ``x_train`` uint8 ``(N, 3, S, S)``, ``y_train`` int64 ``(N,)``; the same for validation.
    """

    name: str
    classes: tuple[str, ...]
    x_train: Any
    y_train: Any
    x_val: Any
    y_val: Any

    @property
    def input_size(self) -> int:
        return int(self.x_train.shape[-1])

    @property
    def fingerprint(self) -> str:
        """A digest of the images, labels and class names: equal data, equal fingerprint (shared runs' key)."""
        if "_fingerprint" not in self.__dict__:
            h = hashlib.blake2b(digest_size=16)
            h.update("\x1f".join(self.classes).encode())
            for t in (self.x_train, self.y_train, self.x_val, self.y_val):
                h.update(str(tuple(t.shape)).encode())
                h.update(t.numpy().tobytes())
            self.__dict__["_fingerprint"] = h.hexdigest()
        return self.__dict__["_fingerprint"]

    def counts(self) -> list[tuple[str, int, int]]:
        """(class, training images, validation images) per class."""
        tr = np.bincount(self.y_train.numpy(), minlength=len(self.classes))
        va = np.bincount(self.y_val.numpy(), minlength=len(self.classes))
        return [(c, int(a), int(b)) for c, a, b in zip(self.classes, tr, va)]


def _resize_u8(images: np.ndarray, size: int):
    """uint8 ``(N, H, W)`` (grey) or ``(N, H, W, 3)`` -> uint8 torch ``(N, 3, size, size)`` (bilinear)."""
    import torch
    import torch.nn.functional as F

    arr = np.asarray(images)
    if arr.ndim == 3:
        arr = np.repeat(arr[..., None], 3, axis=-1)  # (N, H, W, 3)
    t = torch.from_numpy(np.ascontiguousarray(arr)).permute(0, 3, 1, 2).float()  # (N, 3, H, W)
    out = []
    for chunk in t.split(512):
        out.append(F.interpolate(chunk, size=(size, size), mode="bilinear", align_corners=False,
                                 antialias=chunk.shape[-1] > size))
    return torch.cat(out).round().clamp(0, 255).to(torch.uint8)


def prepare(dataset, input_size: int = 64, train_per_class: int | None = 60, val_per_class: int | None = 20,
            val_fraction: float = 0.2, seed: int = 0) -> LabData:
    """A seeded, stratified train/validation split of an :class:`~tlviz.data.images.ImageDataset`, resized.

    With ``val_per_class`` set, each class gives that many validation images and up to ``train_per_class``
    training images (a subset keeps live runs fast); classes with fewer images are split by ``val_fraction``
    (at least one image each side). Every class needs at least 2 images.
    """
    import torch

    if not 16 <= int(input_size) <= 320:
        raise InputError("The input size must be between 16 and 320 pixels.")
    labels = np.asarray(dataset.labels)
    rng = np.random.default_rng(seed)
    tr_idx, va_idx = [], []
    for c, name in enumerate(dataset.classes):
        idx = np.flatnonzero(labels == c)
        if len(idx) < 2:
            raise InputError(f"The class '{name}' has {len(idx)} image(s); every class needs at least 2 (one to "
                             "train on, one to validate).")
        rng.shuffle(idx)
        n_val = val_per_class if val_per_class else 0
        if not n_val or len(idx) < 2 * n_val:
            n_val = min(len(idx) - 1, max(1, int(round(len(idx) * val_fraction))))
        va_idx.extend(idx[:n_val])
        rest = idx[n_val:]
        tr_idx.extend(rest[:train_per_class] if train_per_class else rest)
    tr_idx, va_idx = np.sort(np.array(tr_idx)), np.sort(np.array(va_idx))
    images = np.asarray(dataset.images)
    return LabData(dataset.name, tuple(dataset.classes), _resize_u8(images[tr_idx], input_size),
                   torch.from_numpy(labels[tr_idx].astype(np.int64)), _resize_u8(images[va_idx], input_size),
                   torch.from_numpy(labels[va_idx].astype(np.int64)))


#: The packaged image sets the lab offers, by the name the page shows.
PACKAGED = {"Animal-MNIST (10 animals)": "animal_mnist", "Digits 0-9 (scikit-learn)": "digits"}


def packaged_data(name: str, input_size: int = 64, train_per_class: int = 60, val_per_class: int = 20) -> LabData:
    """A packaged set, split and resized once per process (shared by every session, read-only)."""
    from tlviz import models
    from tlviz.data import images

    if name not in PACKAGED:
        raise InputError(f"No packaged image set called '{name}'.")
    key = ("transfer-data", name, int(input_size), int(train_per_class), int(val_per_class))
    return models.cached(key, lambda: prepare(getattr(images, PACKAGED[name])(), input_size, train_per_class,
                                              val_per_class))
