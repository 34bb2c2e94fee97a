"""DataLoader coverage, xor(), and the MNIST loader on the real files, on damaged
copies and when files are missing. No test touches the network: urlopen is
replaced by a stub wherever a download could be attempted."""
import io
import shutil
import urllib.error
import urllib.request

import numpy as np
import pytest

import autograd_lite as ag
import nn
from nn.data import MNIST_MIRRORS, DatasetError

N = 10


def make_loader(**options):
    X = np.arange(2 * N, dtype=np.float64).reshape(N, 2)  # row i is [2i, 2i + 1]
    return nn.data.DataLoader(X, np.arange(N), **options)


def epoch_labels(loader):
    """The labels of each batch of one epoch, checking that every X row still matches its label."""
    batches = []
    for xb, yb in loader:
        assert isinstance(xb, ag.Tensor) and isinstance(yb, ag.Tensor) and not xb.requires_grad
        np.testing.assert_array_equal(xb.data, np.stack([2 * yb.data, 2 * yb.data + 1], axis=1))
        batches.append(yb.data.tolist())
    return batches


# ----------------------------------------------------------------------------- DataLoader


def test_in_order_batches_keep_the_last_partial_batch():
    loader = make_loader(batch_size=4)
    assert epoch_labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert len(loader) == 3


def test_drop_last_drops_the_partial_batch():
    loader = make_loader(batch_size=4, drop_last=True)
    assert epoch_labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(loader) == 2


@pytest.mark.parametrize("batch_size", [1, 3, 10, 32])
def test_shuffled_epochs_cover_every_sample_exactly_once(batch_size):
    loader = make_loader(batch_size=batch_size, shuffle=True, seed=0)
    orders = []
    for _ in range(3):
        batches = epoch_labels(loader)
        assert len(batches) == len(loader)
        assert all(len(b) == batch_size for b in batches[:-1])
        order = sum(batches, [])
        assert sorted(order) == list(range(N))
        orders.append(order)
    assert orders[0] != orders[1] or orders[1] != orders[2]  # a new permutation each epoch


def test_shuffled_drop_last_takes_distinct_samples():
    loader = make_loader(batch_size=3, shuffle=True, seed=1, drop_last=True)
    order = sum(epoch_labels(loader), [])
    assert len(order) == 9 and len(set(order)) == 9


def test_seed_makes_shuffling_reproducible():
    first = [epoch_labels(make_loader(batch_size=3, shuffle=True, seed=5)) for _ in range(2)]
    assert first[0] == first[1]
    assert epoch_labels(make_loader(batch_size=3, shuffle=True, seed=6)) != first[0]


def test_without_seed_shuffling_follows_manual_seed():
    runs = []
    for _ in range(2):
        ag.manual_seed(3)
        loader = make_loader(batch_size=4, shuffle=True)
        runs.append([epoch_labels(loader), epoch_labels(loader)])
    assert runs[0] == runs[1]
    assert runs[0][0] != runs[0][1]


def test_dtypes_are_kept():
    X = np.zeros((5, 3), dtype=np.float32)
    xb, yb = next(iter(nn.data.DataLoader(X, np.arange(5), batch_size=2)))
    assert xb.dtype == np.float32 and yb.dtype == np.int64


def test_bad_arguments():
    with pytest.raises(ValueError, match="DataLoader: X has 10 samples but y has 9"):
        nn.data.DataLoader(np.zeros((10, 2)), np.zeros(9), batch_size=2)
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        make_loader(batch_size=0)


def test_xor():
    X, y = nn.data.xor()
    assert X.shape == (4, 2) and y.shape == (4, 1)
    np.testing.assert_array_equal(y[:, 0], np.logical_xor(X[:, 0], X[:, 1]))


# ----------------------------------------------------------------------------- MNIST, real files

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
MEAN_PIXEL = {"train": 33.3184, "test": 33.7912}  # on the 0-255 scale, from the dataset's SOURCE.md


@pytest.fixture
def no_network(monkeypatch):
    """Fail the test if the loader tries to download."""
    def refuse(*args, **kwargs):
        raise AssertionError("the MNIST loader tried to download")
    monkeypatch.setattr(urllib.request, "urlopen", refuse)


