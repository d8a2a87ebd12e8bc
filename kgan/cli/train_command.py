"""kgan train: train a variant into a run directory, or resume one."""

import json

import click

from kgan.cli import main
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


class SettingsCommand(click.Command):
    """A command that takes VARIANT and the training settings as options, generated from their
    declarations (``kgan.options``, ``Variant.options``) when the command first parses or shows help.

    Every declared setting is accepted while parsing, so that one the variant does not read gets kgan's
    own one-line refusal (``TrainConfig``) rather than click's "no such option"; ``COMMAND VARIANT
    --help`` lists only what VARIANT reads, with VARIANT's defaults.
    """

    # Settings the command declares itself (kgan train: --epochs/--steps; kgan repro: --steps).
    own_settings = ("epochs", "steps")

    def parse_args(self, ctx, args):
        from kgan.variants import list_variants

        if args and args[0] in {variant.name for variant in list_variants()}:
            ctx.meta["kgan.variant"] = args[0]
        return super().parse_args(ctx, args)

    def get_params(self, ctx):
        return super().get_params(ctx) + setting_options(ctx.meta.get("kgan.variant"), self.own_settings)

    def format_options(self, ctx, formatter):
        from kgan.variants import get_variant

        chosen = ctx.meta.get("kgan.variant")
        read = get_variant(chosen).settings if chosen else None
        records = [param.get_help_record(ctx) for param in self.get_params(ctx) if isinstance(param, click.Option)
                   and (read is None or param.name not in self.unread(read))]
        with formatter.section("Options"):
            formatter.write_dl([record for record in records if record])

    def unread(self, read: dict) -> set:
        from kgan.variants import declared_options

        return set(declared_options()) - set(read)

    def format_epilog(self, ctx, formatter):
        from kgan.variants import get_variant, list_variants

        chosen = ctx.meta.get("kgan.variant")
        variants = [get_variant(chosen)] if chosen else list_variants()
        with formatter.section(f"{chosen}'s defaults" if chosen else
                               "Variant defaults (they replace the generic defaults above)"):
            formatter.write_dl([(v.name, " ".join(f"{option_name(k)} {shown(value)}" for k, value in v.defaults.items())
                                 or "the generic defaults") for v in variants])
        super().format_epilog(ctx, formatter)


def shown(value) -> str:
    return (",".join(map(str, value)) if isinstance(value, list)
            else f"{value:g}" if isinstance(value, float) else str(value))


def setting_options(variant: str | None, skip=()) -> list[click.Option]:
    """The click options of every declared setting, with ``variant``'s defaults (if given) in their help.
    Not given, each is None: the variant's default applies."""
    from kgan.variants import declared_options, get_variant

    defaults = get_variant(variant).defaults if variant else {}
    return [_click_option(option, defaults.get(option.name)) for option in declared_options().values()
            if option.name not in skip]


def _click_option(option, variant_default) -> click.Option:
    help_text = option.help + (f" [this variant: {shown(variant_default)}]" if variant_default is not None else "")
    settings = dict(help=help_text, default=None, show_default=False)
    if option.kind == "bool":
        flags = [f"{option.cli_flag}/--no-{option.cli_flag[2:]}" if option.negatable else option.cli_flag]
        if not option.negatable:
            settings["is_flag"] = True
        return click.Option([*flags, option.name], **settings)
    settings["type"] = {"int": click.INT, "float": click.FLOAT, "ints": NumberList(int), "range": NumberList(float, 2),
                        "names": NameList()}.get(option.kind, click.Choice(option.choices) if option.choices else None)
    return click.Option([option.cli_flag, option.name], **settings)


class NameList(click.ParamType):
    """Comma-separated names: "fid,kid" -> ["fid", "kid"]."""

    name = "NAMES"

    def convert(self, value, param, ctx):
        return value if isinstance(value, list) else [item.strip() for item in str(value).split(",") if item.strip()]


def option_name(field: str) -> str:
    """The ``kgan train`` option of a setting."""
    from kgan.variants import declared_options

    option = declared_options().get(field)
    return option.cli_flag if option else "--" + field.replace("_", "-")


def read_config_file(path) -> dict:
    """TrainConfig settings from FILE.json or FILE.toml: a flat table, or a run's own config.json."""
    from pathlib import Path

    from kgan.variants import declared_options, get_variant

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise KganError(f"cannot read --config {path}: {e.strerror}") from None
    except UnicodeDecodeError:
        raise KganError(f"--config {path} is not UTF-8 text (JSON or TOML)") from None
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
        # A run's config.json; the devices it recorded are its machine's, not a setting of the run, and
        # runs of kgan 0.1.0 and 0.2.0 recorded every variant's settings, their own among them.
        recorded = settings["config"]
        read = get_variant(recorded["variant"]).settings if isinstance(recorded.get("variant"), str) else recorded
        settings = {k: v for k, v in recorded.items() if k != "devices" and (k in read or k == "variant")}
    if not isinstance(settings, dict):
        raise KganError(f"--config {path} must hold a table of settings")
    unknown = sorted(set(settings) - set(declared_options()) - {"variant"})
    if unknown:
        raise KganError(f"--config {path} has unknown settings: {', '.join(unknown)}")
    return settings


@main.command("train", cls=SettingsCommand)
@click.argument("variant", required=False)
@click.option("--epochs", type=int, help="Passes over the data (default 1).")
@click.option("--steps", type=int, help="Generator updates, instead of --epochs.")
@click.option("--out", type=click.Path(), help="Run directory (default runs/VARIANT-DATA-TIME).")
@click.option("--resume", type=click.Path(), help="Continue the run in this directory from its checkpoint.")
@click.option("--dry-run", is_flag=True, help="Resolve settings, load data, build nets; write nothing.")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
@click.option("--config", "config_file", type=click.Path(),
              help="Settings from FILE.json or FILE.toml (a run's own config.json works); options given here win.")
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
