"""The backward walk, ag.grad, higher derivatives, the deep chain, freeing the graph, graph nodes."""
import gc
import weakref

import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.graph import Function, Scope

# --------------------------------------------------------------------------- Tensor.backward


def test_two_backward_calls_accumulate(leaf):
    x = leaf((3,))
    y = (x * x).sum()
    y.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad.data, 2 * x.data)
    y.backward()
    np.testing.assert_allclose(x.grad.data, 4 * x.data)


def test_separate_graphs_accumulate_into_the_same_leaf(leaf):
    x = leaf((3,))
    x.exp().sum().backward()
    (3 * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, np.exp(x.data) + 3)


def test_zero_grad_forgets_the_gradient(leaf):
    x = leaf((2,))
    (x * 5).sum().backward()
    x.zero_grad()
    assert x.grad is None
    (x * 7).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [7.0, 7.0])


@pytest.mark.parametrize("as_type", [np.array, ag.tensor, lambda g: g.tolist()])
def test_backward_with_an_explicit_gradient_for_a_non_scalar_output(as_type, leaf, rng):
    x, w = leaf((2, 3)), leaf((3,))
    g = rng.standard_normal((2, 3))
    (x * w).backward(gradient=as_type(g))
    np.testing.assert_allclose(x.grad.data, g * w.data)
    np.testing.assert_allclose(w.grad.data, (g * x.data).sum(axis=0))


def test_a_single_element_output_of_any_rank_implies_gradient_one(leaf):
    x = leaf((1, 1))
    (x * 3).backward()
    np.testing.assert_array_equal(x.grad.data, [[3.0]])


def test_backward_on_a_leaf(leaf):
    x = leaf((2,))
    x.backward(gradient=np.array([4.0, 5.0]))
    np.testing.assert_array_equal(x.grad.data, [4.0, 5.0])


def test_gradient_is_cast_to_the_output_dtype(leaf):
    x = leaf((2,), dtype=np.float32)
    (x * 2).backward(gradient=np.array([1.0, 2.0]))  # a float64 gradient for a float32 output
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, np.array([2.0, 4.0], np.float32))


def test_shared_subexpressions_sum_their_contributions(leaf):
    x = leaf((4,), "normal")
    h = x.exp()
    (h * h + h + x).sum().backward()  # d/dx (e^2x + e^x + x)
    np.testing.assert_allclose(x.grad.data, 2 * np.exp(2 * x.data) + np.exp(x.data) + 1)


def test_only_leaves_that_require_grad_get_a_gradient(leaf):
    x = leaf((3,))
    constant = leaf((3,), requires_grad=False)
    h = x * constant
    assert not h.is_leaf and h.requires_grad and h.grad_fn is not None
    h.sum().backward()
    assert h.grad is None and constant.grad is None
    np.testing.assert_array_equal(x.grad.data, constant.data)


def test_detach_cuts_the_graph(leaf):
    x = leaf((3,))
    d = x.detach()
    assert d.is_leaf and not d.requires_grad and np.shares_memory(d.data, x.data)
    (x * d).sum().backward()  # only the first factor is differentiated
    np.testing.assert_array_equal(x.grad.data, x.data)


def test_requires_grad_can_be_switched_on_a_leaf(leaf):
    x = leaf((2,), requires_grad=False)
    assert x.requires_grad_() is x and x.requires_grad
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0])


def test_leaf_gradients_are_independent_arrays(leaf):
    """Gradient clipping scales each .grad in place: one leaf's gradient must not be another's array.

    With y = (a + b) * c, the add node sends the same incoming gradient to a and b.
    """
    a, b, c = leaf((3,)), leaf((3,)), leaf((3,))
    ((a + b) * c).sum().backward()
    a.grad.data *= 0.5
    np.testing.assert_array_equal(b.grad.data, c.data)
    np.testing.assert_array_equal(a.grad.data, 0.5 * c.data)


