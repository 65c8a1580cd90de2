"""ui.kept's URL state and the kept-value helpers, on a minimal script run by AppTest."""

from streamlit.testing.v1 import AppTest


def _script():
    import streamlit as st

    from tlviz import ui

    ui.setup()
    ui.kept(st.selectbox, "Head", key="head", default=2, options=[0, 1, 2, 3], url="head")
    ui.kept(st.text_input, "Sentence", key="text", default="the cat sat", url="text", max_chars=40)
    ui.kept(st.slider, "Temperature", key="temp", default=1.0, min_value=0.1, max_value=5.0, url="t")
    ui.kept(st.checkbox, "Pad", key="pad", default=False, url="pad")
    if st.button("preset", key="preset"):
        ui.set_kept("head", 3)
        st.rerun()
    if st.button("forget", key="forget"):
        ui.reset_kept("head")
        st.rerun()


def _run(**params):
    at = AppTest.from_function(_script, default_timeout=30)
    for k, v in params.items():
        at.query_params[k] = v
    return at.run()


def test_defaults_are_written_to_the_url():
    at = _run()
    assert not at.exception
    assert at.query_params["head"] == "2" and at.query_params["text"] == "the cat sat"
    assert at.query_params["t"] == "1" and at.query_params["pad"] == "0"


def test_a_link_opens_the_same_view():
    at = _run(head="1", text="the animal was tired", t="2.5", pad="1")
    assert not at.exception and not at.warning
    assert at.selectbox(key="head").value == 1
    assert at.text_input(key="text").value == "the animal was tired"
    assert at.slider(key="temp").value == 2.5
    assert at.checkbox(key="pad").value is True


def test_changes_follow_into_the_url():
    at = _run()
    at.selectbox(key="head").set_value(3).run()
    at.text_input(key="text").set_value("it was sweet").run()
    assert at.query_params["head"] == "3" and at.query_params["text"] == "it was sweet"


def test_bad_url_values_give_a_message_and_the_defaults():
    at = _run(head="7", text="x" * 41, t="banana", pad="maybe")
    assert not at.exception
    assert len(at.warning) == 4 and all("link" in w.value for w in at.warning)
    assert at.selectbox(key="head").value == 2
    assert at.text_input(key="text").value == "the cat sat"
    assert at.slider(key="temp").value == 1.0
    assert at.checkbox(key="pad").value is False


def test_set_and_reset_kept():
    at = _run()
    at.button(key="preset").click().run()
    assert at.selectbox(key="head").value == 3
    at.button(key="forget").click().run()
    assert at.selectbox(key="head").value == 2


def test_language_from_the_url():
    at = _run(lang="el")
    assert not at.exception
    assert at.sidebar.selectbox(key="lang").value == "el" and at.query_params["lang"] == "el"
    at = _run(lang="xx")
    assert at.sidebar.selectbox(key="lang").value == "en" and at.warning
