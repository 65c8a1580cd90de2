"""AppTest: the "what transfer learning is" page shows both domains, the four families and negative transfer, reads
its inputs from the URL and writes them back, and turns bad link values into messages."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.pages.pagetools import PAGES, errors

PAGE = str(PAGES / "what_is_transfer.py")


def _open(**params):
    app = AppTest.from_file(PAGE, default_timeout=300)
    for k, v in params.items():
        app.query_params[k] = v
    return app.run()


@pytest.fixture(scope="module")
def at():
    app = _open()
    assert not app.exception, app.exception
    return app


def _titles(at):
    return [json.loads(c.proto.spec)["layout"].get("title", {}).get("text", "") for c in at.get("plotly_chart")]


def _metrics(at):
    return {m.label: m.value for m in at.metric}


def test_default_page_shows_domains_families_and_negative_transfer(at):
    from tlviz import adaptation as A
    from tlviz import domains as D
    from tlviz import ui

    assert not errors(at)
    titles = _titles(at)
    assert len(titles) == 5 and any("PCA" in t for t in titles) and any("Pooled" in t for t in titles)
    hits = ui.SHARED.stats()["hits"]
    results, negative = ui.shared(A.on_shift, D.DEFAULT_SHIFT)  # the page's numbers are the engine's, shared
    assert ui.SHARED.stats()["hits"] == hits + 1
    bars = [json.loads(c.proto.spec) for c in at.get("plotly_chart") if "Target accuracy" in
            json.loads(c.proto.spec)["layout"]["title"]["text"]][0]
    assert len(bars["data"]) == 2 and len(bars["data"][0]["x"]) == 4
    mapping = [r for r in results if r.family == "mapping"][0]
    assert _metrics(at)["Target accuracy"] == f"{mapping.after:.0%}"
    assert negative.negative and len(at.warning) == 1 and "Worse than the target alone" in at.warning[0].value
    assert len(at.get("download_button")) == 4  # every chart but the example images


@pytest.mark.parametrize("scenario, target_value", [("y", "—"), ("pyx", None), ("x", None)])
def test_each_scenario_toggles_live(at, scenario, target_value):
    at.radio(key="wt_scenario").set_value(scenario).run()
    assert not at.exception and not errors(at)
    assert at.selectbox(key="wt_shift").disabled
    m = _metrics(at)
    if target_value:
        assert m["… on the target"] == target_value
    else:
        assert m["… on the target"].endswith("%")
    assert at.query_params["scenario"] == scenario
    at.radio(key="wt_scenario").set_value("px").run()


def test_network_family_links_to_the_lab(at):
    at.radio(key="wt_family").set_value("network").run()
    assert not at.exception and not errors(at)
    # on its own (outside app.py's navigation) the link is its label; in the app, a page link (browser test)
    assert any("transfer-learning lab" in m.value for m in at.markdown)
    at.radio(key="wt_family").set_value("mapping").run()


def test_a_link_opens_the_same_view_and_the_url_follows():
    app = _open(scenario="pyx", shift="blur", adapt="invert", family="adversarial")
    assert not app.exception and not app.warning[:-1] and not errors(app)
    assert app.radio(key="wt_scenario").value == "pyx" and app.selectbox(key="wt_shift").value == "blur"
    assert app.radio(key="wt_family").value == "adversarial"
    app.radio(key="wt_scenario").set_value("px").run()
    assert not errors(app) and app.query_params["scenario"] == "px" and app.query_params["shift"] == "blur"


def test_bad_link_values_give_a_message_and_the_defaults():
    app = _open(scenario="monitor", shift="sepia", adapt="", family="magic")
    assert not app.exception and not errors(app)
    link_warnings = [w.value for w in app.warning if "link" in w.value]
    assert len(link_warnings) == 4, [w.value for w in app.warning]
    assert app.radio(key="wt_scenario").value == "px" and app.selectbox(key="wt_shift").value == "invert"
    assert app.radio(key="wt_family").value == "mapping"
