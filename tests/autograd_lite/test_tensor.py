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


@pytest.mark.parametrize("shape", [(0,), (0, 3), (2, 0, 4)], ids=str)
def test_repr_of_an_empty_tensor_shows_its_shape(shape):
    assert repr(ag.zeros(shape)) == f"tensor([], shape={shape})"
    assert repr(ag.zeros(shape, requires_grad=True)) == f"tensor([], shape={shape}, requires_grad=True)"


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


# --------------------------------------------------------------------------- PyTorch's dtype names and conversions


def test_dtype_names_are_numpy_dtypes():
    assert ag.float32 == np.float32 and ag.float64 == np.float64 and ag.float16 == np.float16
    assert ag.int32 == np.int32 and ag.int64 == np.int64 and ag.bool == np.bool_
    assert ag.float is ag.float32 and ag.double is ag.float64 and ag.half is ag.float16
    assert ag.long is ag.int64 and ag.int is ag.int32 and ag.short is ag.int16
    x = ag.zeros(2, dtype=ag.float32)
    assert x.dtype == np.float32 and x.dtype is ag.float32 and x.dtype == ag.float


@pytest.mark.parametrize("method, dtype", [("float", np.float32), ("double", np.float64), ("half", np.float16),
                                           ("long", np.int64), ("int", np.int32), ("bool", np.bool_)])
def test_conversion_methods(method, dtype):
    x = ag.tensor([0.0, 1.5, -2.0])
    out = getattr(x, method)()
    assert out.dtype == dtype
    np.testing.assert_array_equal(out.data, x.data.astype(dtype))
    assert getattr(out, method)() is out  # already in that dtype: the tensor itself, as PyTorch


def test_float_conversions_are_differentiable_and_integer_ones_carry_no_gradient(leaf, check):
    x = leaf((2, 3), "normal")
    check(lambda x: x.double() ** 2, leaf((2, 3), "normal", np.float32))
    (x.float() * 2).sum().backward()  # float32 results round the oracle's nudges: closed forms here
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.data, np.full((2, 3), 2.0))
    x.grad = None
    (x.type_as(ag.zeros(1, dtype=ag.float32)) * x.to(ag.float32)).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * x.data, rtol=1e-6)
    assert not x.long().requires_grad and x.long().grad_fn is None


def test_to_takes_a_dtype_a_tensor_or_the_cpu():
    x = ag.tensor([1.0, 2.0])
    assert x.to(ag.float32).dtype == np.float32 and x.to(dtype=np.int64).dtype == np.int64
    assert x.to(ag.zeros(1, dtype=ag.float16)).dtype == np.float16
    assert x.to("cpu") is x and x.to("cpu", ag.float32).dtype == np.float32 and x.to(device="cpu:0") is x
    assert x.cpu() is x and x.to(x.dtype) is x
    copy = x.to(x.dtype, copy=True)
    assert copy is not x and not np.shares_memory(copy.data, x.data)
    with pytest.raises(ValueError, match="to: autograd_lite computes with NumPy on the CPU only, got device 'cuda'"):
        x.to("cuda")


# --------------------------------------------------------------------------- size, numel, dim, tolist


def test_size_is_the_element_count_and_callable_as_pytorchs():
    x = ag.zeros(2, 3, 4)
    assert x.size == 24 and isinstance(x.size, int) and x.size + 1 == 25  # NumPy's meaning
    assert x.size() == (2, 3, 4) and x.size(0) == 2 and x.size(-1) == 4  # PyTorch's
    assert ag.tensor(5.0).size == 1 and ag.tensor(5.0).size() == ()
    with pytest.raises(IndexError, match=r"size: dimension 3 is out of range for a tensor of shape \(2, 3, 4\)"):
        x.size(3)
    assert x.numel() == 24 and x.dim() == 3 and isinstance(x.numel(), int)


def test_tolist_and_is_floating_point():
    assert ag.tensor([[1.0, 2.0], [3.0, 4.0]]).tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert ag.tensor(3).tolist() == 3 and isinstance(ag.tensor([1, 2]).tolist()[0], int)
    assert ag.ones(2).is_floating_point() and not ag.tensor([1, 2]).is_floating_point()


# --------------------------------------------------------------------------- sharing memory, and the new factories


