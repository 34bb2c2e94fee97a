"""nn.init: distributions, PyTorch's bounds, fan computation, seeding, dtypes."""
import math

import numpy as np
import pytest

import autograd_lite as ag
import nn


def empty(*shape, dtype=np.float64):
    return nn.Parameter(np.zeros(shape, dtype=dtype))


def assert_uniform(values, low, high):
    """Inside [low, high], reaching both ends, with the uniform mean and spread."""
    assert values.min() >= low and values.max() <= high
    width = high - low
    assert values.min() < low + 0.01 * width and values.max() > high - 0.01 * width
    np.testing.assert_allclose(values.mean(), (low + high) / 2, atol=0.02 * width)
    np.testing.assert_allclose(values.std(), width / math.sqrt(12), rtol=0.02)


def test_uniform_and_normal_fill_in_place_and_return_the_tensor():
    ag.manual_seed(0)
    t = empty(200, 100)
    data = t.data
    assert nn.init.uniform_(t, -2.0, 3.0) is t and t.data is data
    assert_uniform(t.data, -2.0, 3.0)
    nn.init.normal_(t, mean=1.5, std=0.5)
    np.testing.assert_allclose(t.data.mean(), 1.5, atol=0.01)
    np.testing.assert_allclose(t.data.std(), 0.5, rtol=0.02)


def test_zeros():
    t = nn.init.zeros_(nn.Parameter(np.ones((3, 2))))
    np.testing.assert_array_equal(t.data, np.zeros((3, 2)))


def test_xavier_uniform_bound():
    ag.manual_seed(1)
    t = nn.init.xavier_uniform_(empty(300, 200), gain=2.0)
    bound = 2.0 * math.sqrt(6 / (200 + 300))
    assert_uniform(t.data, -bound, bound)


@pytest.mark.parametrize("mode, fan", [("fan_in", 200), ("fan_out", 300)])
def test_kaiming_uniform_bound(mode, fan):
    ag.manual_seed(2)
    t = nn.init.kaiming_uniform_(empty(300, 200), mode=mode, nonlinearity="relu")
    bound = math.sqrt(2) * math.sqrt(3 / fan)
    assert_uniform(t.data, -bound, bound)


def test_kaiming_default_is_leaky_relu_with_slope_a():
    ag.manual_seed(3)
    t = nn.init.kaiming_uniform_(empty(100, 400), a=math.sqrt(5))
    # PyTorch's Linear default: gain sqrt(2 / (1 + 5)), so the bound is 1 / sqrt(fan_in)
    assert_uniform(t.data, -1 / 20, 1 / 20)


def test_fans_of_convolution_shaped_weights_and_vectors():
    ag.manual_seed(4)
    t = nn.init.xavier_uniform_(empty(8, 4, 3, 3))  # fan_in 4*9, fan_out 8*9
    assert np.abs(t.data).max() <= math.sqrt(6 / (36 + 72))
    with pytest.raises(ValueError, match=r"at least 2 dimensions, got shape \(5,\)"):
        nn.init.xavier_uniform_(empty(5))


def test_calculate_gain_table():
    assert nn.init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert nn.init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert nn.init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    with pytest.raises(ValueError, match="unknown nonlinearity 'swish'"):
        nn.init.calculate_gain("swish")


def test_seeded_through_manual_seed_and_dtype_kept():
    results = []
    for _ in range(2):
        ag.manual_seed(7)
        t = empty(4, 5, dtype=np.float32)
        nn.init.normal_(t)
        nn.init.kaiming_uniform_(t)
        results.append(t.data.copy())
    np.testing.assert_array_equal(*results)
    assert results[0].dtype == np.float32
