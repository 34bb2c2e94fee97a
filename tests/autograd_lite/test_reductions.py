"""sum, mean, prod, max, min, amax, amin, var, std, norm, logsumexp (axis int/negative/tuple/None, keepdims,
and PyTorch's dim/keepdim), max(dim)'s (values, indices), softmax, argmax/argmin, any/all, allclose."""
import math
import warnings

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import reductions


def second_order_gradient(f, x):
    """df/dx as a differentiable Tensor, also when gradcheck evaluates it under no_grad."""
    with ag.enable_grad():
        return ag.grad(f(x), x, create_graph=True)[0]


def naive_logsumexp(a, axis=None, keepdims=False):
    return np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims))


REDUCTIONS = {
    "sum": (ag.sum, np.sum),
    "mean": (ag.mean, np.mean),
    "max": (ag.max, np.max),
    "min": (ag.min, np.min),
    "logsumexp": (ag.logsumexp, naive_logsumexp),
    "prod": (ag.prod, np.prod),
    "amax": (ag.amax, np.amax),
    "amin": (ag.amin, np.amin),
    "var": (ag.var, lambda a, axis, keepdims: np.var(a, axis=axis, ddof=1, keepdims=keepdims)),
    "std": (ag.std, lambda a, axis, keepdims: np.std(a, axis=axis, ddof=1, keepdims=keepdims)),
    "norm": (ag.norm, lambda a, axis, keepdims: np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims))),
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


@pytest.mark.parametrize("name", [name for name in REDUCTIONS if name not in ("var", "std")])  # n - 1 = 0
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


# --------------------------------------------------------------------------- PyTorch's spellings: dim=, keepdim=

SPELLED = {  # name: (ag function, whether it takes keepdims)
    "sum": (ag.sum, True), "mean": (ag.mean, True), "prod": (ag.prod, True), "amax": (ag.amax, True),
    "amin": (ag.amin, True), "logsumexp": (ag.logsumexp, True), "var": (ag.var, True), "std": (ag.std, True),
    "norm": (ag.norm, True), "argmax": (ag.argmax, True), "argmin": (ag.argmin, True), "any": (ag.any, True),
    "all": (ag.all, True), "softmax": (ag.softmax, False), "log_softmax": (ag.log_softmax, False),
}


@pytest.mark.parametrize("name", SPELLED)
def test_dim_and_keepdim_mean_axis_and_keepdims(name, leaf):
    function, has_keepdims = SPELLED[name]
    x = leaf((2, 3, 4), "normal")
    method = getattr(x, name)
    if has_keepdims:
        expected = function(x, axis=1, keepdims=True).data
        for out in (function(x, dim=1, keepdim=True), method(dim=1, keepdim=True), method(axis=1, keepdim=True),
                    method(dim=1, keepdims=True)):
            np.testing.assert_array_equal(out.data, expected)
        assert function(x, dim=-1).shape == function(x, axis=-1).shape == (2, 3)
    else:
        expected = function(x, axis=1).data
        for out in (function(x, dim=1), method(dim=1), method(1), function(x, 1)):
            np.testing.assert_array_equal(out.data, expected)
    with pytest.raises(TypeError, match=f"^{name}: got axis=1 and dim=1"):
        function(x, axis=1, dim=1)
    if has_keepdims:
        with pytest.raises(TypeError, match=f"^{name}: got keepdims=True and keepdim=True"):
            method(dim=1, keepdims=True, keepdim=True)


def test_positional_axis_and_keepdims_read_the_same_in_both_spellings(leaf):
    x = leaf((3, 4), "normal")
    np.testing.assert_array_equal(x.sum(1, True).data, x.data.sum(axis=1, keepdims=True))  # numpy and torch agree
    np.testing.assert_array_equal(x.mean(0).data, x.data.mean(axis=0))
    np.testing.assert_array_equal(x.argmax(1).data, x.data.argmax(axis=1))


