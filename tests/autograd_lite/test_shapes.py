"""Shape primitives: reshape/view, transpose/T/swapaxes/permute/t, broadcast_to/expand, squeeze/unsqueeze/flatten,
indexing (__getitem__), concatenate/cat and stack, clone/contiguous, tril/triu and masked_fill.

These only move numbers, so a plain `.sum()` would not notice a gradient sent
to the wrong place: `check` (conftest) weights every output entry randomly.
"""
import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite import shapes

# name: (op on a Tensor, the same op on an ndarray, input shape)
SHAPE_OPS = {
    "reshape(6, 4)": (lambda x: x.reshape(6, 4), lambda a: a.reshape(6, 4), (2, 3, 4)),
    "reshape((4, -1))": (lambda x: x.reshape((4, -1)), lambda a: a.reshape(4, -1), (2, 3, 4)),
    "ag.reshape(x, 24)": (lambda x: ag.reshape(x, 24), lambda a: a.reshape(24), (2, 3, 4)),
    "reshape of 0-d": (lambda x: x.reshape(1, 1), lambda a: a.reshape(1, 1), ()),
    "transpose()": (lambda x: x.transpose(), lambda a: a.transpose(), (2, 3, 4)),
    "transpose(1, 2, 0)": (lambda x: x.transpose(1, 2, 0), lambda a: a.transpose(1, 2, 0), (2, 3, 4)),
    "transpose((2, 0, 1))": (lambda x: x.transpose((2, 0, 1)), lambda a: a.transpose(2, 0, 1), (2, 3, 4)),
    "ag.transpose(x, 0, 2, 1)": (lambda x: ag.transpose(x, 0, 2, 1), lambda a: a.transpose(0, 2, 1), (2, 3, 4)),
    "T 2-D": (lambda x: x.T, lambda a: a.T, (3, 4)),
    "T 3-D": (lambda x: x.T, lambda a: a.T, (2, 3, 4)),
    "T 1-D": (lambda x: x.T, lambda a: a.T, (4,)),
    "swapaxes(0, 2)": (lambda x: x.swapaxes(0, 2), lambda a: a.swapaxes(0, 2), (2, 3, 4)),
    "swapaxes(-1, 0)": (lambda x: x.swapaxes(-1, 0), lambda a: a.swapaxes(-1, 0), (2, 3, 4)),
    "ag.swapaxes(x, 1, -1)": (lambda x: ag.swapaxes(x, 1, -1), lambda a: a.swapaxes(1, -1), (2, 3, 4)),
    "broadcast_to (3,)->(2, 3)": (lambda x: x.broadcast_to(2, 3), lambda a: np.broadcast_to(a, (2, 3)), (3,)),
    "broadcast_to (3, 1)->(2, 3, 4)": (
        lambda x: ag.broadcast_to(x, (2, 3, 4)), lambda a: np.broadcast_to(a, (2, 3, 4)), (3, 1)),
    "broadcast_to ()->(2, 3)": (lambda x: x.broadcast_to((2, 3)), lambda a: np.broadcast_to(a, (2, 3)), ()),
    "squeeze()": (lambda x: x.squeeze(), lambda a: a.squeeze(), (1, 3, 1, 2)),
    "squeeze(2)": (lambda x: x.squeeze(2), lambda a: a.squeeze(2), (1, 3, 1, 2)),
    "ag.squeeze(x, (0, -2))": (lambda x: ag.squeeze(x, (0, -2)), lambda a: a.squeeze((0, -2)), (1, 3, 1, 2)),
    "unsqueeze(0)": (lambda x: x.unsqueeze(0), lambda a: a[None], (3, 2)),
    "unsqueeze(-1)": (lambda x: x.unsqueeze(-1), lambda a: a[..., None], (3, 2)),
    "ag.unsqueeze(x, 1)": (lambda x: ag.unsqueeze(x, 1), lambda a: a[:, None], (3, 2)),
    "flatten()": (lambda x: x.flatten(), lambda a: a.reshape(-1), (2, 3, 4)),
    "flatten(1)": (lambda x: x.flatten(1), lambda a: a.reshape(2, 12), (2, 3, 4)),
    "ag.flatten(x, 0, 1)": (lambda x: ag.flatten(x, 0, 1), lambda a: a.reshape(6, 4), (2, 3, 4)),
    "flatten of 0-d": (lambda x: x.flatten(), lambda a: a.reshape(1), ()),
    "transpose(0, 1) 2-D swaps": (lambda x: x.transpose(0, 1), lambda a: a.T, (3, 4)),
    "transpose(0, 2) 3-D swaps": (lambda x: x.transpose(0, 2), lambda a: a.swapaxes(0, 2), (2, 3, 4)),
    "transpose(-1, -2)": (lambda x: ag.transpose(x, -1, -2), lambda a: a.swapaxes(-1, -2), (2, 3, 4)),
    "transpose(dim0=1, dim1=0)": (lambda x: x.transpose(dim0=1, dim1=0), lambda a: a.T, (3, 4)),
    "permute(2, 0, 1)": (lambda x: x.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1), (2, 3, 4)),
    "ag.permute(x, (1, -1, 0))": (lambda x: ag.permute(x, (1, -1, 0)), lambda a: a.transpose(1, 2, 0), (2, 3, 4)),
    "t() 2-D": (lambda x: x.t(), lambda a: a.T, (3, 4)),
    "ag.t(x) 1-D": (lambda x: ag.t(x), lambda a: a, (4,)),
    "view(6, 4)": (lambda x: x.view(6, 4), lambda a: a.reshape(6, 4), (2, 3, 4)),
    "ag.view(x, (-1,))": (lambda x: ag.view(x, (-1,)), lambda a: a.reshape(-1), (2, 3, 4)),
    "expand(2, -1)": (lambda x: x.expand(2, -1), lambda a: np.broadcast_to(a, (2, 3)), (3,)),
    "expand(2, 3, -1)": (lambda x: ag.expand(x, 2, 3, -1), lambda a: np.broadcast_to(a, (2, 3, 4)), (3, 4)),
    "expand((4, 3, 2))": (lambda x: x.expand((4, 3, 2)), lambda a: np.broadcast_to(a, (4, 3, 2)), (3, 1)),
    "expand_as": (lambda x: x.expand_as(ag.zeros(2, 3)), lambda a: np.broadcast_to(a, (2, 3)), (1, 3)),
    "clone()": (lambda x: x.clone(), lambda a: a, (2, 3)),
    "ag.clone(x)": (lambda x: ag.clone(x), lambda a: a, ()),
    "contiguous() of a transpose": (lambda x: x.T.contiguous(), lambda a: a.T, (3, 4)),
    "squeeze(dim=2)": (lambda x: x.squeeze(dim=2), lambda a: a.squeeze(2), (1, 3, 1, 2)),
    "unsqueeze(dim=1)": (lambda x: ag.unsqueeze(x, dim=1), lambda a: a[:, None], (3, 2)),
    "tril()": (lambda x: x.tril(), np.tril, (4, 4)),
    "tril(1) 3-D": (lambda x: ag.tril(x, 1), lambda a: np.tril(a, 1), (2, 3, 4)),
    "triu()": (lambda x: x.triu(), np.triu, (4, 3)),
    "triu(diagonal=-1)": (lambda x: ag.triu(x, diagonal=-1), lambda a: np.triu(a, -1), (2, 4, 3)),
}


