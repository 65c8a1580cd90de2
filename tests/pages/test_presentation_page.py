"""AppTest: presentation mode (``?present=1``) shows one slide at a time and moves with Next / Previous; off, it
leaves the page exactly as it was (no containers, no buttons, the shared figures themselves)."""

import json
import re

from tests.pages.pagetools import open_page
from tlviz.viz.present import MIN_FONT


def _sections(at) -> list[str]:
    """Keys of the slide containers on the page, in order (``tlviz-section-2``, ``tlviz-section-3-2``...)."""
    keys = []

    def walk(node):
        for child in getattr(node, "children", {}).values():
            key = getattr(child, "key", None)
            if isinstance(key, str) and key.startswith("tlviz-section-"):
                keys.append(key)
            walk(child)

    walk(at.main)
    return keys


def _shown(at) -> set[int]:
    """The slides the page's stylesheet leaves visible: every section container is hidden but those named."""
    css = next(h.proto.body for h in at.get("html") if "st-key-tlviz-section-" in h.proto.body)
    css = css.removeprefix("<style>")
    hide = next(line for line in css.splitlines() if line.startswith("[class*='st-key-tlviz-section-']"))
    return {int(n) for n in re.findall(r":not\(\.st-key-tlviz-section-(\d+)\)", hide)}


def _chart_fonts(at) -> list[float]:
    """The tick sizes of every chart sent to the browser (None when the figure leaves it to the theme)."""
    return [json.loads(c.proto.spec)["layout"].get("xaxis", {}).get("tickfont", {}).get("size")
            for c in at.get("plotly_chart")]


def test_present_link_shows_slide_one_of_the_masks_page_then_next_and_previous_move_it():
    at = open_page("masks", present="1")
    assert not at.exception
    assert _sections(at) == ["tlviz-section-1", "tlviz-section-2"]
    assert _shown(at) == {1} and at.query_params["slide"] == "1"
    assert at.button(key="tlviz-present-prev").disabled
    at.button(key="tlviz-present-next").click().run()
    assert _shown(at) == {2} and at.query_params["slide"] == "2"
    assert at.button(key="tlviz-present-next").disabled  # the last slide
    at.button(key="tlviz-present-prev").click().run()
    assert _shown(at) == {1} and at.query_params["slide"] == "1"
    assert not at.exception


def test_every_chart_is_sent_enlarged_and_the_shared_figure_is_untouched():
    on = open_page("masks", present="1")
    sizes = _chart_fonts(on)
    assert sizes and all(s is not None and s >= MIN_FONT for s in sizes)
    off = open_page("masks")  # the same shared figures (one cache for the process): never enlarged in place
    assert len(_chart_fonts(off)) == len(sizes)
    assert all(s is None or s < MIN_FONT for s in _chart_fonts(off))
    heights = [json.loads(c.proto.spec)["layout"].get("height") for c in on.get("plotly_chart")]
    assert max(heights) >= 500  # a slide's figure fills ~70% of a 720-px projector


def test_off_the_page_is_exactly_what_it_was():
    at = open_page("masks")
    assert _sections(at) == [] and not any(b.key and b.key.startswith("tlviz-present") for b in at.button)
    assert not any("st-key-tlviz-section-" in h.proto.body for h in at.get("html"))
    assert at.sidebar.toggle(key="present").value is False and at.query_params["present"] == "0"


def test_a_link_opens_its_slide_and_the_cross_leaves_presentation_mode():
    at = open_page("positional_encoding", present="1", slide="3")
    assert _shown(at) == {3} and len(set(_sections(at))) == 4
    at.button(key="tlviz-present-exit").click().run()
    assert at.query_params["present"] == "0" and "slide" not in at.query_params
    assert _sections(at) == [] and at.sidebar.toggle(key="present").value is False
    bad = open_page("positional_encoding", present="1", slide="two")
    assert _shown(bad) == {1} and any("slide" in w.value for w in bad.warning)
    beyond = open_page("positional_encoding", present="1", slide="9")  # a fresh session: the page has 4
    assert _shown(beyond) == {4} and beyond.query_params["slide"] == "4"


def test_the_transformer_tabs_become_one_slide_each():
    off = open_page("transformer")
    labels = [t.label for t in off.tabs]
    assert len(labels) == 6
    at = open_page("transformer", present="1")
    assert not at.exception and not at.tabs
    assert _sections(at) == [f"tlviz-section-{n}" for n in range(1, 7)]
    assert [h.value for h in at.subheader if h.value in labels] == labels  # each slide is titled by its tab
    at.button(key="tlviz-present-next").click().run()
    assert _shown(at) == {2} and not at.exception
