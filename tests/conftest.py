"""Fixtures for every test folder."""
import numpy as np
import pytest

import nn


@pytest.fixture(scope="session")
def full_mnist() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Both splits of the full MNIST ({"train": (X, y), "test": (X, y)}), read where nn.data.mnist
    looks ($AUTOGRAD_LITE_DATA, then ~/.cache/autograd_lite/mnist) and never downloaded.

    Missing files skip the test; damaged ones fail it.
    """
    try:
        return {split: nn.data.mnist(split=split, download=False) for split in ("train", "test")}
    except nn.data.DatasetError as error:
        if not error.missing:
            raise
        pytest.skip(f"needs the full MNIST files ({len(error.missing)} missing where nn.data.mnist looks); "
                    "set AUTOGRAD_LITE_DATA to a folder holding the four")
