"""Uploads through the real browser (AppTest cannot fill a file uploader; Playwright's `set_input_files` can).

For every uploader (the ViT page's image, the transfer lab's zip and its per-class files) good, awkward and bad
files are uploaded in turn into one student's session. Each case checks the message shown, that no exception box
(and no "Something went wrong" box) appears, and that what the student had before a refused file stays on the
page: the previous image's prediction, the earlier good upload's class table.

The files are built at test time (tests/browser/upload_files.py). The cases of one uploader share one page and
run in the order written: a bad case checks that the last good result survives it.
"""

from __future__ import annotations

import re

import pytest

from tests.browser import upload_files as U
from tests.browser.harness import browser, open_page, streamlit_server, wait_idle

pytestmark = pytest.mark.browser

EXCEPTION = '[data-testid="stException"]'
ERROR = '[data-testid="stAlertContentError"]'
WARNING = '[data-testid="stAlertContentWarning"]'


@pytest.fixture(scope="module")
def app():
    with streamlit_server() as url, browser() as b:
        yield url, b


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return tmp_path_factory.mktemp("uploads")


def _texts(page, selector: str) -> list[str]:
    boxes = page.locator(selector)
    return [boxes.nth(i).inner_text() for i in range(boxes.count())]


def _no_crash(page) -> None:
    assert page.locator(EXCEPTION).count() == 0, _texts(page, EXCEPTION)
    crashes = [t for t in _texts(page, ERROR) if "Something went wrong" in t]
    assert crashes == [], crashes


def _upload(page, key: str, paths) -> None:
    page.locator(f".st-key-{key} input[type=file]").set_input_files(paths)
    wait_idle(page)


def _click(page, key: str) -> None:
    page.locator(f".st-key-{key} button").click()
    wait_idle(page)


# ====================================================================== ViT: the image uploader
@pytest.fixture(scope="module")
def vit(app):
    url, b = app
    page = open_page(b, f"{url}/vit")
    yield page
    page.close()


def _vit_caption(page) -> str:
    """'upload: good.png (48x48 px)': the image the page analyses, from its caption."""
    text = page.locator('[data-testid="stMain"]').inner_text()
    m = re.search(r"Image: (.+?) \((\d+x\d+) px\)", text)
    assert m, "the image caption is missing: no analysis on the page"
    return f"{m.group(1)} ({m.group(2)})"


def _vit_prediction(page) -> str:
    chart = page.locator(".st-key-fig_vit_top5")
    assert chart.count() == 1, "the prediction (top-5 chart) is missing"
    return chart.inner_text()


# (builder, size the page must report after EXIF/frames; None: the file's own size)
VIT_GOOD = [(U.good_png, "48x48"), (U.good_jpeg, "48x48"), (U.png_16bit, "64x64"), (U.rgba_png, "48x48"),
            (U.cmyk_jpeg, "48x48"), (U.exif_rotated_jpeg, "32x64"), (U.tiny_png, "1x1"), (U.animated_gif, "40x40")]
VIT_BAD = [(U.truncated_jpeg, "truncated or corrupt"), (U.text_as_png, "not an image"),
           (U.empty_png, "empty (0 bytes)"), (U.bomb_png, "megapixels")]


@pytest.mark.parametrize("build, size", VIT_GOOD, ids=[f.__name__ for f, _ in VIT_GOOD])
def test_vit_accepts_good_and_awkward_images(vit, files, build, size):
    path = build(files)
    _upload(vit, "vit_upload", path)
    _no_crash(vit)
    assert _texts(vit, ERROR) == []
    assert _vit_caption(vit) == f"upload: {path.name} ({size})"
    assert _vit_prediction(vit).strip()


@pytest.mark.parametrize("build, message", VIT_BAD, ids=[f.__name__ for f, _ in VIT_BAD])
def test_vit_refuses_bad_images_and_keeps_the_previous_result(vit, files, build, message):
    if "upload:" not in _vit_caption(vit):  # run alone: first a good image, so that there is a result to keep
        _upload(vit, "vit_upload", U.good_png(files))
    before, prediction = _vit_caption(vit), _vit_prediction(vit)
    path = build(files)
    _upload(vit, "vit_upload", path)
    _no_crash(vit)
    errors = _texts(vit, ERROR)
    assert len(errors) == 1 and f"'{path.name}' was not used" in errors[0] and message in errors[0], errors
    assert "previous image and its results are kept" in errors[0]
    assert _vit_caption(vit) == before
    assert _vit_prediction(vit) == prediction


# ====================================================================== transfer lab: the zip uploader
@pytest.fixture(scope="module")
def lab(app):
    url, b = app
    page = open_page(b, f"{url}/transfer_lab", height=1600)
    page.get_by_text("Your own images", exact=True).click()
    wait_idle(page)
    yield page
    page.close()


