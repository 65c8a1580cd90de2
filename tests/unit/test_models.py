"""The catalogue and the public loaders: packaged defaults offline, local folders by the hub code path, and clear
errors for what cannot be had."""

import pytest
import torch

from tlviz import bert, checkpoints, cnn, models
from tlviz.errors import InputError
from tlviz.images import load_sample


def test_catalog_lists_packaged_defaults_offline():
    cards = {c.name: c for c in models.catalog()}
    minilm, effnet = cards[models.MINILM_NAME], cards[models.EFFNET_NAME]
    assert (minilm.family, minilm.source, minilm.offline, minilm.default) == ("bert", "package", True, True)
    assert (effnet.family, effnet.source, effnet.offline, effnet.default) == ("cnn", "package", True, True)
    assert all(c.family in models.FAMILIES and c.source in ("package", "checkpoint", "hub") for c in cards.values())
    assert all(c.note and c.size for c in cards.values())
    # Hub models are listed, and are offline only when the local cache holds them (it does not in tests).
    hub = [c for c in cards.values() if c.source == "hub"]
    assert {"bert-base-uncased", "distilbert-base-uncased", "google/vit-base-patch16-224"} <= {c.ref for c in hub}
    assert not any(c.offline for c in hub)


def test_efficientnet_lite0_sees_espresso_in_coffee():
    handle = cnn.load()
    assert handle is cnn.load(models.EFFNET_NAME)  # one shared instance per process
    top = cnn.classify(handle, load_sample("coffee"), top_k=5)
    assert top[0][0] == "espresso" and top[0][1] > 0.5
    assert len(top) == 5 and all(a[1] >= b[1] for a, b in zip(top, top[1:]))
    cat = [label for label, _ in cnn.classify(handle, load_sample("chelsea"), top_k=3)]
    assert any("cat" in label for label in cat)


def test_shared_models_are_read_only():
    handle = cnn.load()
    assert not handle.model.training
    assert not any(p.requires_grad for p in handle.model.parameters())


def test_tiny_timm_model_from_local_folder(tmp_path):
    import timm
    from timm.models import save_for_hf

    model = timm.create_model("resnet10t", pretrained=False, num_classes=3)
    save_for_hf(model, str(tmp_path), safe_serialization=True)
    handle = cnn.load(str(tmp_path))
    assert handle.source == "local" and handle.labels == ["class 0", "class 1", "class 2"]
    sd_saved, sd_loaded = model.state_dict(), handle.model.state_dict()
    assert all(torch.equal(sd_saved[k], sd_loaded[k]) for k in sd_saved)
    probs = cnn.classify(handle, load_sample("coffee"), top_k=3)
    assert abs(sum(p for _, p in probs) - 1.0) < 1e-5


def test_tiny_bert_from_local_folder_by_hub_code_path(tiny_bert_folder):
    handle = bert.load(str(tiny_bert_folder))
    assert handle.source == "local" and handle.has_mlm and handle.num_layers == 2 and handle.num_heads == 4
    assert handle.model.config._attn_implementation == "eager"
    assert not handle.model.training


def test_packaged_minilm_has_no_mlm_head():
    handle = bert.load()
    assert handle.name == models.MINILM_NAME and not handle.has_mlm
    assert (handle.num_layers, handle.num_heads) == (6, 12)


@pytest.mark.parametrize("family_load", [bert.load, cnn.load])
def test_uncached_hub_model_offline_says_what_to_do(family_load):
    name = "bert-base-uncased" if family_load is bert.load else "resnet18"
    with pytest.raises(InputError, match="prefetch"):
        family_load(name)


@pytest.mark.parametrize("bad", ["", "   ", "/no/such/folder", "./missing-model"])
def test_bad_names(bad):
    with pytest.raises(InputError):
        cnn.load(bad)


def test_unknown_timm_name():
    with pytest.raises(InputError, match="neither"):
        cnn.load("definitely_not_a_model_xyz")


def test_checkpoint_round_trip_and_catalogue(tmp_path, monkeypatch):
    state = {"w": torch.randn(3, 4), "b": torch.arange(3)}
    meta = checkpoints.CheckpointMeta(name="Test model", family="seq2seq", recipe="tests", config={"d": 4},
                                      note="a test", metrics={"params": 15, "acc": 0.5}, extra={"vocab": ["a"]})
    path = checkpoints.save(tmp_path / "t.safetensors", state, meta, half=True)
    loaded, meta2 = checkpoints.load(path)
    assert torch.allclose(loaded["w"], state["w"], atol=1e-2) and loaded["w"].dtype == torch.float32
    assert torch.equal(loaded["b"], state["b"])
    assert (meta2.name, meta2.config, meta2.metrics["acc"], meta2.extra["vocab"]) == ("Test model", {"d": 4}, 0.5,
                                                                                       ["a"])
    monkeypatch.setattr(checkpoints, "CHECKPOINT_DIR", tmp_path)
    (tmp_path / "junk.safetensors").write_bytes(b"not a checkpoint")
    cards = list(models.catalog("seq2seq"))
    assert [c.name for c in cards] == ["Test model"] and cards[0].offline and cards[0].source == "checkpoint"


def test_checkpoint_garbage_is_input_error(tmp_path):
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x00" * 64)
    with pytest.raises(InputError, match="not a tlviz checkpoint"):
        checkpoints.read_meta(bad)


def test_hub_unreachable_fails_fast_with_advice(monkeypatch):
    import time

    monkeypatch.delenv("TLVIZ_OFFLINE", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(models, "hub_reachable", lambda *a, **k: False)
    start = time.monotonic()
    for load, name in ((bert.load, "bert-base-uncased"), (cnn.load, "resnet18")):
        with pytest.raises(InputError, match="cannot reach the Hugging Face hub"):
            load(name)
    assert time.monotonic() - start < 10


def test_prefetch_lists_and_refuses_unknown(capsys):
    from tlviz.recipes import prefetch

    assert prefetch.main(["--list"]) == 0
    out = capsys.readouterr().out
    assert all(spec.ref in out for spec in models.HUB_MODELS) and "missing" in out
    assert prefetch.main(["not-a-listed-model"]) == 2
