"""--data-on host: each step's rows gathered on the host and sent, for training sets larger than the
accelerator's memory, gives the same run as the training set on the device."""

import numpy as np
import pytest
from helpers import tiny_config, write_translation_npz

from kgan.training import run_loop
from kgan.training.checkpoint import read_checkpoint


def trained(config, out):
    """(every array of the run's checkpoint, its logged g_loss per step)."""
    run = run_loop.train(config, out, progress=False)
    return read_checkpoint(run.checkpoint_path).arrays, [record["g_loss"] for record in run.read_metrics()]


@pytest.mark.parametrize("case", ["conditional", "unpaired_jittered"])
def test_rows_sent_from_the_host_give_the_same_run_as_the_training_set_on_the_device(case, mnist_npz, tmp_path):
    from kgan.training.assembly import resolve_config

    if case == "conditional":  # labels gathered along with the images
        def config(place):
            return tiny_config(variant="cgan", data=f"npz:{mnist_npz}", steps=2, log_every=1, data_on=place)
    else:  # B rows drawn on their own, and both domains cropped
        data = write_translation_npz(tmp_path / "unpaired.npz", 24, paired=False)

        def config(place):
            return resolve_config("discogan", data=f"unpaired:{data}", steps=2, width=4, batch_size=4, log_every=1,
                                  grid_size=4, jitter=True, data_on=place)

    on_device, device_losses = trained(config("device"), tmp_path / "device")
    on_host, host_losses = trained(config("host"), tmp_path / "host")
    assert host_losses == device_losses
    assert on_host.keys() == on_device.keys()
    different = [k for k in on_device if not np.array_equal(on_host[k], on_device[k])]
    assert not different, f"{len(different)} arrays differ, first {different[:3]}"