@pytest.mark.parametrize("name", ["sum", "mean", "prod", "amax", "var", "norm", "logsumexp"])
def test_dim_spelling_gradcheck(name, leaf, check):
    function, _ = SPELLED[name]
    x = leaf((3, 4), "normal")
    check(lambda x: function(x, dim=0, keepdim=True), x)


# --------------------------------------------------------------------------- max(dim) and min(dim): (values, indices)


def test_max_over_a_dim_gives_the_per_row_maxima_and_their_indices():
    """q.max(1)[0] is PyTorch's per-row maximum; before, it picked row 0 of a Tensor and broadcast it."""
    q = ag.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0], [-1.0, -2.0, -0.5]], requires_grad=True)
    np.testing.assert_array_equal(q.max(1)[0].data, [5.0, 7.0, -0.5])
    values, indices = q.max(1)
    np.testing.assert_array_equal(indices.data, [1, 0, 2])
    assert indices.dtype == np.int64 and not indices.requires_grad
    assert q.max(dim=1).values is not None and isinstance(q.max(dim=1), ag.ValuesIndices)
    np.testing.assert_array_equal(q.max(dim=0).values.data, [7.0, 5.0, 3.0])
    np.testing.assert_array_equal(ag.max(q, 1).indices.data, [1, 0, 2])
    np.testing.assert_array_equal(q.min(1).values.data, [1.0, 0.0, -2.0])
    np.testing.assert_array_equal(ag.min(q, dim=1).indices.data, [0, 1, 1])
    keep = q.max(1, keepdim=True)
    assert keep.values.shape == (3, 1) and keep.indices.shape == (3, 1)
    assert q.max(-1, True).values.shape == (3, 1)


def test_the_td_target_of_a_q_learning_tutorial():
    rewards, gamma = ag.tensor([1.0, 0.0, -1.0]), 0.9
    q_next = ag.tensor([[0.5, 2.0], [3.0, 1.0], [-4.0, -5.0]])
    target = rewards + gamma * q_next.max(1)[0]
    np.testing.assert_allclose(target.data, [1.0 + 0.9 * 2.0, 0.9 * 3.0, -1.0 - 0.9 * 4.0])


def test_max_with_axis_or_no_argument_keeps_numpys_meaning(leaf):
    x = leaf((3, 4), "normal")
    assert isinstance(x.max(), ag.Tensor) and x.max().shape == ()
    assert isinstance(x.max(axis=1), ag.Tensor) and x.max(axis=1).shape == (3,)
    assert isinstance(ag.min(x, axis=(0, 1), keepdims=True), ag.Tensor)
    assert isinstance(x.max(axis=1, keepdim=True), ag.Tensor) and x.max(axis=1, keepdim=True).shape == (3, 1)


def test_max_of_two_tensors_is_the_elementwise_maximum(leaf):
    a, b = leaf((2, 3), "normal"), leaf((2, 3), "normal")
    np.testing.assert_array_equal(ag.max(a, b).data, np.maximum(a.data, b.data))
    np.testing.assert_array_equal(a.min(b).data, np.minimum(a.data, b.data))
    with pytest.raises(TypeError, match="elementwise max"):
        ag.max(a, b, keepdim=True)


def test_max_dim_errors(leaf):
    x = leaf((3, 4), "normal")
    with pytest.raises(TypeError, match=r"max: dim must be one int.*\(0, 1\)"):
        x.max((0, 1))
    with pytest.raises(TypeError, match="axis=1 and dim=0"):
        x.max(0, axis=1)
    with pytest.raises(ValueError, match="max"):
        x.max(2)


def test_gradient_through_max_dim_values(leaf, check):
    x = leaf((3, 4), "normal")
    check(lambda x: x.max(1).values, x)
    check(lambda x: ag.min(x, 0, keepdim=True)[0], x)
    x.max(1).values.sum().backward()
    expected = np.zeros((3, 4))
    expected[np.arange(3), x.data.argmax(axis=1)] = 1
    np.testing.assert_array_equal(x.grad.data, expected)


# --------------------------------------------------------------------------- prod


