"""The hub code path, offline: models placed in a Hugging Face cache folder (as `prefetch` leaves them) load by
their hub ids, and the catalogue reports them as offline. Runs in a subprocess because huggingface_hub reads its
cache location once, at import."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent('''
    import json, shutil, sys
    from pathlib import Path
    import timm, torch
    from safetensors.torch import save_file

    cache = Path(sys.argv[1])

    def snapshot(repo):  # the cache layout huggingface_hub writes: refs/main -> snapshots/<commit>/files
        folder = cache / ("models--" + repo.replace("/", "--"))
        (folder / "refs").mkdir(parents=True)
        (folder / "refs" / "main").write_text("0" * 40)
        snap = folder / "snapshots" / ("0" * 40)
        snap.mkdir(parents=True)
        return snap

    # the shared tiny BERT (conftest's tiny_bert_folder) under the id "bert-base-uncased"
    shutil.copytree(sys.argv[2], snapshot("bert-base-uncased"), dirs_exist_ok=True)

    # random resnet18 weights where timm looks for "resnet18"
    repo = timm.models.get_pretrained_cfg("resnet18").hf_hub_id
    snap = snapshot(repo)
    model = timm.create_model("resnet18", pretrained=False)
    save_file(model.state_dict(), str(snap / "model.safetensors"))
    (snap / "config.json").write_text(json.dumps({"architecture": "resnet18", "num_classes": 1000}))
    print("ok")
''')

CHECK = textwrap.dedent('''
    import json
    from tlviz import bert, cnn, models
    cards = {c.ref: c.offline for c in models.catalog() if c.source == "hub"}
    b = bert.load("bert-base-uncased")
    c = cnn.load("ResNet-18 (timm)")
    print(json.dumps({"cards": cards, "bert": [b.source, b.has_mlm, b.num_layers], "cnn": [c.source, len(c.labels),
                      c.labels[967], c.arch]}))
''')


def test_hub_ids_load_from_a_prefetched_cache(tmp_path, tiny_bert_folder):
    cache = tmp_path / "hub"
    env = {"HF_HUB_CACHE": str(cache), "HF_HOME": str(tmp_path / "home"), "TLVIZ_OFFLINE": "1",
           "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    made = subprocess.run([sys.executable, "-c", SCRIPT, str(cache), str(tiny_bert_folder)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr[-2000:]
    out = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["cards"]["bert-base-uncased"] is True and result["cards"]["resnet18"] is True
    assert result["cards"]["distilbert-base-uncased"] is False
    assert result["bert"] == ["hub", True, 2]
    assert result["cnn"][:3] == ["hub", 1000, "espresso"]
