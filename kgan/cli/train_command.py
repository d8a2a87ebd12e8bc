"""kgan train: train a variant into a run directory, or resume one."""

import json

import click

from kgan.cli import main
from kgan.config import CONDITIONINGS, D_NORMS, DATA_PLACES, INFOGAN_NETS, OPTIMIZERS, PRECISIONS, Z_DISTRIBUTIONS
from kgan.data import DATA_SOURCES
from kgan.errors import KganError


class NumberList(click.ParamType):
    """Comma-separated numbers: "10" -> [10], "0.7,1.0" -> [0.7, 1.0]."""

    name = "LIST"

    def __init__(self, kind=float, length: int | None = None):
        self.kind, self.length = kind, length

    def convert(self, value, param, ctx):
        if isinstance(value, list):
            return value
        try:
            numbers = [self.kind(item) for item in str(value).split(",") if item.strip()]
        except ValueError:
            self.fail(f"{value!r} is not a comma-separated list of {self.kind.__name__}s", param, ctx)
        if self.length == 2 and len(numbers) == 1:
            numbers = numbers * 2  # a fixed value: the range [v, v]
        if self.length and len(numbers) != self.length:
            self.fail(f"{value!r}: give one value or {self.length}", param, ctx)
        return numbers


# Options that map one-to-one onto TrainConfig fields; None means "not given: use the default".
CONFIG_OPTIONS = [
    click.option("--data", help=f"One of: {', '.join(DATA_SOURCES)} (default mnist)."),
    click.option("--image-size", type=int, help="Resize images to this side (folder: default 64)."),
    click.option("--batch-size", type=int, help="Batch size: D's inputs per update (default 64)."),
    click.option("--seed", type=int, help="Seed for weights, noise and shuffling (default 0)."),
    click.option("--latent-dim", type=int, help="Size of z (default 100)."),
    click.option("--z-dist", type=click.Choice(Z_DISTRIBUTIONS), help="Distribution of z (default normal)."),
    click.option("--width", type=int, help="Network width: base channels (dcgan) or first hidden size (gan)."),
    click.option("--loss", help="Adversarial loss: nonsaturating (default), minimax, lsgan, wasserstein, hinge."),
    click.option("--n-critic", type=int, help="Discriminator updates per generator update (default 1)."),
    click.option("--pack", type=int,
                 help="PacGAN packing: D judges M samples concatenated on their last axis; each batch reads "
                      "batch-size x M real rows and G makes as many (default 1: no packing; pacgan: 4)."),
    click.option("--lr-g", type=float, help="Generator learning rate (default 2e-4)."),
    click.option("--lr-d", type=float, help="Discriminator learning rate (default 2e-4)."),
    click.option("--beta1", "beta_1", type=float, help="Adam beta_1 (default 0.5)."),
    click.option("--beta2", "beta_2", type=float, help="Adam beta_2 (default 0.999)."),
    click.option("--log-every", type=int, help="Steps between metric log lines (default 50)."),
    click.option("--checkpoint-every", type=int, help="Also checkpoint every N steps (default: each epoch)."),
    click.option("--data-on", type=click.Choice(DATA_PLACES),
                 help="device: the training set copied to the accelerator once (default); host: each step's "
                      "rows sent, for data larger than the accelerator's memory (the same run)."),
    click.option("--steps-per-call", type=int,
                 help="Steps run per compiled call (default 1): on JAX one lax.scan over K steps, the same "
                      "run with less per-step overhead; torch and TensorFlow run them one by one."),
    click.option("--checkpoint-minutes", type=float,
                 help="Also checkpoint when the last checkpoint is M minutes old (default 10; 0: off)."),
    click.option("--grid-size", type=int, help="Images in the per-epoch sample grid (default 64)."),
    click.option("--portable", is_flag=True, default=None,
                 help="Deterministic ops and no TF32: runs comparable across backends (see kgan repro)."),
    click.option("--xla", is_flag=True, default=None, help="Compile the TensorFlow step with XLA."),
    click.option("--devices", type=int,
                 help="Data-parallel devices (default: all local ones; torch: one process each, via torchrun)."),
    click.option("--precision", type=click.Choice(tuple(PRECISIONS)),
                 help="Float precision of weights and computation (default fp32; fp64: exact cross-backend checks; "
                      "bf16, fp16: mixed precision, float32 weights)."),
    # Optimizer and update rule
    click.option("--optimizer", type=click.Choice(OPTIMIZERS), help="Optimizer of both players (default adam)."),
    click.option("--clip-value", type=float, help="Clip every D weight to [-c, c] after each update (WGAN)."),
    click.option("--ema", type=float, help="Sample and export from an EMA of G's weights with this decay, e.g. 0.999."),
    # Extra loss terms
    click.option("--gp-weight", type=float, help="Gradient penalty lambda (WGAN-GP; 0: off)."),
    click.option("--class-weight", type=float, help="Auxiliary class loss weight (ACGAN; 0: off)."),
    click.option("--info-weight", type=float, help="Information loss lambda (InfoGAN; 0: off)."),
    click.option("--l1-weight", type=float, help="L1 distance to the true target, lambda (pix2pix: 100)."),
    click.option("--cycle-weight", type=float,
                 help="Cycle-consistency lambda (CycleGAN: 10; DiscoGAN: reconstruction weight, 1)."),
    click.option("--identity-weight", type=float,
                 help="Identity loss as a multiple of --cycle-weight (CycleGAN: 0.5)."),
    click.option("--history", type=int, help="Generated images kept per discriminator (CycleGAN: 50; 0: none)."),
    click.option("--jitter/--no-jitter", default=None,
                 help="Random crop (from images loaded 286/256 larger) and flip of real images (pix2pix, CycleGAN)."),
    click.option("--decay-from", type=float,
                 help="Share of the run after which learning rates fall linearly to 0 (CycleGAN: 0.5)."),
    # Networks
    click.option("--d-norm", type=click.Choice(D_NORMS),
                 help="Normalisation in D (convolutional variants: default batch)."),
    click.option("--g-dropout", type=float, help="Dropout rate in G's hidden layers (default 0)."),
    click.option("--conditioning", type=click.Choice(CONDITIONINGS),
                 help="How cgan's D sees the label (default concat)."),
    click.option("--infogan-nets", type=click.Choice(INFOGAN_NETS),
                 help="infogan's networks: paper (Chen et al.'s MNIST nets, infogan's default) or dcgan "
                      "(kgan's DCGAN bodies with a Q head)."),
    click.option("--num-classes", type=int, help="Classes of a conditional variant (default: from the data)."),
    click.option("--categorical-codes", type=NumberList(int), help="InfoGAN categorical code sizes, e.g. 10 or 10,5."),
    click.option("--continuous-codes", type=int, help="InfoGAN continuous U(-1, 1) codes."),
    # Training tricks
    click.option("--label-smoothing", type=NumberList(float, 2),
                 help="Real targets: a value (0.9) or a range (0.7,1.2)."),
    click.option("--label-flip", type=float, help="Probability of swapping a sample's real/fake target (default 0)."),
    click.option("--instance-noise", type=float, help="Std of Gaussian noise added to D's inputs, annealed to 0."),
    click.option("--instance-noise-steps", type=int, help="Steps over which instance noise falls to 0 (default: all)."),
    # Monitoring
    click.option("--eval-every", type=int,
                 help="Score quality every N steps (eval.jsonl) and keep the best as best.npz."),
    click.option("--eval-metrics", callback=lambda ctx, param, value: value.split(",") if value else None,
                 help="Metrics for --eval-every, e.g. fid,kid (default fid; modes for ring8/grid25)."),
    click.option("--eval-samples", type=int, help="Samples per evaluation (default 2000; 2500 for toy sets)."),
    click.option("--eval-features", help="Pinned feature network for --eval-every (default: the data's name)."),
    click.option("--tensorboard", is_flag=True, default=None,
                 help="Also write TensorBoard event files to RUN/tensorboard."),
]


