"""Class mode: the teacher starts a class (code, link, QR), students join with the code and a nickname; the
teacher pushes views and asks questions from the class strip on every page; here the class's run gallery."""

import secrets

import streamlit as st

from tlviz import class_runs, class_session, ui, ui_class, ui_present
from tlviz.i18n import _
from tlviz.viz import classroom as vc


def section_start_join():
    """No class yet: start one (teacher) or join one (student, code + nickname)."""
    left, right = st.columns(2)
    with left:
        st.subheader(_("Teacher"))
        st.markdown(_("Start a class: you get a join code, a link and a QR code. Your control stays in this "
                      "browser's link; keep it off the projector's address bar (full screen, F11)."))
        if st.button(_("Start a class"), key="cls_start", type="primary"):
            with ui.guard(_("starting the class")):
                return _enter(class_session.start())
    with right:
        st.subheader(_("Student"))
        code = st.text_input(_("Class code"), value=st.query_params.get(class_session.URL_CLASS, ""),
                             max_chars=12, key="cls_code", placeholder="K7WP3Q")
        nickname = st.text_input(_("Nickname (no account; your classmates may see it)"), max_chars=40,
                                 key="cls_nick")
        if st.button(_("Join"), key="cls_join", type="primary"):
            client = st.session_state.setdefault("cls_client", secrets.token_hex(8))
            with ui.guard(_("joining the class")):
                return _enter(class_session.join(code, nickname, client=client))
    return None


def _enter(seat):
    st.query_params.update(seat.url())
    st.rerun()


def section_teacher(seat):
    """The code, link and QR to project; the students; ending the class."""
    link = class_session.join_link(st.context.url, seat.code)
    c1, c2 = st.columns([3, 2])
    with c1:
        st.markdown(_("### Join code: `{code}`").format(code=seat.code))
        st.markdown(_("Students open the link (or scan the code), or pick **Class mode** in the menu and type the "
                      "code."))
        st.code(link, language=None)
        students = class_session.store().students(seat.code)
        st.metric(_("Students joined"), len(students))
        st.dataframe({_("nickname"): [n for _i, n in students]}, hide_index=True, height=180)
        with st.expander(_("Your teacher link (private: it controls the class)")):
            st.code(class_session.join_link(st.context.url, seat.code).split("?")[0] + "?"
                    + "&".join(f"{k}={v}" for k, v in seat.url().items()), language=None)
        if st.button(_("End the class now"), key="cls_end"):
            with ui.guard(_("ending the class")):
                class_session.store().end_class(seat.code, seat.token)
                ui_class.class_seat(leave=True)
                st.rerun()
    with c2:
        st.image(vc.qr_png(link), caption=link, width=320)
    st.caption(_("Push any lesson with **Show this view to the class** in the class strip at the top of the page, "
                 "then ask its questions there."))


def section_student(seat):
    st.text(_("You are in class {code} as {name}.").format(code=seat.code, name=seat.nickname))
    st.caption(_("Keep this page's link: it is your seat (also after a server restart). The class strip above "
                 "follows the teacher; switch it off to look around, on to come back."))
    if st.button(_("Leave the class"), key="cls_leave"):
        ui_class.class_seat(leave=True)
        st.rerun()


@st.fragment(run_every=5.0)
def section_gallery(seat):
    """The class's transfer-lab runs by strategy: medians, spread bands; the student's own runs in bold."""
    st.subheader(_("The class's runs"))
    with ui.guard(_("the class's runs")):
        runs = class_session.runs(seat)
        if not runs:
            st.info(_("No runs yet: each student's finished runs in the transfer lab appear here."))
            return runs
        mine = None if seat.teacher else seat.student_id
        fig = vc.run_gallery(runs, class_runs.bands(runs), class_runs.STRATEGY_NAMES, mine=mine)
        ui.figure(fig, "cls_gallery", _(vc.GALLERY_NOTE), table=class_runs.table(runs), filename="class-runs")
        medians = {m: class_runs.strategy_medians(runs, m) for m in class_runs.METRICS}
        st.dataframe([{_("strategy"): _(class_runs.STRATEGY_NAMES[s]), **{_(m): medians[m].get(s) for m in medians}}
                      for s in medians["start"]], hide_index=True)
        if mine is not None and (rows := class_runs.mine_vs_class(runs, mine)):
            st.markdown(_("**Your runs against the class median**"))
            st.dataframe(rows, hide_index=True)
        if seat.teacher:
            answers = class_session.store().answers(seat.code, seat.token)
            ui.download_bytes(_("⬇ CSV of every answer"), _csv(answers), "class-answers.csv", "cls_answers_csv",
                              mime="text/csv")
        return runs


def _csv(rows) -> bytes:
    import pandas as pd

    return pd.DataFrame(rows, columns=["question", "student", "nickname", "choice", "at"]).to_csv(
        index=False).encode("utf-8")


def main():
    ui.setup()
    ui.header(_("Class mode"), _("One teacher leads, every student follows on their own device: predict, then see "
                                 "what the model really does, and put the whole class's training runs side by "
                                 "side."))
    seat = ui_class.class_seat()
    if seat is None:
        return ui_present.slide(1, section_start_join)
    ui_present.slide(1, section_teacher if seat.teacher else section_student, seat)
    return ui_present.slide(2, section_gallery, seat)


main()
