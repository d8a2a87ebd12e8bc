"""The web page's speed in headless Chromium (onnxruntime-web, WebAssembly) beside onnxruntime in Python.

    KERAS_BACKEND=torch python benchmarks/web_page.py RUN --ort-dir node_modules/onnxruntime-web/dist \\
        [--screenshot docs/images/web-page.png]

Exports RUN's page into a temporary folder, serves it on 127.0.0.1, and reports the time from asking
for the page to its first 16 images drawn, then images/s over repeated "new samples" clicks (16 images
each, as the page times its own runs), beside OnnxSampler on the same file in this process.
Needs Debian's chromium and chromium-driver and selenium (tests/web_page.py drives them).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from web_page import browser, served, wait_for, wait_until_ready  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run")
    parser.add_argument("--ort-dir", required=True)
    parser.add_argument("--clicks", type=int, default=20)
    parser.add_argument("--screenshot")
    args = parser.parse_args()

    from selenium.webdriver.common.by import By

    from kgan.export.onnx_sampler import OnnxSampler
    from kgan.export.web import export_web

    with tempfile.TemporaryDirectory() as scratch:
        site = export_web(args.run, Path(scratch) / "site", args.ort_dir)
        with served(site) as url, browser(Path(scratch) / "profile") as driver:
            start = time.perf_counter()
            driver.get(url)
            after_load = wait_until_ready(driver)
            first_total = time.perf_counter() - start
            page_ms = []
            for _ in range(args.clicks):
                driver.execute_script("window.kgan.before = window.kgan.last")
                driver.find_element(By.ID, "new-samples").click()
                wait_for(driver, "window.kgan.last !== window.kgan.before")
                page_ms.append(driver.execute_script("return window.kgan.last.ms"))
            if args.screenshot:
                driver.save_screenshot(args.screenshot)
        sampler = OnnxSampler(site / "generator.onnx", ["CPUExecutionProvider"])
        z = np.random.default_rng(0).standard_normal((16, int(sampler.metadata["latent_dim"]))).astype(np.float32)
        inputs = {"z": z, **({"label": np.zeros(16, np.int32)} if sampler.latent_spec.num_classes else {})}
        sampler.run(inputs)  # warm up
        python_ms = []
        for _ in range(args.clicks):
            started = time.perf_counter()
            sampler.run(inputs)
            python_ms.append(1000 * (time.perf_counter() - started))
    report = {"run": args.run, "first_images_after_page_load_s": round(first_total, 2),
              "first_images_after_the_load_event_s": round(after_load, 2),
              "browser_images_per_s": round(16 / (np.median(page_ms) / 1000), 1),
              "python_onnxruntime_images_per_s": round(16 / (np.median(python_ms) / 1000), 1),
              "browser_ms_per_16": round(float(np.median(page_ms)), 2),
              "python_ms_per_16": round(float(np.median(python_ms)), 2)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
