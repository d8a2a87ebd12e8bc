"""Driving kgan's web page in a real browser: Debian's headless Chromium through selenium, the site served
on 127.0.0.1 (tests/test_web_page.py, benchmarks/web_page.py)."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
# Where .ci/run installs onnxruntime-web (npm install --prefix .ci/web onnxruntime-web@VERSION).
ORT_WEB_DIST = Path(os.environ.get("KGAN_ORT_WEB_DIST",
                                   Path(__file__).resolve().parents[1] / ".ci" / "web" / "node_modules"
                                   / "onnxruntime-web" / "dist"))
# Chromium flags for a closed network: no background connections, no first-run work.
CHROMIUM_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1200,900")


def missing() -> list[str]:
    """What the browser tests need and this machine lacks."""
    import importlib.util

    needs = {CHROMIUM: Path(CHROMIUM).is_file(), CHROMEDRIVER: Path(CHROMEDRIVER).is_file(),
             "selenium": importlib.util.find_spec("selenium") is not None,
             str(ORT_WEB_DIST): (ORT_WEB_DIST / "ort.wasm.min.js").is_file()}
    return [name for name, present in needs.items() if not present]


@contextlib.contextmanager
def served(site: Path):
    """``site`` over HTTP on 127.0.0.1 (a free port), yielding its address."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    extensions_map = {**SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm",
                      ".mjs": "text/javascript", ".js": "text/javascript"}

    def log_message(self, *args):
        pass


@contextlib.contextmanager
def browser(profile: Path):
    """Headless Chromium, driven by selenium, with a fresh profile in ``profile``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_until_ready(driver, timeout: float = 60.0) -> float:
    """Seconds until the page says it is ready (its first images drawn); an error it reports is raised."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        state = driver.execute_script("return window.kgan && {ready: window.kgan.ready, error: window.kgan.error}")
        if state and state["error"]:
            raise AssertionError(f"the page failed: {state['error']}")
        if state and state["ready"]:
            return time.perf_counter() - start
        time.sleep(0.05)
    raise AssertionError(f"the page was not ready after {timeout} s")


def wait_for(driver, condition: str, timeout: float = 30.0) -> None:
    """Wait until the JavaScript expression ``condition`` is true on the page."""
    start = time.perf_counter()
    while not driver.execute_script(f"return Boolean({condition})"):
        if time.perf_counter() - start > timeout:
            raise AssertionError(f"the page never met {condition} in {timeout} s")
        time.sleep(0.05)


def canvas_pixels(driver, prefix: str, count: int):
    """The RGB pixels of canvases ``{prefix}-0`` ... as a uint8 array (count, H, W, 3)."""
    import numpy as np

    images = driver.execute_script("""
        return Array.from({length: arguments[1]}, (_, i) => {
            const canvas = document.getElementById(arguments[0] + '-' + i);
            const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
            return [canvas.height, canvas.width, Array.from(data.data)];
        });""", prefix, count)
    return np.stack([np.asarray(rgba, np.uint8).reshape(h, w, 4)[..., :3] for h, w, rgba in images])
