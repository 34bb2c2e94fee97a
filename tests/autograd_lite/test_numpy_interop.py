"""NumPy interop: np.asarray(t), NumPy's ufuncs on Tensors (with gradients), and out= arrays."""
import numpy as np
import pytest

import autograd_lite as ag


def test_asarray_shares_and_array_copies():
    t = ag.tensor([1.0, 2.0])
    assert np.asarray(t) is t.data
    copied = np.array(t)
    assert not np.shares_memory(copied, t.data)
    np.testing.assert_array_equal(copied, [1.0, 2.0])
    assert np.asarray(t, dtype=np.float32).dtype == np.float32


UNARY = [
    (np.exp, "normal"), (np.log, "positive"), (np.sqrt, "positive"), (np.tanh, "normal"),
    (np.absolute, "signed"), (np.negative, "normal"), (np.positive, "normal"), (np.square, "normal"),
    (np.reciprocal, "signed"),
]


@pytest.mark.parametrize("ufunc, kind", UNARY, ids=[u.__name__ for u, _ in UNARY])
def test_unary_ufuncs_run_the_engines_op(ufunc, kind, check, leaf):
    x = leaf((2, 3), kind)
    y = ufunc(x)
    assert isinstance(y, ag.Tensor) and y.requires_grad
    np.testing.assert_allclose(y.data, ufunc(x.data))
    assert check(ufunc, x)


BINARY = [np.add, np.subtract, np.multiply, np.divide, np.maximum, np.minimum, np.power, np.matmul]


@pytest.mark.parametrize("ufunc", BINARY, ids=[u.__name__ for u in BINARY])
def test_binary_ufuncs_with_tensors_and_arrays(ufunc, check, leaf, rng):
    a, b = leaf((3, 3), "positive"), leaf((3, 3), "positive")
    array = rng.uniform(0.5, 2.0, (3, 3))
    for args in ((a, b), (a, array), (array, a)):
        out = ufunc(*args)
        assert isinstance(out, ag.Tensor) and out.requires_grad
        np.testing.assert_allclose(out.data, ufunc(*(np.asarray(x) for x in args)))
    assert check(ufunc, a, b)
    assert check(lambda t: ufunc(array, t), a)


def test_exp_gradient_in_closed_form():
    x = ag.tensor([0.0, 1.0, 2.0], requires_grad=True)
    np.exp(x).sum().backward()
    np.testing.assert_allclose(x.grad.data, np.exp(x.data))
    x.grad = None
    np.maximum(x, 0.5).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 1.0])


def test_array_times_tensor_is_the_engines_mul_like_the_reflected_operator():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    array = np.array([3.0, 4.0])
    for y in (array * x, x.__rmul__(array), np.multiply(array, x)):
        assert isinstance(y, ag.Tensor) and y.grad_fn.op == "mul"
        np.testing.assert_array_equal(y.data, [3.0, 8.0])
    (array - x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [-1.0, -1.0])
    assert isinstance(array @ x, ag.Tensor) and (array @ x).item() == 11.0
    assert isinstance(np.array(2.0) / x, ag.Tensor)


def test_dtypes_follow_the_same_rules_as_the_operators():
    x32 = ag.tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    assert (np.ones(2, dtype=np.float32) * x32).dtype == np.float32
    assert (np.float64(2.0) * x32).dtype == (2.0 * x32).dtype == np.float32  # a scalar is like a Python float
    assert (np.ones(2) * x32).dtype == np.float64  # an array keeps NumPy's promotion


def test_comparisons_give_bool_tensors_without_grad():
    x = ag.tensor([1.0, 3.0], requires_grad=True)
    for result, expected in ((np.less(x, 2.0), [True, False]), (np.array([2.0, 2.0]) < x, [False, True]),
                             (np.equal(x, 3.0), [False, True])):
        assert isinstance(result, ag.Tensor) and result.dtype == bool and not result.requires_grad
        np.testing.assert_array_equal(result.data, expected)


@pytest.mark.parametrize("call, named", [
    (lambda t: np.floor(t), "numpy.floor"),
    (lambda t: np.add.reduce(t), "numpy.add.reduce"),
    (lambda t: np.add(t, 1, dtype=np.float32), "numpy.add with dtype="),
    (lambda t: np.arctan2(t, t), "numpy.arctan2"),
])
def test_unsupported_ufuncs_raise_naming_the_ufunc(call, named):
    t = ag.tensor([1.5, 2.5], requires_grad=True)
    with pytest.raises(TypeError, match=f"^{named}.* is not supported on Tensors"):
        call(t)


def test_out_array_computes_on_the_arrays_and_records_nothing():
    # issue 11: `p.data -= lr * p.grad` with p.grad a Tensor used to raise "does not support ufuncs"
    p = ag.tensor([1.0, 2.0], requires_grad=True)
    (p * p).sum().backward()
    array = p.data
    p.data -= 0.1 * p.grad
    assert p.data is array and type(p.data) is np.ndarray
    np.testing.assert_allclose(p.data, [0.8, 1.6])
    out = np.zeros(2)
    assert np.add(p, ag.tensor([1.0, 1.0]), out=out) is out
    np.testing.assert_allclose(out, [1.8, 2.6])
    total = np.zeros(2)
    total += p
    assert type(total) is np.ndarray
    np.testing.assert_allclose(total, p.data)


def test_out_cannot_be_a_tensor():
    t = ag.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="out= cannot be a Tensor"):
        np.add(np.ones(2), np.ones(2), out=t)
