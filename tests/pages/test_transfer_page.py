"""AppTest: the transfer-learning lab trains live, compares runs, keeps them through bad input and interruptions."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

from tlviz import ui

PAGE = str(Path(__file__).resolve().parents[2] / "lessons" / "transfer_lab.py")


def _ok(at):
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _train(at, epochs: int, strategy: str = "feature_extraction", prediction: str | None = None):
    at.select_slider(key="tl_subset").set_value(10)  # 10 training + 20 validation images per class: fast
    at.slider(key="tl_epochs").set_value(epochs)
    at.radio(key="tl_strategy").set_value(strategy)
    if prediction:
        at.radio(key="tl_predict").set_value(prediction)
    at.run()
    next(b for b in at.button if b.label.startswith("▶")).click()
    return at.run()


def test_lab_trains_compares_and_reveals():
    at = AppTest.from_file(PAGE, default_timeout=240).run()
    _ok(at)
    titles = [c.value for c in at.subheader]
    assert titles[:3] == ["1 · Images", "2 · What to freeze", "3 · Predict, then train"]
    assert "Inside one run" not in " ".join(titles)  # no runs yet
    _train(at, 2, prediction="higher")
    _ok(at)
    runs = at.session_state["tl_runs"]
    assert len(runs) == 1 and runs[0].status == "finished" and len(runs[0].history.epochs) == 2
    assert runs[0].history.cached and runs[0].trainable == ("classifier",)
    assert runs[0].results.confusion.sum() == 200  # 20 validation images x 10 classes
    _train(at, 1, strategy="scratch")
    _ok(at)
    runs = at.session_state["tl_runs"]
    assert [r.strategy for r in runs] == ["feature_extraction", "scratch"] and not runs[1].pretrained
    assert runs[1].trainable_params == runs[1].total_params
    table = at.dataframe[1].value
    assert list(table["run"]) == [r.name for r in runs]
    assert any("You predicted" in i.value for i in at.info)
    charts = at.get("plotly_chart")
    assert len(charts) >= 5  # blocks, live, curves, three benefits, confusion, per-class
    next(b for b in at.button if b.label.startswith("Show Grad-CAM")).click()
    at.run()
    _ok(at)
    assert any("Grad-CAM for the true class" in c.value for c in at.caption)
    next(b for b in at.button if b.label.startswith("Prepare the trained model")).click()
    at.run()
    _ok(at)
    assert at.session_state["tl_ckpt"][1][:8]  # safetensors bytes ready for the download button


def test_bad_backbone_keeps_earlier_runs():
    at = AppTest.from_file(PAGE, default_timeout=240).run()
    _train(at, 1)
    assert len(at.session_state["tl_runs"]) == 1
    at.selectbox(key="tl_backbone").set_value(ui.OTHER).run()
    at.text_input(key="tl_backbone_other").set_value("no_such_network_xyz").run()
    assert not at.exception
    assert any("no_such_network_xyz" in e.value for e in at.error)
    assert len(at.session_state["tl_runs"]) == 1
    assert "4 · Compare runs: start, slope, asymptote" in [c.value for c in at.subheader]


def test_own_images_without_upload_and_an_interrupted_run():
    at = AppTest.from_file(PAGE, default_timeout=240).run()
    _train(at, 1)
    run = at.session_state["tl_runs"][0]
    run.status = "running"  # as if the stop button had rerun the page in the middle of training
    run.results = None
    at.radio(key="tl_source").set_value("Your own images").run()
    assert not at.exception
    assert any("Upload images" in i.value for i in at.info)
    train = next(b for b in at.button if b.label.startswith("▶"))
    assert train.disabled
    kept = at.session_state["tl_runs"]
    assert len(kept) == 1 and kept[0].status == "stopped" and kept[0].results is not None
