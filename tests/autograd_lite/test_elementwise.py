"""Elementwise primitives: forward values against NumPy, gradients against the numerical oracle.

Inputs avoid the kinks of each op (see conftest.random_array); the behaviour
exactly at a kink (relu/abs at 0, ties of maximum/minimum, clip bounds) has
dedicated tests with exact expected values.
"""
import math
import warnings

import numpy as np
import pytest

import autograd_lite as ag

# name: (operator/method form, ag function, NumPy reference, kind of a, kind of b)
BINARY = {
    "add": (lambda a, b: a + b, ag.add, np.add, "signed", "signed"),
    "sub": (lambda a, b: a - b, ag.sub, np.subtract, "signed", "signed"),
    "mul": (lambda a, b: a * b, ag.mul, np.multiply, "signed", "signed"),
    "div": (lambda a, b: a / b, ag.div, np.divide, "signed", "signed"),
    "pow": (lambda a, b: a**b, ag.pow, np.power, "positive", "signed"),
    "maximum": (lambda a, b: a.maximum(b), ag.maximum, np.maximum, "normal", "normal"),
    "minimum": (lambda a, b: a.minimum(b), ag.minimum, np.minimum, "normal", "normal"),
}

BROADCAST_SHAPES = [
    ((3, 4), (3, 4)),
    ((3, 1), (1, 4)),
    ((2, 3, 4), (4,)),
    ((4,), (2, 3, 4)),
    ((), (2, 3)),
    ((2, 3), ()),
]

UNARY = {
    "exp": (lambda x: x.exp(), ag.exp, np.exp, "normal"),
    "log": (lambda x: x.log(), ag.log, np.log, "positive"),
    "tanh": (lambda x: x.tanh(), ag.tanh, np.tanh, "normal"),
    "sigmoid": (lambda x: x.sigmoid(), ag.sigmoid, lambda v: 1 / (1 + np.exp(-v)), "normal"),
    "relu": (lambda x: x.relu(), ag.relu, lambda v: np.maximum(v, 0), "signed"),
    "sqrt": (lambda x: x.sqrt(), ag.sqrt, np.sqrt, "positive"),
    "abs": (lambda x: x.abs(), ag.abs, np.abs, "signed"),
    "neg": (lambda x: -x, lambda x: ag.sub(0.0, x), np.negative, "normal"),
    "sin": (lambda x: x.sin(), ag.sin, np.sin, "normal"),
    "cos": (lambda x: x.cos(), ag.cos, np.cos, "normal"),
    "log1p": (lambda x: x.log1p(), ag.log1p, np.log1p, "positive"),
    "expm1": (lambda x: x.expm1(), ag.expm1, np.expm1, "normal"),
    "abs()": (lambda x: abs(x), ag.abs, np.abs, "signed"),
}


# --------------------------------------------------------------------------- binary arithmetic


@pytest.mark.parametrize("form", ["operator", "function"])
@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
@pytest.mark.parametrize("name", BINARY)
def test_binary_gradients_with_broadcasting(name, shapes, form, leaf, check):
    operator, function, _, kind_a, kind_b = BINARY[name]
    op = operator if form == "operator" else function
    a, b = leaf(shapes[0], kind_a), leaf(shapes[1], kind_b)
    check(op, a, b)


@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
@pytest.mark.parametrize("name", BINARY)
def test_binary_forward_matches_numpy(name, shapes, leaf):
    operator, function, reference, kind_a, kind_b = BINARY[name]
    a, b = leaf(shapes[0], kind_a), leaf(shapes[1], kind_b)
    expected = reference(a.data, b.data)
    for out in (operator(a, b), function(a, b)):
        assert out.shape == expected.shape
        np.testing.assert_allclose(out.data, expected, rtol=1e-13)


@pytest.mark.parametrize("needs", ["first", "second"])
@pytest.mark.parametrize("name", BINARY)
def test_binary_gradient_when_only_one_input_requires_grad(name, needs, leaf, check):
    operator, _, _, kind_a, kind_b = BINARY[name]
    a = leaf((3, 1), kind_a, requires_grad=needs == "first")
    b = leaf((1, 4), kind_b, requires_grad=needs == "second")
    # Only the input that requires grad is passed (the other is closed over): this exercises the
    # rules' "which inputs need grad" branches; test_gradcheck covers gradcheck with mixed inputs.
    if needs == "first":
        check(lambda a: operator(a, b), a)
    else:
        check(lambda b: operator(a, b), b)
    operator(a, b).sum().backward()
    constant = b if needs == "first" else a
    assert constant.grad is None


