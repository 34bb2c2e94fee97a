"""The numerical oracle itself: numerical_gradient, gradcheck, GradcheckError."""
import re

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.tensor import apply
from conftest import Square


class WrongSquare(Square):
    """x^2 with a deliberately wrong derivative: x instead of 2x."""

    op = "wrong_square"

    def backward(self, g, y, x):
        return (g * x,)


class WrongShape(Square):
    """A backward that returns the gradient transposed (a typical bug in a hand-written rule)."""

    op = "wrong_shape"

    def backward(self, g, y, x):
        return (2 * g * x).T,


def number_after(label, message):
    match = re.search(label + r" (?:np\.float64\()?(-?[\d.]+(?:e-?\d+)?)", message)
    assert match, f"no number after {label!r} in: {message}"
    return float(match.group(1))


# --------------------------------------------------------------------------- gradcheck


def test_gradcheck_returns_true_for_correct_gradients(leaf):
    a, b = leaf((3, 1)), leaf((1, 4))
    assert ag.gradcheck(lambda a, b: (a * b).tanh().sum(), a, b) is True
    assert ag.gradcheck(lambda x: apply(Square(), x).sum(), a) is True


def test_gradcheck_reports_a_wrong_backward_rule():
    x = ag.tensor([1.0, 3.0, -2.0], requires_grad=True)
    with pytest.raises(ag.GradcheckError) as caught:
        ag.gradcheck(lambda x: apply(WrongSquare(), x).sum(), x)
    message = str(caught.value)
    assert "input 0" in message and "(3,)" in message
    assert "index (1,)" in message  # the worst element: |3 - 6| is the largest error
    assert number_after("autodiff gives", message) == pytest.approx(3.0)
    assert number_after("numerical gives", message) == pytest.approx(6.0, rel=1e-6)
    assert "error 3" in message
    assert isinstance(caught.value, AssertionError)


def test_gradcheck_names_the_failing_input_by_position_and_name(leaf):
    good, bad = leaf((2,)), leaf((2, 2))
    bad.name = "W"
    with pytest.raises(ag.GradcheckError, match=r"input 1 \(W\) of shape \(2, 2\)"):
        ag.gradcheck(lambda a, b: (a * 2).sum() + apply(WrongSquare(), b).sum(), good, bad)


def test_gradcheck_catches_a_forgotten_path(leaf):
    x = leaf((3,))
    with pytest.raises(ag.GradcheckError):
        ag.gradcheck(lambda x: (x.detach() * x).sum(), x)  # autodiff sees only one of the two factors


def test_gradcheck_accepts_inputs_that_do_not_require_grad(leaf):
    """Only inputs that require grad are checked, but f still receives every input, in order."""
    a, constant = leaf((3,)), leaf((3,), requires_grad=False)
    assert ag.gradcheck(lambda a, c: (a * c).exp().sum(), a, constant) is True
    assert ag.gradcheck(lambda c, a: (a / c).sum(), constant, a) is True


def test_gradcheck_reports_a_gradient_of_the_wrong_shape_naming_the_op(leaf):
    x = leaf((3, 2))
    with pytest.raises((ag.GradcheckError, RuntimeError, ValueError)) as caught:
        ag.gradcheck(lambda x: (apply(WrongShape(), x) * np.arange(6.0).reshape(3, 2)).sum(), x)
    message = str(caught.value)
    assert "wrong_shape" in message or "input 0" in message
    assert "(2, 3)" in message and "(3, 2)" in message


def test_gradcheck_leaves_grad_and_data_untouched(leaf):
    x, w = leaf((3,)), leaf((3,), dtype=np.float32)
    w.grad = ag.tensor(np.array([1.0, 2.0, 3.0], np.float32))
    x_data, w_data, w_values = x.data, w.data, w.data.copy()
    ag.gradcheck(lambda x, w: (x * w).sum(), x, w)
    assert x.grad is None
    np.testing.assert_array_equal(w.grad.data, [1.0, 2.0, 3.0])
    assert x.data is x_data and w.data is w_data and w.dtype == np.float32
    np.testing.assert_array_equal(w.data, w_values)


def test_gradcheck_rejects_non_scalar_f_and_inputs_without_grad(leaf):
    x = leaf((3,))
    with pytest.raises(ValueError, match="scalar"):
        ag.gradcheck(lambda x: x * 2, x)
    with pytest.raises(ValueError, match="requires grad|requires_grad"):
        ag.gradcheck(lambda x: x.sum(), leaf((3,), requires_grad=False))