@pytest.mark.parametrize("name", SHAPE_OPS)
def test_shape_op_forward_matches_numpy(name, leaf):
    op, reference, shape = SHAPE_OPS[name]
    x = leaf(shape, "normal")
    out = op(x)
    expected = reference(x.data)
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out.data, expected)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", SHAPE_OPS)
def test_shape_op_gradient(name, dtype, leaf, check):
    op, _, shape = SHAPE_OPS[name]
    x = leaf(shape, "normal", dtype)
    assert op(x).dtype == dtype
    check(op, x)


def test_transpose_gradient_is_the_inverse_permutation(rng):
    x = ag.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    g = rng.standard_normal((3, 4, 2))
    x.transpose(1, 2, 0).backward(gradient=g)
    np.testing.assert_array_equal(x.grad.data, g.transpose(2, 0, 1))


def test_broadcast_to_gradient_sums_the_copies():
    x = ag.tensor([[1.0], [2.0]], requires_grad=True)
    x.broadcast_to(3, 2, 4).backward(gradient=np.arange(24.0).reshape(3, 2, 4))
    np.testing.assert_array_equal(x.grad.data, np.arange(24.0).reshape(3, 2, 4).sum(axis=(0, 2))[:, None])


@pytest.mark.parametrize("axes", [(0, -1, 1), (-3, -1, -2), (-1, 0, 1)], ids=str)
def test_transpose_with_negative_axes(axes, leaf, check):
    """transpose accepts negative axes like NumPy; the backward must invert the *normalized* permutation."""
    x = leaf((2, 3, 4), "normal")
    np.testing.assert_array_equal(x.transpose(*axes).data, x.data.transpose(axes))
    check(lambda x: x.transpose(*axes), x)