def test_retained_node_gradients_do_not_share_memory_with_leaf_gradients(leaf):
    """The add node passes its own gradient on to a and b; the pictures keep it under retain_graph."""
    a, b = leaf((3,)), leaf((3,))
    y = ((a + b) * 2.0).sum()
    y.backward(retain_graph=True)
    add_node = y.grad_fn.parents[0].parents[0]
    kept = add_node.kept_grad.copy()
    a.grad.data *= 10.0
    b.grad.data *= 10.0
    np.testing.assert_array_equal(add_node.kept_grad, kept)
    (ga,) = ag.grad(y, a, retain_graph=True)
    ga.data *= 10.0
    np.testing.assert_array_equal(add_node.kept_grad, kept)


def test_leaf_gradient_does_not_alias_the_gradient_passed_in(leaf):
    x = leaf((3,))
    g = np.ones(3)
    (x + 1).backward(gradient=g)
    g[:] = 7.0  # reusing the buffer for something else must not change x.grad
    np.testing.assert_array_equal(x.grad.data, np.ones(3))


def test_the_implied_seed_of_one_never_becomes_a_shared_grad():
    """backward() on a scalar starts from a shared read-only 1: every .grad that receives it is a copy."""
    for create_graph in (False, True):
        x = ag.tensor(2.0, requires_grad=True)
        y = ag.tensor([3.0], requires_grad=True)
        x.backward(create_graph=create_graph)  # the seed reaches the leaf x itself
        (y + 0.0).backward()  # the add passes the seed through to y
        x.grad.data *= 5.0
        y.grad.data *= 7.0
        np.testing.assert_array_equal(x.grad.data, 5.0)
        np.testing.assert_array_equal(y.grad.data, [7.0])
        z = ag.tensor(4.0, requires_grad=True)
        (z * 1.0).backward()
        np.testing.assert_array_equal(z.grad.data, 1.0)  # later seeds are still 1


def test_grad_results_are_independent_arrays(leaf):
    a, b, c = leaf((3,)), leaf((3,)), leaf((3,))
    ga, gb = ag.grad(((a + b) * c).sum(), [a, b])
    ga.data *= 0.5
    np.testing.assert_array_equal(gb.data, c.data)


# --------------------------------------------------------------------------- ag.grad


