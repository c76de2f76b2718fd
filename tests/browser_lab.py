"""JupyterLab in headless Chromium, for the browser test and the browser benchmark.

* :func:`lab_server` starts JupyterLab from this interpreter on 127.0.0.1, on a free port, with a random token and
  the course's offline settings (``.jupyter/overrides.json``), serving a temporary directory with copies of the
  notebooks whose stored outputs are removed (the committed notebooks are never touched, and every execution count
  seen in the page comes from this run).
* :func:`chromium` launches the system's Chromium (the Debian package ``chromium``) through Playwright for Python
  (pinned in ``requirements-browser.txt``). Playwright's own browser download is never used.
* :func:`run_all` opens a notebook, runs Run > Run All Cells as a learner would, and reports the cells' prompts
  and any error or stderr output; :func:`save_notebook` saves the run (File > Save Notebook) so that its outputs
  can be compared with the stored ones (tests/stored_outputs.py); :func:`explorers` finds every explorer output in
  the page and :func:`move_and_time` moves one of its controls and measures, in the page, the time from the key
  press (or click) to the new image (a MutationObserver on the image's ``src``).

Environment variables:
  UNROLLED_CHROMIUM          path of the Chromium executable (default: /usr/bin/chromium, else ``chromium`` on PATH)
  UNROLLED_REQUIRE_BROWSER   "1": a missing Chromium or Playwright fails the browser test instead of skipping it
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SERVER_START_TIMEOUT = 30.0  # s until /api/status answers
PAGE_TIMEOUT = 30.0          # s until a notebook is open with an idle kernel
RUN_ALL_TIMEOUT = 600.0      # s for Run All Cells of one notebook (notebook 11: about 150 s on 2 busy cores)
STOPPED_GRACE = 2.0          # s of an idle kernel with unrun cells after which Run All has stopped
MOVE_TIMEOUT = 20.0          # s until an explorer's figure changes after a control moved
SAVE_TIMEOUT = 20.0          # s until a saved notebook is on disk

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
STDERR_MIME = "application/vnd.jupyter.stderr"  # JupyterLab renders tracebacks and stderr with it
FIGURE = "img.widget-image"                     # an explorer shows its figure in an ipywidgets Image


NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
# the browser test files and the notebooks each one runs: notebook 11 (two trainings of about half a minute each)
# takes more than half as long as all the others together, so the two parts run side by side on two pytest workers
LONG = ["11_sentence_translator.ipynb"]
BROWSER_FILES = {"test_browser.py": [n for n in NOTEBOOKS if n not in LONG], "test_browser_translator.py": LONG}


NO_PLAYWRIGHT = ("Playwright for Python is not installed; run `make setup-browser` (it installs "
                 "requirements-browser.txt) to run the browser test")


class Unavailable(RuntimeError):
    """Chromium or Playwright is missing (the test skips, or fails when they are required)."""


def unavailable_reason() -> str | None:
    """Why the browser test cannot run here (no Chromium, no Playwright), or None when it can."""
    try:
        chromium_path()
    except Unavailable as reason:
        return str(reason)
    import importlib.util
    if importlib.util.find_spec("playwright") is None:
        return NO_PLAYWRIGHT
    return None


def chromium_path() -> str:
    wanted = os.environ.get("UNROLLED_CHROMIUM")
    if wanted is None:
        wanted = "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else shutil.which("chromium")
        wanted = wanted or "/usr/bin/chromium"
    path = Path(wanted)
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise Unavailable(f"Chromium not found at {wanted}; install the Debian package `chromium` (or set "
                          "UNROLLED_CHROMIUM to its path) to run the browser test")
    return str(path)


@contextlib.contextmanager
def chromium():
    """Headless system Chromium through Playwright: yields the Browser."""
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise Unavailable(NO_PLAYWRIGHT) from None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def stripped_copy(source: Path, target: Path) -> int:
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


@dataclass
class LabServer:
    port: int
    token: str
    log: Path
    served: Path
    code_cells: dict = field(default_factory=dict)  # notebook name -> number of code cells

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str, timeout: float = 5.0):
        request = urllib.request.Request(self.base + path, headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())

    def post(self, path: str, timeout: float = 5.0, method: str = "POST") -> None:
        request = urllib.request.Request(self.base + path, data=b"" if method == "POST" else None, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        urllib.request.urlopen(request, timeout=timeout).close()

    def shutdown_kernels(self) -> None:
        """End every running kernel (one notebook's kernel is not needed once the next one opens)."""
        for kernel in self.get("/api/kernels"):
            with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError):
                self.post(f"/api/kernels/{kernel['id']}", method="DELETE")

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(line[:300] for line in text.splitlines()[-lines:])