def test_mul_gradient_is_the_other_factor_summed_over_broadcast(leaf):
    a, b = leaf((3, 1)), leaf((1, 4))
    (a * b).sum().backward()
    np.testing.assert_allclose(a.grad.data, np.broadcast_to(b.data, (3, 4)).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(b.grad.data, np.broadcast_to(a.data, (3, 4)).sum(axis=0, keepdims=True))


def test_pow_gradients_against_closed_forms(leaf):
    a, b = leaf((5,), "positive"), leaf((5,), "signed")
    (a**b).sum().backward()
    np.testing.assert_allclose(a.grad.data, b.data * a.data ** (b.data - 1))
    np.testing.assert_allclose(b.grad.data, a.data**b.data * np.log(a.data))


@pytest.mark.parametrize("exponent", [2, 3, -1, 0.5, -1.5, 2.0])
def test_pow_with_scalar_exponent(exponent, leaf, check):
    kind = "signed" if float(exponent).is_integer() else "positive"  # negative bases only for integer powers
    x = leaf((2, 3), kind)
    np.testing.assert_allclose((x**exponent).data, x.data**exponent)
    check(lambda x: x**exponent, x)
    (x**exponent).sum().backward()
    np.testing.assert_allclose(x.grad.data, exponent * x.data ** (exponent - 1))


def test_power_of_a_negative_base_has_no_exponent_gradient():
    """d(a^b)/db = a^b log(a) is used only where a > 0; elsewhere it is 0, not NaN."""
    a = ag.tensor([-2.0, 2.0])
    b = ag.tensor([2.0, 2.0], requires_grad=True)
    (a**b).sum().backward()
    np.testing.assert_allclose(b.grad.data, [0.0, 4.0 * np.log(2.0)])


# --------------------------------------------------------------------------- reflected forms


REFLECTED_SCALAR = {
    "2 + x": (lambda x: 2 + x, lambda v: 2 + v, "signed"),
    "2 - x": (lambda x: 2 - x, lambda v: 2 - v, "signed"),
    "2.5 * x": (lambda x: 2.5 * x, lambda v: 2.5 * v, "signed"),
    "1 / x": (lambda x: 1 / x, lambda v: 1 / v, "signed"),
    "2 ** x": (lambda x: 2**x, lambda v: 2.0**v, "normal"),
    "x - 2": (lambda x: x - 2, lambda v: v - 2, "signed"),
    "x / 4": (lambda x: x / 4, lambda v: v / 4, "signed"),
    "ag.sub(1.5, x)": (lambda x: ag.sub(1.5, x), lambda v: 1.5 - v, "signed"),
    "ag.div(3, x)": (lambda x: ag.div(3, x), lambda v: 3 / v, "signed"),
    "ag.pow(3.0, x)": (lambda x: ag.pow(3.0, x), lambda v: 3.0**v, "normal"),
    "ag.maximum(0.25, x)": (lambda x: ag.maximum(0.25, x), lambda v: np.maximum(0.25, v), "signed"),
    "ag.minimum(x, 1)": (lambda x: ag.minimum(x, 1), lambda v: np.minimum(v, 1), "positive"),
}


@pytest.mark.parametrize("name", REFLECTED_SCALAR)
def test_python_number_operands(name, leaf, check):
    op, reference, kind = REFLECTED_SCALAR[name]
    x = leaf((2, 3), kind)
    out = op(x)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, reference(x.data), rtol=1e-13)
    check(op, x)


def test_reflected_gradients_against_closed_forms(leaf):
    x = leaf((4,), "signed")
    (2 - x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, -np.ones(4))
    x.grad = None
    (1 / x).sum().backward()
    np.testing.assert_allclose(x.grad.data, -1 / x.data**2)
    x.grad = None
    (2**x).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2.0**x.data * np.log(2.0))


ARRAY_OPERATIONS = {
    "array + x": (lambda c, x: c + x, np.add),
    "array - x": (lambda c, x: c - x, np.subtract),
    "array * x": (lambda c, x: c * x, np.multiply),
    "array / x": (lambda c, x: c / x, np.divide),
    "array ** x": (lambda c, x: np.abs(c) ** x, lambda c, v: np.abs(c) ** v),
    "x - array": (lambda c, x: x - c, lambda c, v: v - c),
    "x / array": (lambda c, x: x / c, lambda c, v: v / c),
}


