"""sum, mean, max, min, logsumexp (axis int/negative/tuple/None, keepdims) and argmax."""
import warnings

import numpy as np
import pytest

import autograd_lite as ag


def naive_logsumexp(a, axis=None, keepdims=False):
    return np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims))


REDUCTIONS = {
    "sum": (ag.sum, np.sum),
    "mean": (ag.mean, np.mean),
    "max": (ag.max, np.max),
    "min": (ag.min, np.min),
    "logsumexp": (ag.logsumexp, naive_logsumexp),
}

AXES = [None, 0, 1, -1, (0, 2), (-1, 0), (0, 1, 2)]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_gradients(name, axis, keepdims, leaf, check):
    function, _ = REDUCTIONS[name]
    x = leaf((2, 3, 4), "normal")  # continuous values: max/min ties have probability zero
    check(lambda x: function(x, axis=axis, keepdims=keepdims), x)


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction_forward_matches_numpy(name, axis, keepdims, leaf):
    function, reference = REDUCTIONS[name]
    x = leaf((2, 3, 4), "normal")
    expected = reference(x.data, axis=axis, keepdims=keepdims)
    for out in (function(x, axis=axis, keepdims=keepdims), getattr(x, name)(axis=axis, keepdims=keepdims)):
        assert out.shape == expected.shape
        assert isinstance(out.data, np.ndarray)  # 0-d results stay arrays, not NumPy scalars
        np.testing.assert_allclose(out.data, expected, rtol=1e-13)


@pytest.mark.parametrize("name", REDUCTIONS)
def test_method_form_gradient(name, leaf, check):
    x = leaf((3, 4), "normal")
    check(lambda x: getattr(x, name)(axis=-1, keepdims=True), x)


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reducing_a_zero_dimensional_tensor(name, check):
    x = ag.tensor(1.5, requires_grad=True)
    out = getattr(x, name)()
    assert out.shape == () and out.item() == 1.5
    check(lambda x: getattr(x, name)(), x)


def test_sum_and_mean_gradients_against_closed_forms(leaf):
    x = leaf((2, 3, 4))
    x.sum(axis=(0, 2)).backward(gradient=np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(x.grad.data, np.broadcast_to(np.array([1.0, 2.0, 3.0])[:, None], (2, 3, 4)))
    x.grad = None
    x.mean(axis=1, keepdims=True).sum().backward()
    np.testing.assert_allclose(x.grad.data, np.full((2, 3, 4), 1 / 3))
    x.grad = None
    x.mean().backward()
    np.testing.assert_allclose(x.grad.data, np.full((2, 3, 4), 1 / 24))


def test_max_gradient_goes_to_the_maximal_element(leaf):
    x = leaf((3, 4), "normal")
    x.max(axis=1).sum().backward()
    expected = np.zeros((3, 4))
    expected[np.arange(3), x.data.argmax(axis=1)] = 1.0
    np.testing.assert_array_equal(x.grad.data, expected)


# --------------------------------------------------------------------------- ties


def test_max_and_min_ties_share_the_gradient_equally():
    x = ag.tensor([1.0, 3.0, 3.0, 2.0, -1.0, -1.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.5, 0.5, 0.0, 0.0, 0.0])
    x.grad = None
    x.min().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.0, 0.0, 0.5, 0.5])


def test_three_way_tie_and_ties_along_an_axis():
    x = ag.tensor([[2.0, 2.0, 2.0], [5.0, 1.0, 5.0], [0.0, 4.0, 1.0]], requires_grad=True)
    (x.max(axis=1, keepdims=True) * ag.tensor([[3.0], [10.0], [7.0]])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[1.0, 1.0, 1.0], [5.0, 0.0, 5.0], [0.0, 7.0, 0.0]])
    x.grad = None
    x.min(axis=0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 1.0]])
    x.grad = None
    x.max(axis=(0, 1)).backward()  # the 5s tie across rows and columns
    np.testing.assert_array_equal(x.grad.data, [[0.0, 0.0, 0.0], [0.5, 0.0, 0.5], [0.0, 0.0, 0.0]])


def test_ties_in_float32_keep_the_dtype():
    x = ag.tensor(np.array([4.0, 4.0, 4.0, 1.0], np.float32), requires_grad=True)
    x.max().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, np.array([1, 1, 1, 0], np.float32) / np.float32(3))