@contextlib.contextmanager
def lab_server(tmp: Path, notebooks):
    """JupyterLab serving stripped copies of ``notebooks`` (names in notebooks/) from tmp; always shut down."""
    served = tmp / "notebooks"
    served.mkdir(parents=True)
    code_cells = {name: stripped_copy(ROOT / "notebooks" / name, served / name) for name in notebooks}
    app_settings = tmp / "lab-app-settings"
    app_settings.mkdir()
    shutil.copy(ROOT / ".jupyter" / "overrides.json", app_settings / "overrides.json")
    env = dict(os.environ)
    for var, sub in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                     ("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTERLAB_SETTINGS_DIR", "user-settings"),
                     ("JUPYTERLAB_WORKSPACES_DIR", "workspaces")]:
        env[var] = str(tmp / sub)
    env.pop("JUPYTER_PATH", None)
    # the course's server settings, as `make lab` installs them (kernel messages sent without delay)
    (tmp / "config").mkdir()
    shutil.copy(ROOT / ".jupyter" / "jupyter_server_config.py", tmp / "config" / "jupyter_server_config.py")
    port, token = _free_port(), secrets.token_hex(24)
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={served}", f"--LabApp.app_settings_dir={app_settings}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = tmp / "jupyterlab.log"
    server = LabServer(port, token, log, served, code_cells)
    with open(log, "wb") as log_file:
        proc = subprocess.Popen(command, cwd=served, env=env, stdin=subprocess.DEVNULL, stdout=log_file,
                                stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with code {proc.returncode} before answering; its log "
                                   f"ends:\n{server.log_tail()}")
            try:
                server.get("/api/status", timeout=2.0)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"JupyterLab did not answer /api/status within {SERVER_START_TIMEOUT:.0f} s;"
                                       f" its log ends:\n{server.log_tail()}") from None
                time.sleep(0.2)
        yield server
    finally:
        with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError):
            server.post("/api/shutdown")  # a clean shutdown also ends the kernels the server started
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# ---- what is read in the page ---------------------------------------------------------------------------------
# code-cell prompts read "[ ]:" before a run, "[*]:" while queued or running and "[7]:" afterwards
JS_RUN_STATE = """() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    if (!panel) return null;
    const indicator = panel.querySelector('.jp-Notebook-ExecutionIndicator');
    const prompts = [...panel.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
        .map(p => p.textContent.trim());
    return {status: indicator ? indicator.getAttribute('data-status') : null, prompts: prompts};
}"""

# timing: the time of the last key press or pointer press, and the delay of every new image after it
JS_INSTALL_TIMER = """() => {
    if (window.__unrolled) return;
    window.__unrolled = {t0: null, moves: []};
    const start = () => { window.__unrolled.t0 = performance.now(); };
    document.addEventListener('keydown', start, true);
    document.addEventListener('pointerdown', start, true);
}"""

JS_OBSERVE = """([box, selector]) => {
    const img = box.querySelector(selector);
    const state = window.__unrolled;
    const observer = new MutationObserver(() => {
        if (state.t0 !== null) { state.moves.push(performance.now() - state.t0); state.t0 = null; }
    });
    observer.observe(img, {attributes: true, attributeFilter: ['src']});
    state.moves = [];
    box.__unrolledObserver = observer;
}"""


# the status bar's kernel item reads "Python 3 (ipykernel) | Idle" once the kernel is connected and idle (the
# notebook's execution indicator may say idle before that, and a Run All then runs nothing)
JS_KERNEL_IDLE = """() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]
    .some(item => /\\| Idle$/.test(item.textContent.trim()))"""