# --------------------------------------------------------------------------- indexing

INDICES = {
    "int": 1,
    "negative int": -1,
    "slice": slice(1, 3),
    "step slice": slice(None, None, -2),
    "int and slice": (0, slice(1, None)),
    "integer array": np.array([2, 0]),
    "repeated integer array": np.array([0, 0, 2, 0]),
    "integer list": [1, 1, 0],
    "pair of integer arrays": (np.array([0, 2, 2]), np.array([1, 3, 3])),
    "integer array and slice": (slice(None), np.array([3, 0, 3])),
    "2-D integer array": np.array([[0, 1], [1, 0]]),
    "boolean mask": np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]]),
    "boolean row mask": np.array([True, False, True]),
    "Tensor of ints": ag.tensor([2, 2, 1]),
    "Tensor mask": ag.tensor([False, True, True]),
    "Ellipsis": (Ellipsis, 1),
    "None": (None, slice(None), 2),
    "Ellipsis and None": (Ellipsis, None),
    "np.int64": np.int64(2),
}


def numpy_index(index):
    if isinstance(index, ag.Tensor):
        return index.data
    return index


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", INDICES)
def test_getitem_forward_and_gradient(name, dtype, leaf, check):
    index = INDICES[name]
    x = leaf((3, 4), "normal", dtype)
    out = x[index]
    expected = x.data[numpy_index(index)]
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out.data, expected)
    check(lambda x: x[index], x)


def test_repeated_indices_accumulate_their_gradients():
    x = ag.tensor([10.0, 20.0, 30.0], requires_grad=True)
    picked = x[[0, 0, 2, 0]]
    (picked * ag.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0 + 2.0 + 4.0, 0.0, 3.0])


def test_boolean_mask_gradient_scatters_back():
    x = ag.tensor([[1.0, -2.0], [-3.0, 4.0]], requires_grad=True)
    (x[x > 0] * ag.tensor([5.0, 7.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[5.0, 0.0], [0.0, 7.0]])


def test_index_with_an_argmax_tensor():
    x = ag.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]], requires_grad=True)
    rows = ag.arange(2)
    picked = x[rows, x.argmax(axis=1)]
    np.testing.assert_array_equal(picked.data, [5.0, 7.0])
    picked.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])


def test_iterating_a_tensor_gives_differentiable_rows(leaf):
    x = leaf((3, 2))
    rows = list(x)
    assert len(rows) == len(x) == 3
    (rows[0] * 2 + rows[2]).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[2.0, 2.0], [0.0, 0.0], [1.0, 1.0]])


# --------------------------------------------------------------------------- concatenate and stack


