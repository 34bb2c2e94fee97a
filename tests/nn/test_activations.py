"""Activations: values against NumPy formulas, gradients against the numerical oracle,
second derivatives against closed forms, and stability at ±1000."""
import math
import warnings

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


def test_softmax_takes_pytorchs_dim_and_is_ags():
    x = random_tensor((3, 5))
    np.testing.assert_array_equal(F.softmax(x, dim=0).data, ag.softmax(x, axis=0).data)
    np.testing.assert_array_equal(F.log_softmax(x, dim=1).data, x.log_softmax(dim=1).data)
    np.testing.assert_array_equal(nn.Softmax(dim=0)(x).data, F.softmax(x, axis=0).data)
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)" and repr(nn.Softmax()) == "Softmax(axis=-1)"
    assert F.softmax(x, dim=1, dtype=ag.float32).dtype == np.float32
    with pytest.raises(TypeError, match="^softmax: got axis=0 and dim=1"):
        nn.Softmax(axis=0, dim=1)(x)


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


# ----------------------------------------------------------------------------- part 2: LeakyReLU ELU GELU SiLU Softplus


def _gelu_exact_numpy(x):
    erf = np.vectorize(math.erf)
    return 0.5 * x * (1 + erf(x / np.sqrt(2)))


def _gelu_tanh_numpy(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))


# name: (function with its settings, PyTorch's formula in NumPy)
MORE = {
    "leaky_relu": (lambda x: F.leaky_relu(x), lambda x: np.where(x > 0, x, 0.01 * x)),
    "leaky_relu(0.2)": (lambda x: F.leaky_relu(x, 0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    "elu": (lambda x: F.elu(x), lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0)))),
    "elu(0.5)": (lambda x: F.elu(x, alpha=0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(np.minimum(x, 0)))),
    "gelu": (lambda x: F.gelu(x), _gelu_exact_numpy),
    "gelu(tanh)": (lambda x: F.gelu(x, approximate="tanh"), _gelu_tanh_numpy),
    "silu": (F.silu, lambda x: x / (1 + np.exp(-x))),
    "softplus": (lambda x: F.softplus(x), lambda x: np.log1p(np.exp(x))),
    "softplus(beta=2)": (lambda x: F.softplus(x, beta=2.0), lambda x: np.log1p(np.exp(2 * x)) / 2),
}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("name", MORE)
def test_more_activations_match_pytorch_formulas_and_gradcheck(name, shape):
    f, reference = MORE[name]
    x = random_tensor(shape)  # N(0, 4): both sides of every kink, far below softplus's threshold
    np.testing.assert_allclose(f(x).data, reference(x.data), rtol=1e-13, atol=1e-15)
    w = random_weights(shape)
    assert ag.gradcheck(lambda x: (f(x) * w).sum(), x)


@pytest.mark.parametrize("name", ["elu", "elu(0.5)", "gelu", "gelu(tanh)", "silu", "softplus", "softplus(beta=2)"])
def test_more_activations_second_order_gradcheck(name, autodiff_gradient):
    f, _ = MORE[name]
    x = random_tensor((2, 3), seed=3)
    w = random_weights((2, 3))
    assert ag.gradcheck(lambda x: (autodiff_gradient(lambda x: (f(x) * w).sum(), x) * w).sum(), x)


def test_derivatives_match_closed_forms():
    x = ag.tensor(np.linspace(-3, 3, 13) + 0.01, requires_grad=True)
    v = x.data
    normal_pdf = np.exp(-v * v / 2) / np.sqrt(2 * np.pi)
    normal_cdf = 0.5 * (1 + np.vectorize(math.erf)(v / np.sqrt(2)))
    sig = 1 / (1 + np.exp(-v))
    closed_forms = {
        "gelu": normal_cdf + v * normal_pdf,
        "silu": sig * (1 + v * (1 - sig)),
        "softplus": sig,
        "elu": np.where(v > 0, 1.0, np.exp(v)),
    }
    for name, expected in closed_forms.items():
        (slope,) = ag.grad(MORE[name][0](x).sum(), x)
        np.testing.assert_allclose(slope.data, expected, rtol=1e-13, err_msg=name)


def test_slopes_at_zero_are_pytorchs():
    zero = ag.tensor([0.0], requires_grad=True)
    for f, expected in [(lambda x: F.leaky_relu(x, 0.2), 0.2), (lambda x: F.elu(x, alpha=0.5), 0.5),
                        (F.gelu, 0.5), (F.silu, 0.5), (F.softplus, 0.5)]:
        (slope,) = ag.grad(f(zero).sum(), zero)
        np.testing.assert_allclose(slope.data, [expected], rtol=1e-15)