def run_finished(state, n_code: int) -> bool:
    return (state is not None and state["status"] == "idle" and len(state["prompts"]) == n_code
            and all(p[1:-2].isdigit() for p in state["prompts"]))


@dataclass
class RunResult:
    finished: bool
    prompts: list
    errors: list       # text of every error or stderr output
    seconds: float


def open_notebook(page, server: LabServer, name: str) -> None:
    """Open a served notebook (which starts its kernel) and wait for the idle kernel.

    The first notebook loads JupyterLab; later ones are opened in the same page (File > Close All Tabs, discarding
    the previous run, whose kernel is then shut down, and File > Open from Path…), which saves loading JupyterLab
    again for every notebook. Every notebook still gets a fresh kernel."""
    from playwright.sync_api import Error as PlaywrightError
    if "/lab" not in page.url:
        page.goto(f"{server.base}/lab/tree/{name}?reset&token={server.token}")
    else:
        page.get_by_role("menuitem", name="File", exact=True).click()
        page.get_by_role("menuitem", name="Close All Tabs").click()
        # a notebook changed since it was saved asks "Save changes before closing?": the run in the page is not kept
        page.wait_for_function("() => document.querySelector('.jp-Dialog') !== null "
                               "|| document.querySelector('.jp-NotebookPanel') === null", timeout=PAGE_TIMEOUT * 1000)
        dialog = page.locator(".jp-Dialog")
        if dialog.count():
            dialog.get_by_role("button", name="Discard").click()
        server.shutdown_kernels()
        page.get_by_role("menuitem", name="File", exact=True).click()
        page.get_by_role("menuitem", name="Open from Path…").click()
        path_box = page.locator(".jp-Dialog input")
        path_box.fill(name)
        path_box.press("Enter")
    n_code = server.code_cells[name]
    try:
        page.wait_for_function(f"() => {{ const s = ({JS_RUN_STATE})(); return s !== null && s.status === 'idle' "
                               f"&& s.prompts.length === {n_code} && ({JS_KERNEL_IDLE})(); }}",
                               timeout=PAGE_TIMEOUT * 1000)
    except PlaywrightError as exc:
        raise RuntimeError(f"{name} did not open with an idle kernel within {PAGE_TIMEOUT:.0f} s "
                           f"({type(exc).__name__}); page state: {page.evaluate(JS_RUN_STATE)}") from None


def run_all(page, server: LabServer, name: str) -> RunResult:
    """Run > Run All Cells, as a learner would, and wait until every cell ran or the run stopped.

    A Run All that ran no cell at all (the page was not ready for it) is given once more, as a learner would."""
    result = _run_all_once(page, server, name)
    if not result.finished and result.prompts and all(p == "[ ]:" for p in result.prompts):
        result = _run_all_once(page, server, name)
    return result


def _run_all_once(page, server: LabServer, name: str) -> RunResult:
    start = time.monotonic()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    n_code = server.code_cells[name]
    deadline = start + RUN_ALL_TIMEOUT
    stopped_since = None  # an error stops Run All: the kernel idles with cells left unrun
    while True:
        state = page.evaluate(JS_RUN_STATE)
        if run_finished(state, n_code):
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
    # textContent, not innerText: cells scrolled out of view are not rendered, so have no innerText
    errors = page.locator(f'.jp-OutputArea-output[data-mime-type="{STDERR_MIME}"]').all_text_contents()
    return RunResult(run_finished(state, n_code), state["prompts"] if state else [], errors,
                     time.monotonic() - start)