@pytest.mark.parametrize("name", ARRAY_OPERATIONS)
def test_numpy_array_operands_on_either_side(name, rng, leaf, check):
    op, reference = ARRAY_OPERATIONS[name]
    constant = rng.uniform(0.5, 2.0, (3, 1))  # broadcasts against x
    x = leaf((4,), "signed")
    out = op(constant, x)
    assert isinstance(out, ag.Tensor), "ndarray (op) Tensor must defer to the Tensor's reflected method"
    assert out.shape == (3, 4)
    np.testing.assert_allclose(out.data, reference(constant, x.data), rtol=1e-13)
    check(lambda x: op(constant, x), x)


def test_list_operand_is_converted(leaf, check):
    x = leaf((2,), "signed")
    np.testing.assert_allclose(([1.0, 2.0] - x).data, np.array([1.0, 2.0]) - x.data)
    check(lambda x: [1.0, 2.0] - x, x)


# --------------------------------------------------------------------------- unary functions


@pytest.mark.parametrize("form", ["method", "function"])
@pytest.mark.parametrize("shape", [(), (5,), (2, 3, 4)], ids=str)
@pytest.mark.parametrize("name", UNARY)
def test_unary_gradients(name, shape, form, leaf, check):
    method, function, _, kind = UNARY[name]
    x = leaf(shape, kind)
    check(method if form == "method" else function, x)


@pytest.mark.parametrize("name", UNARY)
def test_unary_forward_matches_numpy(name, leaf):
    method, function, reference, kind = UNARY[name]
    x = leaf((2, 3), kind)
    for out in (method(x), function(x)):
        np.testing.assert_allclose(out.data, reference(x.data), rtol=1e-13)
        assert out.requires_grad and out.grad_fn is not None


def test_unary_gradients_against_closed_forms(leaf):
    x = leaf((6,), "positive")
    closed_forms = {
        ag.exp: np.exp(x.data),
        ag.log: 1 / x.data,
        ag.tanh: 1 - np.tanh(x.data) ** 2,
        ag.sigmoid: np.exp(-x.data) / (1 + np.exp(-x.data)) ** 2,
        ag.sqrt: 0.5 / np.sqrt(x.data),
    }
    for function, expected in closed_forms.items():
        x.grad = None
        function(x).sum().backward()
        np.testing.assert_allclose(x.grad.data, expected, rtol=1e-12, err_msg=function.__name__)


def test_relu_and_abs_derivatives_including_zero():
    """Convention (as in PyTorch): the derivative at the kink x = 0 is 0."""
    x = ag.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 1.0])
    x.grad = None
    x.abs().sum().backward()
    np.testing.assert_array_equal(x.grad.data, [-1.0, 0.0, 1.0])


def test_functions_accept_plain_arrays():
    np.testing.assert_allclose(ag.exp([0.0, 1.0]).data, [1.0, np.e])
    assert not ag.tanh(np.ones(2)).requires_grad


def test_sigmoid_is_stable_for_large_inputs():
    x = ag.tensor([-1000.0, -50.0, 0.0, 50.0, 1000.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow RuntimeWarning fails the test
        y = x.sigmoid()
        y.sum().backward()
    np.testing.assert_allclose(y.data, [0.0, 1 / (1 + np.exp(50.0)), 0.5, 1 / (1 + np.exp(-50.0)), 1.0], rtol=1e-12)
    assert np.all(np.isfinite(x.grad.data))
    assert x.grad.data[2] == 0.25


# --------------------------------------------------------------------------- maximum / minimum ties


def test_maximum_and_minimum_ties_share_the_gradient_equally():
    a = ag.tensor([1.0, 2.0, 3.0, -1.0], requires_grad=True)
    b = ag.tensor([1.0, 0.0, 3.0, 5.0], requires_grad=True)
    ag.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [0.5, 1.0, 0.5, 0.0])
    np.testing.assert_array_equal(b.grad.data, [0.5, 0.0, 0.5, 1.0])
    a.grad = b.grad = None
    ag.minimum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [0.5, 0.0, 0.5, 1.0])
    np.testing.assert_array_equal(b.grad.data, [0.5, 1.0, 0.5, 0.0])


