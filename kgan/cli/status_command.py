"""kgan status: whether a run is training now, stopped, or done, and what to do next."""

import time

import click

from kgan.cli import main


@main.command("status")
@click.argument("run", type=click.Path())
def status(run):
    """Say whether RUN is training now (and by which process), finished, interrupted, diverged, failed (its
    loop raised), or stopped without a word (killed, crashed, out of power), and how to continue it."""
    from kgan.rundir import RunDir

    run_dir = RunDir.open(run)
    record = run_dir.status()
    state = record["state"]
    step = f"step {record.get('step', '?')} of {record.get('total_steps', '?')}"
    heartbeat = record.get("heartbeat")
    seen = f", last heard from {time.time() - heartbeat:.0f} s ago" if isinstance(heartbeat, (int, float)) else ""
    if record["running"]:
        click.echo(f"{run}: training now (PID {record.get('pid', '?')}), {step}{seen}")
        return
    click.echo(f"{run}: {state} at {step}{seen}")
    if state == "failed":  # the loop raised: what it said, then the same way on
        click.echo(record.get("reason", "the training loop raised an error"))
    if state in ("stopped", "interrupted", "running", "failed"):
        click.echo(f"continue with: kgan train --resume {run}")
    elif state == "diverged":
        kept = record.get("checkpoint_step")
        click.echo(f"{record.get('reason', '')}; " + (f"the checkpoint of step {kept} is the last good one"
                                                     if kept is not None else "no checkpoint was written"))