def save_notebook(page, server: LabServer, name: str) -> Path:
    """File > Save Notebook, as a learner would, and wait until the served copy on disk holds the run: every code
    cell with an execution count. Returns the path of the saved copy."""
    path = server.served / name
    page.get_by_role("menuitem", name="File", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Save Notebook(?! As)")).click()  # the name ends with Ctrl+S
    deadline = time.monotonic() + SAVE_TIMEOUT
    while True:
        try:
            cells = [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
            if cells and all(c.get("execution_count") is not None for c in cells):
                return path
        except (OSError, ValueError, KeyError):
            pass  # not written yet, or being written
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} was not saved with its outputs within {SAVE_TIMEOUT:.0f} s")
        page.wait_for_timeout(100)


def explorers(page) -> list:
    """Every explorer output of the open notebook: the output areas that hold an explorer's figure image."""
    return page.locator(".jp-OutputArea-output").filter(has=page.locator(FIGURE)).all()


JS_LAYOUT = """box => {
    const problems = [];
    const img = box.querySelector('img.widget-image');
    const room = box.closest('.jp-OutputArea-output').clientWidth;
    if (img.naturalWidth <= room && Math.abs(img.clientWidth - img.naturalWidth) > 1)
        problems.push(`image shown ${img.clientWidth} px wide, drawn ${img.naturalWidth} px (scaled, not sharp)`);
    for (const label of box.querySelectorAll('.widget-label, .widget-label-basic')) {
        if (label.textContent.trim() && label.scrollWidth > label.clientWidth + 1)
            problems.push(`label "${label.textContent.trim()}" cut off (${label.clientWidth} of ${label.scrollWidth} px)`);
    }
    return problems;
}"""


def layout_problems(box) -> list:
    """An explorer's image shown at another size than drawn (blurry), or a control's label cut off."""
    box.scroll_into_view_if_needed()
    return box.evaluate(JS_LAYOUT)


@dataclass
class Moves:
    control: str          # what was moved: "slider", "toggle" or "text"
    delays_ms: list       # key press (or click) to new image, per move
    readout_changed: bool


def move_and_time(page, box, moves: int = 5) -> Moves:
    """Move the first slider of an explorer (else click its toggle buttons, else type into its text box) ``moves``
    times, waiting each time for the new image; returns the delays measured in the page."""
    from playwright.sync_api import Error as PlaywrightError
    page.evaluate(JS_INSTALL_TIMER)
    box.scroll_into_view_if_needed()
    page.evaluate(JS_OBSERVE, [box.element_handle(), FIGURE])
    sliders = box.locator(".widget-slider")
    toggles = box.locator(".widget-toggle-buttons").first.locator("button")
    texts = box.locator(".widget-text input")
    if sliders.count():
        control = "slider"
        readout = sliders.first.locator(".widget-readout")
        value = lambda: readout.text_content()  # noqa: E731
    elif box.locator(".widget-toggle-buttons").count() and toggles.count() > 1:
        control = "toggle"
        value = lambda: [j for j in range(toggles.count())  # noqa: E731
                         if "mod-active" in (toggles.nth(j).get_attribute("class") or "")]
    else:
        control = "text"
        value = lambda: texts.first.input_value()  # noqa: E731
    before_value = value()

    def wait_for(n):
        page.wait_for_function("n => window.__unrolled.moves.length >= n", arg=n, timeout=MOVE_TIMEOUT * 1000)

    try:
        if control == "slider":
            handle = sliders.first.locator(".noUi-handle")
            step = 1  # to the right, turning back at either end of a short slider
            handle.focus()
            for i in range(moves):
                now, low, high = (float(handle.get_attribute(f"aria-value{a}")) for a in ("now", "min", "max"))
                if now >= high or now <= low:
                    step = -1 if now >= high else 1
                handle.press("ArrowRight" if step > 0 else "ArrowLeft")
                wait_for(i + 1)
        elif control == "toggle":
            for i in range(moves):
                target = next(j for j in range(toggles.count()) if j not in value())
                toggles.nth(target).click()
                wait_for(i + 1)
        else:
            for i, number in enumerate(["7021", "96", "1815", "40", "341", "9999", "12", "505", "1001", "77"][:moves]):
                texts.first.fill(number)
                texts.first.press("Enter")
                wait_for(i + 1)
    except PlaywrightError as exc:
        got = page.evaluate("() => window.__unrolled.moves.length")
        raise RuntimeError(f"the explorer's figure did not change within {MOVE_TIMEOUT:.0f} s of move {got + 1} "
                           f"({type(exc).__name__})") from None
    delays = page.evaluate("() => window.__unrolled.moves.slice()")
    return Moves(control, delays, value() != before_value)