def test_prod_gradient_is_the_product_of_the_others_even_with_zeros():
    x = ag.tensor([[2.0, 3.0, 4.0], [0.0, 5.0, 6.0], [0.0, 7.0, 0.0]], requires_grad=True)
    x.prod(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[12.0, 8.0, 6.0], [30.0, 0.0, 0.0], [0.0, 0.0, 0.0]])


@pytest.mark.parametrize("axis", [None, 0, 1, (0, 2), -1], ids=str)
def test_prod_with_zeros_gradcheck_first_and_second_order(axis, rng, check):
    values = rng.normal(size=(3, 4, 2))
    values[0, 1, 0] = values[2, 3, 1] = values[2, 0, 1] = 0.0  # single and double zeros in some groups
    x = ag.tensor(values, requires_grad=True)
    check(lambda x: x.prod(axis=axis), x)
    weights = rng.normal(size=(3, 4, 2))

    assert ag.gradcheck(lambda x: (second_order_gradient(lambda x: x.prod(axis=axis).sum(), x) * weights).sum(), x)


def test_prod_hessian_at_a_zero_is_exact():
    """d2(a b c)/da db = c, also at a = 0 where prod / x would be 0 / 0."""
    x = ag.tensor([0.0, 2.0, 3.0], requires_grad=True)
    (g,) = ag.grad(x.prod(), x, create_graph=True)
    hessian = np.stack([ag.grad(g[i], x, retain_graph=True)[0].data for i in range(3)])
    np.testing.assert_array_equal(hessian, [[0.0, 3.0, 2.0], [3.0, 0.0, 0.0], [2.0, 0.0, 0.0]])


def test_prod_of_empty_and_zero_dimensional_tensors():
    empty = ag.tensor(np.zeros((0, 3)), requires_grad=True)
    np.testing.assert_array_equal(empty.prod(axis=0).data, np.ones(3))
    empty.prod(axis=0).sum().backward()
    assert empty.grad.shape == (0, 3)
    scalar = ag.tensor(2.5, requires_grad=True)
    scalar.prod().backward()
    assert scalar.grad.item() == 1.0


# --------------------------------------------------------------------------- var and std


def test_var_and_std_divide_by_n_minus_one_unless_told(leaf):
    x = leaf((4, 5), "normal")
    np.testing.assert_allclose(x.var().data, np.var(x.data, ddof=1), rtol=1e-14)
    np.testing.assert_allclose(x.std(dim=1).data, np.std(x.data, axis=1, ddof=1), rtol=1e-14)
    for biased in (x.var(correction=0), x.var(unbiased=False), x.var(ddof=0), ag.var(x, None, False)):
        np.testing.assert_allclose(biased.data, np.var(x.data), rtol=1e-14)
    np.testing.assert_allclose(x.std(0, True).data, np.std(x.data, axis=0, ddof=1), rtol=1e-14)  # unbiased=True
    np.testing.assert_allclose(x.var(dim=0, correction=2, keepdim=True).data,
                               np.var(x.data, axis=0, ddof=2, keepdims=True), rtol=1e-14)
    with pytest.raises(TypeError, match="var: got correction and ddof"):
        x.var(correction=1, ddof=0)


@pytest.mark.parametrize("correction", [0, 1, 2])
@pytest.mark.parametrize("axis", [None, 0, (0, 2)], ids=str)
def test_var_std_gradients(axis, correction, leaf, check):
    x = leaf((3, 4, 2), "normal")
    check(lambda x: x.var(axis=axis, correction=correction), x)
    check(lambda x: x.std(axis=axis, correction=correction, keepdims=True), x)


def test_var_gradient_closed_form_and_its_second_derivative(leaf):
    x = leaf((6,), "normal")
    (g,) = ag.grad(x.var(), x, create_graph=True)
    np.testing.assert_allclose(g.data, 2 * (x.data - x.data.mean()) / 5, rtol=1e-13)
    hessian = np.stack([ag.grad(g[i], x, retain_graph=True)[0].data for i in range(6)])
    np.testing.assert_allclose(hessian, 2 / 5 * (np.eye(6) - 1 / 6), rtol=1e-12, atol=1e-15)


