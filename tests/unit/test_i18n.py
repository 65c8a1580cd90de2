"""gettext through tlviz.i18n: the current language per thread (session), catalogues compiled from .po."""

import threading

import pytest

from tlviz import i18n

PO = r'''
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

msgid "Attention"
msgstr "Προσοχή"

msgid "{n} head"
msgid_plural "{n} heads"
msgstr[0] "{n} κεφαλή"
msgstr[1] "{n} κεφαλές"
'''


@pytest.fixture
def greek(tmp_path, monkeypatch):
    folder = tmp_path / "el" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "tlviz.po").write_text(PO, encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALES", tmp_path)
    i18n.reload()
    yield folder
    i18n.reload()


def test_translates_and_compiles_missing_mo(greek):
    with i18n.using("el"):
        assert i18n._("Attention") == "Προσοχή"
        assert i18n._("Not in the catalogue") == "Not in the catalogue"
        assert i18n.ngettext("{n} head", "{n} heads", 1).format(n=1) == "1 κεφαλή"
        assert i18n.ngettext("{n} head", "{n} heads", 12).format(n=12) == "12 κεφαλές"
    assert (greek / "tlviz.mo").is_file()
    with i18n.using("en"):
        assert i18n._("Attention") == "Attention"
        assert i18n.ngettext("{n} head", "{n} heads", 2) == "{n} heads"


def test_language_is_per_thread(greek):
    seen = {}
    barrier = threading.Barrier(2)

    def session(code):
        i18n.set_language(code)
        barrier.wait()
        seen[code] = i18n._("Attention")

    threads = [threading.Thread(target=session, args=(c,)) for c in ("el", "en")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"el": "Προσοχή", "en": "Attention"}


@pytest.mark.parametrize("code, expected", [("el-GR", "el"), ("EL", "el"), ("en_US", "en"), ("fr", ""), ("", ""),
                                            (None, "")])
def test_normalise(code, expected):
    assert i18n.normalise(code) == expected


def test_default_follows_browser_then_env(monkeypatch):
    monkeypatch.delenv("TLVIZ_LANG", raising=False)
    assert i18n.default_language("el-GR") == "el"
    assert i18n.default_language("fr-FR") == "en"
    monkeypatch.setenv("TLVIZ_LANG", "en")
    assert i18n.default_language("el-GR") == "en"  # the server's setting overrides the browser
