"""What transfer learning is: domain and task on real features, the four scenarios, the four families of deep
transfer learning measured on one shift, and a measured case of negative transfer."""

import streamlit as st
from streamlit.errors import StreamlitAPIException

from tlviz import adaptation as A
from tlviz import domains as D
from tlviz import ui, ui_present
from tlviz.i18n import _
from tlviz.viz import domains as vz


def show(name: str, builder, *args, **kwargs):
    """A figure built once for the whole class (per language), with its explanation and CSV export."""
    ui.figure(ui.shared_figure(builder, *args, **kwargs), f"wt_{name}", _(vz.EXPLAIN[name]))


def section_scenario():
    """One scenario toggled live: its example images, the features of both domains, a source classifier on each."""
    st.subheader(_("1 · Domain and task, four ways to differ"))
    scenario = ui.kept(st.radio, _("What differs between source and target"), key="wt_scenario", default="px",
                       url="scenario", options=list(D.SCENARIOS), format_func=lambda s: _(D.SCENARIOS[s]))
    shift = ui.kept(st.selectbox, _("The target's shift"), key="wt_shift", default=D.DEFAULT_SHIFT, url="shift",
                    options=list(D.SHIFTS), format_func=lambda s: _(D.SHIFTS[s]), disabled=scenario != "px")
    st.markdown(_(vz.SCENARIO_TEXT[scenario]))
    with st.spinner(_("Computing the features of both domains…")):  # the engine takes the lock per chunk
        p, r = ui.shared(D.measured, scenario, shift)
    show("examples", vz.examples_strip, p.source_test.examples, p.target_test.examples,
         title=_("Source (top) and target (bottom)"))
    c1, c2, c3 = st.columns(3)
    c1.metric(_("Source classifier on the source"), f"{r.source_acc:.0%}")
    c2.metric(_("… on the target"), "—" if r.target_acc is None else f"{r.target_acc:.0%}",
              help=_("— : the source's classes are not the target's, so it cannot name any target image."))
    c3.metric(_("New head, {k} target labels per class").format(k=r.few_shot_k), f"{r.few_shot_acc:.0%}")
    show("scatter", vz.feature_scatter, r.source_xy, r.target_xy, r.source_labels, r.target_labels,
         p.source_test.classes, p.target_test.classes, title=_("Source and target features (PCA)"))
    return scenario, r


def section_families():
    """The four families on one P(X) shift: target accuracy before and after, and one family's aligned picture."""
    st.subheader(_("2 · The four families of deep transfer learning, live"))
    shift = ui.kept(st.selectbox, _("The shift they adapt to (train on the source, test on the target)"),
                    key="wt_adapt", default=D.DEFAULT_SHIFT, url="adapt", options=list(D.SHIFTS),
                    format_func=lambda s: _(D.SHIFTS[s]))
    with st.spinner(_("Training the four families…")):  # the trainers take the lock per step
        results, negative = ui.shared(A.on_shift, shift)
    names = [_(A.FAMILIES[r.family]).split(":")[0] for r in results]
    show("families", vz.before_after, names, [r.before for r in results], [r.after for r in results],
         title=_("Target accuracy, {shift} target").format(shift=_(D.SHIFTS[shift])))
    family = ui.kept(st.radio, _("Family"), key="wt_family", default="mapping", url="family",
                     options=list(A.FAMILIES), format_func=lambda f: _(A.FAMILIES[f]), horizontal=True)
    r = results[list(A.FAMILIES).index(family)]
    st.markdown(_(vz.FAMILY_TEXT[family]).format(k=D.FEW_SHOT))
    c1, c2, c3 = st.columns(3)
    c1.metric(_("Target accuracy"), f"{r.after:.0%}", f"{r.gain:+.0%}")
    c2.metric(_("Source accuracy"), f"{r.source_acc:.0%}")
    c3.metric(_("MMD² between the domains"), f"{r.mmd_after:.3f}", f"{r.mmd_after - r.mmd_before:+.3f}",
              delta_color="inverse")
    if family == "network":
        label = _("Retrain the network's blocks in the transfer-learning lab")
        try:
            st.page_link("lessons/transfer_lab.py", label=label, icon=":material/science:")
        except StreamlitAPIException:  # run on its own, outside the app's navigation: no page to link to
            st.markdown(label)
    d = D.pair("px", shift).source_train.classes
    show("aligned", vz.feature_scatter, r.source_xy, r.target_xy, r.source_labels, r.target_labels, d, d,
         title=_("What the adapted classifier reads (PCA)"), sizes=r.sizes)
    return shift, results, negative


def section_negative(shift: str, negative: A.NegativeTransfer):
    """When not to transfer: unrelated sources make the target worse than the target alone."""
    st.subheader(_("3 · When (not) to transfer: negative transfer"))
    names = [_(A.SOURCES[s]).format(k=negative.k) for s in negative.accuracy]
    show("negative", vz.negative_bars, names, list(negative.accuracy.values()),
         title=_("Pooled with a source, {shift} target").format(shift=_(D.SHIFTS[shift])))
    worse = [_(A.SOURCES[s]).format(k=negative.k).lstrip("+ ") for s in negative.negative]
    if worse:
        st.warning(_("Worse than the target alone: {names}.").format(names="; ".join(worse)))
    return negative


def main():
    ui.setup()
    ui.header(_("What transfer learning is"), _(vz.INTRO))
    with ui_present.section(1), ui.guard(_("the scenario")):
        section_scenario()
    with ui.guard(_("the four families")):
        shift, _results, negative = ui_present.slide(2, section_families)
        ui_present.slide(3, section_negative, shift, negative)


main()
