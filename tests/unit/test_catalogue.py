"""The Greek catalogue covers every message of a fresh extraction, with the same placeholders, and is loaded.

A failure of the coverage test lists the untranslated messages: run ``make messages`` (extract + update), translate
them in ``tlviz/locales/el/LC_MESSAGES/tlviz.po`` and remove any ``fuzzy`` flag once checked.
"""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tlviz import i18n

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "tlviz" / "locales" / "el" / "LC_MESSAGES" / "tlviz.po"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}  # as `make messages`: -k _ -k N_ -k ngettext:1,2
# str.format fields ({name}, {0}, {p:.0%}, plotly's %{z:.2f}) and printf ones (%(x)s, %s, %d)
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\([^)]*\)[a-z]|%[sd]")


def fresh_messages() -> list[str]:
    """Every msgid (the singular of a plural) the source holds now, in babel.cfg's files."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS)
    ids = {m[0] if isinstance(m, tuple) else m for _file, _line, m, _comments, _context in found}
    return sorted(i for i in ids if i)


@pytest.fixture(scope="module")
def catalogue():
    with PO.open("rb") as f:
        return read_po(f, locale="el")


def strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def test_every_message_has_a_greek_translation(catalogue):
    ids = fresh_messages()
    missing, fuzzy = [], []
    for msgid in ids:
        message = catalogue.get(msgid)
        if message is None or not all(s.strip() for s in strings(message)):
            missing.append(msgid)
        elif message.fuzzy:
            fuzzy.append(msgid)
    report = [f"{len(missing)} of {len(ids)} messages have no Greek translation and {len(fuzzy)} are fuzzy "
              f"(run `make messages`, translate them in {PO.relative_to(ROOT)}):"]
    report += [f"  missing: {m!r}" for m in missing] + [f"  fuzzy:   {m!r}" for m in fuzzy]
    if missing or fuzzy:
        pytest.fail("\n".join(report), pytrace=False)


def test_placeholders_are_identical_in_msgid_and_msgstr(catalogue):
    wrong = []
    for message in catalogue:
        if not message.id:
            continue
        sources = message.id if isinstance(message.id, (list, tuple)) else [message.id]
        expected = sorted(PLACEHOLDER.findall(sources[-1]))
        for text in strings(message):
            if text and sorted(PLACEHOLDER.findall(text)) != expected:
                wrong.append(f"{sources[0]!r}: {PLACEHOLDER.findall(text)} != {expected}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


def test_translations_format_with_the_english_arguments(catalogue):
    """Every brace-format translation formats with exactly the fields its English text names."""
    for message in catalogue:
        if not message.id or not isinstance(message.id, str) or "{" not in message.id:
            continue
        names = {m.split(":")[0].split("!")[0].split("[")[0].split(".")[0] for m in re.findall(r"\{([^{}]*)\}",
                                                                                              message.id)}
        if not all(n.isidentifier() for n in names):
            continue  # plotly templates (%{z:.2f}) and literal braces are not str.format
        values = dict.fromkeys(names, 0.5)
        try:
            message.id.format(**values)
        except (ValueError, TypeError, IndexError, KeyError):
            continue  # a format spec that needs another type ({n:,} with an int): the placeholder test covers it
        message.string.format(**values)


def test_the_greek_catalogue_is_compiled_and_used():
    i18n.reload()
    with i18n.using("el"):
        assert i18n._("Glossary") == "Γλωσσάριο"
        assert i18n._("Positional encoding") == "Κωδικοποίηση θέσης (Positional Encoding)"
        assert i18n._("Model") == "Μοντέλο"
    with i18n.using("en"):
        assert i18n._("Glossary") == "Glossary"