def test_grad_leaves_dot_grad_untouched(leaf):
    x, w = leaf((3,)), leaf((3,))
    w.grad = ag.tensor([1.0, 2.0, 3.0])
    gx, gw = ag.grad((x * w).sum(), [x, w])
    assert x.grad is None
    np.testing.assert_array_equal(w.grad.data, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(gx.data, w.data)
    np.testing.assert_array_equal(gw.data, x.data)
    assert isinstance(gx, ag.Tensor) and not gx.requires_grad and gx.dtype == x.dtype


def test_grad_of_a_single_input_is_a_one_tuple(leaf):
    x = leaf((2,))
    result = ag.grad((x * x).sum(), x)
    assert isinstance(result, tuple) and len(result) == 1
    np.testing.assert_allclose(result[0].data, 2 * x.data)


def test_grad_with_respect_to_intermediate_tensors(leaf):
    x = leaf((3,))
    h = x * 2
    z = h.exp()
    gh, gz, gx = ag.grad((z * z).sum(), [h, z, x])
    np.testing.assert_allclose(gz.data, 2 * z.data)
    np.testing.assert_allclose(gh.data, 2 * z.data * z.data)
    np.testing.assert_allclose(gx.data, 4 * z.data * z.data)
    assert h.grad is None and z.grad is None and x.grad is None


def test_grad_allow_unused(leaf):
    x, unused = leaf((2,)), leaf((2,))
    with pytest.raises(RuntimeError, match=r"input 1 .*not used"):
        ag.grad((x * 2).sum(), [x, unused])
    gx, gu = ag.grad((x * 2).sum(), [x, unused], allow_unused=True)
    assert gu is None
    np.testing.assert_array_equal(gx.data, [2.0, 2.0])


def test_grad_with_grad_outputs_and_several_outputs(leaf, rng):
    x = leaf((3,))
    g1, g2 = rng.standard_normal(3), rng.standard_normal(())
    (gx,) = ag.grad([x * x, (x * 3).sum()], [x], grad_outputs=[g1, g2])
    np.testing.assert_allclose(gx.data, g1 * 2 * x.data + 3 * g2)
    (gx,) = ag.grad(x.exp(), x, grad_outputs=ag.tensor(g1))
    np.testing.assert_allclose(gx.data, g1 * np.exp(x.data))


def test_grad_frees_the_graph_unless_asked_to_retain_it(leaf):
    x = leaf((2,))
    y = (x * x).sum()
    ag.grad(y, x, retain_graph=True)
    (again,) = ag.grad(y, x)
    np.testing.assert_allclose(again.data, 2 * x.data)
    with pytest.raises(RuntimeError, match="retain_graph"):
        ag.grad(y, x)


# --------------------------------------------------------------------------- higher derivatives


def derivatives(f, x, order):
    """[f'(x), f''(x), ...] elementwise, each by ag.grad of the previous (sum over elements)."""
    results, current = [], f(x)
    for _ in range(order):
        (current,) = ag.grad(current.sum(), x, create_graph=True)
        results.append(current.data)
    return results


SECOND_DERIVATIVES = {
    "x**3": (lambda x: x**3, lambda v: 6 * v),
    "tanh": (ag.tanh, lambda v: -2 * np.tanh(v) * (1 - np.tanh(v) ** 2)),
    "sigmoid": (ag.sigmoid, lambda v: (s := 1 / (1 + np.exp(-v))) * (1 - s) * (1 - 2 * s)),
    "x*exp(x)": (lambda x: x * x.exp(), lambda v: (v + 2) * np.exp(v)),
    "exp(x**2)": (lambda x: (x * x).exp(), lambda v: (2 + 4 * v**2) * np.exp(v**2)),
    "log(1+x^2)": (lambda x: (1 + x**2).log(), lambda v: (2 - 2 * v**2) / (1 + v**2) ** 2),
    "1/x": (lambda x: 1 / x, lambda v: 2 / v**3),
    "sqrt(x*x+1)": (lambda x: (x * x + 1).sqrt(), lambda v: (v * v + 1) ** -1.5),
}


@pytest.mark.parametrize("name", SECOND_DERIVATIVES)
def test_second_derivatives_against_closed_forms(name, leaf):
    f, second = SECOND_DERIVATIVES[name]
    x = leaf((5,), "signed")
    _, d2 = derivatives(f, x, 2)
    np.testing.assert_allclose(d2, second(x.data), rtol=1e-10)


def test_third_derivatives_against_closed_forms(leaf):
    x = leaf((5,), "signed")
    d1, d2, d3 = derivatives(lambda x: x**4, x, 3)
    np.testing.assert_allclose([d1, d2, d3], [4 * x.data**3, 12 * x.data**2, 24 * x.data])
    t = np.tanh(x.data)
    np.testing.assert_allclose(derivatives(ag.tanh, x, 3)[2], -2 * (1 - t**2) * (1 - 3 * t**2), rtol=1e-10)


def test_backward_with_create_graph_makes_dot_grad_differentiable(leaf):
    x = leaf((3,))
    (x**3).sum().backward(create_graph=True)
    assert x.grad.requires_grad
    np.testing.assert_allclose(x.grad.data, 3 * x.data**2)
    (second,) = ag.grad(x.grad.sum(), x)
    np.testing.assert_allclose(second.data, 6 * x.data)


def test_hessian_vector_product_of_a_quadratic(rng):
    a = rng.standard_normal((4, 4))
    b = rng.standard_normal(4)
    x = ag.tensor(rng.standard_normal(4), requires_grad=True)
    v = rng.standard_normal(4)
    (g,) = ag.grad(0.5 * (x @ (ag.tensor(a) @ x)) + x @ b, x, create_graph=True)
    np.testing.assert_allclose(g.data, 0.5 * (a + a.T) @ x.data + b)
    (hv,) = ag.grad((g * v).sum(), x)
    np.testing.assert_allclose(hv.data, 0.5 * (a + a.T) @ v, rtol=1e-12)


def test_hessian_vector_product_of_a_small_mlp_matches_the_explicit_hessian(rng):
    w1, w2 = ag.tensor(rng.standard_normal((3, 4))), ag.tensor(rng.standard_normal(3))
    features = ag.tensor(rng.standard_normal((5, 4)))

    def loss(p):  # p scales the 4 inputs of a 4-3-1 tanh/sigmoid network
        hidden = ag.tanh(features @ (w1 * p).T)
        return ((hidden @ w2).sigmoid() - 0.5).sum() ** 2 + (p * p * p).sum()

    p = ag.tensor(rng.standard_normal(4), requires_grad=True)
    v = rng.standard_normal(4)
    (g,) = ag.grad(loss(p), p, create_graph=True)
    (hv,) = ag.grad((g * v).sum(), p, retain_graph=True)
    hessian = np.stack([ag.grad(g[i], p, retain_graph=True)[0].data for i in range(4)])

    def gradient_at(values):
        q = ag.tensor(values, requires_grad=True)
        return ag.grad(loss(q), q)[0].data

    step = 1e-6
    numerical = np.stack([(gradient_at(p.data + step * e) - gradient_at(p.data - step * e)) / (2 * step)
                          for e in np.eye(4)])
    np.testing.assert_allclose(hv.data, hessian @ v, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(hessian, hessian.T, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(hessian, numerical, rtol=1e-5, atol=1e-6)


# Each primitive's backward must itself be differentiable: gradcheck d/dx sum(grad(f)^2).
SECOND_ORDER_CASES = {
    "add sub": (lambda a, b: ((a + b) * (a - b) * a).sum(), "signed"),
    "mul div": (lambda a, b: (a * b / (a * a + 1)).sum(), "signed"),
    "pow": (lambda a, b: (a**b).sum(), "positive"),
    "pow scalar": (lambda a, b: (a**3 + 2**b).sum(), "signed"),
    "exp log": (lambda a, b: (a.exp() * b.log()).sum(), "positive"),
    "tanh sigmoid": (lambda a, b: (a.tanh() * b.sigmoid()).sum(), "signed"),
    "sqrt": (lambda a, b: (a * b).sqrt().sum() * a.sum(), "positive"),
    "relu abs": (lambda a, b: (ag.relu(a - 1) ** 2 * b.abs() ** 3).sum(), "signed"),
    "maximum minimum": (lambda a, b: (ag.maximum(a, b) ** 2 + ag.minimum(a, b) ** 3).sum(), "signed"),
    "where clip": (lambda a, b: (ag.where(a.data > 0, a * b, b * b) * a.clip(-1.0, 1.0)).sum(), "signed"),
    "sum mean": (lambda a, b: (a * b).sum(axis=0).mean() ** 2 + (a * a).mean(axis=1, keepdims=True).sum(), "signed"),
    "logsumexp": (lambda a, b: (a * b).logsumexp(axis=1).sum() + ag.logsumexp(a, axis=(0, 1)), "signed"),
    "max min": (lambda a, b: ((a * b).max(axis=1) ** 2).sum() + ((a - b).min(axis=0) ** 3).sum(), "signed"),
    "reshape transpose": (lambda a, b: ((a * b).reshape(4, 3).T ** 3 * a.reshape(3, 4)).sum(), "signed"),
    "broadcast squeeze": (lambda a, b: (a[:, :1].broadcast_to(3, 4).unsqueeze(0).squeeze(0) * b).sum() ** 2, "signed"),
    "getitem": (lambda a, b: ((a * b)[np.array([0, 0, 2]), 1:3] ** 3).sum() + (a[a.data > 0] ** 3).sum(), "signed"),
    "concatenate stack": (lambda a, b: (ag.concatenate([a * a, b], 0) ** 2).sum() + (ag.stack([a, b], 1) ** 3).sum(),
                          "signed"),
    "matmul": (lambda a, b: ((a @ b.T) ** 2).sum() + ((a[0] @ b.T) ** 3).sum(), "signed"),
    "astype": (lambda a, b: ((a * b).astype(np.float64) ** 3).sum(), "signed"),
}


@pytest.mark.parametrize("name", SECOND_ORDER_CASES)
def test_gradients_of_every_primitive_are_differentiable(name, leaf):
    f, kind = SECOND_ORDER_CASES[name]
    a, b = leaf((3, 4), kind), leaf((3, 4), kind)

    def squared_gradient_norm(a, b):
        # gradcheck evaluates f under no_grad for the numerical side; the gradient needs the graph.
        with ag.enable_grad():
            ga, gb = ag.grad(f(a, b), [a, b], create_graph=True)
            return (ga * ga).sum() + (gb * gb).sum()

    assert ag.gradcheck(squared_gradient_norm, a, b)


# --------------------------------------------------------------------------- depth and memory


def test_a_chain_100000_ops_deep():
    x = ag.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.00001
    y.backward()
    expected = 1.00001**100_000
    assert y.item() == pytest.approx(expected, rel=1e-9)
    assert x.grad.item() == pytest.approx(expected, rel=1e-9)
    del y  # dropping a 100,000-node graph must not overflow the C stack either
    gc.collect()


def test_saved_arrays_are_freed_after_backward(leaf):
    x = leaf((100,))
    hidden = x.exp()
    saved = weakref.ref(hidden.data)
    y = (hidden * 2).sum()
    node = y.grad_fn
    del hidden
    y.backward()
    gc.collect()
    assert saved() is None
    assert node.saved_output is None and node.shape == () and node.dtype == np.float64  # structure kept for pictures


def test_retain_graph_keeps_the_saved_arrays(leaf):
    x = leaf((100,))
    hidden = x.exp()
    saved = weakref.ref(hidden.data)
    y = (hidden * 2).sum()
    del hidden
    y.backward(retain_graph=True)
    gc.collect()
    assert saved() is not None
    y.backward()
    np.testing.assert_allclose(x.grad.data, 4 * np.exp(x.data))
    gc.collect()
    assert saved() is None


def test_second_backward_through_a_freed_graph_raises_a_clear_error(leaf):
    x = leaf((3,))
    y = x.tanh().sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"(?s)sum.*second time.*retain_graph=True"):
        y.backward()


def test_backward_through_a_partly_freed_graph_raises(leaf):
    x = leaf((3,))
    shared = x.tanh()
    shared.sum().backward()
    with pytest.raises(RuntimeError, match=r"tanh.*retain_graph"):
        (shared * 2).sum().backward()


# --------------------------------------------------------------------------- graph nodes (read-only API for viz and teaching)


def test_nodes_describe_the_graph(leaf):
    x, w = leaf((2, 3)), leaf((3,), requires_grad=False)
    h = x * w
    y = h.reshape(3, 2)[0:2].sum(axis=1)
    sum_node = y.grad_fn
    assert isinstance(sum_node, Function)
    assert sum_node.op == "sum" and sum_node.label() == "sum(axis=1)"
    getitem_node = sum_node.parents[0]
    assert getitem_node.label() == "getitem[0:2]"
    reshape_node = getitem_node.parents[0]
    assert reshape_node.label() == "reshape(3, 2)"
    mul_node = reshape_node.parents[0]
    assert mul_node is h.grad_fn and mul_node.op == "mul"
    assert len(mul_node.parents) == 2 and mul_node.parents[0] is x and mul_node.parents[1] is w  # leaves themselves
    assert mul_node.needs_grad == (True, False)
    assert mul_node.shape == (2, 3) and mul_node.dtype == np.float64
    np.testing.assert_array_equal(mul_node.saved_output, x.data * w.data)


def test_node_names_and_retained_gradients(leaf):
    x = leaf((2,))
    h = x * 3
    h.name = "h"
    assert h.grad_fn.tensor_name == "h" and h.name == "h"
    y = h.sum()
    y.backward(retain_graph=True)
    np.testing.assert_array_equal(h.grad_fn.kept_grad, [1.0, 1.0])  # dL/dh, kept because of retain_graph
    z = (x * 3).sum()
    z.backward()
    assert z.grad_fn.kept_grad is None


def test_name_scopes_nest():
    x = ag.tensor([1.0], requires_grad=True)
    with ag.name_scope("outer") as outer:
        a = x * 2
        with ag.name_scope("inner") as inner:
            b = a + 1
    c = b * b
    assert isinstance(outer, Scope) and outer.label == "outer" and inner.label == "inner"
    assert a.grad_fn.scope == (outer,)
    assert b.grad_fn.scope == (outer, inner)
    assert c.grad_fn.scope == ()
    with ag.name_scope("outer") as again:
        d = x * 2
    assert d.grad_fn.scope[0] is again and again is not outer


def test_accumulated_gradient_keeps_the_leaf_dtype():
    """A float32 weight used with a float64 constant: every backward's gradient lands in float32."""
    w = ag.tensor(np.ones(3, np.float32), requires_grad=True)
    constant = np.array([2.0, 3.0, 4.0])  # float64: the product is float64, the gradient too
    for _ in range(2):
        (w * constant).sum().backward()
    assert w.grad.dtype == np.float32
    np.testing.assert_array_equal(w.grad.data, 2 * constant.astype(np.float32))


# --------------------------------------------------------------------------- the on_step observer


def test_on_step_sees_each_node_once_with_its_incoming_gradient_and_its_rule_results():
    from autograd_lite.backward import run_backward, seed_gradient

    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = ag.tensor([4.0, 5.0, 6.0])
    y = (x * w).sum()
    steps = []
    grads = run_backward([y], [seed_gradient(y, None, "test", False)], False, False,
                         on_step=lambda node, g, input_grads: steps.append((node.op, g, input_grads)))
    assert [op for op, _, _ in steps] == ["sum", "mul"]  # newest first, each node once
    _, g_sum, (g_mul_out,) = steps[0]
    np.testing.assert_array_equal(g_sum, 1.0)
    np.testing.assert_array_equal(g_mul_out, [1.0, 1.0, 1.0])
    _, g_mul, (gx, gw) = steps[1]
    np.testing.assert_array_equal(g_mul, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(gx, [4.0, 5.0, 6.0])
    assert gw is None  # w needs no gradient: the rule gave none, and the observer sees it as given
    np.testing.assert_array_equal(grads[x], [4.0, 5.0, 6.0])


def test_on_step_sees_the_rule_result_before_broadcasting_is_undone():
    from autograd_lite.backward import run_backward, seed_gradient

    b = ag.tensor([1.0, 2.0], requires_grad=True)
    x = ag.ones(3, 2)
    y = (x + b).sum()
    seen = {}
    run_backward([y], [seed_gradient(y, None, "test", False)], False, False,
                 on_step=lambda node, g, input_grads: seen.setdefault(node.op, input_grads))
    assert seen["add"][1].shape == (3, 2)  # the rule's own result; the walk then sums it to (2,)
    np.testing.assert_array_equal(b.grad, None)  # run_backward alone does not touch .grad


# --------------------------------------------------------------------------- the graph owns its arrays; each .grad its own


def test_gradient_of_a_0d_leaf_is_an_ndarray():
    p = ag.tensor(1.5, requires_grad=True)
    (p * p * p - p).backward(retain_graph=False)
    assert type(p.grad.data) is np.ndarray and p.grad.shape == ()
    assert p.grad.item() == pytest.approx(3 * 1.5**2 - 1)
    (p * p).backward()  # accumulating into an existing 0-d .grad
    assert type(p.grad.data) is np.ndarray and p.grad.item() == pytest.approx(5.75 + 3.0)


def test_every_gradient_of_0d_tensors_is_an_ndarray_whichever_path_made_it():
    p = ag.tensor(2.0, requires_grad=True)
    w = ag.tensor(3.0, requires_grad=True)
    y = p * w
    (gp, gw) = ag.grad(y, [p, w], retain_graph=True)
    assert type(gp.data) is np.ndarray and type(gw.data) is np.ndarray
    (gp2,) = ag.grad(y, p, create_graph=True)
    assert type(gp2.data) is np.ndarray and gp2.item() == 3.0
    y.backward(create_graph=True)
    assert type(p.grad.data) is np.ndarray and type(w.grad.data) is np.ndarray


def test_create_graph_gives_each_leaf_its_own_gradient_tensor():
    x, z = ag.tensor([1.0, 2.0, 3.0], requires_grad=True), ag.tensor([4.0, 5.0, 6.0], requires_grad=True)
    (x + z).backward(np.ones(3), create_graph=True)  # add hands the same gradient to both inputs
    assert x.grad is not z.grad and not np.shares_memory(x.grad.data, z.grad.data)
    x.grad.data *= 10.0
    np.testing.assert_array_equal(z.grad.data, [1.0, 1.0, 1.0])


def test_create_graph_gradients_stay_differentiable_when_given_their_own_memory():
    x, z = ag.tensor([1.0, 2.0], requires_grad=True), ag.tensor([3.0, 4.0], requires_grad=True)
    w = ag.tensor([5.0, 7.0], requires_grad=True)
    ((x + z) * w).sum().backward(create_graph=True)  # dL/dx = dL/dz = w, one tensor from the add rule
    assert x.grad is not z.grad
    np.testing.assert_array_equal(x.grad.data, w.data)
    w.grad = None
    (x.grad * z.grad).sum().backward()  # d(w . w)/dw = 2w: both gradients still lead back to w
    np.testing.assert_array_equal(w.grad.data, 2 * w.data)


@pytest.mark.parametrize("implicit", [True, False])
def test_create_graph_gradient_data_is_writable(implicit):
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    if implicit:
        x.sum().backward(create_graph=True)  # the sum rule broadcasts the seed: a read-only view
    else:
        (x * 1.0).backward(np.ones(3), create_graph=True)
    assert x.grad.data.flags.writeable
    x.grad.data *= 2.0
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0, 2.0])


def test_grad_with_create_graph_gives_each_input_its_own_gradient():
    x, z = ag.tensor([1.0, 2.0], requires_grad=True), ag.tensor([3.0, 4.0], requires_grad=True)
    gx, gz = ag.grad((x + z).sum(), [x, z], create_graph=True)
    assert not np.shares_memory(gx.data, gz.data) and gx.data.flags.writeable and gz.data.flags.writeable


def test_index_arrays_are_copied_when_the_op_is_recorded():
    x = ag.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    index, mask = np.array([0, 2]), np.array([True, False, False, True])
    y = x[index].sum() + (2.0 * x[mask]).sum()
    index[:] = 1  # reusing the buffers before backward must not change the gradient
    mask[:] = True
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 0.0, 1.0, 2.0])


