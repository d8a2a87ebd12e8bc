"""Starting a run from another run's weights (``--init-from RUN``): fine-tuning a trained generator on new
data, or SRGAN's start from a trained SRResNet.

The named roles' weights are copied from the other run's checkpoint (its EMA weights where it kept an
average, as sampling does); optimizer state and the step count are not: the new run starts at step 0
with fresh optimizers. Networks must match variable for variable; the first that differs is named.
"""

from __future__ import annotations

from pathlib import Path

from kgan.errors import KganError


def copy_roles(networks: dict, source: str | Path, roles: list[str] | None = None) -> list[str]:
    """Copy the weights of ``roles`` (default: every role of ``networks`` that ``source`` has) from the run
    or checkpoint ``source`` into ``networks`` (``{role: keras.Model}``); returns the roles copied."""
    from kgan.rundir import checkpoint_file
    from kgan.training.checkpoint import read_checkpoint

    checkpoint = read_checkpoint(checkpoint_file(source))
    groups = checkpoint.meta.get("paths", {})
    chosen = list(roles) if roles else [role for role in networks if role in groups]
    if not chosen:
        held = [group for group in groups if not group.endswith(("_optimizer", "_ema"))]
        raise KganError(f"--init-from {source} has none of this run's networks ({', '.join(networks)}); "
                        f"its checkpoint holds {', '.join(held)}")
    for role in chosen:
        if role not in networks:
            raise KganError(f"--init-roles {role}: this run has no network {role!r}; its roles: {', '.join(networks)}")
        if role not in groups:
            raise KganError(f"--init-from {source} has no network {role!r} to copy")
        group = f"{role}_ema" if f"{role}_ema" in groups else role
        arrays, paths, variables = checkpoint.group(group), groups[group], networks[role].variables
        for i, variable in enumerate(variables):
            if i >= len(arrays) or tuple(arrays[i].shape) != tuple(variable.shape):
                found = f"{paths[i]} of shape {tuple(arrays[i].shape)}" if i < len(arrays) else "nothing"
                raise KganError(f"--init-from {source}: {role}'s networks differ first at {variable.path} of shape "
                                f"{tuple(variable.shape)}, where the run has {found}")
        if len(arrays) != len(variables):
            raise KganError(f"--init-from {source}: the run's {role} has {len(arrays)} variables, this one "
                            f"{len(variables)} (it has more layers)")
        for variable, value in zip(variables, arrays):
            variable.assign(value.astype(variable.dtype))
    return chosen
