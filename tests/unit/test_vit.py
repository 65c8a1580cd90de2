"""tlviz.vit: attention capture against recomputation, rollout against a direct implementation, API shapes, loaders
(our checkpoint, timm and transformers folders) and awkward images. Tiny random models; no network."""

import copy

import numpy as np
import pytest
import torch
from PIL import Image

from tlviz import checkpoints, vit
from tlviz.errors import InputError


def _handle(model, cfg: vit.ViTConfig, grey: bool = False):
    return vit._handle("tiny", model, [f"c{i}" for i in range(cfg.num_classes)], library="timm", source="test",
                       input_size=cfg.img_size, patch_size=cfg.patch_size, num_prefix=1, mean=(0.5,) * 3,
                       std=(0.5,) * 3, crop_pct=1.0, grey=grey)


@pytest.fixture(scope="module")
def tiny():
    torch.manual_seed(0)
    cfg = vit.ViTConfig.tiny()
    return _handle(vit.build(cfg), cfg)


def _photo(w=40, h=30, seed=0):
    return Image.fromarray(np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8))


def test_captured_attention_equals_recomputation_from_qkv(tiny):
    img = _photo()
    trace = vit.attentions(tiny, img)
    model = tiny.model
    inputs = []
    hooks = [b.register_forward_pre_hook(lambda m, args: inputs.append(args[0].detach())) for b in model.blocks]
    try:
        with torch.no_grad():
            model(tiny.preprocess(img))
    finally:
        for h in hooks:
            h.remove()
    assert len(inputs) == len(model.blocks) == trace.num_layers
    for layer, (block, x) in enumerate(zip(model.blocks, inputs)):
        attn = block.attn
        with torch.no_grad():
            b, n, d = x.shape
            qkv = attn.qkv(block.norm1(x)).reshape(b, n, 3, attn.num_heads, d // attn.num_heads)  # (B, N, 3, H, hd)
            q, k = qkv[:, :, 0].transpose(1, 2), qkv[:, :, 1].transpose(1, 2)  # (B, H, N, hd)
            expected = torch.softmax(q @ k.transpose(-2, -1) / (d // attn.num_heads) ** 0.5, dim=-1)[0]
        np.testing.assert_allclose(trace.weights[layer], expected.numpy(), atol=1e-5)


def test_capture_restores_fused_attention_and_matches_plain_forward(tiny):
    before = [b.attn.fused_attn for b in tiny.model.blocks]
    img = _photo(seed=1)
    trace = vit.attentions(tiny, img)
    assert [b.attn.fused_attn for b in tiny.model.blocks] == before
    assert not any(b.attn.attn_drop._forward_hooks for b in tiny.model.blocks)
    with torch.no_grad():
        probs = torch.softmax(tiny.model(tiny.preprocess(img)), -1)[0].numpy()
    np.testing.assert_allclose(trace.probs, probs, atol=1e-5)
    top = vit.classify(tiny, img, top_k=3)
    assert [lab for lab, _ in top] == [tiny.labels[i] for i in np.argsort(-probs)[:3]]


def test_capture_fails_loudly_when_nothing_passes_attn_drop(tiny):
    broken = copy.deepcopy(tiny.model)
    attn = broken.blocks[0].attn

    def fused_only(x, attn_mask=None, is_causal=False):  # an attention that never materialises its weights
        b, n, c = x.shape
        qkv = attn.qkv(x).reshape(b, n, 3, attn.num_heads, c // attn.num_heads).permute(2, 0, 3, 1, 4)
        out = torch.nn.functional.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2])
        return attn.proj(out.transpose(1, 2).reshape(b, n, c))

    attn.forward = fused_only
    handle = _handle(broken, vit.ViTConfig.tiny())
    with pytest.raises(RuntimeError, match="1 of 2 blocks"):
        vit.attentions(handle, _photo())
    with pytest.raises(RuntimeError, match="no timm attention blocks"):
        vit._capture_timm(torch.nn.Linear(2, 2), torch.zeros(1, 2))


def _direct_rollout(weights, prefix, grid):
    """Abnar & Zuidema, written out in torch: A_l = 0.5 * mean_heads + 0.5 * I (rows already sum to 1),
    R = A_L ... A_1, the class token's row."""
    w = torch.as_tensor(weights, dtype=torch.float64)
    n = w.shape[-1]
    result = torch.eye(n, dtype=torch.float64)
    for layer in range(w.shape[0]):
        a = 0.5 * w[layer].mean(0) + 0.5 * torch.eye(n, dtype=torch.float64)
        result = a @ result
    return result[0, prefix:].reshape(grid).numpy()


@pytest.mark.parametrize("layers,heads,prefix,grid", [(4, 3, 1, (5, 5)), (2, 2, 2, (3, 4)), (1, 1, 1, (1, 1))])
def test_rollout_matches_direct_implementation(layers, heads, prefix, grid):
    rng = np.random.default_rng(layers)
    n = prefix + grid[0] * grid[1]
    logits = rng.normal(size=(layers, heads, n, n)) * 3
    weights = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)  # rows sum to 1
    ours = vit.rollout(weights, grid if prefix != 1 or grid[0] != grid[1] else None)
    assert ours.shape == grid
    np.testing.assert_allclose(ours, _direct_rollout(weights, prefix, grid), atol=1e-6)
    # Rollout is a distribution over all tokens; the patches get part of it.
    assert 0 < ours.sum() <= 1 + 1e-6


def test_rollout_of_identity_attention_stays_on_cls_and_rejects_bad_shapes():
    eye = np.broadcast_to(np.eye(10), (3, 2, 10, 10))
    assert np.allclose(vit.rollout(eye), 0.0)
    with pytest.raises(InputError, match="square grid"):
        vit.rollout(np.ones((1, 1, 11, 11)) / 11)
    with pytest.raises(InputError, match="shape"):
        vit.rollout(np.ones((2, 5, 5)))


def test_trace_shapes_follow_the_api(tiny):
    trace = vit.attentions(tiny, _photo())
    cfg = vit.ViTConfig.tiny()
    n = 1 + cfg.grid[0] * cfg.grid[1]
    assert trace.weights.shape == (cfg.depth, cfg.num_heads, n, n) and trace.weights.dtype == np.float32
    assert trace.grid == cfg.grid and len(trace.tokens) == n
    assert trace.tokens[0] == "[CLS]" and trace.tokens[1] == "(0,0)"
    np.testing.assert_allclose(trace.weights.sum(-1), 1.0, atol=1e-5)
    assert trace.cls_maps().shape == (cfg.depth, cfg.num_heads, *cfg.grid)
    np.testing.assert_allclose(trace.patch_map(1, 0), trace.weights[1, 0, 0, 1:].reshape(cfg.grid))
    np.testing.assert_allclose(trace.patch_map(0, None, query=5), trace.weights[0, :, 5, 1:].mean(0).reshape(cfg.grid),
                               atol=1e-7)
    assert trace.pixels.shape == (cfg.img_size, cfg.img_size, 3) and trace.pixels.dtype == np.uint8
    top = vit.classify(tiny, _photo(), top_k=5)
    assert len(top) == 5 and all(isinstance(lab, str) and isinstance(p, float) for lab, p in top)
    assert [p for _, p in top] == sorted((p for _, p in top), reverse=True)
    with pytest.raises(InputError):
        vit.classify(tiny, _photo(), top_k=0)


def test_patches_projection_equals_the_models_patch_embedding(tiny):
    img = _photo(seed=2)
    pt = vit.patches(tiny, img)
    rows, cols = pt.grid
    p = pt.patch_size
    assert pt.pixels.shape == (rows * cols, p, p, 3) and pt.flat.shape == (rows * cols, 3 * p * p)
    with torch.no_grad():
        tokens = tiny.model.patch_embed(tiny.preprocess(img))[0].numpy()  # (P, D)
    np.testing.assert_allclose(pt.embedded, tokens, atol=1e-5)
    # The first flattened patch is the top-left p x p block, channel by channel.
    x = tiny.preprocess(img)[0, :, :p, :p].reshape(-1).numpy()
    np.testing.assert_allclose(pt.flat[0], x, atol=1e-6)
    np.testing.assert_array_equal(pt.pixels[cols], vit.view_pixels(img, 16)[p:2 * p, :p])


def test_position_similarity_is_a_cosine_matrix(tiny):
    sim = vit.position_similarity(tiny)
    rows, cols = tiny.grid
    flat = sim.reshape(rows * cols, rows * cols)
    np.testing.assert_allclose(np.diag(flat), 1.0, atol=1e-5)
    np.testing.assert_allclose(flat, flat.T, atol=1e-6)
    assert flat.min() >= -1 - 1e-5 and flat.max() <= 1 + 1e-5
    # The class token's position is excluded: patch (0, 0)'s embedding is pos_embed[0, 1].
    pe = tiny.model.pos_embed[0, 1:].detach().numpy()
    np.testing.assert_allclose(vit.position_embeddings(tiny), pe)


@pytest.mark.parametrize("size", [(1, 1), (3, 500), (500, 3), (17, 9), (8000, 6000)])
def test_awkward_image_sizes(tiny, size):
    img = Image.new("RGB", size, (200, 30, 30)) if size[0] * size[1] > 1e6 else _photo(*size)
    res = vit.analyse(tiny, img)
    assert res.trace.pixels.shape == (16, 16, 3)
    assert res.rollout.shape == tiny.grid and np.isfinite(res.trace.weights).all()
    assert len(res.top) == 5


def test_checkpoint_roundtrip_and_grey_preprocessing(tmp_path):
    torch.manual_seed(1)
    cfg = vit.ViTConfig(img_size=12, patch_size=4, in_chans=1, num_classes=3, embed_dim=8, depth=1, num_heads=2)
    model = vit.build(cfg)
    path = checkpoints.save(tmp_path / "v.safetensors", model.state_dict(), checkpoints.CheckpointMeta(
        name="tiny grey", family="vit", recipe="test", config={**cfg.to_dict(), "mean": [0.5], "std": [0.5],
                                                               "grey": True},
        extra={"labels": ["a", "b", "c"]}))
    handle = vit.load(str(path))
    assert handle.grey and handle.labels == ["a", "b", "c"] and handle.grid == (3, 3)
    img = _photo(30, 20)
    x = handle.preprocess(img)
    assert x.shape == (1, 1, 12, 12)
    grey = np.asarray(img.convert("L").resize((18, 12), Image.Resampling.BICUBIC), np.float32)[:, 3:15] / 255
    np.testing.assert_allclose(x[0, 0].numpy(), (grey - 0.5) / 0.5, atol=1e-5)
    with torch.no_grad():
        expected = torch.softmax(model(x), -1)[0].numpy()
    np.testing.assert_allclose(vit.attentions(handle, img).probs, expected, atol=1e-5)


def test_transformers_vit_from_local_folder(tmp_path):
    from transformers import ViTConfig, ViTForImageClassification

    torch.manual_seed(0)
    config = ViTConfig(image_size=32, patch_size=8, hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                       intermediate_size=32, num_labels=3, id2label={0: "ant", 1: "bee", 2: "cat"},
                       label2id={"ant": 0, "bee": 1, "cat": 2})
    ViTForImageClassification(config).save_pretrained(tmp_path)
    handle = vit.load(str(tmp_path))
    assert handle.library == "transformers" and handle.grid == (4, 4) and handle.labels == ["ant", "bee", "cat"]
    img = _photo(50, 35)
    trace = vit.attentions(handle, img)
    assert trace.weights.shape == (2, 2, 17, 17)
    np.testing.assert_allclose(trace.weights.sum(-1), 1.0, atol=1e-5)
    with torch.no_grad():
        tokens = handle.model.vit.embeddings.patch_embeddings(handle.preprocess(img))[0].numpy()
    np.testing.assert_allclose(vit.patches(handle, img).embedded, tokens, atol=1e-5)
    assert vit.position_similarity(handle).shape == (4, 4, 4, 4)


def test_timm_folder_and_unknown_names(tiny_timm_vit_folder):
    handle = vit.load(str(tiny_timm_vit_folder))
    assert isinstance(handle, vit.ViTHandle) and vit.ViTModel is vit.ViTHandle  # the old name stays an alias
    assert handle.library == "timm" and handle.grid == (4, 4) and handle.num_prefix == 1
    assert vit.attentions(handle, _photo()).weights.shape == (2, 2, 17, 17)
    with pytest.raises(InputError):
        vit.load("/no/such/folder")


def test_shipped_default_reports_its_measured_accuracy():
    found = [(p, m) for p, m in checkpoints.find("vit") if m.name == vit.DEFAULT]
    assert found, "the default ViT checkpoint is missing: run python -m tlviz.recipes.vit_animals"
    path, meta = found[0]
    assert path.stat().st_size < 15e6 and meta.extra.get("default") and meta.recipe == "tlviz.recipes.vit_animals"
    model = vit.load(vit.DEFAULT)
    assert model.grey and model.labels == list(vit.DEFAULT_CLASSES)
    # Re-measure on the held-out split: the number in the checkpoint (and the catalogue note) is the real one.
    from tlviz.data.images import animal_mnist

    _, test = animal_mnist().split(0.2, seed=0)
    x = (torch.from_numpy(test.images).float().unsqueeze(1) / 255.0 - 0.5) / 0.5  # (N, 1, 28, 28)
    with torch.no_grad():
        pred = model.model(x).argmax(-1).numpy()
    acc = float((pred == test.labels).mean())
    assert acc == pytest.approx(meta.metrics["test_accuracy"], abs=1e-3)
    assert f"{acc:.1%}" in meta.note
    # The page's samples go through the same preprocessing: a test silhouette as RGB gives the same input.
    sample = vit.silhouette_samples()
    assert len(sample) == 30 and list(sample)[0].startswith("bear") and list(sample)[-1].startswith("zebra")
    assert [vit.sample_class(n) for n in list(sample)[::3]] == list(vit.DEFAULT_CLASSES)
    assert vit.sample_class("photo: chelsea") is None and vit.sample_class("upload: cat (test #1).png") is None
    first = next(iter(sample.values()))
    np.testing.assert_allclose(model.preprocess(first)[0, 0].numpy(), x[int(list(sample)[0].split("#")[1][:-1]), 0],
                               atol=1e-6)


def test_figures_carry_the_right_numbers(tiny):
    from tlviz.viz import vit as vz

    res = vit.analyse(tiny, _photo())
    rows, cols = tiny.grid
    fig = vz.position_similarity_grid(res.position_similarity)
    z = np.asarray(fig.data[0].z, dtype=float)
    assert z.shape == (rows * (rows + 1) - 1, cols * (cols + 1) - 1)
    r, c = 2, 1
    np.testing.assert_allclose(z[r * (rows + 1): r * (rows + 1) + rows, c * (cols + 1): c * (cols + 1) + cols],
                               res.position_similarity[r, c], atol=1e-6)
    assert np.isnan(z[rows, :]).all()  # the white gap between tile rows
    pix = vz.display_pixels(res.trace.pixels)
    assert pix.shape == (224, 224, 3) and (pix[::14, ::14] == res.trace.pixels).all()
    overlay = vz.attention_overlay(pix, res.rollout, tiny.grid, query=(1, 2))
    heat = next(t for t in overlay.data if t.type == "heatmap")
    np.testing.assert_allclose(np.asarray(heat.z, dtype=float), res.rollout)
    assert heat.x0 == 224 / cols / 2 and heat.dx == 224 / cols  # cells sit on the patch grid
    assert overlay.data[0].source.startswith("data:image/png;base64,")
    mosaic = vz.head_mosaic(res.trace.cls_maps(), pix)
    assert len(mosaic.data) == 1 and len(mosaic.layout.xaxis.tickvals) == res.trace.num_heads
    assert len(mosaic.layout.yaxis.tickvals) == res.trace.num_layers
    assert vz.inferno(0.0).tolist() == [0, 0, 4] and vz.inferno(1.0).tolist() == [252, 255, 164]


def test_small_models_run_on_one_thread_and_restore_the_count(tiny, monkeypatch):
    seen = []
    real = tiny.model.forward
    monkeypatch.setattr(tiny.model, "forward", lambda x: seen.append(torch.get_num_threads()) or real(x))
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        vit.classify(tiny, _photo())
        assert seen == [1] and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_image_sources_and_the_lesson_bundle(tiny):
    import io

    buf = io.BytesIO()
    _photo(40, 30, seed=3).save(buf, "PNG")
    data = buf.getvalue()
    assert vit.check_image(data) == (40, 30)
    res = vit.lesson(tiny, data)
    direct = vit.analyse(tiny, _photo(40, 30, seed=3))  # the same pixels, never through bytes
    np.testing.assert_array_equal(res.trace.weights, direct.trace.weights)
    assert res.image_size == (40, 30) and res.top == direct.top
    assert res.trace.query_index(1, 2) == 1 + 1 * 4 + 2
    assert res.patches.channels == 3
    for bad, message in ((b"", "empty"), (b"not an image", "not an image")):
        with pytest.raises(InputError, match=message):
            vit.check_image(bad)
    with pytest.raises(InputError, match="No sample image"):
        vit.lesson(tiny, "no such sample")


def test_true_class_only_for_silhouettes_on_grey_models(tiny):
    assert vit.true_class(tiny, "cat (test #3)") is None  # an RGB model: no ground truth offered
    grey = vit._handle("g", tiny.model, tiny.labels, library="timm", source="test", input_size=16, patch_size=4,
                       num_prefix=1, mean=(0.5,) * 3, std=(0.5,) * 3, crop_pct=1.0, grey=True)
    assert vit.true_class(grey, "cat (test #3)") == "cat"
    assert vit.true_class(grey, b"bytes of an upload") is None and vit.true_class(grey, "photo: chelsea") is None


def test_cnn_explanation_uses_the_cnns_view_and_rejects_unknown_methods(tiny):
    import timm

    from tlviz import attribution, models

    torch.manual_seed(0)
    cnn = models.ImageModel(name="tiny cnn", model=models.freeze(timm.create_model("resnet18", pretrained=False,
                                                                                  num_classes=3)),
                            labels=["ant, emmet", "bee", "cat"], input_size=32, crop_pct=1.0)
    image = _photo(50, 40, seed=4)
    exp = vit.explain_with_cnn(cnn, _png_source(image), "grad_cam")
    heat, target = attribution.explain(cnn, image, "grad_cam")
    np.testing.assert_allclose(exp.heat, heat, atol=1e-6)
    assert exp.label == cnn.labels[target] and exp.pixels.shape == (32, 32, 3)
    with pytest.raises(InputError, match="Unknown attribution"):
        vit.explain_with_cnn(cnn, _png_source(image), "saliency")


def _png_source(image) -> bytes:
    import io

    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def test_lesson_figures_show_the_chosen_layer_head_and_patch(tiny):
    from tlviz.viz import vit_lesson as vl

    res = vit.analyse(tiny, _photo(seed=5))
    tr = res.trace

    def heat(fig):
        return np.asarray(next(t for t in fig.data if t.type == "heatmap").z, dtype=float)

    np.testing.assert_allclose(heat(vl.figure(res, "cls", 2, 1)), tr.weights[1, 0, 0, 1:].reshape(tr.grid), atol=1e-6)
    np.testing.assert_allclose(heat(vl.figure(res, "cls", 1, 0)), tr.weights[0, :, 0, 1:].mean(0).reshape(tr.grid),
                               atol=1e-6)  # head 0: the mean of the heads
    q = 1 + 3 * tr.grid[1] + 2  # patch (3, 2) as the query
    np.testing.assert_allclose(heat(vl.figure(res, "patch", 2, 2, 3, 2)), tr.weights[1, 1, q, 1:].reshape(tr.grid),
                               atol=1e-6)
    bars = vl.figure(res, "top5", "c1").data[0]
    assert list(bars.y) == [lab for lab, _ in res.top] and np.allclose(bars.x, [p for _, p in res.top])
    assert vl.head_name(0) == "mean of heads" and vl.head_name(2) == "head 2"
    assert "4x4 = 16 patches" in vl.caption(res, "x") and "(40x30 px)" in vl.caption(res, "x")
    assert set(vl.EXPLAIN) >= {"grid", "sequence", "flat", "tokens", "pos", "heads", "cls", "rollout", "patch"}
    assert vl.table(res, "heads").shape == (tr.num_layers * tr.num_heads * 16, 5)
