"""Shared test set-up: no network, ever; torch kept to the machine's cores."""

import os

# Tests never reach a hub: a hub id that is not cached must fail fast with InputError, not try to download.
os.environ.setdefault("TLVIZ_OFFLINE", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def tiny_timm_vit_folder(tmp_path_factory):
    """A tiny random timm ViT (32 px, 8x8 patches -> a 4x4 grid, 2 layers x 2 heads, 16 wide, 3 classes) saved as
    timm's Hugging Face folder (``save_for_hf``): the one hand-built ViT the tests load through ``tlviz.vit.load``."""
    import timm
    import torch

    torch.manual_seed(0)
    model = timm.create_model("vit_tiny_patch16_224", pretrained=False, img_size=32, patch_size=8, embed_dim=16,
                              depth=2, num_heads=2, num_classes=3)
    folder = tmp_path_factory.mktemp("tiny_timm_vit")
    timm.models.save_for_hf(model, folder, safe_serialization=True)
    return folder