def test_var_of_one_element_is_nan_as_in_pytorch():
    with pytest.warns(RuntimeWarning):
        assert math.isnan(ag.tensor([3.0]).var().item())


# --------------------------------------------------------------------------- norm

NORMS = {  # p: NumPy's vector norm over given axes
    1: lambda a, axis, keepdims: np.sum(np.abs(a), axis=axis, keepdims=keepdims),
    2: lambda a, axis, keepdims: np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims)),
    3: lambda a, axis, keepdims: np.sum(np.abs(a) ** 3, axis=axis, keepdims=keepdims) ** (1 / 3),
    0.5: lambda a, axis, keepdims: np.sum(np.abs(a) ** 0.5, axis=axis, keepdims=keepdims) ** 2,
    math.inf: lambda a, axis, keepdims: np.max(np.abs(a), axis=axis, keepdims=keepdims),
    -math.inf: lambda a, axis, keepdims: np.min(np.abs(a), axis=axis, keepdims=keepdims),
    "fro": lambda a, axis, keepdims: np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims)),
}


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", [None, 1, (0, 2)], ids=str)
@pytest.mark.parametrize("p", NORMS, ids=str)
def test_norm_values_and_gradients(p, dim, keepdim, leaf, check):
    x = leaf((2, 3, 4), "signed")  # |x| in [0.5, 2]: no zeros, ties of |x| have probability zero
    out = x.norm(p, dim, keepdim)
    np.testing.assert_allclose(out.data, NORMS[p](x.data, dim, keepdim), rtol=1e-13)
    np.testing.assert_allclose(ag.norm(x, p=p, axis=dim, keepdims=keepdim).data, out.data, rtol=0)
    check(lambda x: x.norm(p=p, dim=dim, keepdim=keepdim), x)


def test_norm_gradient_at_zero_is_zero_as_pytorchs(leaf):
    x = ag.tensor(np.zeros((2, 3)), requires_grad=True)
    x.norm().backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros((2, 3)))
    rows = ag.tensor([[0.0, 0.0], [3.0, -4.0]], requires_grad=True)
    rows.norm(dim=1).sum().backward()
    np.testing.assert_allclose(rows.grad.data, [[0.0, 0.0], [0.6, -0.8]], rtol=1e-15)


def test_norm_zero_counts_nonzero_elements_and_inf_shares_ties():
    x = ag.tensor([[0.0, 2.0, -2.0], [1.0, 0.0, 0.0]], requires_grad=True)
    np.testing.assert_array_equal(x.norm(0, dim=1).data, [2.0, 1.0])
    x.norm(math.inf).backward()
    np.testing.assert_array_equal(x.grad.data, [[0.0, 0.5, -0.5], [0.0, 0.0, 0.0]])


def test_norm_rejects_matrix_norms():
    with pytest.raises(ValueError, match="norm: p must be a number or 'fro'.*'nuc'"):
        ag.ones(2, 2).norm("nuc")


def test_norm_second_derivative(leaf, rng):
    x = leaf((5,), "signed")
    weights = rng.normal(size=5)
    for p in (2, 3, 1.5):
        assert ag.gradcheck(lambda x: (second_order_gradient(lambda x: x.norm(p), x) * weights).sum(), x)


# --------------------------------------------------------------------------- jvp of prod, var, norm


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("axis, keepdims", [(None, False), ((1,), True), ((0, 2), False)], ids=str)
@pytest.mark.parametrize("make", [
    lambda axis, keepdims: reductions.Prod(axis, keepdims),
    lambda axis, keepdims: reductions.Var(axis, keepdims, 1),
    lambda axis, keepdims: reductions.Var(axis, keepdims, 0),
    lambda axis, keepdims: reductions.Norm(2.0, axis, keepdims),
    lambda axis, keepdims: reductions.Norm(1.0, axis, keepdims),
    lambda axis, keepdims: reductions.Norm(3.0, axis, keepdims),
    lambda axis, keepdims: reductions.Norm(math.inf, axis, keepdims),
], ids=["prod", "var", "var0", "norm2", "norm1", "norm3", "norminf"])
def test_reduction_jvp_matches_central_differences(make, axis, keepdims, dtype, rng, check_jvp):
    x = (rng.uniform(0.5, 2.0, (2, 3, 4)) * rng.choice([-1.0, 1.0], (2, 3, 4))).astype(dtype)
    check_jvp(lambda: make(axis, keepdims), x)


