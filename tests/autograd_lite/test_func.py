"""autograd_lite.func: grad, vjp, jvp, jacrev, jacfwd, hessian, hvp, linearize.

Values against closed forms; forward and reverse mode against each other (to
1e-12 in float64, on random compositions); shapes as torch.func gives them;
composition (jacfwd of jacrev, grad of grad, nn layers and losses); the state
the transforms must leave alone (.grad, no_grad); and the errors.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd_lite as ag
import nn
from autograd_lite import func
from autograd_lite.graph import forward_mode

RNG = np.random.default_rng(20261201)


def randn(*shape, dtype=np.float64, requires_grad=False):
    return ag.tensor(RNG.standard_normal(shape).astype(dtype), requires_grad=requires_grad)


def numerical_jacobian(f, x, eps=1e-6):
    """d f / d x by central differences, shaped f(x).shape + x.shape (the oracle)."""
    columns = []
    for j in range(x.size):
        step = np.zeros(x.shape)
        step.flat[j] = eps
        columns.append((f(ag.tensor(x.data + step)).data - f(ag.tensor(x.data - step)).data) / (2 * eps))
    return np.stack(columns, axis=-1).reshape(f(x).shape + x.shape)


# --------------------------------------------------------------------------- grad and vjp


def test_grad_of_a_scalar_function():
    x = randn(3, 2)
    g = func.grad(lambda x: (x ** 3).sum())(x)
    assert isinstance(g, ag.Tensor) and g.shape == (3, 2) and not g.requires_grad
    np.testing.assert_allclose(g.data, 3 * x.data ** 2, rtol=1e-14)


def test_grad_with_argnums_and_aux():
    x, y = randn(3), randn(3)
    f = lambda x, y: ((x * y).sum(), x + y)  # noqa: E731
    (gx, gy), aux = func.grad(f, argnums=(0, 1), has_aux=True)(x, y)
    np.testing.assert_array_equal(gx.data, y.data)
    np.testing.assert_array_equal(gy.data, x.data)
    np.testing.assert_array_equal(aux.data, x.data + y.data)
    np.testing.assert_array_equal(func.grad(lambda x, y: (x * y).sum(), argnums=1)(x, y).data, x.data)
    np.testing.assert_array_equal(func.grad(lambda x, y: (x * y).sum(), argnums=-1)(x, y).data, x.data)
    np.testing.assert_array_equal(func.grad(lambda x, y: (x * y).sum(), argnums=np.int64(1))(x, y).data, x.data)


def test_grad_of_an_input_f_ignores_is_zero():
    x, y = randn(3), randn(2)
    gx, gy = func.grad(lambda x, y: (x * x).sum(), argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(gy.data, np.zeros(2))
    np.testing.assert_array_equal(func.grad(lambda x: ag.tensor(1.0))(x).data, np.zeros(3))


def test_grad_of_grad_of_grad():
    x = ag.tensor(0.7)
    t = np.tanh(0.7)
    first = func.grad(ag.tanh)
    second = func.grad(first)
    third = func.grad(second)
    assert first(x).item() == pytest.approx(1 - t**2, rel=1e-14)
    assert second(x).item() == pytest.approx(-2 * t * (1 - t**2), rel=1e-14)
    assert third(x).item() == pytest.approx((6 * t**2 - 2) * (1 - t**2), rel=1e-13)


def test_vjp_gives_the_output_and_a_reusable_vjp_fn():
    x, W = randn(4), randn(3, 4)
    out, vjp_fn = func.vjp(lambda x: ag.tanh(W @ x), x)
    np.testing.assert_allclose(out.data, np.tanh(W.data @ x.data))
    assert not out.requires_grad
    for _ in range(2):
        v = randn(3)
        (g,) = vjp_fn(v)
        np.testing.assert_allclose(g.data, W.data.T @ (v.data * (1 - out.data ** 2)), rtol=1e-13)


def test_vjp_of_several_primals_and_outputs():
    x, y = randn(2), randn(2)
    (s, p), vjp_fn = func.vjp(lambda x, y: (x + y, x * y), x, y)
    u, w = randn(2), randn(2)
    gx, gy = vjp_fn((u, w))
    np.testing.assert_allclose(gx.data, u.data + w.data * y.data)
    np.testing.assert_allclose(gy.data, u.data + w.data * x.data)


# --------------------------------------------------------------------------- jvp, jacobians


def test_jvp_is_the_jacobian_times_the_tangent():
    x, v, W = randn(4), randn(4), randn(3, 4)
    f = lambda x: ag.tanh(W @ x)  # noqa: E731
    out, tangent = func.jvp(f, (x,), (v,))
    np.testing.assert_allclose(out.data, np.tanh(W.data @ x.data))
    np.testing.assert_allclose(tangent.data, (1 - out.data ** 2) * (W.data @ v.data), rtol=1e-13)
    jacobian = func.jacrev(f)(x)
    np.testing.assert_allclose(tangent.data, jacobian.data @ v.data, rtol=1e-12)


def test_jvp_of_several_primals_tuple_outputs_and_aux():
    x, y, u, w = randn(3), randn(3), randn(3), randn(3)
    (s, p), (ds, dp), aux = func.jvp(lambda x, y: ((x + y, x * y), "aux"), (x, y), (u, w), has_aux=True)
    np.testing.assert_allclose(ds.data, u.data + w.data)
    np.testing.assert_allclose(dp.data, u.data * y.data + x.data * w.data)
    assert aux == "aux"


def test_jvp_of_an_output_that_ignores_the_input_is_zero():
    x = randn(3)
    c = randn(2)
    out, tangent = func.jvp(lambda x: c * 2, (x,), (randn(3),))
    np.testing.assert_array_equal(tangent.data, np.zeros(2))


@pytest.mark.parametrize("jacobian", [func.jacrev, func.jacfwd])
def test_jacobian_shapes_follow_torch_func(jacobian):
    x, A = randn(2, 3), randn(4, 5, 2)
    f = lambda x: A @ x  # noqa: E731  (2, 3) -> (4, 5, 3)
    J = jacobian(f)(x)
    assert J.shape == (4, 5, 3, 2, 3)
    np.testing.assert_allclose(J.data, numerical_jacobian(f, x), atol=1e-8)
    assert jacobian(lambda x: (x * x).sum())(x).shape == (2, 3)  # a 0-d output: the gradient's shape
    assert jacobian(lambda s: s * A)(ag.tensor(2.0)).shape == (4, 5, 2)  # a 0-d input
    y = randn(4)
    Jx, Jy = jacobian(lambda x, y: x.sum() * y, argnums=(0, 1))(x, y)
    assert Jx.shape == (4, 2, 3) and Jy.shape == (4, 4)
    (J1,), (J2,) = jacobian(lambda x: (x.sum(axis=0), x * 2), argnums=(0,))(x)  # outputs outside, argnums inside
    assert J1.shape == (3, 2, 3) and J2.shape == (2, 3, 2, 3)
    assert jacobian(lambda x: x[:0])(x).shape == (0, 3, 2, 3)
    J, aux = jacobian(lambda x: (x * 2, "aux"), has_aux=True)(x)
    assert aux == "aux" and J.shape == (2, 3, 2, 3)


def test_jacfwd_runs_f_once_per_input_element_and_jacrev_once():
    calls = []

    def f(x):
        calls.append(1)
        return ag.tanh(x) * 2

    x = randn(5)
    func.jacfwd(f)(x)
    assert len(calls) == 5
    calls.clear()
    func.jacrev(f)(x)
    assert len(calls) == 1


COMPOSITION_STEPS = {
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "softplus": lambda x: (x.exp() + 1).log(),
    "square": lambda x: x * x,
    "pow": lambda x: (x * x + 1) ** 1.5,
    "div": lambda x: x / (x * x + 1),
    "sqrt": lambda x: (x * x + 0.5).sqrt(),
    "erf": lambda x: ag.erf(x),
    "leaky": lambda x: ag.maximum(x, 0.1 * x),
    "sum": lambda x: x.sum(axis=0) if x.ndim else x,
    "mean times": lambda x: x.mean(axis=-1, keepdims=True) * x if x.ndim else x,
    "logsumexp": lambda x: ag.logsumexp(x, axis=-1, keepdims=True) - x if x.ndim else x,
    "matmul": lambda x: x @ ag.tensor(np.linspace(-1, 1, 3 * x.shape[-1]).reshape(x.shape[-1], 3)) if x.ndim
    else x * 2,
    "transpose": lambda x: x.T,
    "outer": lambda x: x.reshape(-1, 1) * x.reshape(1, -1) if x.size <= 6 else x,
    "concatenate": lambda x: ag.concatenate([x, x * 2], axis=0) if x.ndim and x.shape[0] <= 4 else x,
    "slice": lambda x: x[..., ::2] if x.ndim else x,
    "max": lambda x: x.max(axis=-1) * x.sum() if x.ndim else x,
}


@settings(max_examples=40, deadline=None, derandomize=True, database=None)  # the same cases on every run
@given(steps=st.lists(st.sampled_from(sorted(COMPOSITION_STEPS)), min_size=1, max_size=4),
       shape=st.sampled_from([(3,), (2, 3), (3, 2), ()]), seed=st.integers(0, 2**16))
def test_jacfwd_equals_jacrev_on_random_compositions(steps, shape, seed):
    x = ag.tensor(np.random.default_rng(seed).uniform(-1.5, 1.5, shape))

    def f(x):
        for step in steps:
            x = COMPOSITION_STEPS[step](x)
        return x

    # Where f overflows, 0 * inf = nan lands on a row in forward mode and on a column in reverse
    # mode (as in PyTorch): both are IEEE arithmetic, so the property is about finite f.
    assume(np.all(np.isfinite(f(x).data)))
    np.testing.assert_allclose(func.jacfwd(f)(x).data, func.jacrev(f)(x).data, rtol=1e-12, atol=1e-12)


def test_jacfwd_equals_jacrev_for_several_arguments():
    x, y, W = randn(3), randn(2, 3), randn(3, 3)
    f = lambda x, y: ag.tanh(y @ W @ x) * (x * x).sum()  # noqa: E731
    for forward_block, reverse_block in zip(func.jacfwd(f, (0, 1))(x, y), func.jacrev(f, (0, 1))(x, y)):
        np.testing.assert_allclose(forward_block.data, reverse_block.data, rtol=1e-12, atol=1e-12)


def test_float32_stays_float32():
    x = randn(3, dtype=np.float32)
    f = lambda x: ag.tanh(x * 2).sum()  # noqa: E731
    for result in (func.grad(f)(x), func.jacrev(ag.tanh)(x), func.jacfwd(ag.tanh)(x), func.hessian(f)(x),
                   func.jvp(f, (x,), (randn(3, dtype=np.float32),))[1]):
        assert result.dtype == np.float32


# --------------------------------------------------------------------------- Hessians


@pytest.mark.parametrize("composition", ["hessian", "forward over forward", "reverse over reverse",
                                         "reverse over forward"])
def test_hessian_of_a_quadratic_form_is_a_plus_a_transposed(composition):
    A, x = randn(4, 4), randn(4)
    f = lambda x: x @ A @ x  # noqa: E731
    hessian = {"hessian": func.hessian(f), "forward over forward": func.jacfwd(func.jacfwd(f)),
               "reverse over reverse": func.jacrev(func.jacrev(f)),
               "reverse over forward": func.jacrev(func.jacfwd(f))}[composition]
    np.testing.assert_allclose(hessian(x).data, A.data + A.data.T, rtol=1e-13, atol=1e-14)


def test_hessian_of_log_sum_exp_is_diag_p_minus_p_p_transposed():
    x = randn(5)
    p = np.exp(x.data - np.log(np.exp(x.data).sum()))
    np.testing.assert_allclose(func.hessian(ag.logsumexp)(x).data, np.diag(p) - np.outer(p, p), atol=1e-15)


def softmax_curvature(logits):
    """diag(p_i) - p_i p_i^T for each row of logits: (N, k, k)."""
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return np.einsum("ia,ac->iac", p, np.eye(p.shape[1])) - np.einsum("ia,ic->iac", p, p)


def test_hessian_of_the_cross_entropy_of_a_linear_model():
    X, labels = randn(6, 3), RNG.integers(0, 4, 6)
    W, b = randn(4, 3), randn(4)
    loss = lambda W, b: nn.functional.cross_entropy(X @ W.T + b, labels)  # noqa: E731
    (H_WW, H_Wb), (H_bW, H_bb) = func.hessian(loss, argnums=(0, 1))(W, b)
    S = softmax_curvature(X.data @ W.data.T + b.data)
    n = len(labels)
    np.testing.assert_allclose(H_WW.data, np.einsum("iac,ib,ie->abce", S, X.data, X.data) / n, atol=1e-15)
    np.testing.assert_allclose(H_Wb.data, np.einsum("iac,ib->abc", S, X.data) / n, atol=1e-15)
    np.testing.assert_allclose(H_bW.data, np.einsum("iac,ie->ace", S, X.data) / n, atol=1e-15)
    np.testing.assert_allclose(H_bb.data, S.sum(axis=0) / n, atol=1e-15)
    assert H_WW.shape == (4, 3, 4, 3) and H_Wb.shape == (4, 3, 4)


def test_hessian_through_nn_modules_leaves_their_grads_alone():
    ag.manual_seed(3)
    layer = nn.Linear(3, 4)
    model = nn.Sequential(layer, nn.Tanh(), nn.Linear(4, 3))
    for p in model.parameters():
        p.grad = None
    layer.weight.grad = sentinel = ag.ones(4, 3)
    x, label = randn(3), np.array([2])
    loss = lambda x: nn.functional.cross_entropy(model(x.reshape(1, 3)), label)  # noqa: E731
    H = func.hessian(loss)(x)
    np.testing.assert_allclose(H.data, numerical_jacobian(func.grad(loss), x), atol=1e-8)
    np.testing.assert_allclose(H.data, func.jacrev(func.jacrev(loss))(x).data, rtol=1e-12, atol=1e-14)
    # One linear layer: W^T (diag(p) - p p^T) W, in closed form.
    single = nn.Linear(3, 4)
    H1 = func.hessian(lambda x: nn.functional.cross_entropy(single(x.reshape(1, 3)), label))(x)
    S = softmax_curvature((single.weight.data @ x.data + single.bias.data)[None])[0]
    np.testing.assert_allclose(H1.data, single.weight.data.T @ S @ single.weight.data, atol=1e-15)
    assert layer.weight.grad is sentinel and all(p.grad is None for p in model.parameters() if p is not layer.weight)
    # The parameters require grad, so the Hessian is differentiable with respect to them, as in torch.func.
    assert H.requires_grad


def test_hvp_is_the_hessian_times_v():
    A, x, v = randn(4, 4), randn(4), randn(4)
    f = lambda x: (x @ A @ x) * x.sum() + ag.logsumexp(x)  # noqa: E731
    value, product = func.hvp(f, x, v)
    assert value.item() == pytest.approx(f(x).item(), rel=1e-15)
    np.testing.assert_allclose(product.data, func.hessian(f)(x).data @ v.data, rtol=1e-12)
    y, w = randn(2), randn(2)
    g = lambda x, y: (x * x).sum() * (y * y).sum()  # noqa: E731
    _, (hx, hy) = func.hvp(g, (x, y), (v, w))
    (Hxx, Hxy), (Hyx, Hyy) = func.hessian(g, (0, 1))(x, y)
    np.testing.assert_allclose(hx.data, Hxx.data @ v.data + Hxy.data @ w.data, rtol=1e-12)
    np.testing.assert_allclose(hy.data, Hyx.data @ v.data + Hyy.data @ w.data, rtol=1e-12)


def test_linearize_gives_the_jvp_at_the_primals():
    x, W = randn(3), randn(2, 3)
    f = lambda x: ag.tanh(W @ x)  # noqa: E731
    value, jvp_fn = func.linearize(f, x)
    np.testing.assert_allclose(value.data, f(x).data)
    for _ in range(2):
        v = randn(3)
        np.testing.assert_allclose(jvp_fn(v).data, func.jacrev(f)(x).data @ v.data, rtol=1e-12)


# --------------------------------------------------------------------------- composition


def test_forward_over_reverse_carries_tangents_through_the_backward_pass():
    """jacfwd(jacrev(f)): the tangents of jacfwd's level flow through jacrev's backward rules."""
    x, W = randn(3), randn(3, 3)
    f = lambda x: ag.tanh(W @ x) * x  # noqa: E731  R^3 -> R^3: a (3, 3, 3) second derivative
    second = func.jacfwd(func.jacrev(f))(x)
    assert second.shape == (3, 3, 3)
    np.testing.assert_allclose(second.data, func.jacrev(func.jacrev(f))(x).data, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(second.data, numerical_jacobian(func.jacrev(f), x), atol=1e-8)
    assert not second.requires_grad  # nothing outside the transforms differentiates it


def test_third_derivatives_in_every_mix():
    x = ag.tensor([0.3, -0.8])
    f = lambda x: (x.tanh() * x.exp()).sum()  # noqa: E731
    expected = func.jacrev(func.jacrev(func.jacrev(f)))(x).data
    for a in (func.jacfwd, func.jacrev):
        for b in (func.jacfwd, func.jacrev):
            for c in (func.jacfwd, func.jacrev):
                np.testing.assert_allclose(a(b(c(f)))(x).data, expected, rtol=1e-11, atol=1e-13)


def test_nested_forward_levels_do_not_confuse_their_perturbations():
    """d/dx [x * d/dy (x + y)] at y = 1 is 1; mixing up the two tangents would give 2 (Siskind & Pearlmutter)."""
    def outer(x):
        inner_derivative = func.jvp(lambda y: x + y, (ag.tensor(1.0),), (ag.tensor(1.0),))[1]
        return x * inner_derivative

    assert func.jvp(outer, (ag.tensor(1.0),), (ag.tensor(1.0),))[1].item() == 1.0
    assert func.grad(lambda x: x * func.grad(lambda y: x + y)(ag.tensor(1.0)))(ag.tensor(1.0)).item() == 1.0


def test_a_closed_over_tensor_is_a_constant_for_the_inner_transform():
    x = ag.tensor(2.0)

    def outer(x):
        z = x * 3  # depends on the outer input; the inner transform must treat it as a constant
        return func.grad(lambda u: u * z)(x)  # d/du (u z) = z = 3x

    assert outer(x).item() == 6.0
    assert func.grad(outer)(x).item() == 3.0
    x_leaf = ag.tensor(2.0, requires_grad=True)
    z = x_leaf * 3
    assert func.grad(lambda u: u * z)(x_leaf).item() == 6.0  # not z + u: paths through z do not count


def test_reverse_results_are_differentiable_with_backward_when_the_inputs_require_grad():
    x = randn(3, requires_grad=True)
    g = func.grad(lambda x: (x ** 3).sum())(x)  # 3 x^2
    assert g.requires_grad
    g.sum().backward()
    np.testing.assert_allclose(x.grad.data, 6 * x.data, rtol=1e-14)


def test_a_gradient_depending_on_a_parameter_stays_differentiable_with_respect_to_it():
    """A gradient penalty: d/dW of |d f/dx|^2, with W a parameter f closes over."""
    W = randn(2, 3, requires_grad=True)
    x = randn(3)
    g = func.grad(lambda x: ag.tanh(W @ x).sum())(x)  # W^T (1 - tanh^2)
    (g * g).sum().backward()
    expected = func.grad(lambda W: (func.grad(lambda x: ag.tanh(W @ x).sum())(x) ** 2).sum())(W.detach())
    np.testing.assert_allclose(W.grad.data, expected.data, rtol=1e-12)


# --------------------------------------------------------------------------- .grad and no_grad


def test_no_transform_touches_grad():
    x = randn(3, requires_grad=True)
    W = randn(3, 3, requires_grad=True)
    x.grad, W.grad = sentinel_x, sentinel_W = ag.ones(3), ag.ones(3, 3)
    f = lambda x: (ag.tanh(W @ x) * x).sum()  # noqa: E731
    func.grad(f)(x)
    func.vjp(f, x)[1](ag.tensor(1.0))
    func.jvp(f, (x,), (ag.ones(3),))
    func.jacrev(f)(x)
    func.jacfwd(f)(x)
    func.hessian(f)(x)
    func.hvp(f, x, ag.ones(3))
    assert x.grad is sentinel_x and W.grad is sentinel_W
    np.testing.assert_array_equal(x.grad.data, np.ones(3))


def test_reverse_transforms_work_under_an_outer_no_grad_and_return_plain_tensors():
    x = randn(3, requires_grad=True)
    W = randn(3, 3, requires_grad=True)
    with ag.no_grad():
        g = func.grad(lambda x: ag.tanh(W @ x).sum())(x)
        H = func.hessian(lambda x: ag.tanh(W @ x).sum())(x)
    np.testing.assert_allclose(g.data, W.data.T @ (1 - np.tanh(W.data @ x.data) ** 2), rtol=1e-14)
    np.testing.assert_allclose(H.data, func.jacrev(func.jacrev(lambda x: ag.tanh(W @ x).sum()))(x).data, rtol=1e-13)
    assert not g.requires_grad and not H.requires_grad  # nothing outside records: they cannot be differentiated
    assert x.grad is None and W.grad is None and ag.is_grad_enabled()


def test_no_grad_inside_f_makes_a_constant_for_reverse_mode():
    x = ag.tensor([1.0, 2.0])

    def f(x):
        with ag.no_grad():
            scale = x * 1  # a constant to the reverse transforms
        return (x * scale).sum()

    np.testing.assert_array_equal(func.grad(f)(x).data, x.data)  # not 2x
    np.testing.assert_array_equal(func.jacrev(f)(x).data, x.data)
    # Forward mode ignores no_grad, as PyTorch's forward AD: the tangent flows through `scale` too.
    np.testing.assert_array_equal(func.jacfwd(f)(x).data, 2 * x.data)


def test_transforms_leave_no_level_open_even_when_f_raises():
    def f(x):
        raise ZeroDivisionError("inside f")

    for call in (lambda: func.jvp(f, (ag.ones(2),), (ag.ones(2),)), lambda: func.jacfwd(f)(ag.ones(2)),
                 lambda: func.hessian(f)(ag.ones(2))):
        with pytest.raises(ZeroDivisionError):
            call()
        assert forward_mode.open_levels == 0


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize("name, call", [
    ("grad", lambda f, x: func.grad(f)(x)),
    ("vjp", lambda f, x: func.vjp(f, x)),
    ("jvp", lambda f, x: func.jvp(f, (x,), (x,))),
    ("jacrev", lambda f, x: func.jacrev(f)(x)),
    ("jacfwd", lambda f, x: func.jacfwd(f)(x)),
    ("hessian", lambda f, x: func.hessian(f)(x)),
])
@pytest.mark.parametrize("returned, described", [(1.5, "float"), (np.ones(2), "ndarray"),
                                                 ([1.0], "a list of float")])
def test_f_returning_a_non_tensor_is_an_error_naming_the_transform(name, call, returned, described):
    with pytest.raises(TypeError, match=rf"{name}: f must return a .*Tensor.*got {described}"):
        call(lambda x: returned, ag.ones(2))


def test_grad_of_a_non_scalar_output_is_an_error():
    with pytest.raises(TypeError, match=r"grad: f must return a single-element Tensor, got a Tensor of shape "
                                        r"\(3,\); for a Jacobian use ag.func.jacrev"):
        func.grad(lambda x: x * 2)(ag.ones(3))


@pytest.mark.parametrize("transform", [func.grad, func.jacrev, func.jacfwd, func.hessian])
def test_bad_argnums(transform):
    f = lambda x, y: (x * y).sum()  # noqa: E731
    inner = transform.__name__
    with pytest.raises(ValueError, match=rf"{inner}: argnums 2 is out of range for f called with 2 positional"):
        transform(f, argnums=2)(ag.ones(2), ag.ones(2))
    with pytest.raises(ValueError, match=rf"{inner}: argnums \(0, -2\) names an argument twice"):
        transform(f, argnums=(0, -2))(ag.ones(2), ag.ones(2))
    with pytest.raises(TypeError, match=rf"{inner}: argnums must be an int or a tuple of ints, got 'x'"):
        transform(f, argnums="x")(ag.ones(2), ag.ones(2))
    with pytest.raises(ValueError, match=rf"{inner}: argnums is an empty tuple"):
        transform(f, argnums=())(ag.ones(2), ag.ones(2))
    with pytest.raises(TypeError, match=rf"{inner}: argument 0 must be a Tensor, got ndarray"):
        transform(f)(np.ones(2), ag.ones(2))
    with pytest.raises(TypeError, match=rf"{inner}: argument 0 has dtype int64; only floating-point"):
        transform(f)(ag.tensor([1, 2]), ag.ones(2))


def test_tangents_of_the_wrong_shape_dtype_or_type():
    f = lambda x: x * 2  # noqa: E731
    x = ag.ones(2, 3)
    with pytest.raises(ValueError, match=r"jvp: tangent 0 has shape \(3, 2\) but primal 0 has shape \(2, 3\)"):
        func.jvp(f, (x,), (ag.ones(3, 2),))
    with pytest.raises(TypeError, match="jvp: tangent 0 has dtype float32 but primal 0 has dtype float64"):
        func.jvp(f, (x,), (ag.tensor(np.ones((2, 3), dtype=np.float32)),))
    with pytest.raises(TypeError, match="jvp: tangent 0 must be a Tensor"):
        func.jvp(f, (x,), ([[1.0] * 3] * 2,))
    with pytest.raises(TypeError, match=r"jvp: primals must be a tuple, got Tensor \(wrap one tensor as \(x,\)\)"):
        func.jvp(f, x, (x,))
    with pytest.raises(ValueError, match="jvp: expected 1 tangents, got 2"):
        func.jvp(f, (x,), (x, x))
    with pytest.raises(ValueError, match=r"hvp: v has shape \(2,\) but primal 0 has shape \(2, 3\)"):
        func.hvp(lambda x: (x * x).sum(), x, ag.ones(2))
    with pytest.raises(ValueError, match=r"linearize: tangent 0 has shape \(2,\) but primal 0 has shape \(2, 3\)"):
        func.linearize(f, x)[1](ag.ones(2))


def test_cotangents_of_the_wrong_shape_or_dtype():
    _, vjp_fn = func.vjp(lambda x: x * 2, ag.ones(2, 3))
    with pytest.raises(ValueError, match=r"vjp: cotangent 0 has shape \(3,\) but the output has shape \(2, 3\)"):
        vjp_fn(ag.ones(3))
    with pytest.raises(TypeError, match="vjp: cotangent 0 has dtype float32 but the output has dtype float64"):
        vjp_fn(ag.tensor(np.ones((2, 3), dtype=np.float32)))
    _, vjp_two = func.vjp(lambda x: (x, x), ag.ones(2))
    with pytest.raises(ValueError, match="vjp: expected 2 cotangents, got 1"):
        vjp_two((ag.ones(2),))


def test_has_aux_needs_a_pair():
    with pytest.raises(TypeError, match=r"grad\(..., has_aux=True\): f must return a pair \(output, aux\), "
                                        r"got a Tensor of shape \(\)"):
        func.grad(lambda x: x.sum(), has_aux=True)(ag.ones(2))
