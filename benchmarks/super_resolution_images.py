"""The offline natural images of docs/super-resolution.md, taken from the scikit-image and scikit-learn wheels
(no package is installed: the files are read from the wheels as zip archives).

    pip download scikit-image scikit-learn --no-deps -d /tmp/wheels
    python benchmarks/super_resolution_images.py /tmp/wheels /tmp/srdata

writes DATA/train/ (7 photographs) and DATA/test/ (3 held out: astronaut, chelsea, china). motorcycle_right is
left out everywhere: it is the stereo twin of motorcycle_left, a training image.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

TRAIN = {"skimage/data/coffee.png", "skimage/data/rocket.jpg", "skimage/data/hubble_deep_field.jpg",
         "skimage/data/retina.jpg", "skimage/data/ihc.png", "skimage/data/motorcycle_left.png",
         "sklearn/datasets/images/flower.jpg"}
TEST = {"skimage/data/astronaut.png", "skimage/data/chelsea.png", "sklearn/datasets/images/china.jpg"}


def main(wheels: Path, out: Path) -> None:
    found = set()
    for wheel in sorted(wheels.glob("scikit_*.whl")):
        with zipfile.ZipFile(wheel) as archive:
            for name in (TRAIN | TEST) & set(archive.namelist()):
                target = out / ("train" if name in TRAIN else "test") / Path(name).name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(name))
                found.add(name)
    missing = sorted((TRAIN | TEST) - found)
    if missing:
        sys.exit(f"not in the wheels of {wheels}: {', '.join(missing)}")
    print(f"wrote {len(TRAIN)} training and {len(TEST)} held-out images to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
