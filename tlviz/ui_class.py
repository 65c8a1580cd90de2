"""Class mode's Streamlit pieces: this session's seat in a class (kept in the session and the link), the class
strip on top of every page of a class member (follow the teacher, ask, answer, reveal; polled), and posting a lab
run to the class. The rules live in :mod:`tlviz.class_session` and the state in :mod:`tlviz.classroom`.
"""

from __future__ import annotations

import streamlit as st

from tlviz.i18n import _
from tlviz.ui import PLOTLY_CONFIG, guard, shared_figure


def class_seat(leave: bool = False, bar: bool = False):
    """This session's class seat (``class_session.Seat``; None outside a class), kept in the session and the link
    (which survives a server restart); ``leave=True`` drops it; ``bar=True`` draws the class strip (setup)."""
    from tlviz import class_session as cs

    seat, message, url = cs.sync(st.session_state.get("_class_seat"), st.query_params.to_dict(), leave)
    st.session_state["_class_seat"] = seat
    for k, v in url.items():
        st.query_params.pop(k, None) if v is None else st.query_params.update({k: v})
    if message:
        st.warning(message, icon="🔗")
    if st.session_state.get("_class_go"):
        st.switch_page(**st.session_state.pop("_class_go"))
    if bar and seat is not None:
        class_bar(seat, cs.calling_page())
    return seat


@st.fragment(run_every=2.0)
def class_bar(seat, page: str) -> None:
    """The class strip on top of a member's every page (polled): follow the teacher, ask, answer, reveal."""
    from tlviz import class_session as cs

    with guard(_("class mode")):
        live, box = cs.poll(seat, st.session_state.get("_class_seen", 0.0)), st.container(border=True)
        box.caption(cs.status(seat, live))
        if not seat.teacher and box.toggle(_("Follow the teacher"), value=True, key="_class_follow",
                                           on_change=lambda: st.session_state.update(_class_seen=0.0)) and live.switch:
            st.session_state.update(_class_seen=live.pushed, _class_go=live.switch)
            st.rerun(scope="app")
        if seat.teacher:
            asks, (c1, c2, c3) = {q.qid: q for q in cs.questions.for_lesson(page)}, box.columns([2, 4, 1])
            if c1.button(_("Show this view to the class"), key="_class_push", icon=":material/campaign:"):
                cs.push(seat, page, st.query_params.to_dict())
            pick = c2.selectbox(_("Question"), list(asks), key="_class_pick", label_visibility="collapsed",
                                format_func=lambda i: _(asks[i].prompt)) if asks else None
            if pick and c3.button(_("Ask"), key="_class_ask"):
                live = cs.ask(seat, pick)
        if (q := live.question) is None or live.lecture is None:
            return
        box.markdown(f"**{_(live.lecture.prompt)}**")
        if q.revealed or seat.teacher:
            box.plotly_chart(shared_figure(cs.histogram, tuple(live.tally.items()), q.answer), key="_class_hist",
                             config=PLOTLY_CONFIG)
        if q.revealed:
            box.success(f"{cs.verdict(live)} {q.explanation}", icon=":material/lightbulb:")
        elif seat.teacher and box.button(_("Reveal the model's answer"), key="_class_reveal", type="primary"):
            cs.reveal(seat, q.qid)
            st.rerun()
        elif not seat.teacher:
            cs.answer(seat, q.qid, box.radio(_("Your answer (you may change it until the reveal)"), q.choices,
                      format_func=_, index=cs.index(q.choices, live.mine), key=f"_cq_{q.qid}"), live.mine)


def post_class_run(run_summary: dict) -> bool:
    """Post a finished lab run (``class_runs.run_summary``) to this session's class; False outside one."""
    from tlviz import class_session as cs

    with guard(_("posting the run to the class")):
        return cs.post_run(st.session_state.get("_class_seat"), run_summary)
    return False
