"""Activations: values against NumPy formulas, gradients against the numerical oracle,
second derivatives against closed forms, and stability at ±1000."""
import numpy as np
import pytest

import autograd_lite as ag
import nn

F = nn.functional

SHAPES = [(5,), (3, 4), (2, 3, 4)]

REFERENCE = {
    "sigmoid": lambda x: 1.0 / (1.0 + np.exp(-x)),
    "tanh": np.tanh,
    "relu": lambda x: np.maximum(x, 0.0),
}

# f'(x) and f''(x) written in terms of y = f(x)
CLOSED_FORM_DERIVATIVES = {
    "sigmoid": (lambda y: y * (1 - y), lambda y: y * (1 - y) * (1 - 2 * y)),
    "tanh": (lambda y: 1 - y**2, lambda y: -2 * y * (1 - y**2)),
}


def random_tensor(shape, seed=0, scale=2.0):
    rng = np.random.default_rng(seed)
    return ag.tensor(rng.normal(scale=scale, size=shape), requires_grad=True)


def random_weights(shape, seed=1):
    """Weights for a weighted sum: a sharper gradient check than a plain sum."""
    return np.random.default_rng(seed).normal(size=shape)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_elementwise_activation_matches_numpy_and_gradcheck(name, shape):
    f = getattr(F, name)
    x = random_tensor(shape)
    np.testing.assert_allclose(f(x).data, REFERENCE[name](x.data), rtol=1e-12, atol=1e-15)
    w = random_weights(shape)
    assert ag.gradcheck(lambda x: (f(x) * w).sum(), x)


@pytest.mark.parametrize("shape, axis", [((5,), -1), ((3, 4), -1), ((3, 4), 0), ((2, 3, 4), 1)])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_matches_numpy_and_gradcheck(name, shape, axis):
    x = random_tensor(shape)
    exps = np.exp(x.data)
    expected_softmax = exps / exps.sum(axis=axis, keepdims=True)
    expected = expected_softmax if name == "softmax" else np.log(expected_softmax)
    out = getattr(F, name)(x, axis=axis)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-15)
    w = random_weights(shape)
    assert ag.gradcheck(lambda x: (getattr(F, name)(x, axis=axis) * w).sum(), x)


def test_softmax_rows_sum_to_one_and_default_axis_is_last():
    x = random_tensor((4, 6))
    np.testing.assert_allclose(F.softmax(x).data.sum(axis=-1), np.ones(4), rtol=1e-14)
    np.testing.assert_array_equal(F.softmax(x).data, F.softmax(x, axis=1).data)


@pytest.mark.parametrize("name", sorted(CLOSED_FORM_DERIVATIVES))
def test_second_derivative_matches_closed_form_and_numerical(name, autodiff_gradient):
    f = getattr(F, name)
    first, second = CLOSED_FORM_DERIVATIVES[name]
    x = random_tensor((3, 4), seed=2)
    y = REFERENCE[name](x.data)
    (dx,) = ag.grad(f(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(dx.data, first(y), rtol=1e-12, atol=1e-15)
    (d2x,) = ag.grad(dx.sum(), x)  # elementwise function: the Hessian is diagonal
    np.testing.assert_allclose(d2x.data, second(y), rtol=1e-10, atol=1e-15)
    # And the numerical derivative of the autodiff gradient itself.
    w = random_weights((3, 4))
    assert ag.gradcheck(lambda x: (autodiff_gradient(lambda x: f(x).sum(), x) * w).sum(), x)


def test_softmax_second_order_gradcheck(autodiff_gradient):
    x = random_tensor((2, 4), seed=3)
    w, v = random_weights((2, 4), seed=4), random_weights((2, 4), seed=5)
    assert ag.gradcheck(lambda x: (autodiff_gradient(lambda x: (F.softmax(x) * w).sum(), x) * v).sum(), x)


@pytest.mark.filterwarnings("error")  # an overflow RuntimeWarning fails the test
def test_sigmoid_tanh_relu_stable_at_1000():
    x = ag.tensor([-1000.0, -40.0, 0.0, 40.0, 1000.0], requires_grad=True)
    for name in REFERENCE:
        out = getattr(F, name)(x)
        (dx,) = ag.grad(out.sum(), x)
        assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(dx.data)), name
    np.testing.assert_allclose(F.sigmoid(x).data[[0, 2, 4]], [0.0, 0.5, 1.0])
    np.testing.assert_allclose(ag.grad(F.sigmoid(x).sum(), x)[0].data[[0, 2, 4]], [0.0, 0.25, 0.0])


@pytest.mark.filterwarnings("error")
def test_softmax_and_log_softmax_stable_at_1000():
    x = ag.tensor([[1000.0, -1000.0, 0.0], [1000.0, 1000.0, -1000.0]], requires_grad=True)
    np.testing.assert_allclose(F.softmax(x).data, [[1, 0, 0], [0.5, 0.5, 0]], atol=1e-300)
    np.testing.assert_allclose(F.log_softmax(x).data, [[0, -2000, -1000], [-np.log(2), -np.log(2), -2000 - np.log(2)]])
    for name in ("softmax", "log_softmax"):
        (dx,) = ag.grad((getattr(F, name)(x) * random_weights((2, 3))).sum(), x)
        assert np.all(np.isfinite(dx.data)), name


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [2, -3])
def test_softmax_axis_error_names_softmax_and_the_shape(name, axis):
    with pytest.raises(ValueError) as caught:
        getattr(F, name)(random_tensor((2, 3)), axis=axis)
    message = str(caught.value)
    assert message.startswith(f"{name}:") and f"axis {axis}" in message and "(2, 3)" in message


def test_activation_modules_match_functional():
    x = random_tensor((3, 5))
    for module, function in [(nn.Sigmoid(), F.sigmoid), (nn.Tanh(), F.tanh), (nn.ReLU(), F.relu)]:
        np.testing.assert_array_equal(module(x).data, function(x).data)
    np.testing.assert_array_equal(nn.Softmax(axis=0)(x).data, F.softmax(x, axis=0).data)
    np.testing.assert_array_equal(nn.Softmax()(x).data, F.softmax(x, axis=-1).data)
    assert repr(nn.Softmax(axis=0)) == "Softmax(axis=0)" and repr(nn.ReLU()) == "ReLU()"


def test_float32_activations_stay_float32():
    x = ag.tensor(np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4), requires_grad=True)
    for name in ("sigmoid", "tanh", "relu", "softmax", "log_softmax"):
        out = getattr(F, name)(x)
        assert out.dtype == np.float32, name
        assert ag.grad(out.sum(), x)[0].dtype == np.float32, name