def test_where_condition_and_clip_bounds_are_copied_when_the_op_is_recorded():
    a, b = ag.tensor([1.0, 2.0, 3.0], requires_grad=True), ag.tensor([4.0, 5.0, 6.0], requires_grad=True)
    condition, low = np.array([True, False, True]), np.array([0.0, 3.0, 0.0])
    y = ag.where(condition, a, b).sum() + a.clip(min=low).sum()
    condition[:] = False
    low[:] = 10.0
    y.backward()
    np.testing.assert_array_equal(a.grad.data, [2.0, 0.0, 2.0])  # where picks a at 0 and 2; clip passes 0 and 2
    np.testing.assert_array_equal(b.grad.data, [0.0, 1.0, 0.0])


def arrays_held_by(node: Function) -> list:
    """Every array a node still keeps for backward, in its slots and attributes (one level into tuples).

    A gradient kept for pictures by an earlier retain_graph/create_graph pass (kept_grad) is not one.
    """
    values = [node.saved_inputs, node.saved_output, *(v for k, v in vars(node).items() if k != "kept_grad")]
    found = []
    for value in values:
        for item in value if isinstance(value, (tuple, list)) else (value,):
            if isinstance(item, np.ndarray):
                found.append(item)
    return found


def graph_nodes(root: ag.Tensor) -> list:
    nodes, stack = [], [root.grad_fn]
    while stack:
        node = stack.pop()
        if node not in nodes:
            nodes.append(node)
            stack.extend(p for p in node.parents if isinstance(p, Function))
    return nodes


