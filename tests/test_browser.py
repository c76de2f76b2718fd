"""A course notebook in a real browser: JupyterLab in headless Chromium runs every cell, then a
slider of the notebook's explorer is moved with the keyboard and its figure must change.

This is the end-to-end check of what nbval cannot see: that the notebook runs in JupyterLab as a
learner opens it, that the widgets render in the page, and that a slider is wired to its figure.

* JupyterLab is started from this interpreter on 127.0.0.1, on a free port, with a random token and
  the course's offline settings (``.jupyter/overrides.json``), serving a temporary directory that holds
  a copy of the notebook with its stored outputs removed. The committed notebook is never touched,
  and every execution count seen in the page comes from this run.
* The browser is the system's Chromium (the Debian package ``chromium``), driven by Playwright for
  Python (pinned in ``requirements-browser.txt``; ``make setup-browser`` installs it). Playwright's
  own browser download is never used.

Environment variables:
  UNROLLED_CHROMIUM          path of the Chromium executable (default: /usr/bin/chromium, else
                             ``chromium`` on PATH)
  UNROLLED_REQUIRE_BROWSER   "1": a missing Chromium or Playwright fails the test instead of
                             skipping it (CI sets this)
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# the notebook under test (in notebooks/); it must contain an explorer: a widget box with a slider
# and the figure that the slider moves
NOTEBOOK = "06_vanishing_exploding_gradients.ipynb"

SERVER_START_TIMEOUT = 30.0  # s until /api/status answers
PAGE_TIMEOUT = 30.0          # s until the notebook is open with an idle kernel
RUN_ALL_TIMEOUT = 120.0      # s for Run All Cells
STOPPED_GRACE = 2.0          # s of an idle kernel with unrun cells after which Run All has stopped
SLIDER_TIMEOUT = 20.0        # s until the figure changes after the slider moved
ARROW_PRESSES = 3

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

STDERR_MIME = "application/vnd.jupyter.stderr"  # JupyterLab renders tracebacks and stderr with it


def _unavailable(reason: str):
    """Skip on a learner's machine; fail where the browser test is required (CI)."""
    if os.environ.get("UNROLLED_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (UNROLLED_REQUIRE_BROWSER=1, so this is a failure, not a skip)",
                    pytrace=False)
    pytest.skip(reason)


def _chromium_path() -> str:
    """The Chromium to drive, or skip/fail with the reason it is missing."""
    wanted = os.environ.get("UNROLLED_CHROMIUM")
    if wanted is None:
        wanted = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
        wanted = wanted or "/usr/bin/chromium"
    path = Path(wanted)
    if not (path.is_file() and os.access(path, os.X_OK)):
        _unavailable(f"Chromium not found at {wanted}; install the Debian package `chromium` "
                     "(or set UNROLLED_CHROMIUM to its path) to run the browser test")
    return str(path)


try:
    from playwright.sync_api import Error as PlaywrightError
except ImportError:  # reported by the `browser` fixture, which skips or fails the test
    PlaywrightError = Exception


def _sync_playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None:
        _unavailable("Playwright for Python is not installed; run `make setup-browser` "
                     "(it installs requirements-browser.txt) to run the browser test")
    return sync_playwright


@pytest.fixture
def clock():
    """Wall-clock phases of the test, printed at the end (`pytest -s` or `-rP` shows them)."""
    start = time.perf_counter()
    phases = []
    yield lambda name: phases.append((name, time.perf_counter() - start))
    if phases:
        print("browser test timings (s since start): "
              + ", ".join(f"{name} {t:.1f}" for name, t in phases))


@pytest.fixture
def browser(clock):
    """Headless system Chromium through Playwright (skips or fails first if either is missing)."""
    executable = _chromium_path()
    sync_playwright = _sync_playwright()
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            clock("browser launched")
            yield chromium
        finally:
            chromium.close()


def _stripped_copy(source: Path, target: Path) -> int:
    """Copy a notebook without outputs or execution counts; returns its number of code cells."""
    nb = json.loads(source.read_text(encoding="utf-8"))
    n_code = 0
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
            n_code += 1
    nb.get("metadata", {}).pop("widgets", None)  # stored widget state of the committed run
    target.write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")
    return n_code


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    def __init__(self, port: int, token: str, log: Path, n_code_cells: int):
        self.port, self.token, self.log, self.n_code_cells = port, token, log, n_code_cells
        self.base = f"http://127.0.0.1:{port}"

    def get(self, path: str, timeout: float = 5.0):
        request = urllib.request.Request(self.base + path,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())

    def post(self, path: str, timeout: float = 5.0) -> None:
        request = urllib.request.Request(self.base + path, data=b"", method="POST",
                                         headers={"Authorization": f"token {self.token}"})
        urllib.request.urlopen(request, timeout=timeout).close()

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(line[:300] for line in text.splitlines()[-lines:])


