"""Checkpoints: the full training state in one portable .npz file, written atomically.

The file holds, per role, every variable of its network (group ``ROLE``), its optimizer
(``ROLE_optimizer``) and its EMA copy (``ROLE_ema``), by position and checked by shape, plus a JSON
``meta`` entry with the config, the data's sample shape, the loop position and the host RNG states.
A frozen network that its build makes whole from a checked file (SRGAN's VGG16, ``Role.saved``) is left out:
``meta["rebuilt"]`` keeps its weights' sha256, checked when the run resumes and builds it again.
Arrays are plain numpy, so a checkpoint written under one backend loads under another. Checkpoints
of kgan 0.1.0 named the optimizers' groups ``g_optimizer`` and ``d_optimizer``; they read as the new names.
``save_training`` and ``load_training`` write and restore a run's whole state (its step, the loop's
position, the host draws' state).
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kgan.atomic import atomic_path
from kgan.errors import KganError, TrainingDiverged

FORMAT = 2  # 2: groups per role (kgan 0.2); 1: kgan 0.1.0's, read as well
READABLE_FORMATS = (1, 2)
REQUIRED_META = {"config", "data", "position", "paths"}  # what sampling and resuming read
LEGACY_GROUPS = {"g_optimizer": "generator_optimizer", "d_optimizer": "discriminator_optimizer"}  # kgan 0.1.0


@dataclass
class Checkpoint:
    """A checkpoint read back (``read_checkpoint``): its ``meta`` and its arrays by ``GROUP/index`` key.

    Example:
        checkpoint = read_checkpoint("runs/dcgan-.../checkpoint.npz")
        weights = checkpoint.group("generator")          # numpy arrays, in variable order
        checkpoint.meta["position"]                      # {"step": ..., "epoch": ..., "batch": ...}
    """

    meta: dict
    arrays: dict[str, np.ndarray]

    def group(self, name: str) -> list[np.ndarray]:
        keys = sorted(k for k in self.arrays if k.startswith(name + "/"))
        return [self.arrays[k] for k in keys]

    def non_finite(self, group: str) -> list[str]:
        """Paths of the variables of ``group`` holding NaN or infinity (checkpoints of kgan 0.1.0 could)."""
        return [path for path, value in zip(self.meta["paths"].get(group, []), self.group(group)) if not _finite(value)]


def save_checkpoint(path: str | Path, groups: dict[str, list], meta: dict, extra_arrays: dict | None = None) -> None:
    """Write ``groups`` (name -> list of Keras variables) and ``meta`` to ``path`` atomically."""
    from keras import ops

    arrays = {f"{name}/{i:05d}": ops.convert_to_numpy(v) for name, variables in groups.items()
              for i, v in enumerate(variables)}
    for name, variables in groups.items():
        for i, variable in enumerate(variables):
            if not _finite(arrays[f"{name}/{i:05d}"]):
                # The file on disk stays the last good state.
                raise TrainingDiverged(f"{name} variable {variable.path} not finite")
    arrays.update(extra_arrays or {})
    meta = {**meta, "format": FORMAT, "paths": {name: [v.path for v in vs] for name, vs in groups.items()}}
    arrays["meta"] = np.array(json.dumps(meta))
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)


def read_checkpoint(path: str | Path) -> Checkpoint:
    path = Path(path)
    if not path.is_file():
        raise KganError(f"no checkpoint at {path}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        meta = json.loads(str(arrays.pop("meta")))
    except OSError as e:
        raise KganError(f"unreadable checkpoint {path}: {e.strerror or e}") from None
    except (ValueError, KeyError, EOFError, zipfile.BadZipFile):
        # numpy's own message here would advise loading with allow_pickle, which kgan never does.
        raise KganError(f"unreadable checkpoint {path}: not a kgan checkpoint (an .npz archive of arrays)") from None
    if not (isinstance(meta, dict) and meta.get("format") in READABLE_FORMATS and REQUIRED_META <= meta.keys()):
        raise KganError(f"{path} is not a kgan checkpoint of format {' or '.join(map(str, READABLE_FORMATS))}")
    problem = _meta_problem(meta)
    if problem:
        raise KganError(f"{path} has damaged metadata: {problem}")
    return _renamed_legacy_groups(Checkpoint(meta, arrays))


def _renamed_legacy_groups(checkpoint: Checkpoint) -> Checkpoint:
    def new(key: str) -> str:
        group, _, rest = key.partition("/")
        return f"{LEGACY_GROUPS.get(group, group)}/{rest}" if rest else key

    checkpoint.arrays = {new(key): value for key, value in checkpoint.arrays.items()}
    checkpoint.meta["paths"] = {LEGACY_GROUPS.get(group, group): paths
                                for group, paths in checkpoint.meta["paths"].items()}
    return checkpoint


def _finite(value: np.ndarray) -> bool:
    return not np.issubdtype(value.dtype, np.floating) or bool(np.isfinite(value).all())


def _meta_problem(meta: dict) -> str | None:
    """What is wrong with the parts of ``meta`` that sampling and resuming read, or None."""
    def integers(values):
        return isinstance(values, list) and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0
                                                for v in values)

    position, data = meta.get("position"), meta.get("data")
    if not isinstance(meta.get("config"), dict):
        return "config is not an object"
    if not (isinstance(position, dict) and position.keys() == {"step", "epoch", "batch"}
            and integers(list(position.values()))):
        return "position is not {step, epoch, batch} as non-negative integers"
    if not (isinstance(data, dict) and integers([data.get("size")]) and integers(data.get("sample_shape"))):
        return "data lacks a size and a sample_shape of non-negative integers"
    if not (isinstance(meta["paths"], dict) and all(isinstance(v, list) for v in meta["paths"].values())):
        return "paths is not an object of lists"
    return None


def save_training(path: str | Path, step, config: dict, data: dict, position: dict, draws: dict) -> None:
    """A run's whole training state to ``path``: every variable of ``step`` (a ``TrainingStep``) by group,
    the run's ``config`` and ``data`` description, the loop's ``position`` and the host draws' state
    (``HostDraws.state``: the RNGs, and the shuffle of an epoch under way)."""
    import keras

    import kgan

    step.sync_to_variables()
    meta = {"config": config, "data": data, "position": position, "noise_rng": draws["noise_rng"],
            "shuffle_rng": draws["shuffle_rng"], "backend": keras.backend.backend(), "kgan": kgan.__version__}
    extra = {} if draws["permutation"] is None else {"permutation": draws["permutation"]}
    if step.unsaved:
        meta["rebuilt"] = {role: weights_digest(step.networks[role]) for role in step.unsaved}
    save_checkpoint(path, step.checkpoint_groups(), meta, extra)


def load_training(checkpoint: Checkpoint, step, data: dict, data_spec: str) -> tuple[dict, dict]:
    """``step`` restored from ``checkpoint``, once it is found to be this run's: finite weights, trained on
    data of ``data``'s size and sample shape (``data_spec`` names it). Returns (the loop's position, the
    host draws' state)."""
    broken = [path for group in step.checkpoint_groups() for path in checkpoint.non_finite(group)]
    if broken:
        raise KganError(f"the checkpoint holds non-finite weights ({', '.join(broken[:3])}): the run had "
                        f"diverged before kgan checked for it; start a new run")
    saved = checkpoint.meta["data"]
    if saved.get("size_b") != data.get("size_b"):
        raise KganError(f"the checkpoint was trained on {saved.get('size_b')} B images; {data_spec} now "
                        f"holds {data.get('size_b')}")
    if [saved["size"], list(saved["sample_shape"])] != [data["size"], list(data["sample_shape"])]:
        raise KganError(f"the checkpoint was trained on {saved['size']} samples of shape {saved['sample_shape']}; "
                        f"{data_spec} now holds {data['size']} of shape {list(data['sample_shape'])}")
    for role, digest in checkpoint.meta.get("rebuilt", {}).items():
        if weights_digest(step.networks[role]) != digest:
            raise KganError(f"the {role} network built now differs from the one this run trained with (its "
                            f"checkpoint keeps their sha256, not the weights): give it the weights file it started "
                            f"with")
    restore(step.checkpoint_groups(), checkpoint)
    step.sync_from_variables()
    draws = {"noise_rng": checkpoint.meta["noise_rng"], "shuffle_rng": checkpoint.meta["shuffle_rng"],
             "permutation": checkpoint.arrays.get("permutation")}
    return checkpoint.meta["position"], draws


def weights_digest(model) -> str:
    """The sha256 of ``model``'s variables' values, in order: what a checkpoint keeps of a role it leaves out."""
    from keras import ops

    digest = hashlib.sha256()
    for variable in model.variables:
        digest.update(np.ascontiguousarray(ops.convert_to_numpy(variable)).tobytes())
    return digest.hexdigest()


def restore(groups: dict[str, list], checkpoint: Checkpoint) -> None:
    """Assign the checkpoint's arrays to the variables of ``groups``, checking count and shapes first."""
    for name, variables in groups.items():
        values = checkpoint.group(name)
        if len(values) != len(variables):
            raise KganError(f"checkpoint has {len(values)} {name} variables, the model has {len(variables)}")
        for variable, value in zip(variables, values):
            if tuple(variable.shape) != value.shape:
                raise KganError(f"checkpoint {name} variable {variable.path} has shape {value.shape}, "
                                f"the model expects {tuple(variable.shape)}")
    for name, variables in groups.items():
        for variable, value in zip(variables, checkpoint.group(name)):
            variable.assign(value)
