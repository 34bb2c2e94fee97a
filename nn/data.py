"""Mini-batches and datasets: DataLoader, xor(), mnist().

mnist() reads the four standard gzip IDX files. Every file is checked against
its published SHA-256 before it is parsed, so a truncated or corrupted file is
reported, never returned as data. Files are looked for in `root` (default:
$AUTOGRAD_LITE_DATA, else ~/.cache/autograd_lite/mnist) and downloaded there
only when absent and `download=True`.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import urllib.request
from pathlib import Path
from typing import Iterator

import numpy as np

import autograd_lite as ag

# ----------------------------------------------------------------------------- DataLoader


class DataLoader:
    """Iterate over (X, y) in mini-batches of Tensors.

    With `shuffle=True` every epoch (every `for` loop over the loader) uses a
    new permutation: drawn from `np.random.default_rng(seed)` when a seed is
    given, else from autograd_lite's generator, so `ag.manual_seed` alone
    makes a whole training run reproducible. The last, smaller batch is kept
    unless `drop_last=True`.
    """

    def __init__(
        self,
        X: np.ndarray,
        y: np.ndarray,
        batch_size: int,
        shuffle: bool = False,
        seed: int | None = None,
        drop_last: bool = False,
    ) -> None:
        self.X = X.data if isinstance(X, ag.Tensor) else np.asarray(X)
        self.y = y.data if isinstance(y, ag.Tensor) else np.asarray(y)
        if len(self.X) != len(self.y):
            raise ValueError(f"DataLoader: X has {len(self.X)} samples but y has {len(self.y)}")
        if not (isinstance(batch_size, (int, np.integer)) and batch_size > 0):
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def _order(self) -> np.ndarray:
        n = len(self.X)
        if not self.shuffle:
            return np.arange(n)
        if self._rng is not None:
            return self._rng.permutation(n)
        # Sorting n uniform draws gives a uniformly random permutation.
        return np.argsort(ag.rand(n, dtype=np.float64).data, kind="stable")

    def __iter__(self) -> Iterator[tuple[ag.Tensor, ag.Tensor]]:
        order = self._order()
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            batch = order[start:start + self.batch_size]
            yield ag.Tensor(self.X[batch]), ag.Tensor(self.y[batch])

    def __len__(self) -> int:
        """Number of batches per epoch."""
        if self.drop_last:
            return len(self.X) // self.batch_size
        return -(-len(self.X) // self.batch_size)


# ----------------------------------------------------------------------------- XOR


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The four XOR points: X (4, 2) and y (4, 1) float64, for BCE with a sigmoid output."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    return X, y


# ----------------------------------------------------------------------------- MNIST

MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

# SHA-256 of the canonical .gz files (LeCun, Cortes, Burges).
MNIST_FILES = {
    "train": {
        "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
        "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    },
    "test": {
        "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
        "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    },
}


class DatasetError(RuntimeError):
    """A dataset file is missing and cannot be downloaded, or fails its checksum."""


def _default_root() -> Path:
    env = os.environ.get("AUTOGRAD_LITE_DATA")
    return Path(env) if env else Path.home() / ".cache" / "autograd_lite" / "mnist"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _download(name: str, expected_sha256: str, directory: Path) -> None:
    """Fetch `name` from the first mirror that serves the right bytes; write it atomically."""
    failures = []
    for mirror in MNIST_MIRRORS:
        url = mirror + name
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                data = response.read()
        except OSError as exc:  # URLError, HTTPError and timeouts are all OSErrors
            failures.append(f"{url}: {exc}")
            continue
        actual = _sha256(data)
        if actual != expected_sha256:
            failures.append(f"{url}: wrong checksum ({len(data)} bytes, sha256 {actual})")
            continue
        directory.mkdir(parents=True, exist_ok=True)
        partial = directory / (name + ".part")
        partial.write_bytes(data)
        os.replace(partial, directory / name)  # a crash never leaves a half-written file under the real name
        return
    raise DatasetError(
        f"mnist: {name} is missing from {directory} and could not be downloaded:\n  "
        + "\n  ".join(failures)
        + f"\nDownload it from {MNIST_MIRRORS[0] + name} into {directory}."
    )


def _read_verified(name: str, expected_sha256: str, directory: Path, download: bool) -> bytes:
    path = directory / name
    if not path.exists():
        if not download:
            raise DatasetError(
                f"mnist: {name} not found in {directory} (download=False). "
                f"Download it from {MNIST_MIRRORS[0] + name} into that directory, "
                "or call mnist(download=True)."
            )
        _download(name, expected_sha256, directory)
    data = path.read_bytes()
    actual = _sha256(data)
    if actual != expected_sha256:
        raise DatasetError(
            f"mnist: {path} is corrupted or truncated ({len(data)} bytes, sha256 {actual}, "
            f"expected {expected_sha256}). Delete it and download it again from {MNIST_MIRRORS[0] + name}."
        )
    return data


def _parse_idx(compressed: bytes) -> np.ndarray:
    """An IDX file: 2 zero bytes, a type byte (0x08 = uint8), the number of dimensions,
    one big-endian int32 per dimension, then the data."""
    raw = gzip.decompress(compressed)
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def mnist(root: str | os.PathLike | None = None, split: str = "train", download: bool = True
          ) -> tuple[np.ndarray, np.ndarray]:
    """MNIST digits: images (N, 784) float32 in [0, 1] and labels (N,) int64.

    N is 60,000 for split="train" and 10,000 for split="test". float32 because
    the pixels are 8-bit (float32 holds k/255 to 7 digits) and it halves the
    memory of float64; use `X.astype(np.float64)` for a float64 model.
    """
    if split not in MNIST_FILES:
        raise ValueError(f"mnist: split must be 'train' or 'test', got {split!r}")
    directory = Path(root) if root is not None else _default_root()
    (images_name, images_sha), (labels_name, labels_sha) = MNIST_FILES[split].items()
    images = _parse_idx(_read_verified(images_name, images_sha, directory, download))
    labels = _parse_idx(_read_verified(labels_name, labels_sha, directory, download))
    X = images.reshape(len(images), -1).astype(np.float32)
    X /= 255
    return X, labels.astype(np.int64)