@pytest.mark.parametrize(
    "shapes, axis",
    [
        (((2, 3), (4, 3)), 0),
        (((2, 3), (2, 1), (2, 2)), 1),
        (((2, 3, 1), (2, 3, 2)), -1),
        (((3,), (1,)), 0),
    ],
    ids=str,
)
def test_concatenate(shapes, axis, leaf, check):
    xs = [leaf(shape, "normal") for shape in shapes]
    out = ag.concatenate(xs, axis=axis)
    np.testing.assert_array_equal(out.data, np.concatenate([x.data for x in xs], axis=axis))
    check(lambda *xs: ag.concatenate(list(xs), axis=axis), *xs)


@pytest.mark.parametrize("shape, axis", [((3,), 0), ((2, 3), 1), ((2, 3), -1), ((2, 3), 2), ((), 0)], ids=str)
def test_stack(shape, axis, leaf, check):
    xs = [leaf(shape, "normal") for _ in range(3)]
    out = ag.stack(xs, axis=axis)
    np.testing.assert_array_equal(out.data, np.stack([x.data for x in xs], axis=axis))
    check(lambda *xs: ag.stack(xs, axis=axis), *xs)


def test_concatenate_and_stack_with_constants_and_float32(leaf, check):
    a = leaf((2, 3), "normal", np.float32)
    constant = np.ones((1, 3), np.float32)
    frozen = leaf((2, 3), "normal", np.float32, requires_grad=False)
    assert ag.concatenate([a, constant], axis=0).dtype == np.float32
    check(lambda a: ag.concatenate([constant, a, frozen], axis=0), a)
    check(lambda a: ag.stack([frozen, a], axis=1), a)
    ag.stack([a, frozen]).sum().backward()
    assert frozen.grad is None and a.grad.dtype == np.float32


def test_concatenate_with_axis_none_joins_the_flattened_tensors_as_numpy_does(leaf, check):
    xs = [leaf((2, 3), "normal"), leaf((4,), "normal"), leaf((), "normal")]
    out = ag.concatenate(xs, axis=None)
    np.testing.assert_array_equal(out.data, np.concatenate([x.data for x in xs], axis=None))
    check(lambda *xs: ag.concatenate(list(xs), axis=None), *xs)


def test_concatenate_splits_the_gradient_in_order():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([3.0], requires_grad=True)
    ag.concatenate([a, b]).backward(gradient=np.array([10.0, 20.0, 30.0]))
    np.testing.assert_array_equal(a.grad.data, [10.0, 20.0])
    np.testing.assert_array_equal(b.grad.data, [30.0])


# --------------------------------------------------------------------------- PyTorch's transpose, permute, t


def test_two_axis_transpose_swaps_them_as_pytorch():
    """Before, m.transpose(0, 1) on a 2-D tensor was NumPy's identity permutation: A @ A.transpose(0, 1) was A @ A."""
    a = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    np.testing.assert_array_equal(a.transpose(0, 1).data, [[1.0, 3.0], [2.0, 4.0]])
    np.testing.assert_array_equal((a @ a.transpose(0, 1)).data, a.data @ a.data.T)
    np.testing.assert_array_equal(ag.transpose(a, 1, 0).data, a.data.T)
    np.testing.assert_array_equal(a.transpose((0, 1)).data, a.data)  # one tuple: NumPy's permutation
    (a @ a.transpose(0, 1)).sum().backward()
    np.testing.assert_array_equal(a.grad.data, 2 * np.ones((2, 2)) @ a.data)  # d sum(A A^T)/dA = (G + G^T) A
    x = ag.zeros(2, 3, 4)
    assert x.transpose(0, 1).shape == (3, 2, 4) and x.transpose(1, 1).shape == (2, 3, 4)


