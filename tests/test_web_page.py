"""kgan export --web: the page runs the generator in a real browser and draws what onnxruntime gives in Python.

Needs Debian's chromium and chromium-driver, selenium, and onnxruntime-web from npm; .ci/run installs
them and sets KGAN_REQUIRE_BROWSER=1, so there a missing browser fails instead of skipping. The page
needs no Keras backend, so it is tested once, in the torch env (which installs selenium).
"""

import os

import numpy as np
import pytest
from helpers import invoke, one_line_error, tiny_config, write_translation_npz
from web_page import ORT_WEB_DIST, browser, canvas_pixels, missing, served, wait_for, wait_until_ready

from kgan.export.onnx_sampler import OnnxSampler
from kgan.pixels import scale_to_uint8
from kgan.training import run_loop

if os.environ.get("KERAS_BACKEND") != "torch":
    pytest.skip("the page runs without Keras: tested once, in the torch env", allow_module_level=True)
if missing():
    if os.environ.get("KGAN_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"the browser tests need {', '.join(missing())} (KGAN_REQUIRE_BROWSER=1)")
    pytest.skip(f"no browser here: {', '.join(missing())} missing (.ci/run installs them)", allow_module_level=True)


def grey(pixels):
    """One channel of grey canvas pixels (the page draws grey as R = G = B)."""
    assert np.array_equal(pixels[..., 0], pixels[..., 1]) and np.array_equal(pixels[..., 0], pixels[..., 2])
    return pixels[..., :1]


def test_a_conditional_generator_s_page_draws_what_onnxruntime_gives(tmp_path, mnist_npz):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    run = run_loop.train(tiny_config(variant="cgan", data=f"npz:{mnist_npz}", steps=1), tmp_path / "run",
                         progress=False)
    result = invoke("export", run.path, "--web", tmp_path / "site", "--ort-dir", ORT_WEB_DIST)
    assert result.exit_code == 0, result.output
    sampler = OnnxSampler(tmp_path / "site" / "generator.onnx")
    with served(tmp_path / "site") as url, browser(tmp_path / "profile") as driver:
        driver.get(url)
        wait_until_ready(driver)

        def drawn_as_onnxruntime_draws(count, prefix="samples"):
            last = driver.execute_script("return window.kgan.last")
            inputs = {"z": np.asarray(last["inputs"]["z"], np.float32).reshape(count, -1),
                      "label": np.asarray(last["inputs"]["label"], np.int32)}
            expected = scale_to_uint8(sampler.run(inputs))
            assert np.abs(grey(canvas_pixels(driver, prefix, count)).astype(int) - expected).max() <= 1
            return inputs

        first = drawn_as_onnxruntime_draws(16)
        assert first["label"].tolist() == [0] * 16
        Select(driver.find_element(By.ID, "class")).select_by_index(2)
        wait_for(driver, "window.kgan.last.inputs.label[0] === 2")
        assert drawn_as_onnxruntime_draws(16)["label"].tolist() == [2] * 16
        driver.execute_script("window.kgan.before = window.kgan.last")
        driver.find_element(By.ID, "new-samples").click()
        wait_for(driver, "window.kgan.last !== window.kgan.before")
        assert driver.find_element(By.ID, "seed").get_attribute("value") == "1"
        assert not np.array_equal(drawn_as_onnxruntime_draws(16)["z"], first["z"])
        driver.find_element(By.ID, "walk-button").click()
        wait_for(driver, "window.kgan.last.shape[0] === 8 && document.getElementById('walk-7')")
        walk = drawn_as_onnxruntime_draws(8, prefix="walk")
        assert len(walk["z"]) == 8
        driver.save_screenshot(str(tmp_path / "page.png"))


def test_a_translator_s_page_translates_the_picked_image(tmp_path):
    from PIL import Image
    from selenium.webdriver.common.by import By

    pairs = write_translation_npz(tmp_path / "pairs.npz", 8, paired=True)
    run = run_loop.train(tiny_config(variant="pix2pix", data=f"paired:{pairs}", steps=1, batch_size=4, width=4,
                                     latent_dim=None), tmp_path / "run", progress=False)
    assert invoke("export", run.path, "--web", tmp_path / "site", "--ort-dir", ORT_WEB_DIST).exit_code == 0
    digit = np.load(pairs)["a"][0]
    Image.fromarray(digit[..., 0]).save(tmp_path / "digit.png")
    with served(tmp_path / "site") as url, browser(tmp_path / "profile") as driver:
        driver.get(url)
        wait_until_ready(driver)
        driver.find_element(By.ID, "image-file").send_keys(str(tmp_path / "digit.png"))
        wait_for(driver, "window.kgan.last && document.getElementById('samples-0')")
        sampler = OnnxSampler(tmp_path / "site" / "generator.onnx")
        expected = scale_to_uint8(sampler.translate(digit[None]))
        assert np.abs(grey(canvas_pixels(driver, "samples", 1)).astype(int) - expected).max() <= 1
        # The torch export has a dynamic height and width: a 62 x 90 picture runs at the nearest sides it takes.
        assert sampler.size_rule.describe() == "28 + a multiple of 32 (28, 60, 92, ...)"
        Image.fromarray(np.tile(digit[..., 0], (3, 4))[:62, :90]).save(tmp_path / "wide.png")
        driver.execute_script("window.kgan.before = window.kgan.last")
        driver.find_element(By.ID, "image-file").send_keys(str(tmp_path / "wide.png"))
        wait_for(driver, "window.kgan.last !== window.kgan.before")
        last = driver.execute_script("return window.kgan.last")
        assert last["shape"] == [1, 60, 92, 1]
        source = np.asarray(last["inputs"]["source"], np.float32).reshape(1, 60, 92, 1)
        expected = scale_to_uint8(sampler.run({"source": source}))
        assert np.abs(grey(canvas_pixels(driver, "samples", 1)).astype(int) - expected).max() <= 1


def test_a_text2image_page_draws_the_sentence_written(tmp_path):
    """The page encodes the sentence with the file's vocabulary, as kgan does, and draws what onnxruntime gives."""
    from conformance import tiny_data, tiny_settings
    from selenium.webdriver.common.by import By

    from kgan.text import encode
    from kgan.training.assembly import resolve_config
    from kgan.variants import get_variant

    variant = get_variant("text2image")
    config = resolve_config("text2image", data=tiny_data(variant, tmp_path), steps=1, grid_size=4,
                            **tiny_settings(variant, tmp_path))
    run = run_loop.train(config, tmp_path / "run", progress=False)
    assert invoke("export", run.path, "--web", tmp_path / "site", "--ort-dir", ORT_WEB_DIST).exit_code == 0
    sampler = OnnxSampler(tmp_path / "site" / "generator.onnx")
    with served(tmp_path / "site") as url, browser(tmp_path / "profile") as driver:
        driver.get(url)
        wait_until_ready(driver)
        assert "write a sentence" in driver.find_element(By.ID, "status").text
        driver.find_element(By.ID, "text").send_keys("A seven, in words\n")
        wait_for(driver, "window.kgan.last && document.getElementById('samples-15')")
        last = driver.execute_script("return window.kgan.last")
        ids = np.asarray(last["inputs"]["text"], np.int32).reshape(16, -1)
        assert np.array_equal(ids, encode(["a seven, in words"] * 16))
        expected = scale_to_uint8(sampler.run({"z": np.asarray(last["inputs"]["z"], np.float32).reshape(16, -1),
                                               "text": ids}))
        assert np.abs(grey(canvas_pixels(driver, "samples", 16)).astype(int) - expected).max() <= 1


def test_an_upscaler_s_page_upscales_the_picked_image_at_its_own_size(tmp_path):
    from conformance import write_digit_pngs
    from PIL import Image
    from selenium.webdriver.common.by import By

    from kgan.training.assembly import resolve_config

    digits = write_digit_pngs(tmp_path / "digits", 8)
    config = resolve_config("srresnet", data=f"folder:{digits}", steps=1, blocks=1, width=4, crop_size=16,
                            batch_size=4, grid_size=4)
    run = run_loop.train(config, tmp_path / "run", progress=False)
    assert invoke("export", run.path, "--web", tmp_path / "site", "--ort-dir", ORT_WEB_DIST).exit_code == 0
    digit = np.asarray(Image.open(digits / "00.png"))[:20, :24]
    Image.fromarray(digit).save(tmp_path / "small.png")
    with served(tmp_path / "site") as url, browser(tmp_path / "profile") as driver:
        driver.get(url)
        wait_until_ready(driver)
        driver.find_element(By.ID, "image-file").send_keys(str(tmp_path / "small.png"))
        wait_for(driver, "window.kgan.last && document.getElementById('samples-0')")
        last = driver.execute_script("return window.kgan.last")
        assert last["shape"] == [1, 80, 96, 1]  # 4 times the picture's own 20 x 24
        expected = OnnxSampler(tmp_path / "site" / "generator.onnx").upscale(digit[None, ..., None])
        assert np.abs(grey(canvas_pixels(driver, "samples", 1)).astype(int) - scale_to_uint8(expected)).max() <= 1


def test_bad_web_exports_write_nothing(tmp_path, mnist_npz):
    run = run_loop.train(tiny_config(data=f"npz:{mnist_npz}", steps=1), tmp_path / "run", progress=False)
    one_line_error(invoke("export", run.path, "--web", tmp_path / "site", "--ort-dir", tmp_path),
                   "lacks ort.wasm.min.js")
    assert not (tmp_path / "site").exists()
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    one_line_error(invoke("export", run.path, "--web", tmp_path / "full"), "exists and is not an empty folder")
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"
