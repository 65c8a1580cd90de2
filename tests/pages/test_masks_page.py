"""AppTest: the masks page shows the padded grid, the masks, -inf and the leak, and handles bad input."""

import json

import numpy as np
import pytest

from tests.pages.pagetools import errors, figure_array, open_page, run_page


@pytest.fixture()
def at():
    return run_page("masks")


def _fig(at, title_part):
    for chart in at.get("plotly_chart"):
        fig = json.loads(chart.proto.spec)
        if title_part in fig["layout"].get("title", {}).get("text", ""):
            return fig
    raise AssertionError(f"no figure titled ...{title_part}...")


def _weights(fig):
    main = [t for t in fig["data"] if t.get("hoverinfo") != "skip"][0]
    return figure_array(main["z"])


def test_default_page(at):
    assert not errors(at)
    grid = _fig(at, "padded batch")
    assert "3 sentences × 4 positions" in grid["layout"]["title"]["text"]
    w = _weights(_fig(at, "Softmax of the masked"))  # sentence 2 "you are welcome <pad>", decoder masks
    assert np.isnan(w[np.triu_indices(4, 1)]).all()  # masked cells drawn grey (NaN)
    assert np.isnan(w[:, 3]).all()  # the padding column
    np.testing.assert_allclose(np.nansum(w, 1), 1.0, atol=1e-6)
    assert len(at.get("download_button")) == len(at.get("plotly_chart")) == 8


def test_forget_the_mask_shows_the_leak(at):
    at.toggle(key="mk_forget").set_value(True).run()
    assert not errors(at)
    fig = _fig(at, "WITHOUT the mask")
    w = _weights(fig)
    assert (w[np.triu_indices(4, 1)] > 0).all() and (w[:, 3] > 0).all()
    assert len(fig["layout"]["shapes"]) == int((~np.tril(np.ones((4, 4), bool)) | (np.arange(4) == 3)).sum())


def test_encoder_mode_only_masks_padding(at):
    at.radio(key="mk_kind").set_value("encoder").run()
    w = _weights(_fig(at, "Softmax of the masked"))
    assert np.isnan(w[:, 3]).all() and not np.isnan(w[:, :3]).any()


@pytest.mark.parametrize("text, message", [("", "at least one sentence"), ("word " * 500, "500 words"),
                                           ("\n".join(["a b"] * 9), "at most")])
def test_bad_sentences_give_a_message_and_keep_other_inputs(at, text, message):
    at.toggle(key="mk_forget").set_value(True).run()
    at.text_area(key="mk_text").input(text).run()
    assert not at.exception
    assert any(message in e for e in errors(at)), errors(at)
    assert at.text_area(key="mk_text").value == text
    at.text_area(key="mk_text").input("one two three\nfour").run()
    assert not errors(at)
    assert at.toggle(key="mk_forget").value is True  # the toggle hidden during the error came back as it was
    assert "2 sentences × 3 positions" in _fig(at, "padded batch")["layout"]["title"]["text"]


def test_fewer_sentences_than_the_chosen_one(at):
    at.selectbox(key="mk_which").set_value(2).run()
    at.text_area(key="mk_text").input("just one sentence").run()
    assert not at.exception and not errors(at)


def _opened(**params):

    return open_page("masks", **params)


def test_a_link_opens_the_same_view_and_the_url_follows():
    at = _opened(text="a b c d e\nf g", sentence="1", attention="encoder", forget="1")
    assert not at.exception and not at.warning and not errors(at)
    assert at.text_area(key="mk_text").value == "a b c d e\nf g" and at.selectbox(key="mk_which").value == 1
    assert at.radio(key="mk_kind").value == "encoder" and at.toggle(key="mk_forget").value is True
    w = _weights(_fig(at, "WITHOUT the mask"))  # sentence 2 "f g [PAD] [PAD] [PAD]", mask forgotten
    assert w.shape == (5, 5) and (w[:, 2:] > 0).all()
    at.radio(key="mk_kind").set_value("decoder").run()
    at.text_area(key="mk_text").input("one two\nthree").run()
    assert at.query_params["attention"] == "decoder" and at.query_params["text"] == "one two\nthree"


def test_bad_link_values_give_a_message_and_the_defaults():
    at = _opened(sentence="7", attention="bidirectional", forget="maybe")
    assert not at.exception and not errors(at)
    assert len(at.warning) == 3 and all("link" in w.value for w in at.warning)
    assert at.selectbox(key="mk_which").value == 1 and at.radio(key="mk_kind").value == "decoder"
    assert at.toggle(key="mk_forget").value is False


def test_a_link_with_bad_sentences_explains_them():
    at = _opened(text="\n".join(["a b"] * 9))
    assert not at.exception and any("at most" in e for e in errors(at))


def test_the_shared_result_is_never_changed_by_the_page(at):
    from tlviz import masks, ui

    at.toggle(key="mk_forget").set_value(True).run()
    at.radio(key="mk_kind").set_value("encoder").run()
    text = at.text_area(key="mk_text").value
    for causal in (True, False):
        shared, fresh = ui.shared(masks.lesson, text, causal), masks.lesson(text, causal)
        assert shared.grid == fresh.grid and shared.lengths == fresh.lengths
        for name in ("scores", "mask", "masked_scores", "weights", "weights_unmasked"):
            np.testing.assert_array_equal(getattr(shared.attention, name), getattr(fresh.attention, name))
    assert ui.SHARED.stats()["hits"] > 0
