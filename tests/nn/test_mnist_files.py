"""nn.data.mnist: parsing, checksums, damaged and missing files, where it looks, and downloading.

Everything but the last section runs on a clone with nothing beside it: on
small IDX files the tests write (the loader's checksum table is pointed at
them) and on a 20-image slice of real MNIST shipped in tests/nn/mnist_slice.
No test touches the network: urlopen is replaced by a refusal, or by fake
mirrors where a download is the point. The last section needs the full files
where nn.data.mnist looks ($AUTOGRAD_LITE_DATA, then the cache) and skips
without them."""
import gzip
import hashlib
import io
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

import nn
from nn import mnist_files
from nn.data import DatasetError
from nn.mnist_files import MNIST_MIRRORS

SLICE = Path(__file__).parent / "mnist_slice"
NAMES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
GZ_NAMES = [f"{name}.gz" for name in NAMES]


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Fail the test if the loader tries to download (tests that want a download replace this)."""
    def refuse(*args, **kwargs):
        raise AssertionError("the MNIST loader tried to download")
    monkeypatch.setattr(urllib.request, "urlopen", refuse)


@pytest.fixture(autouse=True)
def no_default_folder(monkeypatch, tmp_path):
    """Neither $AUTOGRAD_LITE_DATA nor the real home folder: a test that wants a default sets it."""
    monkeypatch.delenv("AUTOGRAD_LITE_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


def idx_bytes(array):
    """An IDX file of unsigned bytes: 0, 0, type 0x08, the number of dimensions, the sizes, the data."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
    return header + array.astype(np.uint8).tobytes()


def gz(data):
    return gzip.compress(data, mtime=0)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class Tiny:
    """A synthetic MNIST: 5 training and 3 test images, whose checksums the loader is told."""

    def __init__(self, monkeypatch):
        rng = np.random.default_rng(0)
        images = rng.integers(0, 256, size=(8, 28, 28), dtype=np.uint8)
        images[[0, 5], 0, 0], images[[0, 5], 0, 1] = 0, 255  # the ends of the scale, in each split
        labels = rng.integers(0, 10, size=8, dtype=np.uint8)
        self.arrays = {"train": (images[:5], labels[:5]), "test": (images[5:], labels[5:])}
        self.raw = dict(zip(NAMES, [idx_bytes(a) for split in ("train", "test") for a in self.arrays[split]]))
        for name, raw in self.raw.items():
            monkeypatch.setitem(mnist_files.MNIST_SHA256, name, sha256(raw))

    def write(self, folder, names=NAMES, gzipped=True):
        folder.mkdir(parents=True, exist_ok=True)
        for name in names:
            path = folder / (f"{name}.gz" if gzipped else name)
            path.write_bytes(gz(self.raw[name]) if gzipped else self.raw[name])
        return folder

    def check(self, X, y, split):
        images, labels = self.arrays[split]
        assert X.dtype == np.float32 and X.shape == (len(images), 784)
        np.testing.assert_array_equal(X, images.reshape(len(images), 784).astype(np.float32) / 255)
        assert y.dtype == np.int64 and y.tolist() == labels.tolist()


@pytest.fixture
def tiny(monkeypatch):
    return Tiny(monkeypatch)


# ----------------------------------------------------------------------------- parsing


@pytest.mark.parametrize("split", ["train", "test"])
def test_parses_gzip_idx_files(tiny, tmp_path, split):
    X, y = nn.data.mnist(root=tiny.write(tmp_path), split=split)
    tiny.check(X, y, split)
    assert X[0, 0] == 0.0 and X[0, 1] == 1.0


def test_gunzipped_files_are_read_too(tiny, tmp_path):
    tiny.write(tmp_path, NAMES[:1], gzipped=False)   # train images gunzipped, the rest as published
    tiny.write(tmp_path, NAMES[1:])
    tiny.check(*nn.data.mnist(root=tmp_path, split="train"), "train")
    (tmp_path / "t10k-images-idx3-ubyte.gz").unlink()
    tiny.write(tmp_path, NAMES[2:3], gzipped=False)
    tiny.check(*nn.data.mnist(root=str(tmp_path), split="test"), "test")