def test_backward_frees_every_array_saved_for_it_index_arrays_included():
    x = ag.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    rows, columns = np.array([0, 1, 2, 2, 1]), np.array([3, 0, 1, 2, 3])
    picked = x[rows, columns] + x[x.data > 5.0][:5]
    y = ag.where(np.array([True, False, True, False, True]), picked, 0.0).clip(min=np.zeros(5)).logsumexp()
    nodes = graph_nodes(y)
    assert {n.op for n in nodes} >= {"getitem", "where", "clip", "logsumexp"}
    y.backward()
    assert [(n.op, len(arrays_held_by(n))) for n in nodes if arrays_held_by(n)] == []
    labels = {n.label() for n in nodes}  # pictures still say what was indexed
    assert "getitem[(5,) int64, (5,) int64]" in labels
    assert "getitem[mask (3, 4)]" in labels


def test_create_graph_nodes_are_freed_too_by_a_later_plain_backward():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    index = np.array([0, 0, 2])
    (gx,) = ag.grad((x[index] ** 2).sum(), x, create_graph=True)  # records a scatter_add holding the index
    gx.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [4.0, 0.0, 2.0])
    assert [n.op for n in graph_nodes(gx) if arrays_held_by(n)] == []


def test_small_index_arrays_keep_their_values_in_labels_after_backward():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x[np.array([0, 2])].sum()
    getitem = y.grad_fn.parents[0]
    before = getitem.label()
    y.backward()
    assert getitem.label() == before == "getitem[[0,2]]"


