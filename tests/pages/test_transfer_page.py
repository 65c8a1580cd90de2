"""AppTest: the transfer-learning lab trains through the class's queue, compares runs, keeps them through bad
input, stops and language switches, shares identical runs between students, and reads its state from the URL."""

import json
import time
from pathlib import Path

import torch
from streamlit.testing.v1 import AppTest

from tests.pages.pagetools import open_page
from tlviz import cnn, ui
from tlviz import transfer as T

PAGE = str(Path(__file__).resolve().parents[2] / "lessons" / "transfer_lab.py")


def _ok(at):
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _open(**params) -> AppTest:
    return open_page("transfer_lab", timeout=240, **params)


def _settle(at, timeout: float = 180) -> AppTest:
    """Rerun the page (as its polling fragment does) until none of its runs waits or trains."""
    deadline = time.monotonic() + timeout
    while any(not r.over for r in at.session_state["tl_runs"]):
        assert time.monotonic() < deadline, "the run never ended"
        time.sleep(0.3)
        at.run()
    return at.run()


def _train(at, epochs: int, strategy: str = "feature_extraction", prediction: str | None = None, wait=True):
    at.select_slider(key="tl_subset").set_value(10)  # 10 training + 20 validation images per class: fast
    at.slider(key="tl_epochs").set_value(epochs)
    at.radio(key="tl_strategy").set_value(strategy)
    if prediction:
        at.radio(key="tl_predict").set_value(prediction)
    at.run()
    next(b for b in at.button if b.label.startswith("▶")).click()
    at.run()
    return _settle(at) if wait else at


def test_lab_trains_compares_and_reveals(tmp_path):
    at = _open()
    _ok(at)
    titles = [c.value for c in at.subheader]
    assert titles[:3] == ["1 · Images", "2 · What to freeze", "3 · Predict, then train"]
    assert "Inside one run" not in " ".join(titles)  # no runs yet
    _train(at, 2, prediction="higher")
    _ok(at)
    runs = at.session_state["tl_runs"]
    assert len(runs) == 1 and runs[0].status == "finished" and len(T.epoch_rows(runs[0].history)) == 2
    assert runs[0].history.info["cached"] and runs[0].trainable == ("classifier",)
    assert runs[0].results.confusion.sum() == 200  # 20 validation images x 10 classes
    assert "compared with **from scratch**" in at.radio(key="tl_predict").label
    at.radio(key="tl_strategy").set_value("scratch").run()  # the question fits the strategy
    assert "compared with a **pretrained** network" in at.radio(key="tl_predict").label
    _train(at, 1, strategy="scratch")
    _train(at, 1, strategy="finetune_last")
    _ok(at)
    runs = at.session_state["tl_runs"]
    assert [r.strategy for r in runs] == ["feature_extraction", "scratch", "finetune_last"]
    # What the page says about start, slope and asymptote is computed from these very runs: 1-2 epochs cannot
    # show a level, so every asymptote is "not reached" (in words and in the comparison's bars).
    shows = next(m.value for m in at.markdown if m.value.startswith("**What these runs show:**"))
    assert shows == "**What these runs show:** " + T.benefits_text(runs)
    assert "Asymptote not reached" in shows and all(r.name in shows for r in runs)
    bars = json.loads(next(c for c in at.get("plotly_chart") if "fig_tl_metrics" in c.proto.id).proto.spec)["data"]
    assert bars[2]["text"] == ["not reached"] * 3
    assert not runs[1].spec.pretrained and runs[1].trainable_params == runs[1].total_params
    table = at.dataframe[1].value
    assert list(table["run"]) == [r.name for r in runs] and list(table["status"]) == ["finished"] * 3
    assert any("You predicted" in i.value for i in at.info)
    # Every selector follows the runs that exist: "inside one run" shows the latest, Grad-CAM's "after" a
    # fine-tuned run (never the from-scratch one).
    assert at.selectbox(key="tl_result_run_3").value == runs[2].name
    assert at.selectbox(key="tl_cam_b_1").value == runs[2].name
    next(b for b in at.button if b.label.startswith("Show Grad-CAM")).click()
    at.run()
    _ok(at)
    assert any("Grad-CAM for the true class" in c.value for c in at.caption)
    next(b for b in at.button if b.label.startswith("Prepare the trained model")).click()
    at.run()
    _ok(at)
    run_id, blob = at.session_state["tl_ckpt"]
    run = next(r for r in runs if r.id == run_id)
    path = tmp_path / "downloaded.safetensors"
    path.write_bytes(blob)
    loaded = cnn.load(str(path))  # the downloaded file is a checkpoint the engine loads back, with the same outputs
    x = run.model.normalise(run.data.x_val[:4])
    with torch.no_grad():
        torch.testing.assert_close(loaded.model(x), run.model.model.eval()(x))
    assert loaded.labels == list(run.data.classes)