def test_softplus_is_linear_above_its_threshold():
    x = ag.tensor([0.5, 1.5, 2.5, 30.0], requires_grad=True)
    out = F.softplus(x, beta=2.0, threshold=4.0)  # beta x = 1, 3, 5, 60: the last two are above 4
    expected = np.where(2 * x.data > 4, x.data, np.log1p(np.exp(2 * x.data)) / 2)
    np.testing.assert_allclose(out.data, expected, rtol=1e-15)
    (slope,) = ag.grad(out.sum(), x)
    np.testing.assert_allclose(slope.data, [1 / (1 + np.exp(-1.0)), 1 / (1 + np.exp(-3.0)), 1.0, 1.0], rtol=1e-15)


def test_more_activations_are_finite_at_1000():
    x = ag.tensor([-1000.0, -30.0, 0.0, 30.0, 1000.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning fails the test
        for name, (f, _) in MORE.items():
            out = f(x)
            (slope,) = ag.grad(out.sum(), x)
            assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(slope.data)), name
    np.testing.assert_allclose(F.gelu(x).data, [0.0, 0.0, 0.0, 30.0, 1000.0], atol=1e-100)
    np.testing.assert_allclose(F.softplus(x).data[[0, 4]], [0.0, 1000.0], atol=1e-300)
    np.testing.assert_allclose(F.elu(x).data[[0, 4]], [-1.0, 1000.0])


def test_more_activations_keep_float32():
    x = ag.tensor(np.linspace(-3, 3, 12, dtype=np.float32).reshape(3, 4), requires_grad=True)
    for name, (f, reference) in MORE.items():
        out = f(x)
        assert out.dtype == np.float32, name
        np.testing.assert_allclose(out.data, reference(x.data.astype(np.float64)), rtol=2e-6, atol=1e-6, err_msg=name)
        assert ag.grad(out.sum(), x)[0].dtype == np.float32, name


def test_gelu_rejects_an_unknown_approximation():
    with pytest.raises(ValueError, match="gelu: approximate must be 'none' or 'tanh', got 'erf'"):
        F.gelu(ag.zeros(2), approximate="erf")
    with pytest.raises(ValueError, match="GELU: approximate must be 'none' or 'tanh'"):
        nn.GELU("fast")


def test_more_activation_modules_match_functional_and_print_as_pytorch():
    x = random_tensor((3, 5))
    pairs = [
        (nn.LeakyReLU(), F.leaky_relu(x), "LeakyReLU(negative_slope=0.01)"),
        (nn.LeakyReLU(0.2, inplace=True), F.leaky_relu(x, 0.2), "LeakyReLU(negative_slope=0.2, inplace=True)"),
        (nn.ELU(alpha=0.5), F.elu(x, 0.5), "ELU(alpha=0.5)"),
        (nn.GELU(), F.gelu(x), "GELU(approximate='none')"),
        (nn.GELU(approximate="tanh"), F.gelu(x, "tanh"), "GELU(approximate='tanh')"),
        (nn.SiLU(), F.silu(x), "SiLU()"),
        (nn.Softplus(), F.softplus(x), "Softplus(beta=1.0, threshold=20.0)"),
        (nn.Softplus(beta=2, threshold=5), F.softplus(x, 2, 5), "Softplus(beta=2, threshold=5)"),
        (nn.LogSoftmax(dim=0), F.log_softmax(x, axis=0), "LogSoftmax(dim=0)"),
        (nn.ReLU(inplace=True), F.relu(x), "ReLU(inplace=True)"),
    ]
    for module, expected, text in pairs:
        np.testing.assert_array_equal(module(x).data, expected.data)
        assert repr(module) == text
    np.testing.assert_array_equal(x.data, random_tensor((3, 5)).data)  # inplace=True left the input alone


def test_log_softmax_without_dim_warns_and_picks_pytorchs_implicit_dim():
    for shape, dim in [((4,), 0), ((3, 4), 1), ((2, 3, 4), 0), ((2, 3, 4, 5), 1)]:
        x = random_tensor(shape)
        with pytest.warns(UserWarning, match="implicit dimension choice"):
            out = nn.LogSoftmax()(x)
        np.testing.assert_array_equal(out.data, F.log_softmax(x, axis=dim).data)


def test_activation_modules_refuse_python_lists():
    for module in (nn.ReLU(), nn.Sigmoid(), nn.GELU(), nn.LeakyReLU(), nn.Softplus()):
        with pytest.raises(TypeError, match=rf"{type(module).__name__}: expected a Tensor as input, got list"):
            module([1.0, -2.0])
