"""Helpers of the web host's browser tests (test_web_browser.py): the
distribution's Chromium driven by Playwright, the web host served by uvicorn on a free
loopback port (in a thread, or the real ``dialogue-flow serve`` in a subprocess), and the
screenshots written as test artefacts.

Chromium is Debian's package (``/usr/bin/chromium``; ``.ci/run`` installs it): Playwright
never downloads a browser here. Without it the tests skip, except on CI (``CI=true``),
where they fail saying what to install. Plain helpers: the fixtures live in the test
module (a module it imports cannot also be loaded as a pytest plugin).

Screenshots go to ``$DIALOGUE_FLOW_ARTEFACTS/web/``, else ``<repo>/build/test-artefacts/web/``
(build/ is git-ignored). With ``DIALOGUE_FLOW_UPDATE_DOCS=1`` the few in :data:`DOCS_IMAGES`
are also copied, compressed, into ``docs/images/``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

#: The repository's root (this file is plugins/dialogue-flow-web/tests/browser_support.py).
REPO = Path(__file__).resolve().parents[3]

#: Where Debian's package puts Chromium.
CHROMIUM = "/usr/bin/chromium"

#: Headless Chromium as root in a container, with nothing fetched from the network.
#: --disable-dev-shm-usage: a container's /dev/shm may be 64 MB, too small for a long
#: page's screenshot (Debian's launcher adds it only when its own check of /dev/shm works).
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run",
               "--disable-dev-shm-usage"]

#: A desk's screen, and a phone's (the citizen's status page).
DESK = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

#: The screenshots that go into the docs (docs/web.md, "Screenshots"): artefact -> image.
DOCS_IMAGES = {
    "08-meeting-intake.png": "web-meeting-intake.png",
    "11-matter-decided.png": "web-matter.png",
    "31-status-phone.png": "web-status-phone.png",
    "40-province.png": "web-province.png",
    "41-province-rollup.png": "web-province-rollup.png",
    "50-commune-dashboard.png": "web-dashboard.png",
}

#: A docs image is cut to at most this many CSS pixels of height.
DOCS_MAX_HEIGHT = 1400


def chromium_path() -> str:
    """The distribution's Chromium, with Playwright importable; skips the test without
    them, fails it on CI."""
    found = CHROMIUM if os.access(CHROMIUM, os.X_OK) else shutil.which("chromium")
    if not found:
        _missing("chromium not found: install Debian's package (apt-get install chromium "
                 "fonts-dejavu-core fonts-liberation2; .ci/run does), never a downloaded "
                 "browser")
    if importlib.util.find_spec("playwright") is None:
        _missing("playwright not installed: pip install 'dialogue-flow-web[test]'")
    return str(found)


def _missing(message: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}; the browser tests are never skipped in CI", pytrace=False)
    pytest.skip(message)


def artefacts() -> Path:
    """The folder of the browser tests' screenshots (made on first use)."""
    root = os.environ.get("DIALOGUE_FLOW_ARTEFACTS")
    folder = (Path(root) if root else REPO / "build" / "test-artefacts") / "web"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shoot(page: Page, name: str, *, part: Locator | None = None) -> Path:
    """A screenshot of the whole ``page`` (or of its ``part``) as the artefact ``name``;
    into docs/images too when it is one of :data:`DOCS_IMAGES` and
    ``DIALOGUE_FLOW_UPDATE_DOCS=1``."""
    path = artefacts() / name
    if part is None:
        page.screenshot(path=str(path), full_page=True, scale="css", animations="disabled")
    else:
        part.screenshot(path=str(path), scale="css", animations="disabled")
    image = DOCS_IMAGES.get(name)
    if image is not None and os.environ.get("DIALOGUE_FLOW_UPDATE_DOCS") == "1":
        compress(path, REPO / "docs" / "images" / image)
    return path


def compress(source: Path, target: Path) -> None:
    """``source`` as a small PNG at ``target``: cut to :data:`DOCS_MAX_HEIGHT` and reduced
    to a 64-colour palette (Pillow, which the charts' matplotlib brings); a plain copy
    without Pillow."""
    try:
        from PIL import Image  # noqa: PLC0415 - only when the docs' images are updated
    except ImportError:
        shutil.copyfile(source, target)
        return
    with Image.open(source) as shot:
        picture = shot.convert("RGB")
        if picture.height > DOCS_MAX_HEIGHT:
            picture = picture.crop((0, 0, picture.width, DOCS_MAX_HEIGHT))
        picture.quantize(colors=64).save(target, optimize=True)


def free_port() -> int:
    """A loopback port nobody listens on (now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def live_server(app: Any) -> Iterator[str]:
    """``app`` served by uvicorn in a thread on a loopback port the system picks; its base
    URL."""
    import uvicorn  # noqa: PLC0415

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0,
                                           log_level="warning", access_log=False,
                                           lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped before it started"
        assert time.monotonic() < deadline, "uvicorn did not start in 20 s"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        assert not thread.is_alive(), "uvicorn did not stop in 10 s"


def cli(*args: str) -> list[str]:
    """The command line of ``dialogue-flow args``: the script beside this Python (the
    venv's), else the module through this Python."""
    script = Path(sys.executable).with_name("dialogue-flow")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-c", "from dialogue_flow.cli import main; main()", *args]


def run_cli(*args: str, cwd: Path) -> None:
    """Run ``dialogue-flow args`` to the end; fail with its error output if it fails."""
    done = subprocess.run(cli(*args), cwd=cwd, capture_output=True, text=True,  # noqa: S603
                          timeout=120, check=False)
    assert 0 == done.returncode, f"dialogue-flow {' '.join(args)}:\n{done.stderr[-2000:]}"


@contextlib.contextmanager
def served(db: Path, config: Path, folder: Path) -> Iterator[str]:
    """The real ``dialogue-flow serve`` of the SQLite store ``db`` with the settings file
    ``config`` on a free port, until the block ends; its base URL."""
    port = free_port()
    log = folder / f"serve-{port}.log"
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603
            cli("serve", "--db", f"sqlite:///{db}", "--config", str(config),
                "--port", str(port)), cwd=folder, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, f"dialogue-flow serve stopped:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"no answer in 30 s:\n{log.read_text()}"
            try:
                with urllib.request.urlopen(f"{base}/login", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def log_in(page: Page, base: str, login: str, password: str) -> None:
    """Log in through the log-in page's form; the dashboard follows."""
    page.goto(f"{base}/login")
    form = page.locator("form[action='/login']")
    form.locator("input[name=login]").fill(login)
    form.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.url == f"{base}/", f"log-in as {login} failed: {page.url}"


def log_out(page: Page) -> None:
    """Log out with the header's button."""
    with page.expect_navigation():
        page.locator("form[action='/logout'] button").click()
