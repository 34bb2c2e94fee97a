"""Property tests over random shapes (Hypothesis): broadcasting, reductions, matmul, round trips.

Examples are few and derandomized, so the suite stays fast and every run checks the same cases.
"""
import numpy as np
import pytest

import autograd_lite as ag

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import BroadcastableShapes, array_shapes, mutually_broadcastable_shapes  # noqa: E402

FEW = settings(max_examples=25, deadline=None, derandomize=True, database=None)
seeds = st.integers(0, 2**32 - 1)

# name: (op, kind of values for a, kind for b)
BROADCASTING_OPS = {
    "add": (lambda a, b: a + b, "signed", "signed"),
    "sub": (lambda a, b: a - b, "signed", "signed"),
    "mul": (lambda a, b: a * b, "signed", "signed"),
    "div": (lambda a, b: a / b, "signed", "signed"),
    "pow": (lambda a, b: a**b, "positive", "signed"),
    "maximum": (ag.maximum, "normal", "normal"),
    "minimum": (ag.minimum, "normal", "normal"),
    "where": (lambda a, b: ag.where(a.data > 0, a, b), "signed", "signed"),
}


@FEW
@given(
    name=st.sampled_from(sorted(BROADCASTING_OPS)),
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    seed=seeds,
)
def test_broadcasting_binary_gradients_match_numerical(name, shapes, seed, random_values, scalarize):
    op, kind_a, kind_b = BROADCASTING_OPS[name]
    rng = np.random.default_rng(seed)
    a_shape, b_shape = shapes.input_shapes
    a = ag.tensor(random_values(rng, a_shape, kind_a), requires_grad=True)
    b = ag.tensor(random_values(rng, b_shape, kind_b), requires_grad=True)
    out = op(a, b)
    assert out.shape == shapes.result_shape
    assert ag.gradcheck(scalarize(op, (a, b), rng), a, b)


@st.composite
def shape_and_axis(draw):
    """A shape and an axis argument for it: None, an int or a tuple, each axis possibly negative."""
    shape = draw(array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=3))
    form = draw(st.sampled_from(["none", "int", "tuple"] if shape else ["none", "tuple"]))
    if form == "none":
        return shape, None
    axes = draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=len(shape), unique=True)) if shape else []
    axes = [a - len(shape) if draw(st.booleans()) else a for a in axes]
    return shape, (axes[0] if form == "int" else tuple(axes))


REDUCTIONS = {
    "sum": np.sum,
    "mean": np.mean,
    "max": np.max,
    "min": np.min,
    "logsumexp": lambda a, axis, keepdims: np.log(np.sum(np.exp(a), axis=axis, keepdims=keepdims)),
}


@FEW
@given(name=st.sampled_from(sorted(REDUCTIONS)), case=shape_and_axis(), keepdims=st.booleans(), seed=seeds)
def test_reductions_over_random_axes(name, case, keepdims, seed, random_values, scalarize):
    shape, axis = case
    rng = np.random.default_rng(seed)
    x = ag.tensor(random_values(rng, shape, "normal"), requires_grad=True)
    reduce = lambda x: getattr(x, name)(axis=axis, keepdims=keepdims)  # noqa: E731
    out = reduce(x)
    expected = REDUCTIONS[name](x.data, axis=axis, keepdims=keepdims)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    assert ag.gradcheck(scalarize(reduce, (x,), rng), x)


@FEW
@given(shapes=mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=2, max_side=3), seed=seeds)
@example(shapes=BroadcastableShapes(((3,), (2, 3, 2)), (2, 2)), seed=0)  # 1-D . batch
@example(shapes=BroadcastableShapes(((2, 1, 2, 3), (3,)), (2, 1, 2)), seed=0)  # batch . 1-D
def test_matmul_over_random_shapes(shapes, seed, random_values, scalarize):
    rng = np.random.default_rng(seed)
    a_shape, b_shape = shapes.input_shapes
    a = ag.tensor(random_values(rng, a_shape, "normal"), requires_grad=True)
    b = ag.tensor(random_values(rng, b_shape, "normal"), requires_grad=True)
    out = a @ b
    np.testing.assert_allclose(out.data, a.data @ b.data, rtol=1e-12)
    assert ag.gradcheck(scalarize(lambda a, b: a @ b, (a, b), rng), a, b)


@FEW
@given(shape=array_shapes(min_dims=1, max_dims=4, max_side=4), data=st.data())
def test_reshape_round_trip(shape, data):
    new_shape = data.draw(st.permutations(shape))
    values = np.arange(float(np.prod(shape))).reshape(shape)
    x = ag.tensor(values, requires_grad=True)
    y = x.reshape(new_shape)
    np.testing.assert_array_equal(y.data, values.reshape(new_shape))
    back = y.reshape(shape)
    np.testing.assert_array_equal(back.data, values)
    weights = values * 10 + 1
    back.backward(gradient=weights)
    np.testing.assert_array_equal(x.grad.data, weights)  # the round trip's gradient is the identity


@FEW
@given(shape=array_shapes(min_dims=1, max_dims=4, max_side=4), data=st.data())
def test_transpose_round_trip_and_gradient(shape, data):
    permutation = data.draw(st.permutations(range(len(shape))))
    inverse = np.argsort(permutation)
    values = np.arange(float(np.prod(shape))).reshape(shape)
    x = ag.tensor(values, requires_grad=True)
    y = x.transpose(tuple(permutation))  # one tuple: NumPy's permutation (two ints would swap, as PyTorch)
    np.testing.assert_array_equal(y.data, values.transpose(permutation))
    np.testing.assert_array_equal(y.permute(*inverse).data, values)
    upstream = np.arange(float(np.prod(shape))).reshape(y.shape) ** 2
    y.backward(gradient=upstream)
    np.testing.assert_array_equal(x.grad.data, upstream.transpose(inverse))


@FEW
@given(
    shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    seed=seeds,
)
def test_gradient_of_a_broadcast_input_is_summed_back_to_its_shape(shapes, seed):
    rng = np.random.default_rng(seed)
    a_shape, b_shape = shapes.input_shapes
    a = ag.tensor(rng.standard_normal(a_shape), requires_grad=True)
    b = ag.tensor(rng.standard_normal(b_shape), requires_grad=True)
    upstream = rng.standard_normal(shapes.result_shape)
    (a * b).backward(gradient=upstream)
    full_a = upstream * np.broadcast_to(b.data, shapes.result_shape)
    lead = len(shapes.result_shape) - len(a_shape)
    expected = full_a.sum(axis=tuple(range(lead))) if lead else full_a
    expected = expected.sum(axis=tuple(i for i, n in enumerate(a_shape) if n == 1), keepdims=True)
    assert a.grad.shape == a_shape and b.grad.shape == b_shape
    np.testing.assert_allclose(a.grad.data, expected.reshape(a_shape), rtol=1e-12, atol=1e-12)