def test_gradcheck_tolerances_are_used(leaf):
    """An error of ~1e-3 relative passes with rtol=1e-2 and fails with the default rtol=1e-3."""

    class SlightlyWrong(Square):
        def backward(self, g, y, x):
            return (2 * g * x * 1.005,)

    x = leaf((3,), "positive")
    assert ag.gradcheck(lambda x: apply(SlightlyWrong(), x).sum(), x, rtol=1e-2)
    with pytest.raises(ag.GradcheckError):
        ag.gradcheck(lambda x: apply(SlightlyWrong(), x).sum(), x)


# --------------------------------------------------------------------------- numerical_gradient


def test_numerical_gradient_of_known_functions(leaf):
    x, w = leaf((2, 3), "normal"), leaf((2, 3), "normal")
    (gx,) = ag.numerical_gradient(lambda x: (x * x).sum(), x)
    np.testing.assert_allclose(gx, 2 * x.data, rtol=1e-7, atol=1e-9)
    gx, gw = ag.numerical_gradient(lambda x, w: (x.exp() * w).sum(), x, w)
    np.testing.assert_allclose(gx, np.exp(x.data) * w.data, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(gw, np.exp(x.data), rtol=1e-7, atol=1e-9)
    assert gx.dtype == np.float64 and gx.shape == (2, 3)


def test_numerical_gradient_is_a_central_difference():
    """For a cubic, (f(x+h) - f(x-h)) / 2h = 3x^2 + h^2 exactly: the formula, not just an approximation."""
    x = ag.tensor([0.5, -1.0, 2.0], requires_grad=True)
    h = 1e-2
    (g,) = ag.numerical_gradient(lambda x: (x**3).sum(), x, eps=h)
    np.testing.assert_allclose(g, 3 * x.data**2 + h**2, rtol=1e-10)


def test_numerical_gradient_on_plain_arrays_with_a_numpy_function():
    w = np.array([[1.0, -2.0], [0.5, 3.0]])
    (g,) = ag.numerical_gradient(lambda w: np.sum(w**2) / 2, w)
    np.testing.assert_allclose(g, w, rtol=1e-8)
    np.testing.assert_array_equal(w, [[1.0, -2.0], [0.5, 3.0]])  # restored after nudging


def test_numerical_gradient_evaluates_float32_tensors_in_float64():
    x = ag.tensor(np.array([0.3, -0.7], np.float32), requires_grad=True)
    original = x.data
    (g,) = ag.numerical_gradient(lambda x: (x * x * x).sum(), x)
    # in float32, eps = 1e-6 is below the resolution of x^3 and the result would be noise
    np.testing.assert_allclose(g, 3 * original.astype(np.float64) ** 2, rtol=1e-7)
    assert x.data is original and x.dtype == np.float32


def test_numerical_gradient_rejects_bad_input():
    with pytest.raises(ValueError, match="scalar"):
        ag.numerical_gradient(lambda x: x * 2, ag.tensor([1.0, 2.0]))
    with pytest.raises(TypeError):
        ag.numerical_gradient(lambda x: x.sum(), ag.tensor([1, 2]))


# --------------------------------------------------------------------------- closure style (the MNIST notes)


class TwoLayerNet:
    """The two-layer net of the MNIST notes: the loss reads its parameters from self.params."""

    def __init__(self, rng, dtype=np.float64):
        self.params = {
            "W1": ag.tensor((0.5 * rng.standard_normal((4, 5))).astype(dtype), requires_grad=True),
            "b1": ag.tensor((0.1 * rng.standard_normal(5)).astype(dtype), requires_grad=True),
            "W2": ag.tensor((0.5 * rng.standard_normal((5, 3))).astype(dtype), requires_grad=True),
            "b2": ag.tensor((0.1 * rng.standard_normal(3)).astype(dtype), requires_grad=True),
        }

    def loss(self, x, t):
        p = self.params
        z1 = (x @ p["W1"] + p["b1"]).sigmoid()
        a2 = z1 @ p["W2"] + p["b2"]
        y = a2.exp() / a2.exp().sum(axis=1, keepdims=True)
        return -(t * (y + 1e-7).log()).sum() / x.shape[0]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_closure_style_f_that_ignores_its_arguments(dtype, rng):
    net = TwoLayerNet(rng, dtype)
    x = ag.tensor(rng.standard_normal((6, 4)).astype(dtype))
    t = ag.tensor(np.eye(3, dtype=dtype)[rng.integers(0, 3, 6)])
    loss_w = lambda w: net.loss(x, t)  # noqa: E731  (as in the notes: W is not used, it is nudged in place)
    numerical = {name: ag.numerical_gradient(loss_w, p)[0] for name, p in net.params.items()}
    net.loss(x, t).backward()
    for name, p in net.params.items():
        assert p.grad.dtype == dtype
        np.testing.assert_allclose(p.grad.data, numerical[name], rtol=1e-3, atol=1e-5, err_msg=name)
    assert ag.gradcheck(lambda *_: net.loss(x, t), *net.params.values())