def test_from_numpy_and_as_tensor_share_memory():
    array = np.zeros(3)
    shared = ag.from_numpy(array)
    array[0] = 5.0
    shared.data[1] = 7.0
    np.testing.assert_array_equal(shared.data, [5.0, 7.0, 0.0])
    np.testing.assert_array_equal(array, [5.0, 7.0, 0.0])
    assert ag.as_tensor(array).data is array and not ag.as_tensor(array).requires_grad
    t = ag.tensor([1.0, 2.0], requires_grad=True)
    assert ag.as_tensor(t) is t and ag.as_tensor(t, dtype=np.float64) is t
    converted = ag.as_tensor(t, dtype=ag.float32)
    assert converted.dtype == np.float32 and converted.grad_fn is not None  # as t.to(float32): in the graph
    assert ag.as_tensor(array, dtype=ag.float32).dtype == np.float32
    assert ag.as_tensor([1.0, 2.0]).dtype == np.float64
    with pytest.raises(TypeError, match="from_numpy: expected a NumPy array, got list"):
        ag.from_numpy([1.0, 2.0])


def test_is_tensor():
    import nn

    assert ag.is_tensor(ag.zeros(1)) and ag.is_tensor(nn.Parameter(np.zeros(1)))
    assert not ag.is_tensor(np.zeros(1)) and not ag.is_tensor(1.0)


def test_empty_and_like_factories():
    x = ag.tensor(np.ones((2, 3), np.float32))
    assert ag.empty(2, 3).shape == (2, 3) and ag.empty((4,), dtype=ag.int64).dtype == np.int64
    assert ag.empty_like(x).shape == (2, 3) and ag.empty_like(x).dtype == np.float32
    np.testing.assert_array_equal(ag.full_like(x, 2.5).data, np.full((2, 3), 2.5, np.float32))
    assert ag.full_like(x, 2.5).dtype == np.float32 and ag.full_like(x, 1, dtype=ag.int64).dtype == np.int64
    ag.manual_seed(3)
    for like in (ag.rand_like(x), ag.randn_like(x, requires_grad=True)):
        assert like.shape == (2, 3) and like.dtype == np.float32
    assert ag.randn_like(x, requires_grad=True).requires_grad
    assert 0 <= ag.rand_like(x).data.min() and ag.rand_like(x).data.max() < 1
    with pytest.raises(TypeError, match="rand: random floats need a floating-point dtype, got int64"):
        ag.rand_like(ag.tensor([1, 2]))
    integers = ag.randint_like(x, 3, 6)
    assert integers.dtype == np.float32 and set(np.unique(integers.data)) <= {3.0, 4.0, 5.0}


def test_randint_and_linspace():
    ag.manual_seed(0)
    values = ag.randint(0, 10, (200,))
    assert values.dtype == np.int64 and values.shape == (200,)
    assert values.data.min() >= 0 and values.data.max() <= 9 and len(np.unique(values.data)) == 10
    assert set(np.unique(ag.randint(3, (50, 2)).data)) == {0, 1, 2}  # randint(high, size)
    assert ag.randint(5, 7, 4, dtype=ag.int32).dtype == np.int32
    with pytest.raises(TypeError, match="randint: give the size"):
        ag.randint(10)
    with pytest.raises(TypeError, match="requires_grad"):
        ag.randint(0, 3, (2,), requires_grad=True)
    ag.manual_seed(5)
    first = ag.randint(0, 100, (5,)).data
    ag.manual_seed(5)
    np.testing.assert_array_equal(ag.randint(0, 100, (5,)).data, first)
    np.testing.assert_allclose(ag.linspace(0, 1, 5).data, [0.0, 0.25, 0.5, 0.75, 1.0])
    assert ag.linspace(-1, 1, 3, dtype=ag.float32).dtype == np.float32 and ag.linspace(0, 1, 2).dtype == np.float64
    assert ag.linspace(0, 1, 4, requires_grad=True).requires_grad


def test_tensor_copies_array_likes_that_as_tensor_shares():
    values = np.arange(3.0)
    buffer = memoryview(values)  # np.asarray(buffer) would share values' memory
    assert not np.shares_memory(ag.tensor(buffer).data, values)
    assert np.shares_memory(ag.as_tensor(buffer).data, values)
    assert not np.shares_memory(np.array(ag.from_numpy(values)), values)  # np.array copies a Tensor too
