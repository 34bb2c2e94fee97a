"""Linear, Embedding, Flatten, Identity: shapes, PyTorch's layouts, initialisation, gradients, dtypes, bad input."""
import numpy as np
import pytest

import autograd_lite as ag
import nn

F = nn.functional


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


# ----------------------------------------------------------------------------- Linear: bad sizes and inputs


@pytest.mark.parametrize("args", [(2.5, 3), (2, 3.0), ("2", 3)])
def test_non_integer_sizes_are_a_type_error(args):
    with pytest.raises(TypeError, match="Linear: (in|out)_features must be an integer"):
        nn.Linear(*args)
    with pytest.raises(ValueError, match="Linear: in_features must be non-negative, got -1"):
        nn.Linear(-1, 3)


def test_zero_input_features_give_an_empty_weight_and_the_bias():
    layer = nn.Linear(0, 2)
    assert layer.weight.shape == (2, 0) and layer.bias.shape == (2,)
    np.testing.assert_array_equal(layer.bias.data, [0.0, 0.0])  # PyTorch: bound 0 when fan_in is 0
    layer.bias.data[...] = [1.5, -2.0]
    out = layer(ag.zeros(4, 0))
    assert out.shape == (4, 2)
    np.testing.assert_array_equal(out.data, np.tile([1.5, -2.0], (4, 1)))
    assert nn.Linear(2, 0)(ag.ones(3, 2)).shape == (3, 0)


def test_python_lists_are_refused_with_the_layer_named():
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh())
    with pytest.raises(TypeError, match=r"Linear\(2→3\): expected a Tensor as input, got list; convert it first"):
        model([[1.0, 2.0]])
    with pytest.raises(TypeError, match=r"Linear\(2→3\): expected a Tensor as input, got float"):
        model[0](1.0)
    np.testing.assert_array_equal(model(np.ones((1, 2))).data, model(ag.ones(1, 2)).data)  # NumPy arrays work


# ----------------------------------------------------------------------------- Embedding


def test_embedding_looks_up_rows_in_pytorchs_layout():
    ag.manual_seed(0)
    table = nn.Embedding(10, 3)
    assert table.weight.shape == (10, 3) and list(table.state_dict()) == ["weight"]
    assert repr(table) == "Embedding(10, 3)" and table.scope_label() == "Embedding(10, 3)"
    indices = np.array([[1, 2, 4, 5], [4, 3, 2, 9]])
    out = table(ag.tensor(indices))
    assert out.shape == (2, 4, 3)
    np.testing.assert_array_equal(out.data, table.weight.data[indices])
    np.testing.assert_array_equal(table(indices).data, out.data)  # an integer array works too


def test_embedding_init_is_standard_normal():
    ag.manual_seed(1)
    values = nn.Embedding(1000, 100).weight.data
    assert abs(values.mean()) < 0.01 and abs(values.std() - 1) < 0.01


def test_embedding_gradient_adds_up_repeated_indices_and_gradchecks():
    table = nn.Embedding(5, 2)
    indices = np.array([[0, 3, 3], [3, 1, 0]])
    w = np.random.default_rng(0).normal(size=(2, 3, 2))
    (table(indices) * w).sum().backward()
    expected = np.zeros((5, 2))
    np.add.at(expected, indices, w)
    np.testing.assert_allclose(table.weight.grad.data, expected, rtol=1e-15)
    assert ag.gradcheck(lambda weight: (F.embedding(indices, weight) * w).sum(), table.weight)


def test_padding_row_starts_at_zero_and_gets_no_gradient():
    table = nn.Embedding(6, 2, padding_idx=-2)  # stored as 4, as PyTorch does
    assert table.padding_idx == 4 and repr(table) == "Embedding(6, 2, padding_idx=4)"
    np.testing.assert_array_equal(table.weight.data[4], [0.0, 0.0])
    table.weight.data[4] = [7.0, 8.0]  # its value is still what a lookup gives
    indices = np.array([4, 1, 4, 2])
    out = table(indices)
    np.testing.assert_array_equal(out.data[0], [7.0, 8.0])
    out.sum().backward()
    np.testing.assert_array_equal(table.weight.grad.data, [[0, 0], [1, 1], [1, 1], [0, 0], [0, 0], [0, 0]])


def test_embedding_errors_name_the_layer_and_the_range():
    table = nn.Embedding(10, 3)
    with pytest.raises(IndexError, match=r"Embedding\(10, 3\): index 10 is out of range: indices must lie in \[0, 10\)"):
        table(ag.tensor([[1, 10]]))
    with pytest.raises(IndexError, match=r"Embedding\(10, 3\): index -1 is out of range"):
        table(ag.tensor([-1, 2]))  # NumPy would silently take the last row
    with pytest.raises(TypeError, match=r"Embedding\(10, 3\): indices must be integers, got dtype float64"):
        table(ag.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"Embedding\(10, 3\): expected a Tensor as input, got list"):
        table([1, 2])
    with pytest.raises(IndexError, match=r"embedding: index 5 is out of range: indices must lie in \[0, 5\)"):
        F.embedding(np.array([5]), ag.zeros(5, 2))
    with pytest.raises(ValueError, match=r"Embedding: padding_idx must lie in \[-10, 10\), got 10"):
        nn.Embedding(10, 3, padding_idx=10)
    with pytest.raises(TypeError, match="Embedding: embedding_dim must be an integer"):
        nn.Embedding(10, 2.5)
    assert table(np.zeros((0,), dtype=np.int64)).shape == (0, 3)


def test_one_hot_as_pytorch():
    out = F.one_hot(ag.tensor([0, 2, 1]))
    assert out.dtype == np.int64 and out.shape == (3, 3)
    np.testing.assert_array_equal(out.data, np.eye(3, dtype=np.int64)[[0, 2, 1]])
    np.testing.assert_array_equal(F.one_hot(np.array([[1], [0]]), num_classes=4).data,
                                  [[[0, 1, 0, 0]], [[1, 0, 0, 0]]])
    with pytest.raises(ValueError, match="one_hot: class values must be smaller than num_classes=2, got 2"):
        F.one_hot(np.array([0, 2]), 2)
    with pytest.raises(ValueError, match="one_hot: class values must be non-negative, got -1"):
        F.one_hot(np.array([0, -1]))
    with pytest.raises(TypeError, match="one_hot: expected integer class labels, got dtype float64"):
        F.one_hot(np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="one_hot: cannot infer num_classes from an empty tensor"):
        F.one_hot(np.zeros(0, dtype=np.int64))


# ----------------------------------------------------------------------------- Flatten and Identity


@pytest.mark.parametrize("start_dim, end_dim, expected", [(1, -1, (2, 60)), (0, -1, (120,)), (1, 2, (2, 12, 5)),
                                                          (-2, -1, (2, 3, 20))])
def test_flatten_merges_axes_like_pytorch(start_dim, end_dim, expected):
    x = ag.tensor(np.arange(120.0).reshape(2, 3, 4, 5), requires_grad=True)
    layer = nn.Flatten() if (start_dim, end_dim) == (1, -1) else nn.Flatten(start_dim, end_dim)
    out = layer(x)
    assert out.shape == expected
    np.testing.assert_array_equal(out.data, x.data.reshape(expected))
    w = np.random.default_rng(0).normal(size=expected)
    assert ag.gradcheck(lambda x: (layer(x) * w).sum(), x)
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"


def test_identity_returns_its_input_and_ignores_arguments():
    layer = nn.Identity(54, unused="argument")
    x = ag.randn(2, 3)
    assert layer(x) is x and repr(layer) == "Identity()" and list(layer.parameters()) == []