def test_prod_jvp_with_zeros(check_jvp):
    x = np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 1.5], [1.0, 2.0, 3.0]])
    check_jvp(lambda: reductions.Prod((1,), False), x)


# --------------------------------------------------------------------------- softmax and log_softmax


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_and_log_softmax_match_numpy_and_gradcheck(dim, leaf, check):
    x = leaf((3, 4), "normal")
    exps = np.exp(x.data - x.data.max(axis=dim, keepdims=True))
    expected = exps / exps.sum(axis=dim, keepdims=True)
    np.testing.assert_allclose(ag.softmax(x, dim=dim).data, expected, rtol=1e-14)
    np.testing.assert_allclose(x.log_softmax(dim).data, np.log(expected), rtol=1e-13)
    check(lambda x: x.softmax(dim=dim), x)
    check(lambda x: ag.log_softmax(x, axis=dim), x)


def test_softmax_default_is_the_last_axis_and_dtype_converts(leaf):
    x = leaf((2, 3), "normal")
    np.testing.assert_array_equal(x.softmax().data, x.softmax(-1).data)
    assert x.softmax(dim=1, dtype=ag.float32).dtype == np.float32


def test_softmax_is_stable_and_masked_positions_get_no_probability_and_no_nan():
    scores = ag.tensor([[1000.0, -1000.0, 0.0], [2.0, 1.0, 0.5]], requires_grad=True)
    masked = scores.masked_fill(ag.tensor([[False, False, True], [False, True, False]]), -math.inf)
    probabilities = masked.softmax(dim=-1)
    np.testing.assert_allclose(probabilities.data[0], [1.0, 0.0, 0.0])
    assert probabilities.data[1, 1] == 0.0
    (probabilities * ag.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).sum().backward()
    assert np.all(np.isfinite(scores.grad.data))
    assert scores.grad.data[1, 1] == 0.0 and scores.grad.data[0, 2] == 0.0


def test_softmax_second_derivative(leaf, rng):
    x = leaf((2, 4), "normal")
    w, v = rng.normal(size=(2, 4)), rng.normal(size=(2, 4))
    assert ag.gradcheck(lambda x: (second_order_gradient(lambda x: (x.softmax(1) * w).sum(), x) * v).sum(), x)


# --------------------------------------------------------------------------- argmin, any, all, allclose


def test_argmin_any_all_values_and_no_grad(leaf):
    x = leaf((3, 4), "normal")
    for axis, keepdims in [(None, False), (0, False), (1, True)]:
        np.testing.assert_array_equal(x.argmin(axis=axis, keepdims=keepdims).data,
                                      np.argmin(x.data, axis=axis, keepdims=keepdims))
    positive = x > 0
    for name in ("any", "all"):
        for axis, keepdims in [(None, False), (1, False), ((0, 1), True), (0, True)]:
            out = getattr(positive, name)(dim=axis, keepdim=keepdims)
            assert out.dtype == np.bool_ and not out.requires_grad
            np.testing.assert_array_equal(out.data, getattr(np, name)(positive.data, axis=axis, keepdims=keepdims))
    assert ag.any(ag.tensor([0.0, 0.0, 2.0])).item() is True and ag.all(ag.tensor([1, 0])).item() is False


def test_allclose_is_a_python_bool():
    a = ag.tensor([1.0, 2.0])
    assert ag.allclose(a, a + 1e-9) is True and a.allclose([1.0, 2.1]) is False
    assert ag.allclose(a, np.array([1.0, 2.0 + 1e-3]), rtol=1e-2)
    assert not ag.allclose(ag.tensor([math.nan]), ag.tensor([math.nan]))
    assert ag.allclose(ag.tensor([math.nan]), ag.tensor([math.nan]), equal_nan=True)
