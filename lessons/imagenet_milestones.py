"""ImageNet milestones: AlexNet, GoogLeNet, VGG-16 and the ResNets on their real torchvision definitions, the 3x3
arithmetic, the Inception module, and residual learning trained live."""

import streamlit as st

from tlviz import architectures as arch
from tlviz import conv_arithmetic as conv
from tlviz import residual, ui, ui_present
from tlviz.i18n import _
from tlviz.viz import architectures as vz


def show(name: str, builder, *args, live: bool = False, place=None, **kwargs):
    """A figure with its explanation: built once for the whole class (per language) unless it shows a live run."""
    fig = builder(*args, **kwargs) if live else ui.shared_figure(builder, *args, **kwargs)
    with place or st.container():
        ui.figure(fig, f"im_{name}", _(vz.EXPLAIN[name]))


def table(builder, *args, **kwargs):
    st.dataframe(ui.shared_figure(builder, *args), hide_index=True, width="stretch", **kwargs)


def section_architectures():
    summaries = ui.shared(arch.summaries)
    table(vz.summary_table, summaries)
    c1, c2 = st.columns(2)
    show("params", vz.params_bars, summaries, place=c1)
    show("errors", vz.errors_chart, arch.MILESTONES, arch.HUMAN_TOP5, place=c2)
    with st.expander(_("The ILSVRC results and their sources")):
        table(vz.milestones_table, arch.MILESTONES)
    st.subheader(_("Layer by layer"))
    name = ui.kept(st.selectbox, _("Architecture"), key="im_arch", default="alexnet", options=list(arch.NAMES),
                   url="arch", format_func=lambda n: arch.ARCHITECTURES[n].title)
    a = arch.ARCHITECTURES[name]
    st.caption(_("{paper}. Output shapes for one 224×224 RGB image. {note}").format(paper=a.paper, note=_(a.note)))
    rows = ui.shared(arch.layer_table, name)
    show("layers", vz.layer_params_bars, rows, _("Parameters of {name}, row by row").format(name=a.title))
    table(vz.layer_frame, rows, height=360)
    st.subheader(_("Weights"))
    table(vz.weights_table, ui.shared(arch.weights_rows))
    st.caption(_(vz.WEIGHTS_NOTE))
    return name


def section_stack():
    st.markdown(_(vz.STACK_INTRO))
    k = ui.kept(st.number_input, _("One big kernel: k×k (k odd)"), key="im_k", default=7, min_value=3, max_value=31,
                step=2, url="k")
    rf = ui.shared(conv.receptive_field_steps, k)
    n = len(rf.steps)
    ui.clamp_kept("im_layer", lo=1, hi=n)
    layer = ui.kept(st.select_slider, _("Step through the stack: layer"), key="im_layer", default=n, url="layer",
                    options=list(range(1, n + 1))) if n > 1 else 1
    step = rf.steps[layer - 1]
    cols = st.columns(4)
    cols[0].metric(_("receptive field"), f"{step.field}×{step.field}")
    cols[1].metric(_("weights of {l} stacked 3×3").format(l=layer), step.stacked_weights)
    cols[2].metric(_("weights of one {f}×{f}").format(f=step.field), step.single_weights)
    cols[3].metric(_("saved"), f"{step.saving:.1%}")
    c1, c2 = st.columns(2)
    show("field", vz.field_grid, rf, layer, place=c1)
    show("stack", vz.stack_bars, rf, place=c2)
    st.markdown(vz.stack_summary(k, n, arch.stack_savings(k)))
    return k, layer


def section_inception():
    names = [r.name for r in ui.shared(arch.layer_table, "googlenet") if r.kind == "Inception"]
    c1, c2 = st.columns(2)
    which = ui.kept(c1.selectbox, _("Inception module"), key="im_module", default=names[0], options=names,
                    url="module")
    five = ui.kept(c2.toggle, _("Count the third branch as the paper's 5×5"), key="im_five", default=False,
                   url="five", help=_("torchvision builds it as a 3×3 (a slip kept so its weights still load)."))
    module = ui.shared(conv.inception_branches, which, 5 if five else None)
    c1, c2 = st.columns(2)
    show("inception", vz.inception_diagram, module, place=c1)
    show("bottleneck", vz.bottleneck_bars, module, place=c2)
    table(vz.inception_table, module)
    st.markdown(vz.inception_summary(module))
    return module


def section_residual():
    c = st.columns(3)
    depth = ui.kept(c[0].select_slider, _("3×3 layers in the body"), key="im_depth", default=20, url="depth",
                    options=list(residual.DEPTHS))
    steps = ui.kept(c[1].number_input, _("Training steps"), key="im_steps", default=120, min_value=10,
                    max_value=1000, step=10, url="steps")
    data = ui.kept(c[2].selectbox, _("Dataset"), key="im_data", default="digits", options=list(residual.DATASETS),
                   url="data", format_func=lambda d: _(residual.DATASETS[d][0]))
    config = residual.with_settings(depth, steps, data)
    show("block", vz.residual_block)
    b = st.columns([2, 1, 3])
    start = b[0].button(_("Train both side by side"), type="primary")
    b[1].button(_("Stop"), help=_("Stops between steps; keeps what both learnt."))
    run = st.session_state["im_run"] = residual.ResidualComparison(config) if start else st.session_state.get("im_run")
    if start:
        callback, _seen = ui.training_feedback(chart=lambda _h: vz.loss_curves(run.histories))
        run.run(callback)  # each step takes the shared lock: other students' work interleaves
        st.rerun()  # the page again, with the finished run's figures in place of the live ones
    if run is None:
        return st.info(_("Press the button: about 20-40 s on the server's CPU for the default settings."))
    st.success(residual.summary(run))
    show("losses", vz.loss_curves, run.histories, live=True)
    show("grads", vz.gradient_norms, run.norms("plain"), run.norms("residual"), residual.layer_names(run.config),
         live=True)
    return run


def main():
    ui.setup()
    ui.header(_("ImageNet milestones"), _(vz.INTRO))
    sections = (section_architectures, section_stack, section_inception, section_residual)
    for tab, section in zip(ui_present.tabs([_(t) for t in vz.TABS]), sections):
        with tab, ui.guard(_("this tab")):
            section()


main()
