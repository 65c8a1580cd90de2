"""AppTest: the ImageNet-milestones page counts the real architectures, steps through the 3x3 arithmetic, reads the
Inception module, trains the plain and the residual network, keeps its inputs in the URL and handles bad input."""

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.pagetools import PAGES, errors, figure_array, run_page
from tlviz import architectures as A

PAGE = "imagenet_milestones"


@pytest.fixture()
def at():
    return run_page(PAGE, timeout=120)


def _opened(**params):
    app = AppTest.from_file(str(PAGES / f"{PAGE}.py"), default_timeout=120)
    for k, v in params.items():
        app.query_params[k] = v
    return app.run()


def _fig(at, title_part):
    for chart in at.get("plotly_chart"):
        fig = json.loads(chart.proto.spec)
        if title_part in fig["layout"].get("title", {}).get("text", ""):
            return fig
    raise AssertionError(f"no figure titled ...{title_part}...")


def _metrics(at):
    return {m.label: m.value for m in at.metric}


def _frame(at, column):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_default_page(at):
    assert not errors(at) and not at.warning
    table = _frame(at, "lecture")
    assert list(table["parameters"]) == ["61.1M", "6.6M", "138.4M", "11.7M", "25.6M", "60.2M"]
    assert list(table["lecture"][:3]) == ["60M", "—", "138M"]
    assert list(table["weighted layers"]) == [8, 22, 16, 18, 50, 152]
    bars = _fig(at, "Parameters of each milestone")["data"][0]
    np.testing.assert_allclose(figure_array(bars["y"]), [A.count_parameters(n) / 1e6 for n in A.NAMES])
    errors_fig = _fig(at, "ILSVRC top-5 error")["data"][0]
    assert {15.3, 6.7, 3.57, 7.3} <= set(figure_array(errors_fig["y"]).tolist())
    layers = _frame(at, "output shape")
    assert layers.iloc[0]["output shape"] == "64 × 55 × 55" and len(layers) == len(A.layer_table("alexnet"))
    weights = _frame(at, "structure")
    assert list(weights["ImageNet weights"]).count("offline (shipped in a package)") == 1
    assert weights.iloc[-1]["architecture"] == "EfficientNet-Lite0"
    assert _metrics(at)["saved"] == "44.9%" and _metrics(at)["receptive field"] == "7×7"
    assert "Press the button" in at.info[0].value


def test_another_architecture_and_the_stepper(at):
    at.selectbox(key="im_arch").set_value("resnet152").run()
    assert len(_frame(at, "output shape")) == len(A.layer_table("resnet152")) and "ResNet-152" in json.dumps(
        _fig(at, "row by row")["layout"]["title"])
    at.number_input(key="im_k").set_value(11).run()
    assert at.select_slider(key="im_layer").value == 3 and _metrics(at)["receptive field"] == "7×7"  # kept
    at.select_slider(key="im_layer").set_value(5).run()
    assert _metrics(at)["saved"] == "62.8%" and "5 layers of 3×3 instead of one 11×11: 62.8%" in "\n".join(
        m.value for m in at.markdown)
    at.select_slider(key="im_layer").set_value(2).run()
    m = _metrics(at)
    assert m["receptive field"] == "5×5" and m["saved"] == "28.0%" and m["weights of 2 stacked 3×3"] == "18"
    grid = _fig(at, "After layer 2")
    seen = figure_array(grid["data"][1]["z"])
    assert seen.shape == (11, 11) and np.isfinite(seen).sum() == 25
    assert at.query_params["k"] == "11" and at.query_params["layer"] == "2"


def test_inception_module(at):
    table = _frame(at, "output channels")
    assert list(table["output channels"]) == [64, 128, 32, 32, 256]
    at.toggle(key="im_five").set_value(True).run()
    assert _frame(at, "output channels").iloc[2]["weights"] == f"{192 * 16 + 16 * 32 * 25:,}"
    at.selectbox(key="im_module").set_value("inception5b").run()
    assert not errors(at) and _frame(at, "output channels").iloc[-1]["output channels"] == 1024


@pytest.mark.parametrize("k, message", [(6, "odd"), (4, "odd")])
def test_even_kernel_gives_a_message_and_keeps_other_inputs(at, k, message):
    at.selectbox(key="im_arch").set_value("vgg16").run()
    at.number_input(key="im_k").set_value(k).run()
    assert not at.exception and any(message in e for e in errors(at)), errors(at)
    assert at.selectbox(key="im_arch").value == "vgg16" and len(at.get("plotly_chart")) >= 6  # other tabs work
    at.number_input(key="im_k").set_value(5).run()
    assert not errors(at) and _metrics(at)["saved"] == "28.0%"


def test_residual_training_runs_live(at):
    at.select_slider(key="im_depth").set_value(8).run()
    at.number_input(key="im_steps").set_value(20).run()
    at.button[0].click().run()  # "Train both side by side"
    assert not at.exception and not errors(at)
    assert "10 layers, finished" in at.success[0].value
    losses = _fig(at, "Training loss: plain against residual")["data"]
    assert len(losses) == 2 and all(np.isfinite(figure_array(t["y"])).all() and len(t["y"]) == 20 for t in losses)
    grads = _fig(at, "Gradient norm per layer")["data"]
    assert all(len(t["x"]) == 10 and (figure_array(t["y"]) > 0).all() for t in grads)
    at.selectbox(key="im_arch").set_value("googlenet").run()
    assert "10 layers, finished" in at.success[0].value  # the run stays while other inputs change


def test_a_link_opens_the_same_view_and_the_url_follows():
    at = _opened(arch="vgg16", k="11", layer="4", module="inception4a", five="1", depth="32", steps="50",
                 data="animals")
    assert not at.exception and not at.warning and not errors(at)
    assert at.selectbox(key="im_arch").value == "vgg16" and at.number_input(key="im_k").value == 11
    assert at.select_slider(key="im_layer").value == 4 and _metrics(at)["receptive field"] == "9×9"
    assert at.selectbox(key="im_module").value == "inception4a" and at.toggle(key="im_five").value is True
    assert at.select_slider(key="im_depth").value == 32 and at.number_input(key="im_steps").value == 50
    assert at.selectbox(key="im_data").value == "animals"
    at.selectbox(key="im_arch").set_value("resnet50").run()
    at.number_input(key="im_k").set_value(5).run()
    assert at.query_params["arch"] == "resnet50" and at.query_params["k"] == "5" and at.query_params["layer"] == "2"


def test_bad_link_values_give_a_message_and_the_defaults():
    at = _opened(arch="lenet", k="abc", layer="99", module="inception9z", five="maybe", depth="21", steps="5000",
                 data="cifar")
    assert not at.exception and not errors(at)
    assert len(at.warning) == 8 and all("link" in w.value for w in at.warning)
    assert at.selectbox(key="im_arch").value == "alexnet" and at.number_input(key="im_k").value == 7
    assert at.select_slider(key="im_depth").value == 20 and at.selectbox(key="im_data").value == "digits"


def test_a_link_with_an_even_kernel_explains_it():
    at = _opened(k="8")
    assert not at.exception and any("odd" in e for e in errors(at))


def test_greek_and_shared_results(at):
    from tlviz import ui

    hits = ui.SHARED.stats()["hits"]
    at.run()
    assert ui.SHARED.stats()["hits"] > hits  # a rerun takes every table and figure from the shared cache
    assert ui.shared(A.layer_table, "alexnet") == A.layer_table("alexnet")
    el = _opened(lang="el")
    assert not el.exception and not errors(el)