def test_maximum_with_a_scalar_tie_sums_back_over_broadcast():
    x = ag.tensor([2.0, 3.0, 1.0], requires_grad=True)
    m = ag.tensor(2.0, requires_grad=True)
    (ag.maximum(x, m) * ag.tensor([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.5, 10.0, 0.0])
    assert m.grad.item() == 0.5 + 100.0


# --------------------------------------------------------------------------- where and clip


def test_where_forward_and_exact_gradients(leaf):
    a, b = leaf((3, 4)), leaf((4,))
    condition = a.data > 0
    out = ag.where(condition, a, b)
    np.testing.assert_array_equal(out.data, np.where(condition, a.data, b.data))
    out.sum().backward()
    np.testing.assert_array_equal(a.grad.data, condition.astype(float))
    np.testing.assert_array_equal(b.grad.data, (~condition).sum(axis=0).astype(float))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("condition_kind", ["array", "tensor"])
def test_where_gradcheck_with_broadcasting(condition_kind, dtype, leaf, check):
    a, b = leaf((3, 1), dtype=dtype), leaf((1, 4), dtype=dtype)
    mask = np.arange(12).reshape(3, 4) % 3 == 0
    condition = mask if condition_kind == "array" else ag.tensor(mask)
    check(lambda a, b: ag.where(condition, a * a, b.exp()), a, b)


def test_where_with_a_python_number_branch(leaf, check):
    x = leaf((2, 3))
    out = ag.where(x > 0, x, 0.0)
    np.testing.assert_array_equal(out.data, np.where(x.data > 0, x.data, 0.0))
    check(lambda x: ag.where(x.data > 0, x, 0.0), x)


CLIP_VALUES = np.array([-2.5, -1.5, -0.5, 0.25, 0.5, 1.5, 2.5])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "low, high, form",
    [(-1.0, 1.0, "method"), (-1.0, 1.0, "function"), (None, 1.0, "method"), (0.0, None, "function")],
)
def test_clip_forward_and_gradient(low, high, form, dtype, check):
    x = ag.tensor(CLIP_VALUES.astype(dtype), requires_grad=True)
    op = (lambda x: x.clip(low, high)) if form == "method" else (lambda x: ag.clip(x, low, high))
    assert op(x).dtype == dtype
    np.testing.assert_array_equal(op(x).data, np.clip(CLIP_VALUES, low, high).astype(dtype))
    check(op, x)
    op(x).sum().backward()
    inside = np.ones(CLIP_VALUES.shape, bool)
    if low is not None:
        inside &= CLIP_VALUES >= low
    if high is not None:
        inside &= CLIP_VALUES <= high
    np.testing.assert_array_equal(x.grad.data, inside.astype(float))


def test_clip_bounds_are_inside():
    x = ag.tensor([0.0, 1.0], requires_grad=True)
    x.clip(0.0, 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])


# --------------------------------------------------------------------------- astype


def test_astype_float32_to_float64_gradcheck(leaf, check):
    x = leaf((2, 3), dtype=np.float32)
    y = x.astype(np.float64)
    assert y.dtype == np.float64 and y.grad_fn.label() == "astype(float64)"
    np.testing.assert_array_equal(y.data, x.data.astype(np.float64))
    check(lambda x: x.astype(np.float64), x)


def test_astype_float64_to_float32_sends_the_gradient_back_in_float64(leaf, rng):
    x = leaf((3,))
    weights = rng.standard_normal(3).astype(np.float32)
    y = x.astype(np.float32)
    assert y.dtype == np.float32
    (y * ag.tensor(weights)).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.data, weights.astype(np.float64))


def test_astype_gradient_upstream_keeps_the_intermediate_dtype(leaf):
    x = leaf((3,), dtype=np.float32)
    hidden = x * 2  # float32
    hidden.astype(np.float64).sum().backward(retain_graph=True)
    assert hidden.grad_fn.kept_grad.dtype == np.float32  # dL/dhidden, kept by retain_graph
    np.testing.assert_array_equal(x.grad.data, np.full(3, 2, np.float32))


def test_astype_to_integer_carries_no_gradient():
    x = ag.tensor([1.7, -2.2], requires_grad=True)
    y = x.astype(np.int64)
    assert y.dtype == np.int64 and not y.requires_grad and y.grad_fn is None
    np.testing.assert_array_equal(y.data, [1, -2])


# --------------------------------------------------------------------------- comparisons


