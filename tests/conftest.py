import os

import matplotlib
import pytest

import browser_lab as lab_

matplotlib.use("Agg")


@pytest.fixture
def rng():
    from helpers.seeding import make_rng
    return make_rng(0)


@pytest.fixture(autouse=True)
def close_figures():
    """Every test starts and ends without open figures."""
    yield
    import matplotlib.pyplot as plt
    plt.close("all")


@pytest.fixture(scope="module")
def number_words():
    """The number words of notebook 10 (helpers.translation.load_number_words)."""
    from helpers.translation import load_number_words
    return load_number_words()


@pytest.fixture(scope="module")
def number_pairs(number_words):
    """{number: (english, german)} over every split."""
    return {int(n): (e, g) for s in number_words.values() for n, e, g in zip(s.numbers, s.english, s.german)}


def _unavailable(reason: str):
    """Skip on a learner's machine; fail where the browser test is required (CI)."""
    if os.environ.get("UNROLLED_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (UNROLLED_REQUIRE_BROWSER=1, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


# ---- the browser tests (tests/test_browser*.py): one Chromium, one JupyterLab and one page per test file

@pytest.fixture(scope="module")
def browser():
    try:
        with lab_.chromium() as chromium:
            yield chromium
    except lab_.Unavailable as reason:
        _unavailable(str(reason))


@pytest.fixture(scope="module")
def lab(browser, tmp_path_factory, request):
    """JupyterLab serving the notebooks of the browser test file (its NOTEBOOKS)."""
    with lab_.lab_server(tmp_path_factory.mktemp("browser"), request.module.NOTEBOOKS) as server:
        schema = server.get("/lab/api/settings/@jupyterlab/apputils-extension:notification")["schema"]
        defaults = {key: prop.get("default") for key, prop in schema["properties"].items()}
        assert defaults["fetchNews"] == "false" and defaults["checkForUpdates"] is False, defaults
        yield server


@pytest.fixture(scope="module")
def shared_page(browser, lab):
    """One page for all notebooks: JupyterLab is loaded once, each notebook opened in it in turn."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(f"{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: page.console_errors.append(f"page error: {e}"))
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page(shared_page, lab):
    shared_page.console_errors.clear()
    yield shared_page
