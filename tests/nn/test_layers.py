"""Linear: shapes, PyTorch's weight layout, initialisation bounds, gradients, dtypes."""
import numpy as np
import pytest

import autograd_lite as ag
import nn


def test_parameter_shapes_and_names():
    layer = nn.Linear(5, 3)
    assert layer.weight.shape == (3, 5) and layer.bias.shape == (3,)
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    assert repr(layer) == "Linear(in_features=5, out_features=3, bias=True)"
    assert layer.scope_label() == "Linear(5→3)"


@pytest.mark.parametrize("input_shape, output_shape", [((4, 5), (4, 3)), ((5,), (3,)), ((2, 4, 5), (2, 4, 3))])
def test_output_is_x_times_weight_transposed_plus_bias(input_shape, output_shape):
    layer = nn.Linear(5, 3)
    x = np.random.default_rng(0).normal(size=input_shape)
    out = layer(ag.tensor(x))
    assert out.shape == output_shape
    np.testing.assert_allclose(out.data, x @ layer.weight.data.T + layer.bias.data, rtol=1e-12)


def test_wrong_input_width_names_the_layer_and_shape():
    with pytest.raises(ValueError, match=r"Linear\(5→3\): expected inputs with 5 features in the last axis, "
                                         r"got shape \(4, 6\)"):
        nn.Linear(5, 3)(ag.zeros(4, 6))


def test_weights_in_pytorch_layout_load_unchanged():
    # A PyTorch Linear(2, 3) stores weight[j, i] = weight from input i to output j.
    weight = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, -1.0]])
    layer = nn.Linear(2, 3)
    layer.load_state_dict({"weight": weight, "bias": np.array([0.5, 0.0, -0.5])})
    np.testing.assert_array_equal(layer(ag.tensor([[3.0, 4.0]])).data, [[3.5, 8.0, -1.5]])


def test_without_bias():
    layer = nn.Linear(4, 2, bias=False)
    assert layer.bias is None and [name for name, _ in layer.named_parameters()] == ["weight"]
    x = np.ones((3, 4))
    np.testing.assert_allclose(layer(ag.tensor(x)).data, x @ layer.weight.data.T)
    assert repr(layer).endswith("bias=False)")


def test_default_init_is_uniform_within_one_over_sqrt_fan_in():
    ag.manual_seed(0)
    layer = nn.Linear(400, 300)
    bound = 1 / np.sqrt(400)
    for values in (layer.weight.data, layer.bias.data):
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.95 * bound  # spread over the whole interval, not a narrower one
    # U(-b, b) has mean 0 and standard deviation b / sqrt(3) (120,000 samples: tight)
    assert abs(layer.weight.data.mean()) < 0.01 * bound
    np.testing.assert_allclose(layer.weight.data.std(), bound / np.sqrt(3), rtol=0.01)


def test_init_is_reproducible_with_manual_seed():
    ag.manual_seed(42)
    first = nn.Linear(6, 4)
    ag.manual_seed(42)
    second = nn.Linear(6, 4)
    third = nn.Linear(6, 4)
    np.testing.assert_array_equal(first.weight.data, second.weight.data)
    np.testing.assert_array_equal(first.bias.data, second.bias.data)
    assert not np.array_equal(second.weight.data, third.weight.data)


def test_gradcheck_input_weight_and_bias():
    layer = nn.Linear(4, 3)
    x = ag.tensor(np.random.default_rng(1).normal(size=(5, 4)), requires_grad=True)
    w = np.random.default_rng(2).normal(size=(5, 3))
    assert ag.gradcheck(lambda x, weight, bias: (layer(x) * w).sum(), x, layer.weight, layer.bias)


def test_float32_layer_stays_float32():
    layer = nn.Linear(4, 3, dtype=np.float32)
    x = ag.tensor(np.ones((2, 4), dtype=np.float32))
    out = layer(x)
    out.sum().backward()
    assert layer.weight.dtype == out.dtype == layer.weight.grad.dtype == layer.bias.grad.dtype == np.float32


def test_default_dtype_is_followed():
    previous = ag.get_default_dtype()
    ag.set_default_dtype(np.float32)
    try:
        assert nn.Linear(3, 2).weight.dtype == np.float32
    finally:
        ag.set_default_dtype(previous)
    assert nn.Linear(3, 2).weight.dtype == previous
