"""Settings are declared by what reads them (kgan.options, Variant.options): kgan train's options and
per-variant --help come from the declarations, a setting the variant does not read is refused by
name, and every entry path (command line, --config, kgan.train, TrainConfig) checks types exactly."""

import json

import pytest
from helpers import invoke, one_line_error

import kgan
from kgan.config import TrainConfig
from kgan.errors import KganError
from kgan.options import Option
from kgan.training.adversarial import GAN_OPTIONS
from kgan.variants import Variant, declared_options, get_variant, list_variants, register, unregister


def test_a_setting_the_variant_does_not_read_is_refused_by_name(tmp_path):
    result = invoke("train", "pix2pix", "--loss", "hinge", "--d-norm", "spectral", "--out", tmp_path / "run")
    one_line_error(result, "pix2pix does not read --loss, --d-norm")
    assert not (tmp_path / "run").exists()
    one_line_error(invoke("train", "dcgan", "--l1-weight", "5", "--dry-run"), "dcgan does not read --l1-weight")
    one_line_error(invoke("train", "dcgan", "--conditioning", "projection", "--dry-run"), "(settings of cgan)")
    with pytest.raises(KganError, match="discogan does not read --z-dist, --latent-dim"):
        kgan.train("discogan", data="unpaired:a,b", z_dist="uniform", latent_dim=8)


def test_each_variant_s_help_lists_what_it_reads_with_its_defaults():
    pix2pix = invoke("train", "pix2pix", "--help").output
    assert "--l1-weight" in pix2pix and "[this variant: 100]" in pix2pix and "--jitter / --no-jitter" in pix2pix
    assert "--loss" not in pix2pix and "--latent-dim" not in pix2pix and "--cycle-weight" not in pix2pix
    dcgan = invoke("train", "dcgan", "--help").output
    assert "--loss" in dcgan and "--l1-weight" not in dcgan and "--conditioning" not in dcgan
    every = invoke("train", "--help").output
    assert all(option.cli_flag in every for option in declared_options().values() if option.name not in ("epochs",
                                                                                                          "steps"))


@pytest.mark.parametrize("settings, expected", [
    ({"lr_g": "0.001"}, "lr_g must be a finite number, got '0.001' (str)"),
    ({"checkpoint_minutes": "10"}, "checkpoint_minutes must be a finite number"),
    ({"decay_from": "0.5"}, "decay_from must be a finite number"),
    ({"data": 5}, "data must be a string"),
    ({"categorical_codes": 10}, "categorical_codes must be a list of integers, got 10"),
    ({"label_smoothing": [0.9, "a"]}, "label_smoothing must be a finite number or a pair"),
    ({"steps": True}, "steps must be an integer, got True (bool)"),
    ({"batch_size": True}, "batch_size must be an integer, got True (bool)"),
    ({"portable": "no"}, "portable must be true or false, got 'no' (str)"),
    ({"tensorboard": "false"}, "tensorboard must be true or false"),
    ({"seed": 10**20}, "seed must be an integer in 0.."),
])
def test_settings_of_the_wrong_type_are_refused_on_every_path(tmp_path, settings, expected):
    with pytest.raises(KganError, match=expected.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        kgan.train("gan", **{"data": "ring8", **settings}, out=tmp_path / "api", progress=False)
    assert not (tmp_path / "api").exists()
    (tmp_path / "settings.json").write_text(json.dumps({"variant": "gan", "data": "ring8", **settings}))
    one_line_error(invoke("train", "--config", tmp_path / "settings.json", "--out", tmp_path / "cli"), expected)
    assert not (tmp_path / "cli").exists()


def test_translator_and_toml_types(tmp_path):
    with pytest.raises(KganError, match="history must be an integer, got True"):
        TrainConfig(variant="cyclegan", history=True)
    with pytest.raises(KganError, match="jitter must be true or false, got 'no'"):
        TrainConfig(variant="cyclegan", jitter="no")
    (tmp_path / "bad.toml").write_text('variant = "dcgan"\nlabel_smoothing = [0.9, "a"]\n')
    one_line_error(invoke("train", "--config", tmp_path / "bad.toml", "--dry-run"), "label_smoothing must be")
    (tmp_path / "utf16.json").write_bytes(b"\xff\xfe{\x00}\x00")
    one_line_error(invoke("train", "--config", tmp_path / "utf16.json", "--dry-run"), "is not UTF-8 text")


def test_an_unknown_setting_is_refused_in_python_too(tmp_path):
    with pytest.raises(KganError, match="unknown setting lr;"):
        kgan.train("gan", data="ring8", lr=0.1, out=tmp_path / "run")
    assert not (tmp_path / "run").exists()


def test_a_single_smoothing_target_reads_as_a_range_and_ints_as_floats():
    config = TrainConfig(variant="dcgan", label_smoothing=0.9, lr_g=1)
    assert config.label_smoothing == [0.9, 0.9] and config.lr_g == 1.0 and isinstance(config.lr_g, float)


def test_seeds_beyond_int32_train(tmp_path):
    run = kgan.train("gan", data="ring8", seed=2**31 + 5, steps=1, width=8, latent_dim=2, batch_size=8,
                     g_dropout=0.2, grid_size=4, out=tmp_path / "run", progress=False)
    assert run.config.seed == 2**31 + 5 and run.sample(2).shape == (2, 2)


def test_a_variant_that_does_not_read_a_setting_sees_its_default():
    config = TrainConfig(variant="pix2pix")
    assert config.latent_dim == 100 and config.pack == 1 and "latent_dim" not in config.to_dict()
    assert "l1_weight" not in TrainConfig(variant="dcgan").to_dict()


def test_declarations_are_checked_when_a_variant_registers():
    dcgan = get_variant("dcgan")
    with pytest.raises(ValueError, match="defaults for settings it does not read: l1_weight"):
        register(Variant("odd", "-", "-", roles=dcgan.roles, options=GAN_OPTIONS, defaults={"l1_weight": 1.0}))
    with pytest.raises(ValueError, match="declares latent_dim as float"):
        register(Variant("odd", "-", "-", roles=dcgan.roles, options=(Option("latent_dim", "float", 1.0, "-"),)))
    with pytest.raises(KganError, match="lr_g must be > 0"):
        register(Variant("odd", "-", "-", roles=dcgan.roles, defaults={"lr_g": -1.0}))
    assert "odd" not in [variant.name for variant in list_variants()]


def test_a_new_variant_s_own_option_reaches_the_command_line():
    dcgan = get_variant("dcgan")
    sharpness = Option("sharpness", "float", 0.0, "How sharp (a test's own setting).")
    register(Variant("sharp", "-", "-", roles=dcgan.roles, options=(*GAN_OPTIONS, sharpness)))
    try:
        assert "--sharpness" in invoke("train", "sharp", "--help").output
        assert "--sharpness" not in invoke("train", "dcgan", "--help").output
        assert TrainConfig(variant="sharp", sharpness=2).sharpness == 2.0
        one_line_error(invoke("train", "dcgan", "--sharpness", "1", "--dry-run"), "(settings of sharp)")
    finally:
        unregister("sharp")