def _classes_shown(page) -> str:
    """The class table (classes and their image counts) as 'cats dogs | training images 2 2 | ...', '' when there is
    none. The grid is drawn on a canvas; its cells are read from the accessible table beside it."""
    tables = page.locator('[data-testid="stDataFrame"] table')
    if not tables.count():
        return ""
    return tables.first.evaluate("""t => [...t.querySelectorAll('tr')]
        .map(r => [...r.querySelectorAll('th, td')].map(c => c.textContent.trim()).filter(Boolean).join(' '))
        .join(' | ')""")


def _use_zip(page, path) -> None:
    _upload(page, "tl_zip", path)
    _click(page, "tl_use_zip")


def test_zip_good(lab, files):
    _use_zip(lab, U.good_zip(files))
    _no_crash(lab)
    assert _texts(lab, ERROR) == []
    shown = _classes_shown(lab)
    assert "cats" in shown and "dogs" in shown, shown


def test_zip_awkward_top_folder_macosx_cases_and_a_text_file(lab, files):
    _use_zip(lab, U.awkward_zip(files))
    _no_crash(lab)
    assert _texts(lab, ERROR) == []
    shown = _classes_shown(lab)
    assert "owls" in shown and "foxes" in shown and "animals" not in shown and "MACOSX" not in shown, shown
    assert any("not images" in w for w in _texts(lab, WARNING)), _texts(lab, WARNING)


ZIP_BAD = [(U.zip_bomb, "zip bomb"), (U.traversal_zip, "unsafe path '../../evil/0.png'"),
           (U.one_class_zip, "at least two classes"), (U.one_image_class_zip, "only 1 usable image"),
           (U.corrupt_zip, "")]


@pytest.mark.parametrize("build, message", ZIP_BAD, ids=[f.__name__ for f, _ in ZIP_BAD])
def test_zip_bad_is_refused_and_the_earlier_classes_stay(lab, files, build, message):
    if "owls" not in _classes_shown(lab):  # run alone: a good upload first, so that there is a table to keep
        _use_zip(lab, U.awkward_zip(files))
    before = _classes_shown(lab)
    assert "owls" in before
    _use_zip(lab, build(files))
    _no_crash(lab)
    errors = _texts(lab, ERROR)
    assert len(errors) == 1 and message in errors[0], errors
    assert _classes_shown(lab) == before, "the earlier upload's classes are gone after a refused zip"


# ====================================================================== transfer lab: the per-class uploaders
def _per_class(page, names, paths) -> None:
    page.get_by_role("tab", name="Upload per class").click()
    page.wait_for_timeout(300)
    for i, (name, files) in enumerate(zip(names, paths)):
        box = page.locator(f".st-key-tl_cname{i} input")
        box.fill(name)
        box.press("Enter")
        wait_idle(page)
        delete = page.locator(f'.st-key-tl_files{i} [aria-label^="Remove "]')
        while delete.count():  # a multiple-file uploader adds to its files: remove the earlier ones first
            delete.first.click()
            wait_idle(page)
        if files:
            page.locator(f".st-key-tl_files{i} input[type=file]").set_input_files(files)
            wait_idle(page)
    _click(page, "tl_use_files")


def test_per_class_good(lab, files):
    _per_class(lab, ["lions", "tigers"], [U.class_images(files, "lions", 3, 100),
                                          U.class_images(files, "tigers", 3, 200)])
    _no_crash(lab)
    assert _texts(lab, ERROR) == []
    shown = _classes_shown(lab)
    assert "lions" in shown and "tigers" in shown, shown


PER_CLASS_BAD = [("one_class_empty", ["bears", "wolves"], "The class 'wolves' has no usable images"),
                 ("duplicate_names", ["bears", "bears"], "Two classes are called 'bears'")]


@pytest.mark.parametrize("case, names, message", PER_CLASS_BAD, ids=[c for c, _, _ in PER_CLASS_BAD])
def test_per_class_bad_is_refused_and_the_earlier_classes_stay(lab, files, case, names, message):
    if "lions" not in _classes_shown(lab):
        test_per_class_good(lab, files)
    before = _classes_shown(lab)
    second = [] if case == "one_class_empty" else U.class_images(files, f"{case}_b", 2, 300)
    _per_class(lab, names, [U.class_images(files, f"{case}_a", 2, 400), second])
    _no_crash(lab)
    errors = _texts(lab, ERROR)
    assert len(errors) == 1 and message in errors[0], errors
    assert _classes_shown(lab) == before, "the earlier upload's classes are gone after refused files"