def config_options(command):
    for option in reversed(CONFIG_OPTIONS):
        command = option(command)
    return command


def option_name(field: str) -> str:
    """The ``kgan train`` option of a TrainConfig field."""
    return {"beta_1": "--beta1", "beta_2": "--beta2"}.get(field, "--" + field.replace("_", "-"))


class TrainCommand(click.Command):
    """``kgan train``, whose --help ends with each variant's own defaults (built only when shown)."""

    def format_epilog(self, ctx, formatter):
        from kgan.variants import list_variants

        def shown(value):
            return (",".join(map(str, value)) if isinstance(value, list)
                    else f"{value:g}" if isinstance(value, float) else value)

        with formatter.section("Variant defaults (they replace the generic defaults above)"):
            formatter.write_dl([(v.name, " ".join(f"{option_name(k)} {shown(value)}" for k, value in v.defaults.items())
                                 or "the generic defaults") for v in list_variants()])


def read_config_file(path) -> dict:
    """TrainConfig settings from FILE.json or FILE.toml: a flat table, or a run's own config.json."""
    import dataclasses
    from pathlib import Path

    from kgan.config import TrainConfig

    path = Path(path)
    try:
        text = path.read_text()
    except OSError as e:
        raise KganError(f"cannot read --config {path}: {e.strerror}") from None
    try:
        if path.suffix.lower() == ".toml":
            import tomllib

            settings = tomllib.loads(text)
        else:
            settings = json.loads(text)
    except ImportError:
        raise KganError("--config FILE.toml needs Python 3.11 or newer (tomllib); use JSON") from None
    except ValueError as e:  # json.JSONDecodeError and tomllib.TOMLDecodeError are ValueErrors
        raise KganError(f"--config {path} is not valid {path.suffix.lstrip('.').upper() or 'JSON'}: {e}") from None
    if isinstance(settings, dict) and isinstance(settings.get("config"), dict):
        # A run's config.json; the devices it recorded are its machine's, not a setting of the run.
        settings = {k: v for k, v in settings["config"].items() if k != "devices"}
    if not isinstance(settings, dict):
        raise KganError(f"--config {path} must hold a table of settings")
    unknown = sorted(set(settings) - {f.name for f in dataclasses.fields(TrainConfig)})
    if unknown:
        raise KganError(f"--config {path} has unknown settings: {', '.join(unknown)}")
    return settings


