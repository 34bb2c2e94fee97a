"""Tensor construction, attributes, conversions, dtypes (default and float32), factories, manual_seed."""
import numpy as np
import pytest

import autograd_lite as ag

# --------------------------------------------------------------------------- construction and attributes


def test_construction_follows_numpy_dtype_rules():
    assert ag.tensor([1.0, 2.0]).dtype == np.float64
    assert ag.tensor(1.5).dtype == np.float64
    assert ag.tensor([1, 2]).dtype == np.int64
    assert ag.tensor([True, False]).dtype == np.bool_
    assert ag.tensor(np.float32(1.5)).dtype == np.float32
    assert ag.Tensor([1, 2], dtype=np.float32).dtype == np.float32
    np.testing.assert_array_equal(ag.Tensor([[1, 2]], dtype=np.float64).data, [[1.0, 2.0]])


def test_an_existing_array_is_copied_and_keeps_its_dtype():
    """ag.tensor and ag.Tensor copy, as torch.tensor does; from_numpy and as_tensor share."""
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = ag.tensor(array, requires_grad=True)
    assert t.dtype == np.float32 and not np.shares_memory(t.data, array)
    np.testing.assert_array_equal(t.data, array)
    assert not np.shares_memory(ag.Tensor(t).data, t.data)  # from another tensor: a copy too
    assert not np.shares_memory(ag.Tensor(array.T).data, array) and ag.Tensor(array.T).data.flags.c_contiguous
    assert t.numpy() is t.data
    assert ag.from_numpy(array).data is array and ag.as_tensor(array).data is array


def test_an_optimizer_step_leaves_the_callers_array_alone():
    """torch.tensor copies: before, ag.tensor(start) shared `start`, and SGD rewrote it silently."""
    import nn

    start = np.array([1.0, -2.0, 3.0])
    w = ag.tensor(start, requires_grad=True)
    optimizer = nn.optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    optimizer.step()
    np.testing.assert_array_equal(start, [1.0, -2.0, 3.0])
    np.testing.assert_allclose(w.data, start * (1 - 0.2))


def test_attributes(leaf):
    x = ag.tensor(np.zeros((2, 3, 4)), requires_grad=True, name="x")
    assert x.shape == (2, 3, 4) and x.ndim == 3 and x.size == 24 and x.dtype == np.float64
    assert x.is_leaf and x.grad_fn is None and x.grad is None and x.requires_grad
    assert x.name == "x"
    assert x.T.shape == (4, 3, 2)
    y = x * 2
    assert not y.is_leaf and y.grad_fn.op == "mul" and y.name is None
    y.name = "doubled"
    assert y.name == "doubled"
    assert ag.tensor([1.0]).requires_grad is False


def test_python_conversions():
    x = ag.tensor([[2.5]])
    assert x.item() == 2.5 and isinstance(x.item(), float)
    assert float(x) == 2.5 and int(ag.tensor(3.0)) == 3
    assert bool(ag.tensor(1.0)) and not bool(ag.tensor(0.0))
    assert len(ag.tensor([1.0, 2.0, 3.0])) == 3
    np.testing.assert_array_equal(np.asarray(ag.tensor([1.0, 2.0])), [1.0, 2.0])


def test_repr_shows_data_and_graph_information():
    leaf = ag.tensor([1.0, 2.0], requires_grad=True)
    assert repr(leaf) == "tensor([1., 2.], requires_grad=True)"
    assert repr(ag.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    y = leaf.sum()
    assert repr(y) == "tensor(3., grad_fn=<sum>)"
    text = repr(ag.tensor(np.array([0.5], np.float32), name="w"))
    assert "0.5" in text and "dtype=float32" in text and "'w'" in text


# --------------------------------------------------------------------------- dtypes


def test_default_dtype_is_float64():
    assert ag.get_default_dtype() == np.float64
    assert ag.zeros(2).dtype == ag.randn(2).dtype == ag.tensor([0.5]).dtype == np.float64


def test_set_default_dtype_float32_affects_python_floats_and_factories(float32_default):
    assert ag.get_default_dtype() == np.float32
    assert ag.tensor(1.0).dtype == np.float32
    assert ag.tensor([[1.0, 2.0]]).dtype == np.float32
    for factory in (ag.zeros, ag.ones, ag.rand, ag.randn):
        assert factory(2, 3).dtype == np.float32, factory.__name__
    assert ag.full((2,), 1.5).dtype == np.float32
    assert ag.eye(2).dtype == np.float32
    assert ag.arange(0.0, 1.0, 0.5).dtype == np.float32
    # what is not a Python float keeps its dtype
    assert ag.tensor(np.ones(2)).dtype == np.float64
    assert ag.tensor([1, 2]).dtype == np.int64
    assert ag.arange(3).dtype.kind == "i"
    assert ag.zeros(2, dtype=np.float64).dtype == np.float64


def test_default_float32_model_computes_and_differentiates_in_float32(float32_default):
    ag.manual_seed(0)
    w = ag.randn(3, 2, requires_grad=True)
    x = ag.tensor([[0.5, -1.0, 2.0]])
    loss = ((x @ w).tanh() * 0.5 + 1.0).log().mean()
    assert loss.dtype == np.float32
    loss.backward()
    assert w.grad.dtype == np.float32


def test_set_default_dtype_rejects_non_floats():
    with pytest.raises(TypeError, match="int32"):
        ag.set_default_dtype(np.int32)
    assert ag.get_default_dtype() == np.float64


def test_python_scalars_keep_float32():
    x = ag.tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    for y in (x * 2.0, 2.0 * x, x + 1, x - 0.5, 1.0 / x, x**2.0, 2.0**x, x / 3):
        assert y.dtype == np.float32
    (x * 2.0 + 1.0).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, np.array([2.0, 2.0], np.float32))


