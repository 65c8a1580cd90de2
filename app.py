"""tlviz: the app's entry point (page config and navigation only; every page lives in lessons/)."""

import streamlit as st

from tlviz.lessons import GROUPS, available_lessons

st.set_page_config(page_title="tlviz: attention and transfer learning", page_icon=":material/lightbulb:", layout="wide")

navigation = {"": [st.Page("lessons/home.py", title="Home", icon=":material/home:", default=True)]}
for group in GROUPS:
    pages = [st.Page(lesson.page, title=lesson.title, icon=lesson.icon)
             for lesson in available_lessons() if lesson.group == group]
    if pages:
        navigation[group] = pages

st.navigation(navigation).run()
