"""tlviz.attribution: Grad-CAM and integrated gradients against direct computations, on tiny random models."""

import numpy as np
import pytest
import torch

from tlviz import attribution, models
from tlviz.errors import InputError


@pytest.fixture(scope="module")
def resnet():
    import timm

    torch.manual_seed(0)
    return models.freeze(timm.create_model("resnet18", pretrained=False, num_classes=4))


@pytest.fixture(scope="module")
def effnet():
    import timm

    torch.manual_seed(0)
    return models.freeze(timm.create_model("tf_efficientnet_lite0", pretrained=False, num_classes=3))


def _x(size=48, seed=0):
    return torch.randn(1, 3, size, size, generator=torch.Generator().manual_seed(seed))


def test_layer_choice_for_timm_cnns(resnet, effnet):
    assert attribution.find_cam_layer(resnet) is resnet.layer4
    assert attribution.find_cam_layer(effnet) is effnet.bn2


def test_layer_after_global_pooling_is_skipped():
    import timm

    torch.manual_seed(0)
    mnv3 = models.freeze(timm.create_model("mobilenetv3_small_100", pretrained=False, num_classes=3))
    # MobileNetV3's conv_head runs on the pooled 1x1 features: Grad-CAM must use the last spatial stage instead.
    x = _x(64)
    assert attribution.find_cam_layer(mnv3, x) is mnv3.blocks
    cam = attribution.grad_cam(mnv3, x, 0)
    assert cam.shape == (64, 64) and cam.max() == pytest.approx(1.0) and cam.std() > 0


def test_fallback_picks_last_feature_map():
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU(),
                              torch.nn.Conv2d(4, 5, 3, padding=1), torch.nn.AdaptiveAvgPool2d(1),
                              torch.nn.Flatten(), torch.nn.Linear(5, 2))
    layer = attribution.find_cam_layer(net, _x(8))
    # The last module producing a spatial map (> 1x1) is the second convolution (pooling gives 1x1).
    assert layer is net[2]


def test_grad_cam_matches_direct_implementation(resnet):
    x, target = _x(), 2
    ours = attribution.grad_cam(resnet, x, target)
    assert ours.shape == (48, 48) and ours.dtype == np.float32
    assert ours.min() >= 0 and ours.max() <= 1 and ours.max() == pytest.approx(1.0)

    # Direct Grad-CAM: feature map A of layer4, weights = spatial mean of dScore/dA, ReLU(sum_k w_k A_k).
    store = {}
    hook = resnet.layer4.register_forward_hook(lambda m, i, o: store.setdefault("a", o))
    try:
        with torch.enable_grad():
            inp = x.clone().requires_grad_(True)
            score = resnet(inp)[0, target]
            (grad,) = torch.autograd.grad(score, store["a"])
    finally:
        hook.remove()
    a = store["a"].detach()
    cam = torch.relu((grad.mean(dim=(2, 3), keepdim=True) * a).sum(1, keepdim=True))  # (1, 1, h, w)
    up = torch.nn.functional.interpolate(cam, size=(48, 48), mode="bilinear")[0, 0].numpy()
    expected = up / up.max()
    np.testing.assert_allclose(ours, expected, atol=1e-5)


def test_grad_cam_does_not_mutate_shared_model(effnet):
    before = {k: v.clone() for k, v in effnet.state_dict().items()}
    hooks_before = sum(len(m._forward_hooks) + len(m._backward_hooks) for m in effnet.modules())
    cam = attribution.grad_cam(effnet, _x(64), 1)
    assert cam.shape == (64, 64)
    assert not effnet.training
    assert not any(p.requires_grad for p in effnet.parameters())
    assert all(torch.equal(before[k], v) for k, v in effnet.state_dict().items())
    assert sum(len(m._forward_hooks) + len(m._backward_hooks) for m in effnet.modules()) == hooks_before


def test_grad_cam_accepts_image_model_handle_and_named_layer(resnet):
    handle = models.ImageModel(name="tiny", model=resnet, labels=["a", "b", "c", "d"], input_size=48)
    by_handle = attribution.grad_cam(handle, _x(), 0)
    by_name = attribution.grad_cam(resnet, _x(), 0, layer="layer4")
    np.testing.assert_allclose(by_handle, by_name, atol=1e-6)
    with pytest.raises(InputError, match="no layer"):
        attribution.grad_cam(resnet, _x(), 0, layer="layer9")


def test_integrated_gradients_of_a_linear_model_is_input_times_weight():
    torch.manual_seed(1)
    lin = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 8 * 8, 2))
    models.freeze(lin)
    # Only the top-left 4x4 block of each channel matters for class 1.
    with torch.no_grad():
        w = lin[1].weight.view(2, 3, 8, 8)
        w[1, :, 4:, :] = 0
        w[1, :, :, 4:] = 0
    x = _x(8, seed=3)
    ours = attribution.integrated_gradients(lin, x, 1, steps=16)
    # For a linear model IG is exact: (x - baseline) * weight, whatever the number of steps.
    direct = (x[0] * lin[1].weight[1].view(3, 8, 8)).abs().sum(0).detach().numpy()
    expected = np.clip(direct / np.percentile(direct, 99.5), 0, 1)
    np.testing.assert_allclose(ours, expected, atol=1e-5)
    assert ours[4:, :].max() == 0 and ours[:, 4:].max() == 0 and ours[:4, :4].max() > 0


def test_bad_inputs_are_clear(resnet):
    with pytest.raises(InputError, match="one image"):
        attribution.grad_cam(resnet, torch.zeros(2, 3, 32, 32), 0)
    with pytest.raises(InputError, match="class index"):
        attribution.grad_cam(resnet, _x(), -1)
    with pytest.raises(InputError, match="steps"):
        attribution.integrated_gradients(resnet, _x(), 0, steps=1)
    mlp = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(3 * 4 * 4, 2))
    with pytest.raises(InputError, match="feature map"):
        attribution.grad_cam(mlp, _x(4), 0)


def test_explain_uses_predicted_class(resnet):
    from PIL import Image

    handle = models.ImageModel(name="tiny", model=resnet, labels=["a", "b", "c", "d"], input_size=40,
                               mean=(0.5,) * 3, std=(0.5,) * 3, crop_pct=1.0)
    img = Image.fromarray(np.random.default_rng(0).integers(0, 255, (50, 70, 3), dtype=np.uint8))
    heat, target = attribution.explain(handle, img)
    with torch.inference_mode():
        assert target == int(resnet(handle.preprocess(img)).argmax())
    assert heat.shape == (40, 40) and heat.min() >= 0 and heat.max() <= 1
    with pytest.raises(InputError, match="Unknown attribution"):
        attribution.explain(handle, img, method="saliency-magic")
