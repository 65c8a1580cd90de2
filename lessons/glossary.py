"""Glossary: the lecture's terms in Greek and English, with symbols, definitions and the lesson that uses each."""

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from tlviz import glossary, ui, ui_present
from tlviz.i18n import _
from tlviz.lessons import LESSONS


def section_table(found: list, lang: str) -> pd.DataFrame:
    """The matching terms as a table (definitions in the interface language) and its CSV."""
    titles = {lesson.page: _(lesson.title) for lesson in LESSONS}
    table = pd.DataFrame(glossary.rows(found, lang, titles))
    st.dataframe(table, hide_index=True, width="stretch")
    ui.download_bytes(_("⬇ CSV of these terms"), table.to_csv(index=False).encode("utf-8-sig"),
                      file_name="tlviz-glossary.csv", key="gl_csv", mime="text/csv")
    return table


def section_links(found: list) -> list[str]:
    """One link per lesson, naming the matching terms it uses; returns the pages linked."""
    st.subheader(_("The lessons of these terms"))
    linked = []
    for lesson in LESSONS:
        names = [t.name() for t in found if t.lesson == lesson.page]
        if names and lesson.available:
            label = "**{title}**: {terms}".format(title=_(lesson.title), terms=", ".join(names))
            try:
                st.page_link(lesson.page, label=label, icon=lesson.icon)
            except StreamlitAPIException:  # run on its own, outside the app's navigation: no page to link to
                st.markdown(label)
            linked.append(lesson.page)
    return linked


def main():
    lang = ui.setup()
    ui.header(_("Glossary"), _("The lecture's terms in Greek and English, with their symbols, a one-line "
                               "definition and the lesson that uses each. Search in either language, with or "
                               "without accents, or by symbol (Q, d_k, PE)."))
    query = ui.kept(st.text_input, _("Search the glossary"), key="gl_q", default="", url="q",
                    placeholder=_("e.g. προσοχη, encoder, d_k"))
    found = None
    with ui.guard(_("the glossary search")):
        found = glossary.search(query)
    if found is None:
        return
    if not found:
        st.info(_("No term matches “{query}”. Try a Greek or English word, or a symbol such as Q or d_k.")
                .format(query=query.strip()[:80]))
        return
    st.caption(_("{n} of {total} terms").format(n=len(found), total=len(glossary.TERMS)))
    ui_present.slide(1, section_table, found, lang)
    ui_present.slide(2, section_links, found)


main()
