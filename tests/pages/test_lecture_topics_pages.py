"""The lecture's short topics on their pages (AppTest): the bottleneck (seq2seq page), Q/K/V as a search, why
self-attention and the paper's training set-up (Transformer page); each renders, and bad inputs give a message."""

from tests.pages.pagetools import open_page
from tlviz import retrieval


def texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def charts(at) -> list[dict]:
    import json

    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


# ------------------------------------------------------------------------------------------- seq2seq page

def test_bottleneck_trains_both_models_and_plots_accuracy_by_length():
    at = open_page("seq2seq_attention", bn_len="8", bn_h="32")
    assert not at.exception and not at.error
    assert "4. The bottleneck that motivated attention" in texts(at.header)
    assert "Train both models" in texts(at.info)  # nothing trained yet: says what the button does
    before = len(at.get("plotly_chart"))
    button(at, "Train both models").click().run(timeout=120)
    assert not at.exception and not at.error
    assert len(at.get("plotly_chart")) > before
    caption = texts(at.caption)
    assert "At 8 digits: without attention" in caption and "with attention" in caption
    figure = charts(at)[-1]
    names = [t.get("name", "") for t in figure["data"]]
    assert sum("digits right" in n for n in names) == 2 and sum("whole string right" in n for n in names) == 2
    assert button(at, "Train both models").disabled  # computed once for the class: nothing to press again
    again = open_page("seq2seq_attention", bn_len="8", bn_h="32")  # another student: the result is already there
    assert not again.exception and "At 8 digits" in texts(again.caption) and "Train both models" not in texts(
        again.info)


def test_bottleneck_bad_link_values_give_a_message():
    at = open_page("seq2seq_attention", bn_len="99", bn_h="banana")
    assert not at.exception and not at.error
    warnings = texts(at.warning)
    assert "bn_len" in warnings and "bn_h" in warnings
    assert at.select_slider(key="s2s_bn_len").value == 16 and at.select_slider(key="s2s_bn_hidden").value == 64


# ------------------------------------------------------------------------------------------- Transformer page

def test_qkv_search_shows_scores_weights_and_the_mixed_value():
    at = open_page("transformer")
    assert not at.exception and not at.error
    assert any("video search" in e.label for e in at.expander)
    assert at.text_input(key="tf_qkv_query").value == "cat music"
    caption = texts(at.caption)
    assert "Understood: cat (cats), music (music)" in caption
    assert "The best match, “A cat plays the piano”, gets 63% of the weight" in caption
    table = next(d.value for d in at.dataframe if "weight" in d.value.columns)
    assert table["weight"].max() == round(float(retrieval.search("cat music").weights.max()), 3)
    assert abs(table["weight"].sum() - 1) < 0.01


def test_qkv_search_follows_the_query_and_the_temperature():
    at = open_page("transformer", qkv="football goals", qkv_T="0.05")
    assert not at.exception and not at.error
    assert "Understood: football (football), goals (football)" in texts(at.caption)


def test_qkv_search_bad_queries_give_a_message():
    at = open_page("transformer", state={"tf_qkv_query": "   "})
    assert not at.exception and "Type what you are looking for" in texts(at.error)
    at = open_page("transformer", state={"tf_qkv_query": "xyzzy qwerty"})
    assert not at.exception and "None of these words" in texts(at.error)
    assert "Tokens → ids" in texts(at.markdown)  # the rest of the page keeps working


def test_why_self_attention_table_and_timing():
    at = open_page("transformer", cost_d="32", tab="6")
    assert not at.exception and not at.error
    assert "Why self-attention" in texts(at.subheader)
    tables = [t.value for t in at.table]
    table_1 = next(t for t in tables if "Maximum path length" in t.columns)
    assert table_1.index.tolist() == ["Self-attention", "Recurrent (GRU)", "Convolutional (kernel k)"]
    assert table_1["Complexity per layer"].tolist() == ["O(n²·d)", "O(n·d²)", "O(k·n·d²)"]
    assert table_1["Sequential operations"].tolist() == ["O(1)", "O(n)", "O(1)"]
    assert table_1["Maximum path length"].tolist() == ["O(1)", "O(n)", "O(log_k(n))"]
    caption = texts(at.caption)
    assert "CPU time of one forward pass on one thread" in caption and "d = 32" in caption and "n = 1024" in caption
    timing = next(c for c in charts(at) if "ms per forward pass" in str(c["layout"].get("yaxis", {}).get("title", "")))
    assert len(timing["data"]) == 3


def test_why_self_attention_bad_width_in_the_link():
    at = open_page("transformer", cost_d="33", tab="6")
    assert not at.exception and "cost_d" in texts(at.warning)
    assert at.select_slider(key="tf_cost_d").value == 64


def test_training_setup_facts():
    at = open_page("transformer", tab="6")
    assert not at.exception and not at.error
    assert "How the paper trained it" in texts(at.subheader)
    setup = next(t.value for t in at.table if "Paper section" in t.value.columns)
    text = " ".join(str(v) for v in [*setup.index, *setup.to_numpy().ravel()])
    for fact in ("4.5 million sentence pairs", "37,000", "36 million", "32,000", "8 NVIDIA P100", "12 hours",
                 "3.5 days", "27.3", "28.4", "38.1", "41.8", "4.5 million sentences pairs with 37K tokens."):
        assert fact in text, fact
    assert "BLEU" in texts(at.caption)


def test_new_sections_in_greek():
    at = open_page("transformer", lang="el")
    assert not at.exception and not at.error and any("αναζήτηση βίντεο" in e.label for e in at.expander)
    at = open_page("transformer", lang="el", tab="6")
    assert not at.exception and not at.error
    assert "Γιατί self-attention" in texts(at.subheader) and "Πώς το εκπαίδευσε το άρθρο" in texts(at.subheader)
    at = open_page("seq2seq_attention", lang="el")
    assert not at.exception and "στένωμα" in texts(at.header)
