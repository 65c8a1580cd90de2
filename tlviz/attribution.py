"""Attribution maps for image classifiers through captum: Grad-CAM and integrated gradients.

Both answer "which pixels moved this class score?" by differentiating the model, which attention maps do not:
attention weights say where information was *read from*, not what *caused* the prediction (Jain & Wallace 2019,
"Attention is not Explanation"; Wiegreffe & Pinter 2019). The ViT lesson shows the two side by side.

Rules kept here: the shared model is never mutated (no ``.train()``, no ``requires_grad`` on its parameters):
gradients flow because the *input* requires grad, inside ``torch.enable_grad()`` (pages may run under
``inference_mode`` elsewhere), and all work holds :func:`tlviz.runtime.exclusive`. captum's temporary hooks are
removed by captum before the lock is released.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tlviz.errors import InputError

#: Preferred Grad-CAM layers of common timm CNNs, by attribute path, best first: the last convolutional feature
#: map before global pooling (EfficientNet / MobileNet: ``bn2`` after ``conv_head``, ResNet: ``layer4``...).
PREFERRED_LAYERS = ("bn2", "conv_head", "layer4", "final_conv", "stages", "features", "conv_final", "head.norm")


def _module(model) -> Any:
    """Accept an :class:`tlviz.models.ImageModel` handle or a bare ``torch.nn.Module``."""
    import torch

    inner = getattr(model, "model", model)
    if not isinstance(inner, torch.nn.Module):
        raise InputError(f"Attribution needs a torch model, got a {type(inner).__name__}.")
    return inner


def _get(model, path: str):
    obj = model
    for part in path.split("."):
        if not hasattr(obj, part):
            return None
        obj = getattr(obj, part)
    return obj


def _spatial_outputs(model, x) -> list[tuple[str, Any]]:
    """Run ``x`` once and list, in the order they finished, the modules (outside the classifier head) whose output
    was a 4-D feature map larger than 1x1. Children finish before their parents."""
    import torch

    seen: list[tuple[str, Any]] = []
    hooks = []
    for name, mod in model.named_modules():
        if not name or name.split(".")[0] in ("head", "fc", "classifier", "global_pool", "pre_logits"):
            continue

        def hook(m, inputs, output, name=name):
            if isinstance(output, torch.Tensor) and output.ndim == 4 and min(output.shape[-2:]) > 1:
                seen.append((name, m))
        hooks.append(mod.register_forward_hook(hook))
    try:
        with torch.inference_mode():
            model(x)
    finally:
        for h in hooks:
            h.remove()
    return seen


def find_cam_layer(model, x=None):
    """The layer Grad-CAM should look at: the first known name (:data:`PREFERRED_LAYERS`) whose output is a
    spatial feature map, else the last module producing one (the last hook to fire is the outermost module ending
    with the last feature map, e.g. a whole final stage). With ``x=None`` the names are trusted unchecked.

    The check matters: MobileNetV3's ``conv_head`` runs *after* global pooling (1x1), EfficientNet's on the 7x7 map.
    """
    import torch

    module = _module(model)
    candidates = []
    for path in PREFERRED_LAYERS:
        layer = _get(module, path)
        if path == "head.norm" or not isinstance(layer, torch.nn.Module) or isinstance(layer, torch.nn.Identity):
            continue
        if path in ("stages", "features") and isinstance(layer, torch.nn.Sequential) and len(layer):
            layer = layer[-1]
        candidates.append(layer)
    if x is None:
        if candidates:
            return candidates[0]
        raise InputError("Cannot pick a Grad-CAM layer without an example input.")
    spatial = _spatial_outputs(module, x)
    ids = {id(m) for _, m in spatial}
    for layer in candidates:
        if id(layer) in ids:
            return layer
    if not spatial:
        raise InputError("This model has no convolutional feature map for Grad-CAM (is it a CNN?). "
                         "Pass the layer explicitly, or use integrated gradients.")
    return spatial[-1][1]


def _check_input(x, target: int, num_classes: int | None = None):
    import torch

    if not isinstance(x, torch.Tensor) or x.ndim != 4 or x.shape[0] != 1:
        raise InputError(f"Attribution expects one image as a tensor (1, C, H, W), got "
                         f"{tuple(getattr(x, 'shape', ())) or type(x).__name__}.")
    if not isinstance(target, (int, np.integer)) or target < 0 or (num_classes is not None and target >= num_classes):
        raise InputError(f"The class index {target} is not one of this model's {num_classes} classes.")


def _normalise(a: np.ndarray) -> np.ndarray:
    a = np.nan_to_num(np.asarray(a, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    a = a - a.min() if a.min() < 0 else a
    top = float(a.max())
    return (a / top if top > 0 else np.zeros_like(a)).astype(np.float32)


def grad_cam(model, x, target: int, layer=None) -> np.ndarray:
    """Grad-CAM (Selvaraju et al. 2017) of class ``target`` for one input ``x`` (1, C, H, W).

    captum's ``LayerGradCam`` weights the chosen layer's channels by their average gradient, sums them, keeps the
    positive part, and we upsample it bilinearly to the input's size. ``layer=None`` picks the last convolutional
    feature map (:func:`find_cam_layer`). Returns ``(H, W)`` float32 in [0, 1] (all zeros when nothing in the
    layer supports the class).
    """
    import torch
    from captum.attr import LayerAttribution, LayerGradCam

    from tlviz import runtime

    module = _module(model)
    _check_input(x, target)
    x = x.detach().float()
    with runtime.exclusive("Grad-CAM"):
        chosen = layer if layer is not None else find_cam_layer(module, x)
        if isinstance(chosen, str):
            found = _get(module, chosen)
            if found is None:
                raise InputError(f"The model has no layer called '{chosen}'.")
            chosen = found
        with torch.enable_grad():
            inp = x.clone().requires_grad_(True)
            cam = LayerGradCam(module, chosen)
            attr = cam.attribute(inp, target=int(target), relu_attributions=True)  # (1, 1, h, w)
            if attr.ndim != 4:
                raise InputError("Grad-CAM needs a layer with a spatial (C, h, w) output; this one has shape "
                                 f"{tuple(attr.shape)}.")
            up = LayerAttribution.interpolate(attr, tuple(x.shape[-2:]), interpolate_mode="bilinear")
        out = up.detach()[0, 0].numpy()  # (H, W)
    return _normalise(np.clip(out, 0, None))


def integrated_gradients(model, x, target: int, baseline=None, steps: int = 32,
                         internal_batch_size: int = 8) -> np.ndarray:
    """Integrated gradients (Sundararajan et al. 2017) of class ``target`` for one input ``x`` (1, C, H, W).

    The path integral of gradients from ``baseline`` (default: all zeros in the model's normalised space, i.e. the
    mean colour) to ``x``, in ``steps`` Riemann steps. The per-pixel map is the absolute attribution summed over
    colour channels, scaled so its 99.5th percentile is 1 and clipped: ``(H, W)`` float32 in [0, 1].
    """
    import torch
    from captum.attr import IntegratedGradients

    from tlviz import runtime

    module = _module(model)
    _check_input(x, target)
    if not 2 <= int(steps) <= 512:
        raise InputError("Integrated gradients needs between 2 and 512 steps.")
    x = x.detach().float()
    base = torch.zeros_like(x) if baseline is None else torch.as_tensor(baseline, dtype=x.dtype).expand_as(x)
    with runtime.exclusive("integrated gradients"), torch.enable_grad():
        inp = x.clone().requires_grad_(True)
        ig = IntegratedGradients(module)
        attr = ig.attribute(inp, baselines=base, target=int(target), n_steps=int(steps),
                            internal_batch_size=int(internal_batch_size))  # (1, C, H, W)
    heat = attr.detach()[0].abs().sum(0).numpy()  # (H, W)
    top = float(np.percentile(heat, 99.5))
    return (np.clip(heat / top, 0, 1) if top > 0 else np.zeros_like(heat)).astype(np.float32)


def explain(handle, image, method: str = "grad_cam", target: int | None = None) -> tuple[np.ndarray, int]:
    """An attribution map for an RGB PIL image through a loaded :class:`tlviz.models.ImageModel`.

    ``target=None`` explains the predicted class. Returns ``(map (S, S) in [0, 1], target)`` where ``S`` is the
    model's input size (the map covers the centre crop the model saw).
    """
    import torch

    from tlviz import runtime

    x = handle.preprocess(image)
    if target is None:
        with runtime.exclusive(f"classifying with {handle.name}"), torch.inference_mode():
            target = int(_module(handle)(x).argmax(-1)[0])
    if method == "grad_cam":
        return grad_cam(handle, x, target), target
    if method in ("integrated_gradients", "ig"):
        return integrated_gradients(handle, x, target), target
    raise InputError(f"Unknown attribution method '{method}': use 'grad_cam' or 'integrated_gradients'.")