# --------------------------------------------------------------------------- logsumexp


def test_logsumexp_gradient_is_the_softmax(leaf):
    x = leaf((3, 4), "normal")
    x.logsumexp(axis=1).sum().backward()
    expected = np.exp(x.data) / np.exp(x.data).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-12)


def test_logsumexp_is_stable_for_large_and_minus_infinite_inputs():
    x = ag.tensor([[1000.0, 1000.0, -np.inf], [-1000.0, -1001.0, -1002.0]], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow or invalid-value warnings
        y = x.logsumexp(axis=1)
        y.sum().backward()
    np.testing.assert_allclose(y.data, [1000.0 + np.log(2.0), -1000.0 + np.log(1 + np.exp(-1.0) + np.exp(-2.0))])
    weights = np.exp([0.0, -1.0, -2.0]) / np.exp([0.0, -1.0, -2.0]).sum()
    np.testing.assert_allclose(x.grad.data, [[0.5, 0.5, 0.0], weights], rtol=1e-12)


def test_logsumexp_backward_twice_through_a_retained_graph(leaf):
    """The first backward uses the exps kept by forward (and frees them); the second recomputes them."""
    x = leaf((3, 4), "normal")
    y = x.logsumexp(axis=1)
    y.sum().backward(retain_graph=True)
    assert y.grad_fn.exps_and_sums is None  # freed after use: a retained graph does not keep an extra copy
    first = x.grad.data.copy()
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * first, rtol=1e-14)
    softmax = np.exp(x.data) / np.exp(x.data).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(first, softmax, rtol=1e-12)


def test_logsumexp_hessian_is_diag_softmax_minus_outer_product(leaf):
    x = leaf((4,), "normal")
    (g,) = ag.grad(x.logsumexp(), x, create_graph=True)
    hessian = np.stack([ag.grad(g[i], x, retain_graph=True)[0].data for i in range(4)])
    p = np.exp(x.data) / np.exp(x.data).sum()
    np.testing.assert_allclose(hessian, np.diag(p) - np.outer(p, p), rtol=1e-10, atol=1e-14)


# --------------------------------------------------------------------------- argmax


def test_argmax_values_and_no_grad(leaf):
    x = leaf((3, 4), "normal")
    for axis, keepdims in [(None, False), (0, False), (1, True), (-1, False)]:
        out = x.argmax(axis=axis, keepdims=keepdims)
        function_out = ag.argmax(x, axis=axis, keepdims=keepdims)
        expected = np.argmax(x.data, axis=axis, keepdims=keepdims)
        for result in (out, function_out):
            assert result.dtype.kind == "i"
            assert result.requires_grad is False and result.grad_fn is None
            np.testing.assert_array_equal(result.data, expected)


def test_argmax_picks_the_first_of_ties():
    assert ag.tensor([1.0, 3.0, 3.0]).argmax().item() == 1


# --------------------------------------------------------------------------- float32


@pytest.mark.parametrize("axis, keepdims", [(None, False), (1, True), ((0, 2), False), (-1, False)], ids=str)
@pytest.mark.parametrize("name", REDUCTIONS)
def test_reductions_float32(name, axis, keepdims, leaf, check):
    function, reference = REDUCTIONS[name]
    x = leaf((2, 3, 4), "normal", np.float32)
    out = function(x, axis=axis, keepdims=keepdims)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, reference(x.data.astype(np.float64), axis=axis, keepdims=keepdims), rtol=1e-5)
    check(lambda x: function(x, axis=axis, keepdims=keepdims), x)


def test_integer_sum_has_numpy_dtype_and_values():
    x = ag.tensor([[1, 2], [3, 4]])
    assert x.sum().item() == 10
    np.testing.assert_array_equal(x.sum(axis=0).data, [4, 6])
    assert x.mean().item() == 2.5


def test_mean_of_many_float16_values_does_not_overflow():
    """100,000 ones sum to more than float16 holds (65,504); the mean must still be 1."""
    x = ag.tensor(np.ones(100_000, np.float16))
    mean = x.mean()
    assert mean.dtype == np.float16 and mean.item() == 1.0