def test_shipped_slice_of_real_mnist(monkeypatch):
    """The first 20 images of each split, as published: known labels, checked bytes."""
    listed = dict(line.split()[::-1] for line in (SLICE / "SHA256SUMS").read_text().splitlines())
    assert sorted(listed) == sorted(GZ_NAMES)
    for name, expected in listed.items():
        data = (SLICE / name).read_bytes()
        assert sha256(data) == expected, f"{name} in {SLICE} is damaged"
        monkeypatch.setitem(mnist_files.MNIST_SHA256, name[:-3], sha256(gzip.decompress(data)))
    X, y = nn.data.mnist(root=SLICE, split="train")
    assert y.tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4, 3, 5, 3, 6, 1, 7, 2, 8, 6, 9]
    assert X.shape == (20, 784) and X.dtype == np.float32 and X.min() == 0.0 and X.max() == 1.0
    assert np.rint(X[:3].sum(axis=1) * 255).tolist() == [27525, 31095, 19443]
    X, y = nn.data.mnist(root=SLICE, split="test")
    assert y.tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0, 6, 9, 0, 1, 5, 9, 7, 3, 4]
    assert np.rint(X[:3].sum(axis=1) * 255).tolist() == [18454, 28850, 9871]
    assert "CC BY-SA 3.0" in (SLICE / "README.md").read_text()


def test_bad_split():
    with pytest.raises(ValueError, match="split must be 'train' or 'test', got 'validation'"):
        nn.data.mnist(split="validation")


# ----------------------------------------------------------------------------- damaged files


def damage(path, change):
    path.write_bytes(change(path.read_bytes()))