def test_integer_tensors_with_python_numbers():
    n = ag.tensor([1, 2, 3])
    assert (n * 2).dtype == np.int64 and (n + True).dtype == np.int64
    half = n * 0.5  # a Python float makes a float result, not a truncated 0
    assert half.dtype.kind == "f"
    np.testing.assert_array_equal(half.data, [0.5, 1.0, 1.5])
    np.testing.assert_array_equal((n / 2).data, [0.5, 1.0, 1.5])
    np.testing.assert_array_equal((2.5 - n).data, [1.5, 0.5, -0.5])


def test_float32_model_gradients_stay_float32_and_match_float64(rng):
    def model_loss(params, x, y):
        w1, b1, w2, b2 = params
        hidden = (x @ w1 + b1).tanh()
        p = (hidden @ w2 + b2).sigmoid()
        return -(y * p.log() + (1 - y) * (1 - p).log()).mean()

    values = [rng.standard_normal((3, 4)), rng.standard_normal(4), rng.standard_normal((4, 1)), rng.standard_normal(1)]
    x, y = rng.standard_normal((8, 3)), (rng.uniform(size=(8, 1)) > 0.5).astype(float)
    grads = {}
    for dtype in (np.float32, np.float64):
        params = [ag.tensor(v.astype(dtype), requires_grad=True) for v in values]
        loss = model_loss(params, ag.tensor(x.astype(dtype)), ag.tensor(y.astype(dtype)))
        assert loss.dtype == dtype
        loss.backward()
        assert all(p.grad.dtype == dtype for p in params)
        grads[dtype] = [p.grad.data for p in params]
    for g32, g64 in zip(grads[np.float32], grads[np.float64]):
        np.testing.assert_allclose(g32, g64, rtol=1e-4, atol=1e-6)


# --------------------------------------------------------------------------- factories and the seed


@pytest.mark.parametrize("factory, fill", [(ag.zeros, 0.0), (ag.ones, 1.0)])
def test_zeros_and_ones(factory, fill):
    for t in (factory(2, 3), factory((2, 3))):
        assert t.shape == (2, 3) and t.dtype == np.float64
        np.testing.assert_array_equal(t.data, np.full((2, 3), fill))
    assert factory(3, requires_grad=True).requires_grad
    assert factory(2, dtype=np.float32).dtype == np.float32


def test_full_like_eye_arange():
    np.testing.assert_array_equal(ag.full((2, 2), 7.5).data, [[7.5, 7.5], [7.5, 7.5]])
    assert ag.full(3, 2).dtype.kind == "i"
    x = ag.tensor(np.ones((2, 3), np.float32))
    for like in (ag.zeros_like(x), ag.ones_like(x)):
        assert like.shape == (2, 3) and like.dtype == np.float32
    np.testing.assert_array_equal(ag.ones_like(x, dtype=np.float64).data, np.ones((2, 3)))
    np.testing.assert_array_equal(ag.zeros_like(x).data, np.zeros((2, 3)))
    np.testing.assert_array_equal(ag.eye(3).data, np.eye(3))
    np.testing.assert_array_equal(ag.eye(2, 3).data, np.eye(2, 3))
    np.testing.assert_array_equal(ag.arange(4).data, [0, 1, 2, 3])
    np.testing.assert_array_equal(ag.arange(1, 7, 2).data, [1, 3, 5])
    np.testing.assert_array_equal(ag.arange(0.0, 1.0, 0.25).data, [0.0, 0.25, 0.5, 0.75])
    assert ag.arange(3, dtype=np.float64).dtype == np.float64
    assert ag.eye(2, requires_grad=True).requires_grad


def test_random_factories_shapes_ranges_and_statistics():
    ag.manual_seed(1)
    uniform = ag.rand(200, 50)
    assert uniform.shape == (200, 50) and uniform.dtype == np.float64
    assert 0.0 <= uniform.data.min() and uniform.data.max() < 1.0
    assert abs(uniform.data.mean() - 0.5) < 0.02
    normal = ag.randn((200, 50))
    assert abs(normal.data.mean()) < 0.05 and abs(normal.data.std() - 1.0) < 0.05
    assert ag.randn(2, dtype=np.float32).dtype == np.float32
    assert ag.rand(2, requires_grad=True).requires_grad


def test_manual_seed_makes_runs_reproducible():
    ag.manual_seed(42)
    first = (ag.randn(3, 2).data, ag.rand(4).data)
    ag.manual_seed(42)
    second = (ag.randn(3, 2).data, ag.rand(4).data)
    ag.manual_seed(43)
    other = ag.randn(3, 2).data
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert not np.array_equal(first[0], other)
    assert not np.array_equal(first[0][:, 0], first[0][:, 1])  # the generator advances within a run
