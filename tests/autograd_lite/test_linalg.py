"""matmul: 1-D and 2-D operands, batches with broadcast batch dimensions, arrays on either side."""
import numpy as np
import pytest

import autograd_lite as ag

MATMUL_SHAPES = [
    ((4,), (4,)),  # 1-D . 1-D -> 0-d
    ((4,), (4, 3)),  # 1-D . 2-D
    ((3, 4), (4,)),  # 2-D . 1-D
    ((3, 4), (4, 2)),  # 2-D . 2-D
    ((1, 4), (4, 1)),
    ((2, 3, 4), (2, 4, 5)),  # batched
    ((2, 1, 3, 4), (5, 4, 2)),  # broadcast batch dimensions
    ((3, 4), (2, 4, 5)),  # a 2-D operand broadcast over b's batch
    ((2, 3, 4), (4, 5)),
    ((2, 3, 4), (4,)),  # batch . 1-D
    ((4,), (2, 4, 5)),  # 1-D . batch
    ((4,), (2, 1, 4, 5)),
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_forward_matches_numpy(shapes, leaf):
    a, b = leaf(shapes[0], "normal"), leaf(shapes[1], "normal")
    expected = np.matmul(a.data, b.data)
    for out in (a @ b, ag.matmul(a, b), a.matmul(b)):
        assert out.shape == expected.shape
        np.testing.assert_allclose(out.data, expected, rtol=1e-13)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_gradients(shapes, dtype, leaf, check):
    a, b = leaf(shapes[0], "normal", dtype), leaf(shapes[1], "normal", dtype)
    assert (a @ b).dtype == dtype
    check(lambda a, b: a @ b, a, b)


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("shapes", [((3, 4), (4, 2)), ((2, 1, 3, 4), (5, 4, 2)), ((4,), (4, 3)), ((3, 4), (4,))], ids=str)
def test_matmul_with_one_operand_requiring_grad(shapes, side, leaf, check):
    a = leaf(shapes[0], "normal", requires_grad=side == "left")
    b = leaf(shapes[1], "normal", requires_grad=side == "right")
    if side == "left":
        check(lambda a: a @ b, a)
    else:
        check(lambda b: a @ b, b)
    (a @ b).sum().backward()
    assert (b if side == "left" else a).grad is None


def test_matmul_gradients_against_closed_forms(leaf, rng):
    a, b = leaf((3, 4), "normal"), leaf((4, 2), "normal")
    g = rng.standard_normal((3, 2))
    (a @ b).backward(gradient=g)
    np.testing.assert_allclose(a.grad.data, g @ b.data.T, rtol=1e-13)
    np.testing.assert_allclose(b.grad.data, a.data.T @ g, rtol=1e-13)


def test_vector_dot_product_gradient(leaf):
    u, v = leaf((5,), "normal"), leaf((5,), "normal")
    (u @ v).backward()
    np.testing.assert_array_equal(u.grad.data, v.data)
    np.testing.assert_array_equal(v.grad.data, u.data)


def test_broadcast_batch_gradient_sums_over_the_broadcast_axes(leaf, rng):
    a, b = leaf((3, 4), "normal"), leaf((2, 4, 5), "normal")
    g = rng.standard_normal((2, 3, 5))
    (a @ b).backward(gradient=g)
    np.testing.assert_allclose(a.grad.data, sum(g[i] @ b.data[i].T for i in range(2)), rtol=1e-12)
    np.testing.assert_allclose(b.grad.data, np.stack([a.data.T @ g[i] for i in range(2)]), rtol=1e-12)


@pytest.mark.parametrize("side", ["left", "right"])
def test_numpy_array_operand(side, rng, leaf, check):
    constant = rng.standard_normal((3, 4))
    if side == "left":
        x = leaf((4, 2), "normal")
        op = lambda x: constant @ x  # noqa: E731  (ndarray @ Tensor uses Tensor.__rmatmul__)
        expected = constant @ x.data
    else:
        x = leaf((5, 3), "normal")
        op = lambda x: x @ constant  # noqa: E731
        expected = x.data @ constant
    out = op(x)
    assert isinstance(out, ag.Tensor)
    np.testing.assert_allclose(out.data, expected, rtol=1e-13)
    check(op, x)


def test_matmul_of_a_list_and_a_tensor(leaf):
    x = leaf((2, 2), "normal")
    np.testing.assert_allclose(ag.matmul([[1.0, 2.0]], x).data, np.array([[1.0, 2.0]]) @ x.data)


# --------------------------------------------------------------------------- dot, mm, bmm: PyTorch's strict forms

STRICT = {  # name: (function, shapes of a and b)
    "dot": (ag.dot, (5,), (5,)),
    "mm": (ag.mm, (3, 4), (4, 2)),
    "bmm": (ag.bmm, (2, 3, 4), (2, 4, 5)),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", STRICT)
def test_dot_mm_bmm_values_and_gradients(name, dtype, leaf, check):
    function, shape_a, shape_b = STRICT[name]
    a, b = leaf(shape_a, "normal", dtype), leaf(shape_b, "normal", dtype)
    expected = np.matmul(a.data, b.data)
    for out in (function(a, b), getattr(a, name)(b)):
        assert out.shape == expected.shape and out.dtype == dtype
        np.testing.assert_allclose(out.data, expected, rtol=1e-6 if dtype == np.float32 else 1e-13)
    check(function, a, b)


@pytest.mark.parametrize("name, shape_a, shape_b, message", [
    ("dot", (3,), (4,), r"dot: shapes \(3,\) and \(4,\) do not match"),
    ("dot", (3, 1), (3,), r"dot: expects two 1-dimensional tensors, got shapes \(3, 1\) and \(3,\)"),
    ("mm", (2, 3), (4, 2), r"mm: shapes \(2, 3\) and \(4, 2\) do not match"),
    ("mm", (2, 3, 4), (4, 2), "mm: expects two 2-dimensional tensors"),
    ("bmm", (2, 3, 4), (3, 4, 5), r"bmm: shapes \(2, 3, 4\) and \(3, 4, 5\) do not match"),  # no broadcasting
    ("bmm", (3, 4), (4, 5), "bmm: expects two 3-dimensional tensors"),
])
def test_dot_mm_bmm_refuse_what_pytorch_refuses(name, shape_a, shape_b, message):
    with pytest.raises(ValueError, match=message):
        getattr(ag, name)(ag.ones(shape_a), ag.ones(shape_b))


def test_second_derivative_through_mm(leaf, rng):
    a, b = leaf((3, 4), "normal"), leaf((4, 2), "normal")
    w = rng.normal(size=(3, 4))

    def weighted_gradient(a):
        with ag.enable_grad():  # gradcheck evaluates f under no_grad
            (g,) = ag.grad((ag.mm(a, b).tanh()).sum(), a, create_graph=True)
        return (g * w).sum()

    assert ag.gradcheck(weighted_gradient, a)