def flip_middle_byte(data):
    data = bytearray(data)
    data[len(data) // 2] ^= 0xFF
    return bytes(data)


@pytest.mark.parametrize("change, detail", [
    (flip_middle_byte, "bytes; gzip: "),                 # the gzip CRC (or inflate) catches it
    (lambda data: data[:-9], "bytes; gzip: "),           # truncated .gz
    (lambda data: b"", "(0 bytes; the SHA-256 of its IDX content is " + sha256(b"")),
])
def test_damaged_gzip_file_is_refused(tiny, tmp_path, change, detail):
    tiny.write(tmp_path)
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    damage(path, change)
    with pytest.raises(DatasetError, match="corrupted or truncated") as info:
        nn.data.mnist(root=tmp_path, split="test")
    message = str(info.value)
    assert f"mnist: {path} is corrupted or truncated (" in message and detail in message
    assert f"Delete it: mnist() downloads it again, or copy it again from {MNIST_MIRRORS[0]}" in message
    assert info.value.missing == ()


def test_damaged_gunzipped_file_is_refused_by_its_checksum(tiny, tmp_path):
    tiny.write(tmp_path, gzipped=False)
    path = tmp_path / "train-images-idx3-ubyte"
    damage(path, flip_middle_byte)
    expected = mnist_files.MNIST_SHA256["train-images-idx3-ubyte"]
    with pytest.raises(DatasetError, match=f"IDX content is {sha256(path.read_bytes())}, expected {expected}"):
        nn.data.mnist(root=tmp_path)


def test_a_gzip_file_never_inflates_past_the_largest_mnist_file(tiny, tmp_path, monkeypatch):
    tiny.write(tmp_path)
    monkeypatch.setattr(mnist_files, "MAX_IDX_BYTES", len(tiny.raw["train-images-idx3-ubyte"]) - 1)
    with pytest.raises(DatasetError, match="train-images-idx3-ubyte.gz is no MNIST file: it inflates to more"):
        nn.data.mnist(root=tmp_path)


@pytest.mark.parametrize("raw, message", [
    (b"\x00\x00\x0d\x01" + (3).to_bytes(4, "big") + bytes(12), r"is not an IDX file of unsigned bytes \(header 00000d01\)"),
    (b"\x00\x00\x08\x01" + (5).to_bytes(4, "big") + bytes(4), r"says its data has shape \(5,\) \(5 bytes\) but holds 4"),
    (b"\x00\x00", "is not an IDX file"),
])
def test_inconsistent_idx_header_is_refused(tiny, tmp_path, monkeypatch, raw, message):
    """A file that passes its checksum but is no IDX file (a wrong table) is still never returned as data."""
    tiny.raw["t10k-labels-idx1-ubyte"] = raw
    monkeypatch.setitem(mnist_files.MNIST_SHA256, "t10k-labels-idx1-ubyte", sha256(raw))
    tiny.write(tmp_path)
    with pytest.raises(DatasetError, match=message):
        nn.data.mnist(root=tmp_path, split="test")


def test_images_and_labels_must_pair_up(tiny, tmp_path, monkeypatch):
    raw = idx_bytes(np.arange(4))                    # 4 labels for 3 test images
    tiny.raw["t10k-labels-idx1-ubyte"] = raw
    monkeypatch.setitem(mnist_files.MNIST_SHA256, "t10k-labels-idx1-ubyte", sha256(raw))
    with pytest.raises(DatasetError, match=r"images of shape \(3, 28, 28\) and labels of shape \(4,\)"):
        nn.data.mnist(root=tiny.write(tmp_path), split="test")


# ----------------------------------------------------------------------------- missing files, wrong folders


def test_missing_files_are_all_listed_with_how_to_get_them(tmp_path):
    with pytest.raises(DatasetError) as info:
        nn.data.mnist(root=tmp_path, split="train", download=False)
    error = info.value
    assert error.missing == tuple(GZ_NAMES)
    assert error.line() == (
        f"mnist: missing from {tmp_path}: {', '.join(GZ_NAMES)} (download=False). Put the four .gz files "
        "(gunzipped copies work too) in a folder and pass root=DIR or set AUTOGRAD_LITE_DATA to that folder; "
        f"they are published at {MNIST_MIRRORS[0]}.")
    assert "--data DIR or set AUTOGRAD_LITE_DATA" in error.line(option="--data DIR")


def test_only_the_files_still_missing_are_listed(tiny, tmp_path):
    tiny.write(tmp_path, NAMES[:2])                      # the training split
    tiny.write(tmp_path, NAMES[2:3], gzipped=False)      # and the test images, gunzipped
    with pytest.raises(DatasetError) as info:
        nn.data.mnist(root=tmp_path, split="test", download=False)
    assert info.value.missing == ("t10k-labels-idx1-ubyte.gz",)
    assert "missing from" in str(info.value)
    tiny.check(*nn.data.mnist(root=tmp_path, split="train", download=False), "train")


def test_a_root_that_is_a_file_is_a_clear_error(tmp_path, monkeypatch):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(b"not a folder")
    with pytest.raises(DatasetError) as info:
        nn.data.mnist(root=path)
    assert info.value.line("--data DIR") == (f"mnist: {path} is a file, not a folder. Pass --data DIR or set "
                                             "AUTOGRAD_LITE_DATA with the folder that holds the MNIST files.")
    monkeypatch.setenv("AUTOGRAD_LITE_DATA", str(path))
    with pytest.raises(DatasetError, match=r"is a file, not a folder") as info:
        nn.data.mnist()
    assert f"{path} ($AUTOGRAD_LITE_DATA) is a file" in str(info.value)


def test_a_folder_that_cannot_be_created_is_a_clear_error(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    with pytest.raises(DatasetError, match=f"cannot create {blocker / 'mnist'} to download MNIST into"):
        nn.data.mnist(root=blocker / "mnist")


# ----------------------------------------------------------------------------- where it looks


def test_root_defaults_to_the_environment_variable(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOGRAD_LITE_DATA", str(tiny.write(tmp_path / "data")))
    tiny.check(*nn.data.mnist(split="test", download=False), "test")


def test_without_the_variable_root_is_the_cache_in_home(tiny, tmp_path, monkeypatch):
    cache = tmp_path / "home" / ".cache" / "autograd_lite" / "mnist"
    for unset in (lambda: monkeypatch.delenv("AUTOGRAD_LITE_DATA", raising=False), lambda: monkeypatch.setenv("AUTOGRAD_LITE_DATA", "")):
        unset()
        with pytest.raises(DatasetError) as info:
            nn.data.mnist(download=False)
        assert f"missing from {cache} (the default; $AUTOGRAD_LITE_DATA is not set)" in str(info.value)
    tiny.write(cache)
    tiny.check(*nn.data.mnist(download=False), "train")


def test_the_environment_variable_names_itself_in_messages(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOGRAD_LITE_DATA", str(tmp_path))
    with pytest.raises(DatasetError, match=rf"missing from {tmp_path} \(\$AUTOGRAD_LITE_DATA\): train-images"):
        nn.data.mnist(download=False)


# ----------------------------------------------------------------------------- downloading


class FakeMirrors:
    """Stands in for urllib.request.urlopen: each mirror is unreachable, damaged, truncated or good."""

    def __init__(self, tiny, *behaviours):
        self.tiny, self.behaviours, self.requested = tiny, dict(zip(MNIST_MIRRORS, behaviours)), []

    def __call__(self, url, timeout=None):
        self.requested.append(url)
        mirror, name = url.rsplit("/", 1)
        behaviour = self.behaviours[mirror + "/"]
        if behaviour == "unreachable":
            raise urllib.error.URLError("unreachable (test stub)")
        data = gz(self.tiny.raw[name.removesuffix(".gz")])
        return io.BytesIO({"good": data, "truncated": data[:len(data) // 2], "damaged": flip_middle_byte(data)}[behaviour])


def test_download_tries_mirrors_until_one_serves_the_right_content(tiny, tmp_path, monkeypatch, capsys):
    mirrors = FakeMirrors(tiny, "unreachable", "truncated", "good")
    monkeypatch.setattr(urllib.request, "urlopen", mirrors)
    cache = tmp_path / "new" / "cache"
    tiny.check(*nn.data.mnist(root=cache, split="test"), "test")
    assert sorted(p.name for p in cache.iterdir()) == GZ_NAMES[2:]  # only the split asked for
    assert len(mirrors.requested) == 6  # three mirrors for each of the two files
    assert capsys.readouterr().err.splitlines() == [
        f"mnist: downloaded {MNIST_MIRRORS[2]}{name} ({len(gz(tiny.raw[name[:-3]])):,} bytes) into {cache}"
        for name in GZ_NAMES[2:]]
    mirrors.requested.clear()
    nn.data.mnist(root=cache, split="test")  # there now: no download
    assert mirrors.requested == []


def test_failed_download_lists_every_missing_file_and_every_attempt(tiny, tmp_path, monkeypatch):
    monkeypatch.setattr(urllib.request, "urlopen", FakeMirrors(tiny, "unreachable", "damaged", "unreachable"))
    with pytest.raises(DatasetError) as info:
        nn.data.mnist(root=tmp_path, split="test")
    error = info.value
    assert error.missing == tuple(GZ_NAMES)
    line = error.line("--data DIR")
    assert "\n" not in line
    assert line.startswith(f"mnist: missing from {tmp_path}: {', '.join(GZ_NAMES)} (downloading failed: "
                           "<urlopen error unreachable (test stub)>; served a damaged file (mnist: ")
    assert "pass --data DIR or set AUTOGRAD_LITE_DATA" in line
    assert len(error.details) == 6 and str(error).count("\n") == 6
    assert all(f"{mirror}{name}: " in str(error) for mirror in MNIST_MIRRORS for name in GZ_NAMES[2:])
    assert list(tmp_path.iterdir()) == []  # nothing half-written


# ----------------------------------------------------------------------------- the full files (skip without them)

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
MEAN_PIXEL = {"train": 33.3184, "test": 33.7912}  # on the 0-255 scale, from the dataset's SOURCE.md


@pytest.mark.parametrize("split, n, counts", [("train", 60000, TRAIN_COUNTS), ("test", 10000, TEST_COUNTS)])
def test_full_files(full_mnist, split, n, counts):
    X, y = full_mnist[split]
    assert X.shape == (n, 784) and X.dtype == np.float32
    assert y.shape == (n,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_allclose(X.mean(dtype=np.float64) * 255, MEAN_PIXEL[split], atol=5e-5)
    assert np.bincount(y, minlength=10).tolist() == counts


def test_shipped_slice_is_the_start_of_the_full_files(full_mnist, monkeypatch):
    for name in GZ_NAMES:
        monkeypatch.setitem(mnist_files.MNIST_SHA256, name[:-3], sha256(gzip.decompress((SLICE / name).read_bytes())))
    for split in ("train", "test"):
        X, y = nn.data.mnist(root=SLICE, split=split)
        np.testing.assert_array_equal(X, full_mnist[split][0][:20])
        np.testing.assert_array_equal(y, full_mnist[split][1][:20])