COMPARISONS = {
    "<": (lambda a, b: a < b, np.less),
    "<=": (lambda a, b: a <= b, np.less_equal),
    ">": (lambda a, b: a > b, np.greater),
    ">=": (lambda a, b: a >= b, np.greater_equal),
    "==": (lambda a, b: a == b, np.equal),
    "!=": (lambda a, b: a != b, np.not_equal),
}


@pytest.mark.parametrize("other_kind", ["tensor", "array", "number", "number on the left"])
@pytest.mark.parametrize("symbol", COMPARISONS)
def test_comparisons_give_bool_tensors_without_grad(symbol, other_kind):
    compare, reference = COMPARISONS[symbol]
    x = ag.tensor([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]], requires_grad=True)
    other = {"tensor": ag.tensor([2.0, 2.0, 2.0]), "array": np.array([2.0, 2.0, 2.0]), "number": 2.0,
             "number on the left": 2.0}[other_kind]
    out = compare(other, x) if other_kind == "number on the left" else compare(x, other)
    expected = reference(2.0, x.data) if other_kind == "number on the left" else reference(x.data, np.asarray(other))
    assert isinstance(out, ag.Tensor)
    assert out.dtype == np.bool_
    assert out.requires_grad is False and out.grad_fn is None and out.is_leaf
    np.testing.assert_array_equal(out.data, expected)


# --------------------------------------------------------------------------- float32


@pytest.mark.parametrize("shapes", [((3, 1), (1, 4)), ((), (2, 3))], ids=str)
@pytest.mark.parametrize("name", BINARY)
def test_binary_float32(name, shapes, leaf, check):
    operator, _, reference, kind_a, kind_b = BINARY[name]
    a, b = leaf(shapes[0], kind_a, np.float32), leaf(shapes[1], kind_b, np.float32)
    out = operator(a, b)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, reference(a.data, b.data), rtol=1e-6)
    check(operator, a, b)


@pytest.mark.parametrize("name", UNARY)
def test_unary_float32(name, leaf, check):
    method, _, reference, kind = UNARY[name]
    x = leaf((2, 3), kind, np.float32)
    out = method(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, reference(x.data.astype(np.float64)), rtol=1e-6)
    check(method, x)


@pytest.mark.parametrize("name", REFLECTED_SCALAR)
def test_python_numbers_keep_float32(name, leaf, check):
    op, _, kind = REFLECTED_SCALAR[name]
    x = leaf((2, 3), kind, np.float32)
    assert op(x).dtype == np.float32
    check(op, x)


def test_mixing_float32_and_float64_tensors_promotes_but_keeps_leaf_gradient_dtypes(leaf, check):
    a, b = leaf((3,), dtype=np.float32), leaf((3,), dtype=np.float64)
    assert (a * b).dtype == np.float64
    check(lambda a, b: a * b, a, b)


# --------------------------------------------------------------------------- erf


def _math_erf(values):
    return np.array([math.erf(v) for v in np.ravel(values)]).reshape(np.shape(values))


def test_erf_is_within_two_ulp_of_math_erf_everywhere():
    grid = np.linspace(-7.0, 7.0, 280_001)  # every piece of the table, both signs, the 6.0 cut-off
    tiny = np.geomspace(1e-300, 1e-3, 2_000)  # erf(x) ~ 2x/sqrt(pi): relative precision must hold
    x = np.concatenate([grid, tiny, -tiny, [5e-324, 5.99999999, 6.0, 30.0]])
    got, expected = ag.erf(ag.tensor(x)).data, _math_erf(x)
    ulps = np.abs(got - expected) / np.spacing(np.abs(expected))
    assert ulps.max() <= 2, f"worst at x={x[ulps.argmax()]!r}: {ulps.max()} ulp"


def test_erf_special_values_and_dtypes():
    special = ag.erf(ag.tensor([0.0, -0.0, np.inf, -np.inf, np.nan])).data
    np.testing.assert_array_equal(special[:4], [0.0, -0.0, 1.0, -1.0])
    assert np.signbit(special[1]) and np.isnan(special[4])
    x32 = ag.tensor(np.linspace(-3, 3, 101, dtype=np.float32))
    out = x32.erf()
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, _math_erf(x32.data.astype(np.float64)), rtol=1e-7, atol=1e-8)
    assert ag.erf(ag.tensor([1, 2])).dtype == np.float64  # integers give floats, as np.exp does
    assert ag.erf(ag.tensor(0.5)).shape == ()