def test_t_and_errors_of_the_new_shape_ops():
    assert ag.tensor(2.0).t().shape == () and ag.zeros(3, 2).t().shape == (2, 3)
    with pytest.raises(ValueError, match=r"t: expects a tensor with at most 2 dimensions, got shape \(2, 3, 4\)"):
        ag.zeros(2, 3, 4).t()
    with pytest.raises(ValueError, match=r"permute: axes \(0, 1\) are not a permutation.*\(2, 3, 4\)"):
        ag.zeros(2, 3, 4).permute(0, 1)
    with pytest.raises(TypeError, match="transpose: give both dim0= and dim1="):
        ag.zeros(2, 3).transpose(dim0=1)
    with pytest.raises(ValueError, match=r"expand: cannot expand shape \(2, 3\) to \(4, 3\)"):
        ag.zeros(2, 3).expand(4, 3)
    with pytest.raises(ValueError, match="expand: cannot expand shape"):
        ag.zeros(3).expand(-1, 3)
    with pytest.raises(TypeError, match="unsqueeze: give the position"):
        ag.zeros(3).unsqueeze()
    with pytest.raises(TypeError, match="squeeze: got axis=0 and dim=0"):
        ag.zeros(1, 3).squeeze(0, dim=0)


# --------------------------------------------------------------------------- view, contiguous, clone


def test_view_shares_memory_and_refuses_a_layout_that_needs_a_copy():
    x = ag.arange(12.0).reshape(3, 4)
    assert np.shares_memory(x.view(4, 3).data, x.data) and x.view(-1).shape == (12,)
    with pytest.raises(RuntimeError, match=r"view: the data of shape \(4, 3\) .* use .reshape"):
        x.T.view(12)
    np.testing.assert_array_equal(x.T.contiguous().view(12).data, x.data.T.reshape(12))
    np.testing.assert_array_equal(x.T.reshape(12).data, x.data.T.reshape(12))
    with pytest.raises(ValueError, match=r"view: cannot view shape \(3, 4\) as \(5, -1\)"):
        x.view(5, -1)
    with pytest.raises(TypeError, match=r"view: viewing the bytes as another dtype .* x.to\(dtype\)"):
        x.view(ag.float32)


def test_contiguous_is_the_tensor_itself_when_already_row_major():
    x = ag.ones(2, 3, requires_grad=True)
    assert x.contiguous() is x
    y = x.T.contiguous()
    assert y.data.flags.c_contiguous and y.grad_fn.op == "contiguous"


def test_clone_copies_and_stays_in_the_graph(leaf):
    x = leaf((2, 3), "normal")
    y = x.clone()
    assert not np.shares_memory(y.data, x.data) and y.grad_fn.op == "clone" and not y.is_leaf
    np.testing.assert_array_equal(y.data, x.data)
    (y * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.full((2, 3), 3.0))
    assert not ag.tensor([1.0]).clone().requires_grad


# --------------------------------------------------------------------------- masked_fill


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("mask_shape", [(2, 3), (3,), (2, 1), ()], ids=str)
def test_masked_fill_values_and_gradients(mask_shape, dtype, rng, leaf, check):
    x = leaf((2, 3), "normal", dtype)
    mask = rng.random(mask_shape) > 0.5
    out = x.masked_fill(ag.tensor(mask), -5.0)
    assert out.dtype == dtype and out.shape == (2, 3)
    np.testing.assert_array_equal(out.data, np.where(mask, -5.0, x.data))
    check(lambda x: x.masked_fill(mask, 2.5), x)
    if dtype == np.float64:  # in float32 the output, in x's dtype, rounds the oracle's nudge of the value away
        value = ag.tensor(0.5, requires_grad=True)
        check(lambda x, value: ag.masked_fill(x, mask, value), x, value)