def test_two_students_asking_for_the_same_run_share_it_exactly():
    a, b = _open(), _open()
    _train(a, 2, wait=False)
    _train(b, 2)
    _settle(a)
    ra, rb = a.session_state["tl_runs"][0], b.session_state["tl_runs"][0]
    assert ra.status == rb.status == "finished"
    assert ra.history.losses == rb.history.losses and T.epoch_rows(ra.history) == T.epoch_rows(rb.history)
    assert ra.model is rb.model  # trained once for the class


def test_stop_keeps_the_curve_so_far():
    at = _open()
    _train(at, 40, strategy="full", wait=False)
    deadline = time.monotonic() + 120
    while not T.epoch_rows(at.session_state["tl_runs"][0].history):
        assert time.monotonic() < deadline
        time.sleep(0.5)
        at.run()
    at.button(key="tl_stop1").click()
    _settle(at.run())
    run = at.session_state["tl_runs"][0]
    epochs = len(T.epoch_rows(run.history))
    assert run.status == "user" and 1 <= epochs < 40 and run.results is not None
    assert list(at.dataframe[1].value["status"]) == ["stopped"]
    assert list(at.dataframe[1].value["epochs"]) == [epochs]


def test_bad_backbone_keeps_earlier_runs():
    at = _open()
    _train(at, 1)
    assert len(at.session_state["tl_runs"]) == 1
    at.selectbox(key="tl_backbone").set_value(ui.OTHER).run()
    at.text_input(key="tl_backbone_other").set_value("no_such_network_xyz").run()
    assert not at.exception
    assert any("no_such_network_xyz" in e.value for e in at.error)
    assert len(at.session_state["tl_runs"]) == 1
    assert "4 · Compare runs: start, slope, asymptote" in [c.value for c in at.subheader]


def test_own_images_without_upload_keeps_the_runs():
    at = _open()
    _train(at, 1)
    at.radio(key="tl_source").set_value("own").run()
    assert not at.exception
    assert any("Upload images" in i.value for i in at.info)
    assert next(b for b in at.button if b.label.startswith("▶")).disabled
    kept = at.session_state["tl_runs"]
    assert len(kept) == 1 and kept[0].status == "finished" and kept[0].results is not None


def test_a_link_opens_the_same_lab_and_bad_links_warn():
    at = _open(strategy="finetune_last", k="2", epochs="3", per_class="10", lr="0.01", augment="1")
    _ok(at)
    assert not at.warning
    assert at.radio(key="tl_strategy").value == "finetune_last" and at.slider(key="tl_k").value == 2
    assert at.slider(key="tl_epochs").value == 3 and at.checkbox(key="tl_augment").value is True
    blocks = at.query_params["blocks"].split(",")
    assert blocks[-1] == "classifier" and len(blocks) == 3
    at.radio(key="tl_strategy").set_value("full").run()
    assert at.query_params["strategy"] == "full"
    bad = _open(strategy="magic", epochs="400", blocks="nonsense")
    assert not bad.exception and not bad.error
    assert len(bad.warning) == 3 and all("link" in w.value for w in bad.warning)
    assert bad.radio(key="tl_strategy").value == "feature_extraction" and bad.slider(key="tl_epochs").value == 20
