"""tlviz: the app's entry point (page config and navigation only; every page lives in lessons/)."""

from pathlib import Path

import streamlit as st

from tlviz import i18n, ui
from tlviz.i18n import _
from tlviz.lessons import GROUPS, available_lessons

# A local SVG (sent inline as a data: URL): a :material/...: or emoji page icon makes the browser fetch the favicon
# from fonts.gstatic.com or a CDN, which fails in an offline room and leaks a request where there is internet.
FAVICON = Path(__file__).resolve().parent / "assets" / "favicon.svg"
st.set_page_config(page_title="tlviz: attention and transfer learning", page_icon=str(FAVICON), layout="wide")

i18n.set_language(ui.session_language())  # the menu speaks the page's language
navigation = {"": [st.Page("lessons/home.py", title=_("Home"), icon=":material/home:", default=True)]}
for group in GROUPS:
    pages = [st.Page(lesson.page, title=_(lesson.title), icon=lesson.icon, url_path=Path(lesson.page).stem)
             for lesson in available_lessons() if lesson.group == group]
    if pages:
        navigation[_(group)] = pages

st.navigation(navigation, expanded=True).run()  # every lesson listed (no "View 3 more")
