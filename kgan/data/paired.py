"""`paired:DIR_A,DIR_B` and `paired:FILE.npz`: pix2pix's data, each image of domain A with its counterpart in B."""

from __future__ import annotations

import sys
from pathlib import Path

from kgan.data.dataset import DataError, Dataset
from kgan.data.domains import is_npz, load_npz, read_folder_domains, two_domain_dataset
from kgan.data.folder import list_images, open_image

_SHOWN = 3  # unmatched files named in the error; the rest are counted


def load(spec: str, paths: list[Path], size: int | None) -> Dataset:
    """Pairs of images from two directories, matched by file name, or from an .npz file.

    In two directories, `DIR_A/x.png` pairs with `DIR_B/x.<any suffix>`; each directory is read as
    `folder:DIR` reads it (grayscale only when all its files are). An .npz holds the arrays `a` and
    `b` of equal length, and optional int labels `y`, one per pair.

    Args:
        spec: the whole data spec, the dataset's name and named in error messages.
        paths: the two directories, or the one .npz file.
        size: the side of the square images: `DEFAULT_FOLDER_SIZE` when `None` for directories,
            the stored size for an .npz.

    Returns:
        A `Dataset` with `paired=True`: `x` holds domain A, `b` domain B, pair i in row i.

    Raises:
        DataError: a path is missing, a directory holds no images, a name has no counterpart,
            the domains differ in channels, or the .npz lacks or mismatches `a` and `b`.
    """
    if len(paths) == 1 and is_npz(paths[0]):
        return load_npz(spec, paths[0], size, paired=True)
    if len(paths) != 2:
        given = f"{paths[0]} is no .npz file" if len(paths) == 1 else f"{len(paths)} paths given"
        side_by_side = "; for A|B images side by side use sidebyside:DIR" if len(paths) == 1 else ""
        raise DataError(f"{spec}: {given}, but paired: takes two image directories, paired:DIR_A,DIR_B, or one .npz "
                        f"file with arrays a and b, paired:FILE.npz{side_by_side}")
    dir_a, dir_b = paths
    by_name_a, by_name_b = (_by_name(spec, list_images(spec, d)) for d in paths)
    unmatched = sorted([path for name, path in by_name_a.items() if name not in by_name_b]
                       + [path for name, path in by_name_b.items() if name not in by_name_a])
    if unmatched:
        shown = ", ".join(map(str, unmatched[:_SHOWN])) + (", ..." if len(unmatched) > _SHOWN else "")
        raise DataError(f"{spec}: {len(unmatched)} image(s) without a file of the same name in the other directory "
                        f"({shown}); give {dir_a} and {dir_b} the same file names, or remove the unmatched ones")
    names, sources = sorted(by_name_a), (str(dir_a), str(dir_b))
    _check_aspect_ratios(spec, [(by_name_a[n], by_name_b[n]) for n in names])
    a, b = read_folder_domains(spec, [by_name_a[n] for n in names], [by_name_b[n] for n in names], size, sources)
    return two_domain_dataset(spec, a, b, paired=True, sources=sources)


def _check_aspect_ratios(spec: str, pairs: list[tuple[Path, Path]]) -> None:
    """A warning naming the pairs whose images differ in aspect ratio (from the headers): each is centre-cropped
    to a square on its own, so their crops show different parts of the scene and may misalign. A warning, not a
    refusal: a square B beside a non-square A is a crop the user may have meant."""
    differing = []
    for path_a, path_b in pairs:
        with open_image(path_a) as img_a, open_image(path_b) as img_b:
            (wa, ha), (wb, hb) = img_a.size, img_b.size
        if abs(wa * hb - wb * ha) > 0.01 * max(wa * hb, wb * ha):  # resizing's rounding aside
            differing.append(f"{path_a} ({wa}x{ha}) and {path_b} ({wb}x{hb})")
    if differing:
        shown = "; ".join(differing[:_SHOWN]) + ("; ..." if len(differing) > _SHOWN else "")
        print(f"warning: {spec}: {len(differing)} pair(s) of different aspect ratios, each centre-cropped on its own, "
              f"may misalign: {shown}; crop or resize them alike to be sure", file=sys.stderr)


def _by_name(spec: str, files: list[Path]) -> dict[str, Path]:
    """`files` by name without suffix; two files of one name (x.png, x.jpg) would make the pairing ambiguous."""
    by_name: dict[str, Path] = {}
    for path in files:
        if path.stem in by_name:
            raise DataError(f"{spec}: {by_name[path.stem]} and {path} share the name {path.stem!r}, so neither pairs "
                            "unambiguously; keep one of them")
        by_name[path.stem] = path
    return by_name
