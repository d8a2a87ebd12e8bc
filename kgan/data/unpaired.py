"""`unpaired:DIR_A,DIR_B`, `unpaired:DIR` and `unpaired:FILE.npz`: CycleGAN's and DiscoGAN's data, two domains
of images with no pairing between them."""

from __future__ import annotations

from pathlib import Path

from kgan.data.dataset import DataError, Dataset
from kgan.data.domains import is_npz, load_npz, read_folder_domains, two_domain_dataset
from kgan.data.folder import list_images

# CycleGAN's released data sets keep the training domains here; testA/ and testB/ beside them are held out,
# and a user scores on them with unpaired:DIR/testA,DIR/testB.
_TRAIN_DIRS = ("trainA", "trainB")


def load(spec: str, paths: list[Path], size: int | None) -> Dataset:
    """Two unpaired domains of images, from two directories, a CycleGAN directory, or an .npz file.

    Each directory is read as `folder:DIR` reads it (grayscale only when all its files are).
    `DIR` alone must hold CycleGAN's `trainA/` and `trainB/`. An .npz holds the arrays `a` and
    `b`, and optional int labels `y` for `a`. The domains may differ in length.

    Args:
        spec: the whole data spec, the dataset's name and named in error messages.
        paths: the directories of domains A and B, or the one CycleGAN directory or .npz file.
        size: the side of the square images: `DEFAULT_FOLDER_SIZE` when `None` for directories,
            the stored size for an .npz.

    Returns:
        A `Dataset` with `paired=False`: `x` holds domain A, `b` domain B.

    Raises:
        DataError: a path is missing, a directory holds no images or lacks trainA/ or trainB/,
            the domains differ in channels, or the .npz lacks `a` or `b`.
    """
    if len(paths) == 1 and is_npz(paths[0]):
        return load_npz(spec, paths[0], size, paired=False)
    if len(paths) == 1:
        paths = _cyclegan_dirs(spec, paths[0])
    if len(paths) != 2:
        raise DataError(f"{spec}: unpaired: takes two image directories, unpaired:DIR_A,DIR_B, a CycleGAN directory "
                        "holding trainA/ and trainB/, unpaired:DIR, or an .npz file, unpaired:FILE.npz")
    sources = (str(paths[0]), str(paths[1]))
    a, b = read_folder_domains(spec, list_images(spec, paths[0]), list_images(spec, paths[1]), size, sources)
    return two_domain_dataset(spec, a, b, paired=False, sources=sources)


def _cyclegan_dirs(spec: str, directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise DataError(f"{spec}: directory {directory} not found; give unpaired:DIR_A,DIR_B, a CycleGAN directory "
                        "holding trainA/ and trainB/, or an .npz file with arrays a and b")
    missing = [name for name in _TRAIN_DIRS if not (directory / name).is_dir()]
    if missing:
        raise DataError(f"{spec}: {directory} has no {' or '.join(f'{m}/' for m in missing)}; give a CycleGAN "
                        "directory holding trainA/ and trainB/, or name the two domains: unpaired:DIR_A,DIR_B")
    return [directory / name for name in _TRAIN_DIRS]

