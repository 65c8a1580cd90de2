"""Interface languages through standard gettext catalogues: ``_()``, ``ngettext()`` and the current language.

Catalogues live in ``tlviz/locales/<lang>/LC_MESSAGES/tlviz.po`` (extracted by Babel: ``make messages``) and are
compiled to ``.mo`` by the set-up (``make`` runs ``pybabel compile``); a missing or stale ``.mo`` is compiled from
its ``.po`` on first use, so a fresh clone works either way.

The language is per browser session, and every session is a thread of the server, so the current language is a
context variable: :func:`tlviz.ui.setup` sets it at the start of every script run (from the URL, the sidebar switch,
the browser's language or ``TLVIZ_LANG``); notebooks call :func:`set_language`. English is the source language.

Strings defined at import time (module constants such as a strategy's description) are marked with :func:`N_`
and translated where they are shown: ``_(STRATEGIES[name])``.
"""

from __future__ import annotations

import contextlib
import contextvars
import gettext
import os
import threading
from collections.abc import Iterator
from pathlib import Path

DOMAIN = "tlviz"
LOCALES = Path(__file__).resolve().parent / "locales"
SOURCE = "en"
#: The interface languages, by code, with their names as their speakers write them.
LANGUAGES: dict[str, str] = {"en": "English", "el": "Ελληνικά"}

_current: contextvars.ContextVar[str] = contextvars.ContextVar("tlviz_language", default="")
_catalogues: dict[str, gettext.NullTranslations] = {}
_lock = threading.Lock()


def default_language(browser_locale: str | None = None) -> str:
    """``TLVIZ_LANG`` if set to a known language, else the browser's language if known, else English."""
    for candidate in (os.environ.get("TLVIZ_LANG", ""), browser_locale or ""):
        code = normalise(candidate)
        if code:
            return code
    return SOURCE


def normalise(code: str | None) -> str:
    """``"el-GR"`` -> ``"el"``; an unknown or empty code -> ``""``."""
    base = (code or "").strip().lower().replace("_", "-").split("-")[0]
    return base if base in LANGUAGES else ""


def set_language(code: str) -> str:
    """Make ``code`` the current language of this thread (a session's script run); returns the code used."""
    lang = normalise(code) or SOURCE
    _current.set(lang)
    return lang


def language() -> str:
    return _current.get() or default_language()


@contextlib.contextmanager
def using(code: str) -> Iterator[str]:
    """Temporarily switch language (tests, exports in another language)."""
    token = _current.set(normalise(code) or SOURCE)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def _compile(po: Path, mo: Path) -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as f:
        catalog = read_po(f, locale=po.parent.parent.name)
    tmp = mo.with_suffix(f".{os.getpid()}.tmp")
    with tmp.open("wb") as f:
        write_mo(f, catalog)
    tmp.replace(mo)


def compile_catalogue(po: str | Path, mo: str | Path | None = None) -> Path:
    """Compile a ``.po`` file to its ``.mo`` beside it (or at ``mo``), as the app does on first use. Unlike
    ``pybabel compile`` it does not refuse texts with a literal "%" (e.g. "90% of the way") that Babel's
    extractor flags as ``python-format``; tlviz formats with ``str.format`` and tests that the ``{fields}``
    of every translation match (tests/unit/test_catalogue.py)."""
    po = Path(po)
    mo = Path(mo) if mo is not None else po.with_suffix(".mo")
    _compile(po, mo)
    return mo


def catalogue(code: str) -> gettext.NullTranslations:
    """The compiled translations of ``code`` (a null catalogue for English or a language without one)."""
    code = normalise(code) or SOURCE
    with _lock:
        if code in _catalogues:
            return _catalogues[code]
        trans: gettext.NullTranslations = gettext.NullTranslations()
        po = LOCALES / code / "LC_MESSAGES" / f"{DOMAIN}.po"
        mo = po.with_suffix(".mo")
        if code != SOURCE and po.is_file():
            if not mo.is_file() or mo.stat().st_mtime < po.stat().st_mtime:
                with contextlib.suppress(OSError):
                    _compile(po, mo)
            if mo.is_file():
                with mo.open("rb") as f:
                    trans = gettext.GNUTranslations(f)
        _catalogues[code] = trans
        return trans


def reload() -> None:
    """Forget loaded catalogues (after ``make messages`` in a running notebook)."""
    with _lock:
        _catalogues.clear()


def _(message: str) -> str:
    """``message`` in the current language (the English text itself when no translation exists)."""
    if not message:
        return message
    return catalogue(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n`` in the current language."""
    return catalogue(language()).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now (it is translated where it is shown)."""
    return message