@main.command("train", cls=TrainCommand)
@click.argument("variant", required=False)
@click.option("--epochs", type=int, help="Passes over the data (default 1).")
@click.option("--steps", type=int, help="Generator updates, instead of --epochs.")
@click.option("--out", type=click.Path(), help="Run directory (default runs/VARIANT-DATA-TIME).")
@click.option("--resume", type=click.Path(), help="Continue the run in this directory from its checkpoint.")
@click.option("--dry-run", is_flag=True, help="Resolve settings, load data, build nets; write nothing.")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
@click.option("--config", "config_file", type=click.Path(),
              help="Settings from FILE.json or FILE.toml (a run's own config.json works); options given here win.")
@config_options
def train(variant, epochs, steps, out, resume, dry_run, no_progress, config_file, **options):
    """Train VARIANT (see `kgan list`), e.g. `KERAS_BACKEND=jax kgan train dcgan --data fashion_mnist`."""
    from kgan.training import assembly, run_loop
    from kgan.training.devices import is_chief

    if config_file:
        if resume:
            raise KganError("--config starts a new run; --resume continues one with its own settings")
        settings = read_config_file(config_file)
        if variant and settings.get("variant", variant) != variant:
            raise KganError(f"VARIANT {variant} differs from the variant {settings['variant']} "
                            f"in --config {config_file}")
        variant = variant or settings.get("variant")
        if epochs is None and steps is None:  # a length given here replaces the file's, whichever it was
            epochs, steps = settings.get("epochs"), settings.get("steps")
        options = {**{k: v for k, v in settings.items() if k not in ("variant", "epochs", "steps")},
                   **{k: v for k, v in options.items() if v is not None}}
    if resume:
        # A resume may move to another number of devices, place the data elsewhere, checkpoint more often.
        changes = {name: options.pop(name) for name in assembly.RESUME_MAY_CHANGE if name in options}
        _refuse_changed_settings(resume, variant, out, options)
        if dry_run:
            _dry_run(assembly.resume_config(resume, epochs, steps, **changes)[2], resume)
            return
        run = run_loop.resume(resume, epochs, steps, progress=not no_progress, **changes)
    else:
        if not variant:
            raise KganError("missing VARIANT; see `kgan list`")
        config = assembly.resolve_config(variant, epochs=epochs, steps=steps, **options)
        if dry_run:
            _dry_run(config, out)
            return
        run = run_loop.train(config, out or assembly.default_run_path(config), progress=not no_progress)
    if not is_chief():  # another process of the run reports it
        return
    last = run.read_metrics()[-1:]
    click.echo(f"run: {run.path} (backend {keras_backend()})")
    if last:
        click.echo("last: " + ", ".join(f"{k}={v:.4g}" for k, v in last[0].items()))


def _refuse_changed_settings(resume, variant, out, options):
    """The old command plus --resume is fine; a setting that differs from the run's is refused, by name."""
    from pathlib import Path

    from kgan import data
    from kgan.training import assembly

    config = assembly.resume_config(resume)[2]
    given = {k: v for k, v in options.items() if v is not None}
    if "data" in given:
        given["data"] = data.absolute_spec(given["data"])
    differing = sorted(k for k, v in given.items() if getattr(config, k) != v)
    if variant and variant != config.variant:
        differing.append(f"VARIANT ({variant}; the run is {config.variant})")
    if out and Path(out).resolve() != Path(resume).resolve():
        differing.append("--out")
    if differing:
        may_change = "/".join("--" + name.replace("_", "-") for name in assembly.RESUME_MAY_CHANGE)
        raise KganError(f"--resume continues with the run's own settings; only {may_change} may change "
                        f"(these differ: {', '.join(differing)})")


def keras_backend() -> str:
    import keras

    return keras.backend.backend()


def _dry_run(config, out):
    from kgan.training import assembly
    from kgan.training.monitor import Monitor

    config, dataset, step = assembly.prepare(config)
    Monitor(config, dataset)  # checks the evaluation settings
    click.echo(json.dumps(config.to_dict(), indent=2, sort_keys=True))
    click.echo(f"data: {len(dataset.x)} samples of shape {dataset.sample_shape}")
    for role, model in step.networks.items():
        click.echo(f"{role}: {model.count_params():,} parameters")
    click.echo(f"would write: {out or assembly.default_run_path(config)} (backend {keras_backend()})")
