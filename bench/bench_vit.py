"""ViT lesson: image in -> every attention figure built and serialised (what the page sends to the browser).

For the offline default (our 28 px Animal-MNIST ViT) and for a ViT-S/16-sized model (224 px, 12 layers x 6 heads,
random weights), two rows each:
- the whole lesson (one forward pass with attention capture, patches, position similarity, rollout, top-5 and the
  10 figures as JSON) against a bare prediction (one plain forward pass): what the lesson costs over classifying;
- the layers x heads thumbnails: ours composes them into one picture, the naive way draws one plotly image trace
  per head (``make_subplots``); time and JSON payload compared.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from bench import row, timed


def _naive_head_grid(cls_maps, pixels, tile: int = 84):
    """One ``go.Image`` subplot per layer and head: the baseline for :func:`tlviz.viz.vit.head_mosaic`."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from tlviz.viz import vit as vz

    L, H = cls_maps.shape[:2]
    fig = make_subplots(rows=L, cols=H, horizontal_spacing=0.005, vertical_spacing=0.005)
    for layer in range(L):
        for head in range(H):
            fig.add_trace(go.Image(z=vz.blend(pixels, cls_maps[layer, head], 0.65, tile)), row=layer + 1,
                          col=head + 1)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def _figures(model, image, naive: bool = False) -> tuple[int, int]:
    """Everything the page builds for one image (sections 1-6), serialised; returns (#figures, JSON bytes)."""
    from tlviz import vit
    from tlviz.viz import bar_topk
    from tlviz.viz import vit as vz

    res = vit.analyse(model, image)
    tr, pt = res.trace, res.patches
    pix = vz.display_pixels(tr.pixels)
    rows, cols = tr.grid
    heads = _naive_head_grid(tr.cls_maps(), pix) if naive else vz.head_mosaic(tr.cls_maps(), pix)
    figs = [vz.patch_grid(pix, tr.grid), vz.patch_sequence(pt.pixels), vz.flattened_patches(pt.flat),
            vz.patch_tokens(pt.embedded), vz.position_similarity_grid(res.position_similarity), heads,
            vz.attention_overlay(pix, tr.patch_map(tr.num_layers - 1, None), tr.grid),
            vz.attention_overlay(pix, res.rollout, tr.grid),
            vz.attention_overlay(pix, tr.patch_map(tr.num_layers - 1, None, tr.num_prefix + (rows // 2) * cols),
                                 tr.grid, query=(rows // 2, 0)),
            bar_topk([lab for lab, _ in res.top], [p for _, p in res.top])]
    return len(figs), sum(len(f.to_json()) for f in figs)


def _model(kind: str):
    import torch

    from tlviz import models, vit

    if kind == "default":
        return vit.load(vit.DEFAULT), "Animal-MNIST ViT (ours, 28 px, 7x7 patches, 5x4 heads)"
    cfg = vit.ViTConfig.tiny() if kind == "tiny" else vit.ViTConfig.vit_small()
    torch.manual_seed(0)
    handle = vit._handle(kind, vit.build(cfg), models.imagenet_labels()[: cfg.num_classes], library="timm",
                         source="bench", input_size=cfg.img_size, patch_size=cfg.patch_size, num_prefix=1,
                         mean=(0.5,) * 3, std=(0.5,) * 3, crop_pct=0.875)
    label = ("ViT-S/16-sized, random weights (224 px, 14x14 patches, 12x6 heads)" if kind == "vit_small"
             else "tiny random ViT (16 px)")
    return handle, label


def run(quick: bool = False) -> list[dict]:
    from tlviz import images, runtime, vit
    from tlviz.viz import vit as vz

    runtime.configure_torch()
    try:
        photo = images.load_sample("chelsea")
    except Exception:  # scikit-image missing: any photo-like array will do
        photo = Image.fromarray(np.random.default_rng(0).integers(0, 255, (300, 451, 3), dtype=np.uint8))
    rows = []
    kinds = ["tiny"] if quick else ["default", "vit_small"]
    for kind in kinds:
        model, label = _model(kind)
        _figures(model, photo)  # warm-up: imports, first-call allocations
        repeat = 1 if quick else 5
        ours_s, (n, ours_bytes) = timed(lambda m=model: _figures(m, photo), repeat)
        base_s, _ = timed(lambda m=model: vit.classify(m, photo), repeat)
        rows.append(row(f"ViT lesson: image -> {n} figures as JSON ({label})", ours_s,
                        "bare prediction (one plain forward pass)", base_s,
                        f"ratio = share of the lesson's time a bare prediction takes; payload "
                        f"{ours_bytes / 1e6:.2f} MB; 2 shared CPU cores, noisy"))
        trace = vit.attentions(model, photo)
        pix = vz.display_pixels(trace.pixels)
        maps = trace.cls_maps()
        ours_s, ours_json = timed(lambda m=maps, p=pix: vz.head_mosaic(m, p).to_json(), repeat)
        base_s, base_json = timed(lambda m=maps, p=pix: _naive_head_grid(m, p).to_json(), repeat)
        rows.append(row(f"[CLS] thumbnails, {maps.shape[0]}x{maps.shape[1]} heads, built + JSON ({label})", ours_s,
                        "one plotly image trace per head", base_s,
                        f"payload {len(ours_json) / 1e6:.2f} MB vs {len(base_json) / 1e6:.2f} MB naive"))
    return rows