# --------------------------------------------------------------------------- the walk checks each rule's shapes


class WrongShape(Function):
    """x * 2 whose rule wrongly returns a (3, 3) gradient for its (3, 1) input."""

    op = "wrong_shape"

    def forward(self, x):
        return x * 2

    def backward(self, g, y, x):
        return (np.ones((3, 3)),)


def test_the_walk_rejects_a_gradient_neither_of_the_inputs_nor_of_the_outputs_shape():
    from autograd_lite.tensor import apply

    x = ag.tensor(np.ones((3, 1)), requires_grad=True)
    y = apply(WrongShape(), x)
    with pytest.raises(RuntimeError) as caught:
        y.sum().backward()
    message = str(caught.value)
    assert "wrong_shape" in message and "(3, 3)" in message and "(3, 1)" in message
    assert x.grad is None


def test_the_walk_sums_a_gradient_of_the_outputs_broadcast_shape():
    b = ag.tensor(np.ones((3, 1)), requires_grad=True)
    (b + ag.ones(3, 4)).sum().backward()  # add's rule gives (3, 4) for b: summed back to (3, 1)
    np.testing.assert_array_equal(b.grad.data, np.full((3, 1), 4.0))


@pytest.mark.parametrize("shape_a, shape_b", [((2, 3, 4), (4, 5)), ((3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2))])
def test_batched_matmul_sums_its_broadcast_batch_axes_itself(shape_a, shape_b, leaf, check):
    check(lambda a, b: a @ b, leaf(shape_a), leaf(shape_b))