def test_masked_fill_value_gradient_is_the_sum_over_the_filled_places():
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    value = ag.tensor(0.0, requires_grad=True)
    mask = np.array([[True, False], [True, True]])
    (x.masked_fill(mask, value) * ag.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    assert value.grad.item() == 1.0 + 3.0 + 4.0
    np.testing.assert_array_equal(x.grad.data, [[0.0, 2.0], [0.0, 0.0]])


def test_masked_fill_errors():
    x = ag.ones(2, 3)
    with pytest.raises(TypeError, match="masked_fill: the mask must be a bool tensor, got dtype int64"):
        x.masked_fill(np.array([1, 0, 1]), 0.0)
    with pytest.raises(ValueError, match=r"masked_fill: a mask of shape \(3, 3\) does not broadcast to .*\(2, 3\)"):
        x.masked_fill(np.ones((3, 3), bool), 0.0)
    with pytest.raises(ValueError, match=r"masked_fill: value must be a number or a 0-d tensor, got shape \(3,\)"):
        x.masked_fill(np.ones(3, bool), ag.ones(3))


def test_masked_fill_with_minus_infinity_keeps_the_infinity_and_an_integer_tensor_its_dtype():
    out = ag.tensor([1.0, 2.0]).masked_fill(ag.tensor([True, False]), float("-inf"))
    assert out.data[0] == -np.inf and out.data[1] == 2.0
    assert ag.tensor([1, 2]).masked_fill(np.array([False, True]), 7).dtype == np.int64


# --------------------------------------------------------------------------- tril and triu


def test_tril_triu_gradient_is_masked_and_errors(leaf):
    x = leaf((3, 3), "normal")
    x.tril(-1).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.tril(np.ones((3, 3)), -1))
    with pytest.raises(ValueError, match=r"triu: expects a tensor with at least 2 dimensions, got shape \(3,\)"):
        ag.zeros(3).triu()
    infinite = ag.tensor(np.full((2, 2), np.inf)).triu(1)
    np.testing.assert_array_equal(infinite.data, [[0.0, np.inf], [0.0, 0.0]])  # no 0 * inf = NaN


# --------------------------------------------------------------------------- cat, and dim= for joins


def test_cat_is_concatenate_with_dim(leaf, check):
    a, b = leaf((2, 3), "normal"), leaf((2, 1), "normal")
    np.testing.assert_array_equal(ag.cat([a, b], dim=1).data, np.concatenate([a.data, b.data], axis=1))
    np.testing.assert_array_equal(ag.cat([a, a]).data, np.concatenate([a.data, a.data]))
    np.testing.assert_array_equal(ag.cat((a, b), 1).data, ag.concatenate([a, b], dim=1).data)
    np.testing.assert_array_equal(ag.stack([a, a], dim=-1).data, np.stack([a.data, a.data], axis=-1))
    check(lambda a, b: ag.cat([a, b], dim=-1), a, b)
    with pytest.raises(TypeError, match="concatenate: got axis=1 and dim=1"):
        ag.cat([a, b], 1, axis=1)


# --------------------------------------------------------------------------- jvp rules and second derivatives


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4)], ids=str)
@pytest.mark.parametrize("make", [
    lambda: shapes.Clone(), lambda: shapes.Contiguous(), lambda: shapes.Tril(0), lambda: shapes.Tril(-1),
    lambda: shapes.Triu(1), lambda: shapes.Triu(0),
], ids=["clone", "contiguous", "tril", "tril-1", "triu1", "triu"])
def test_new_shape_op_jvp_matches_central_differences(make, shape, dtype, rng, check_jvp):
    check_jvp(make, rng.normal(size=shape).astype(dtype))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_masked_fill_jvp_matches_central_differences(dtype, rng, check_jvp):
    mask = rng.random((2, 3)) > 0.5
    x, value = rng.normal(size=(2, 3)).astype(dtype), np.asarray(1.5, dtype)
    check_jvp(lambda: shapes.MaskedFill(mask), x, value)
    check_jvp(lambda: shapes.MaskedFill(mask[0]), x, value)  # a mask broadcast over the rows


def test_second_derivative_through_masked_fill_tril_and_clone(leaf, rng):
    x = leaf((3, 3), "normal")
    mask, w = rng.random((3, 3)) > 0.5, rng.normal(size=(3, 3))

    def f(x):
        return ((x.masked_fill(mask, 0.5).tril().clone() ** 3) * w).sum()

    def gradient_weighted(x):
        with ag.enable_grad():  # gradcheck evaluates f under no_grad
            (g,) = ag.grad(f(x), x, create_graph=True)
        return (g * w).sum()

    assert ag.gradcheck(gradient_weighted, x)
