"""AppTest: the seq2seq attention page: the worked example updates, the trained model translates and steps, the
retrain runs, and bad inputs give a message while every other input stays."""

import pytest

from tests.pages.pagetools import errors, run_page

def _context(at) -> str:
    found = [m.value for m in at.markdown if "context vector" in m.value and "c ≈" in m.value]
    return found[0].split("c ≈")[1].strip() if found else ""


@pytest.fixture()
def at():
    return run_page("seq2seq_attention")


def test_lecture_example_and_trained_model(at):
    assert not errors(at)
    assert _context(at) == "[5, 0, 1]"
    table = at.dataframe[0].value
    assert table["score"].tolist() == ["15", "60", "15", "35"]
    assert any("→ `1975-08-05`" in m.value for m in at.markdown)
    charts = at.get("plotly_chart")
    assert len(charts) >= 7  # scores, weighted, temperature, alignment, step attention, next token, context
    assert len(at.get("download_button")) >= 7  # CSV export of every figure


def test_editing_a_number_changes_the_context_vector(at):
    at.text_input(key="s2s_cell_1_0").input("0").run()  # h2 = [0, 0, 1]: now h4 wins
    assert not errors(at)
    assert _context(at) == "[0, 5, 1]"
    at.text_input(key="s2s_cell_-1_1").input("0").run()  # s = [10, 0, 10]
    assert _context(at) not in ("", "[0, 5, 1]")


def test_temperature_and_score_functions(at):
    at.select_slider(key="s2s_T").set_value(100.0).run()
    soft = _context(at)
    assert soft != "[5, 0, 1]" and not errors(at)
    at.radio(key="s2s_method").set_value("general").run()
    assert _context(at) == soft  # W = identity gives the dot product back
    at.text_area(key="s2s_W_3").input("1 0\n0 1").run()
    assert any("3x3" in e for e in errors(at))
    for method in ("scaled_dot", "additive"):
        at.radio(key="s2s_method").set_value(method).run()
        assert not errors(at) and _context(at)


def test_non_numeric_cell_gives_a_message_and_keeps_other_inputs(at):
    at.text_input(key="s2s_date").input("the 1st of may 2020").run()
    at.text_input(key="s2s_cell_2_2").input("abc").run()
    messages = errors(at)
    assert any("h3" in e and "'abc'" in e for e in messages), messages
    assert at.text_input(key="s2s_cell_-1_0").value == "10" and at.text_input(key="s2s_cell_2_2").value == "abc"
    assert at.text_input(key="s2s_date").value == "the 1st of may 2020"
    assert any("→ `2020-05-01`" in m.value for m in at.markdown)  # the rest of the page still works
    at.text_input(key="s2s_cell_2_2").input("").run()
    assert any("empty" in e for e in errors(at))


@pytest.mark.parametrize("text, message", [("", "type a date"), ("word " * 500, "at most"),
                                           ("5 août 1975", "'û'")])
def test_bad_dates_give_a_message_and_keep_the_worked_example(at, text, message):
    at.text_input(key="s2s_cell_0_0").input("2").run()
    at.text_input(key="s2s_date").input(text).run()
    assert not at.exception
    messages = errors(at)
    assert any(message in e for e in messages), messages
    assert at.text_input(key="s2s_cell_0_0").value == "2"
    assert _context(at) == "[5, 0, 1]"  # the worked example still computes
    at.text_input(key="s2s_date").input("august 5, 1975").run()
    assert not errors(at)


def test_retrain_runs_and_the_retrained_model_can_be_used(at):
    at.select_slider(key="s2s_r_steps").set_value(100).run()
    at.button[1].click().run()  # [0] is "back to the lecture's numbers"
    assert not at.exception and not errors(at)
    assert any("Your model:" in c.value for c in at.caption)
    at.radio(key="s2s_which").set_value("my retrained model").run()
    assert not at.exception and not errors(at)
    assert any("→ `" in m.value for m in at.markdown)


def test_back_to_the_lecture_numbers(at):
    at.number_input(key="s2s_n").set_value(2).run()
    at.text_input(key="s2s_cell_0_0").input("7").run()
    at.radio(key="s2s_method").set_value("scaled_dot").run()
    assert _context(at) != "[5, 0, 1]"
    at.button[0].click().run()
    assert at.number_input(key="s2s_n").value == 4 and at.radio(key="s2s_method").value == "dot"
    assert _context(at) == "[5, 0, 1]" and not errors(at)