@pytest.mark.parametrize("shape", [(), (5,), (2, 3), (2, 3, 4)], ids=str)
def test_erf_gradient(shape, leaf, check):
    x = leaf(shape, "normal")
    check(ag.erf, x)
    check(lambda x: x.erf(), x)


def test_erf_gradient_float32(leaf, check):
    check(ag.erf, leaf((3, 4), "normal", np.float32))


def test_erf_backward_and_second_derivative_are_the_closed_forms():
    x = ag.tensor(np.linspace(-2.5, 2.5, 11), requires_grad=True)
    (slope,) = ag.grad(ag.erf(x).sum(), x, create_graph=True)
    gaussian = 2 / np.sqrt(np.pi) * np.exp(-x.data**2)
    np.testing.assert_allclose(slope.data, gaussian, rtol=1e-15)
    (curvature,) = ag.grad(slope.sum(), x)
    np.testing.assert_allclose(curvature.data, -2 * x.data * gaussian, rtol=1e-14, atol=1e-16)


def test_erf_jvp_matches_central_differences():
    from autograd_lite.elementwise import Erf

    rng = np.random.default_rng(0)
    x, v, eps = rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), 1e-6
    y = Erf().forward(x)
    tangent = Erf().jvp((v,), y, x)
    numerical = (Erf().forward(x + eps * v) - Erf().forward(x - eps * v)) / (2 * eps)
    np.testing.assert_allclose(tangent, numerical, rtol=1e-6, atol=1e-9)


# --------------------------------------------------------------------------- sin cos log1p expm1, pow and clamp


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(), (5,), (2, 3, 4)], ids=str)
@pytest.mark.parametrize("kind", ["Sin", "Cos", "Log1p", "Expm1"])
def test_new_unary_jvp_matches_central_differences(kind, shape, dtype, rng, check_jvp):
    from autograd_lite import elementwise

    x = (rng.uniform(-0.5, 2.0, shape) if kind == "Log1p" else rng.normal(size=shape)).astype(dtype)
    check_jvp(getattr(elementwise, kind), x)


def test_new_unary_second_derivatives_are_the_closed_forms():
    x = ag.tensor(np.linspace(-0.9, 3.0, 13), requires_grad=True)
    v = x.data
    closed_forms = {  # f: (f', f'')
        ag.sin: (np.cos(v), -np.sin(v)),
        ag.cos: (-np.sin(v), -np.cos(v)),
        ag.log1p: (1 / (1 + v), -1 / (1 + v) ** 2),
        ag.expm1: (np.exp(v), np.exp(v)),
    }
    for f, (first, second) in closed_forms.items():
        (slope,) = ag.grad(f(x).sum(), x, create_graph=True)
        np.testing.assert_allclose(slope.data, first, rtol=1e-14, atol=1e-15)
        (curvature,) = ag.grad(slope.sum(), x)
        np.testing.assert_allclose(curvature.data, second, rtol=1e-13, atol=1e-15)


def test_log1p_and_expm1_keep_the_precision_of_small_x():
    tiny = ag.tensor([1e-12, -3e-17])
    np.testing.assert_array_equal(tiny.log1p().data, np.log1p(tiny.data))
    np.testing.assert_array_equal(tiny.expm1().data, np.expm1(tiny.data))
    assert tiny.log1p().data[0] != np.log(1 + tiny.data[0])  # what the naive formula would lose


def test_pow_method_is_the_operator(leaf, check):
    x = leaf((2, 3), "positive")
    np.testing.assert_array_equal(x.pow(2.5).data, (x**2.5).data)
    np.testing.assert_array_equal(ag.pow(x, 3).data, x.data**3)
    check(lambda x: x.pow(3), x)
    assert x.pow(2).grad_fn.op == "pow"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_clamp_is_clip_with_pytorchs_keywords(dtype, check):
    x = ag.tensor(np.array([-2.0, -0.5, 0.25, 1.5, 3.0], dtype=dtype), requires_grad=True)
    np.testing.assert_array_equal(x.clamp(min=0.0).data, np.clip(x.data, 0.0, None))
    np.testing.assert_array_equal(x.clamp(max=1.0).data, np.clip(x.data, None, 1.0))
    np.testing.assert_array_equal(ag.clamp(x, -1.0, 1.0).data, ag.clip(x, -1.0, 1.0).data)
    assert x.clamp(min=0.0).dtype == dtype
    ag.clamp(x, min=-1.0, max=2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0, 1, 1, 1, 0])
    with pytest.raises(ValueError, match="clip"):
        x.clamp()