@pytest.fixture
def lab(tmp_path, browser, clock):
    """JupyterLab serving a stripped copy of NOTEBOOK from tmp_path; always shut down afterwards."""
    source = ROOT / "notebooks" / NOTEBOOK
    assert source.is_file(), f"the notebook under test, notebooks/{NOTEBOOK}, does not exist"
    served = tmp_path / "notebooks"
    served.mkdir()
    n_code = _stripped_copy(source, served / NOTEBOOK)

    # the course's offline settings, and nothing from the user's own Jupyter configuration
    app_settings = tmp_path / "lab-app-settings"
    app_settings.mkdir()
    shutil.copy(ROOT / ".jupyter" / "overrides.json", app_settings / "overrides.json")
    env = dict(os.environ)
    for var, sub in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                     ("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTERLAB_SETTINGS_DIR", "user-settings"),
                     ("JUPYTERLAB_WORKSPACES_DIR", "workspaces")]:
        env[var] = str(tmp_path / sub)
    env.pop("JUPYTER_PATH", None)

    port, token = _free_port(), secrets.token_hex(24)
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={served}",
               f"--LabApp.app_settings_dir={app_settings}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = tmp_path / "jupyterlab.log"
    server = LabServer(port, token, log, n_code)
    with open(log, "wb") as log_file:
        proc = subprocess.Popen(command, cwd=served, env=env, stdin=subprocess.DEVNULL,
                                stdout=log_file, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with code {proc.returncode} before answering; "
                            f"its log ends:\n{server.log_tail()}")
            try:
                server.get("/api/status", timeout=2.0)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not answer /api/status within {SERVER_START_TIMEOUT:.0f} s; "
                                f"its log ends:\n{server.log_tail()}")
                time.sleep(0.2)
        clock("server up")
        # overrides.json becomes the defaults of the settings schema: check that it was applied
        schema = server.get("/lab/api/settings/@jupyterlab/apputils-extension:notification")["schema"]
        defaults = {key: prop.get("default") for key, prop in schema["properties"].items()}
        assert defaults["fetchNews"] == "false" and defaults["checkForUpdates"] is False, defaults
        yield server
    finally:
        try:  # a clean shutdown also ends the kernels the server started
            server.post("/api/shutdown")
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        clock("server stopped")


# ---- what the test reads in the page ---------------------------------------------------------
# code-cell prompts read "[ ]:" before a run, "[*]:" while queued or running and "[7]:" afterwards
_JS_RUN_STATE = """() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    if (!panel) return null;
    const indicator = panel.querySelector('.jp-Notebook-ExecutionIndicator');
    const prompts = [...panel.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
        .map(p => p.textContent.trim());
    return {status: indicator ? indicator.getAttribute('data-status') : null, prompts: prompts};
}"""

# an explorer shows its figure in an Image widget (or, in older versions, an Output widget)
FIGURE = "img.widget-image, .widget-output img"

_JS_FIGURE_CHANGED = """([box, selector, before]) => {
    const img = box.querySelector(selector);
    return img !== null && img.getAttribute('src') !== before;
}"""


def _run_finished(state, n_code: int) -> bool:
    return (state is not None and state["status"] == "idle" and len(state["prompts"]) == n_code
            and all(p[1:-2].isdigit() for p in state["prompts"]))


