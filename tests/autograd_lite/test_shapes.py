"""Shape primitives: reshape, transpose/T/swapaxes, broadcast_to, squeeze/unsqueeze/flatten,
indexing (__getitem__), concatenate and stack.

These only move numbers, so a plain `.sum()` would not notice a gradient sent
to the wrong place: `check` (conftest) weights every output entry randomly.
"""
import numpy as np
import pytest

import autograd_lite as ag

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
