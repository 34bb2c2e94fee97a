"""The MNIST files: find them, download them, check them, parse them (`nn.data.mnist`).

mnist() reads the four standard IDX files, gzip-compressed as published or
gunzipped. Every file's content is checked against its SHA-256 before it is
parsed, so a truncated or corrupted file is reported, never returned as data.
Files are looked for in `root` (default: $AUTOGRAD_LITE_DATA, else
~/.cache/autograd_lite/mnist) and downloaded there when absent and
`download=True`. Nothing here uses pickle: an IDX file is a small header and
raw bytes.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import math
import os
import sys
import urllib.request
import zlib
from pathlib import Path
from typing import Sequence

import numpy as np

MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

# The files of each split, by their IDX names; the published ones add ".gz".
MNIST_SPLITS = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

# SHA-256 of each file's IDX content (after gunzip), so that the published .gz
# files and gunzipped copies are checked alike. Their MD5s are the canonical
# ones (LeCun, Cortes, Burges): 6bbc9ace..., a25bea73..., 2646ac64..., 27ae3e4e....
MNIST_SHA256 = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

# A damaged or hostile .gz never makes us inflate more than the largest MNIST file (train images).
MAX_IDX_BYTES = 47_040_016

GET_THE_FILES = ("Put the four .gz files (gunzipped copies work too) in a folder and pass {option} "
                 f"or set AUTOGRAD_LITE_DATA to that folder; they are published at {MNIST_MIRRORS[0]}.")


class DatasetError(RuntimeError):
    """A dataset file is missing and cannot be downloaded, is corrupted, or the data folder is wrong.

    `str(error)` tells everything (for a download, every mirror's failure);
    `error.line(option)` is its first line, with `option` (how the caller
    passes a folder, e.g. "--data DIR") in the advice: what a command-line
    program prints. `error.missing` names the missing files (empty when the
    problem is another).
    """

    def __init__(self, problem: str, advice: str = "", details: Sequence[str] = (),
                 missing: Sequence[str] = ()) -> None:
        self.problem, self.advice, self.details, self.missing = problem, advice, tuple(details), tuple(missing)
        super().__init__(self.line())

    def line(self, option: str = "root=DIR") -> str:
        """The problem and what to do about it, on one line."""
        return f"{self.problem} {self.advice.format(option=option)}".strip()

    def __str__(self) -> str:
        return "\n  ".join([self.line(), *self.details])


def _data_folder(root: str | os.PathLike | None) -> tuple[Path, str]:
    """The folder to read, and for messages where it came from when the caller did not name it."""
    if root is not None:
        return Path(root), ""
    if os.environ.get("AUTOGRAD_LITE_DATA"):
        return Path(os.environ["AUTOGRAD_LITE_DATA"]), " ($AUTOGRAD_LITE_DATA)"
    return Path.home() / ".cache" / "autograd_lite" / "mnist", " (the default; $AUTOGRAD_LITE_DATA is not set)"


def _find(directory: Path, name: str) -> Path | None:
    """The file holding IDX file `name`: name.gz as published, else the gunzipped copy."""
    for path in (directory / f"{name}.gz", directory / name):
        if path.is_file():
            return path
    return None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _verified_content(data: bytes, name: str, source: str) -> bytes:
    """The IDX bytes of a file (gunzipped if it is gzip), checked against MNIST_SHA256[name]."""
    advice = f"Delete it: mnist() downloads it again, or copy it again from {MNIST_MIRRORS[0]}{name}.gz."
    if data[:2] == b"\x1f\x8b":  # the gzip magic number
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
                raw = stream.read(MAX_IDX_BYTES + 1)
        except (OSError, EOFError, zlib.error) as error:
            raise DatasetError(f"mnist: {source} is corrupted or truncated ({len(data)} bytes; gzip: {error}).",
                               advice) from None
        if len(raw) > MAX_IDX_BYTES:
            raise DatasetError(f"mnist: {source} is no MNIST file: it inflates to more than the "
                               f"{MAX_IDX_BYTES:,} bytes of the largest one.", advice)
    else:
        raw = data
    actual = _sha256(raw)
    if actual != MNIST_SHA256[name]:
        raise DatasetError(f"mnist: {source} is corrupted or truncated ({len(data)} bytes; the SHA-256 of its "
                           f"IDX content is {actual}, expected {MNIST_SHA256[name]}).", advice)
    return raw


def _parse_idx(raw: bytes, source: str) -> np.ndarray:
    """An IDX file: 2 zero bytes, a type byte (0x08 = uint8), the number of dimensions,
    one big-endian int32 per dimension, then the data."""
    ndim = raw[3] if len(raw) >= 4 else 0
    start = 4 + 4 * ndim
    if len(raw) < start or raw[:3] != b"\x00\x00\x08":
        raise DatasetError(f"mnist: {source} is not an IDX file of unsigned bytes (header {raw[:4].hex()}).")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    if len(raw) - start != math.prod(shape):
        raise DatasetError(f"mnist: {source} says its data has shape {shape} ({math.prod(shape)} bytes) "
                           f"but holds {len(raw) - start} bytes of data.")
    return np.frombuffer(raw, dtype=np.uint8, offset=start).reshape(shape)


def _download(name: str, directory: Path) -> list[str]:
    """Fetch name.gz into `directory` from the first mirror that serves the right content.

    Returns what went wrong at each mirror tried ("url: reason"); the file is
    written under its real name only once verified, so a failed or interrupted
    download never leaves a damaged file behind.
    """
    failures = []
    for mirror in MNIST_MIRRORS:
        url = f"{mirror}{name}.gz"
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                data = response.read()
        except OSError as error:  # URLError, HTTPError and timeouts are all OSErrors
            failures.append(f"{url}: {error}")
            continue
        try:
            _verified_content(data, name, url)
        except DatasetError as error:
            failures.append(f"{url}: served a damaged file ({error.problem})")
            continue
        partial = directory / f"{name}.gz.part"
        try:
            partial.write_bytes(data)
            os.replace(partial, directory / f"{name}.gz")
        except OSError as error:
            raise DatasetError(f"mnist: cannot write {directory / name}.gz: {error}.", GET_THE_FILES) from None
        print(f"mnist: downloaded {url} ({len(data):,} bytes) into {directory}", file=sys.stderr)
        return []
    return failures


def _missing_files_error(directory: Path, where: str, download: bool, failures: list[str]) -> DatasetError:
    """Every MNIST file missing from `directory`, why it was not downloaded, and how to get them."""
    missing = [f"{name}.gz" for name in MNIST_SHA256 if _find(directory, name) is None]
    if not download:
        why = "download=False"
    else:  # each reason once: offline, every file fails the same way
        reasons = dict.fromkeys(failure.split(": ", 1)[1] for failure in failures)
        why = "downloading failed: " + "; ".join(reasons)
    return DatasetError(f"mnist: missing from {directory}{where}: {', '.join(missing)} ({why}).",
                        GET_THE_FILES, failures, missing)


def mnist(root: str | os.PathLike | None = None, split: str = "train", download: bool = True
          ) -> tuple[np.ndarray, np.ndarray]:
    """MNIST digits: images (N, 784) float32 in [0, 1] and labels (N,) int64.

    N is 60,000 for split="train" and 10,000 for split="test". float32 because
    the pixels are 8-bit (float32 holds k/255 to 7 digits) and it halves the
    memory of float64; use `X.astype(np.float64)` for a float64 model.
    Files are read from `root`, else $AUTOGRAD_LITE_DATA, else
    ~/.cache/autograd_lite/mnist, as `train-images-idx3-ubyte.gz` etc. or
    gunzipped (`train-images-idx3-ubyte`); the split's missing files are
    downloaded there when `download=True`. Raises DatasetError, listing every
    missing file, when they cannot be had, and for a damaged file.
    """
    if split not in MNIST_SPLITS:
        raise ValueError(f"mnist: split must be 'train' or 'test', got {split!r}")
    directory, where = _data_folder(root)
    if directory.exists() and not directory.is_dir():
        raise DatasetError(f"mnist: {directory}{where} is a file, not a folder.",
                           "Pass {option} or set AUTOGRAD_LITE_DATA with the folder that holds the MNIST files.")
    names = MNIST_SPLITS[split]
    failures = []
    if download and any(_find(directory, name) is None for name in names):
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise DatasetError(f"mnist: cannot create {directory}{where} to download MNIST into: {error}.",
                               GET_THE_FILES) from None
        for name in names:
            if _find(directory, name) is None:
                failures += _download(name, directory)
    paths = [_find(directory, name) for name in names]
    if None in paths:
        raise _missing_files_error(directory, where, download, failures)
    images, labels = (_parse_idx(_verified_content(path.read_bytes(), name, str(path)), str(path))
                      for name, path in zip(names, paths))
    if images.ndim != 3 or labels.shape != images.shape[:1]:
        raise DatasetError(f"mnist: images of shape {images.shape} and labels of shape {labels.shape} in "
                           f"{directory} do not pair up as (N, rows, columns) and (N,).")
    X = images.reshape(len(images), -1).astype(np.float32)
    X /= 255
    return X, labels.astype(np.int64)