def test_notebook_runs_in_jupyterlab_and_its_slider_moves_the_figure(browser, lab, clock, tmp_path):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    console = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: console.append(f"page error: {e}"))

    def context_for_failure() -> str:
        shot = tmp_path / "browser-failure.png"
        try:
            page.screenshot(path=str(shot))
            where = f"\nscreenshot of the page: {shot}"
        except Exception as exc:  # the page itself may be gone
            where = f"\nno screenshot ({type(exc).__name__})"
        return (where + "\nbrowser console errors:\n" + "\n".join(console[-10:])
                + f"\nJupyterLab log ends:\n{lab.log_tail(15)}")

    try:
        # 1. open the notebook; opening it starts a fresh kernel
        page.goto(f"{lab.base}/lab/tree/{NOTEBOOK}?reset&token={lab.token}")
        try:
            page.wait_for_function(
                f"() => {{ const s = ({_JS_RUN_STATE})(); return s !== null && s.status === 'idle' "
                f"&& s.prompts.length === {lab.n_code_cells}; }}", timeout=PAGE_TIMEOUT * 1000)
        except PlaywrightError as exc:
            pytest.fail(f"the notebook did not open with an idle kernel within {PAGE_TIMEOUT:.0f} s "
                        f"({type(exc).__name__}); page state: {page.evaluate(_JS_RUN_STATE)}"
                        + context_for_failure())
        clock("notebook open")

        # 2. Run > Run All Cells, as a learner would (the kernel is fresh: nothing has run in it)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        deadline = time.monotonic() + RUN_ALL_TIMEOUT
        stopped_since = None  # an error stops Run All: the kernel idles with cells left unrun
        while True:
            state = page.evaluate(_JS_RUN_STATE)
            if _run_finished(state, lab.n_code_cells):
                break
            if state is not None and state["status"] == "idle" and "[*]:" not in state["prompts"]:
                stopped_since = stopped_since or time.monotonic()
                if time.monotonic() - stopped_since > STOPPED_GRACE:
                    break
            else:
                stopped_since = None
            if time.monotonic() > deadline:
                break
            page.wait_for_timeout(250)
        clock("all cells run")

        # 3. no traceback and nothing on stderr anywhere in the notebook
        # (textContent, not innerText: cells scrolled out of view are not rendered, so have no innerText)
        errors = page.locator(f'.jp-OutputArea-output[data-mime-type="{STDERR_MIME}"]').all_text_contents()
        if errors:
            pytest.fail(f"error output in {NOTEBOOK} (cell prompts: {state and state['prompts']}):\n\n"
                        + "\n\n".join(e[:3000] for e in errors), pytrace=False)
        if not _run_finished(state, lab.n_code_cells):
            pytest.fail(f"Run All Cells did not run every cell of {NOTEBOOK} "
                        f"(time limit {RUN_ALL_TIMEOUT:.0f} s); kernel {state and state['status']}, "
                        f"prompts {state and state['prompts']}"
                        + context_for_failure())
        counts = [int(p[1:-2]) for p in state["prompts"]]
        assert counts == sorted(set(counts)), f"cells ran out of order or twice: {state['prompts']}"

        # 4. the explorer: the first widget box holding a slider and a figure
        explorer = (page.locator(".jp-OutputArea-output .widget-vbox")
                    .filter(has=page.locator(".widget-slider"))
                    .filter(has=page.locator(FIGURE)).first)
        try:
            explorer.wait_for(state="attached", timeout=SLIDER_TIMEOUT * 1000)
        except PlaywrightError:
            widget_texts = page.locator(".jp-OutputArea-output").filter(has_text="idget").all_text_contents()
            pytest.fail(f"no explorer (a widget box with a slider and a figure) rendered in {NOTEBOOK}; "
                        f"outputs mentioning widgets: {widget_texts[:5]}" + context_for_failure())
        explorer.scroll_into_view_if_needed()
        handle = explorer.locator(".widget-slider .noUi-handle").first
        readout = explorer.locator(".widget-slider .widget-readout").first
        before_src = explorer.locator(FIGURE).first.get_attribute("src")
        before_value = readout.text_content()
        at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
        key = "ArrowLeft" if at_max else "ArrowRight"
        handle.focus()
        for _ in range(ARROW_PRESSES):
            handle.press(key)
        try:
            page.wait_for_function(_JS_FIGURE_CHANGED, timeout=SLIDER_TIMEOUT * 1000,
                                   arg=[explorer.element_handle(), FIGURE, before_src])
        except PlaywrightError as exc:
            pytest.fail(f"the explorer's figure did not change within {SLIDER_TIMEOUT:.0f} s after "
                        f"{ARROW_PRESSES} x {key} on its first slider (readout {before_value!r} -> "
                        f"{readout.text_content()!r}; {type(exc).__name__})" + context_for_failure())
        clock("figure changed")
        assert readout.text_content() != before_value, "the figure changed but the slider's readout did not"
    finally:
        context.close()