@pytest.mark.parametrize("split, n, counts", [("train", 60000, TRAIN_COUNTS), ("test", 10000, TEST_COUNTS)])
def test_mnist_real_files(split, n, counts, mnist_dir, no_network):
    X, y = nn.data.mnist(root=mnist_dir, split=split)
    assert X.shape == (n, 784) and X.dtype == np.float32
    assert y.shape == (n,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_allclose(X.mean(dtype=np.float64) * 255, MEAN_PIXEL[split], atol=5e-5)
    assert np.bincount(y, minlength=10).tolist() == counts


def test_mnist_root_defaults_to_the_environment_variable(mnist_dir, monkeypatch, no_network):
    monkeypatch.setenv("AUTOGRAD_LITE_DATA", str(mnist_dir))
    X, y = nn.data.mnist(split="test", download=False)
    assert X.shape == (10000, 784) and np.bincount(y).tolist() == TEST_COUNTS


def test_mnist_bad_split():
    with pytest.raises(ValueError, match="split must be 'train' or 'test', got 'validation'"):
        nn.data.mnist(split="validation")


# ----------------------------------------------------------------------------- MNIST, damaged or missing files


def copy_test_split(mnist_dir, destination):
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        shutil.copy(mnist_dir / name, destination / name)


def test_corrupted_file_is_rejected_by_checksum(mnist_dir, tmp_path, no_network):
    copy_test_split(mnist_dir, tmp_path)
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte
    path.write_bytes(bytes(data))
    with pytest.raises(DatasetError, match="corrupted or truncated") as info:
        nn.data.mnist(root=tmp_path, split="test")
    assert str(path) in str(info.value) and MNIST_MIRRORS[0] in str(info.value)


def test_truncated_file_is_rejected_by_checksum(mnist_dir, tmp_path, no_network):
    copy_test_split(mnist_dir, tmp_path)
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:100_000])
    with pytest.raises(DatasetError, match=r"t10k-images-idx3-ubyte.gz is corrupted or truncated \(100000 bytes"):
        nn.data.mnist(root=tmp_path, split="test")


def test_missing_file_without_download_names_file_directory_and_url(tmp_path, no_network):
    with pytest.raises(DatasetError) as info:
        nn.data.mnist(root=tmp_path, split="train", download=False)
    message = str(info.value)
    assert "train-images-idx3-ubyte.gz not found in " + str(tmp_path) in message
    assert MNIST_MIRRORS[0] + "train-images-idx3-ubyte.gz" in message


class FakeMirrors:
    """Stands in for urllib.request.urlopen: each mirror fails, serves bad bytes or serves the file."""

    def __init__(self, behaviours, mnist_dir):
        self.behaviours, self.mnist_dir, self.requested = behaviours, mnist_dir, []

    def __call__(self, url, timeout=None):
        self.requested.append(url)
        mirror, name = url.rsplit("/", 1)
        behaviour = self.behaviours[mirror + "/"]
        if behaviour == "unreachable":
            raise urllib.error.URLError("unreachable (test stub)")
        data = (self.mnist_dir / name).read_bytes()
        return io.BytesIO(data[:1000] if behaviour == "truncated" else data)


def test_download_tries_mirrors_until_one_serves_the_right_bytes(mnist_dir, tmp_path, monkeypatch):
    mirrors = FakeMirrors(dict(zip(MNIST_MIRRORS, ["unreachable", "truncated", "good"])), mnist_dir)
    monkeypatch.setattr(urllib.request, "urlopen", mirrors)
    cache = tmp_path / "cache"
    X, y = nn.data.mnist(root=cache, split="test")
    assert np.bincount(y).tolist() == TEST_COUNTS and X.shape == (10000, 784)
    assert sorted(p.name for p in cache.iterdir()) == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    assert len(mirrors.requested) == 6  # three mirrors for each of the two files
    mirrors.requested.clear()
    nn.data.mnist(root=cache, split="test")  # cached now: no download
    assert mirrors.requested == []


def test_failed_download_explains_every_attempt_and_writes_nothing(mnist_dir, tmp_path, monkeypatch):
    mirrors = FakeMirrors(dict(zip(MNIST_MIRRORS, ["unreachable", "truncated", "unreachable"])), mnist_dir)
    monkeypatch.setattr(urllib.request, "urlopen", mirrors)
    with pytest.raises(DatasetError) as info:
        nn.data.mnist(root=tmp_path, split="test")
    message = str(info.value)
    assert f"t10k-images-idx3-ubyte.gz is missing from {tmp_path} and could not be downloaded" in message
    assert "unreachable (test stub)" in message and "wrong checksum" in message
    assert all(mirror + "t10k-images-idx3-ubyte.gz" in message for mirror in MNIST_MIRRORS)
    assert list(tmp_path.iterdir()) == []
