"""Tensor hooks (register_hook, its handle) and retain_grad, on leaves and non-leaves."""
import numpy as np
import pytest

import autograd_lite as ag


def test_a_leaf_hook_sees_the_gradient_and_may_replace_it():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    seen = []

    def double(grad):
        seen.append(grad)
        return grad * 2

    handle = x.register_hook(double)
    (x * x).sum().backward()
    assert len(seen) == 1 and isinstance(seen[0], ag.Tensor)
    np.testing.assert_array_equal(seen[0].data, [2.0, 4.0])
    np.testing.assert_array_equal(x.grad.data, [4.0, 8.0])
    handle.remove()
    handle.remove()  # harmless
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])
    assert len(seen) == 1


def test_a_hook_on_a_non_leaf_changes_what_flows_back():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.data.copy()))  # returns None: the gradient stays
    y.register_hook(lambda g: g * 10)  # hooks run in order, each on the previous one's result
    y.register_hook(lambda g: seen.append(g.data.copy()))
    (y * y).sum().backward()  # dL/dy = 2y = [6, 12]
    np.testing.assert_array_equal(seen[0], [6.0, 12.0])
    np.testing.assert_array_equal(seen[1], [60.0, 120.0])
    np.testing.assert_array_equal(x.grad.data, [180.0, 360.0])  # 3 * 10 * 2y


def test_hooks_apply_to_ag_grad_too():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g + 1)
    (g,) = ag.grad((x * x).sum(), x)
    np.testing.assert_array_equal(g.data, [3.0, 5.0])
    assert x.grad is None
    h = x * 2
    h.register_hook(lambda g: -g)
    (gh,) = ag.grad((h * h).sum(), h)
    np.testing.assert_array_equal(gh.data, [-4.0, -8.0])


def test_a_hook_on_a_tensor_used_twice_sees_the_total():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1.0
    seen = []
    y.register_hook(lambda g: seen.append(g.data.copy()))
    (y * 2 + y * 3).sum().backward()
    assert len(seen) == 1
    np.testing.assert_array_equal(seen[0], [5.0, 5.0])


def test_a_hook_under_create_graph_gets_a_differentiable_tensor():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    y.register_hook(lambda g: g * x)  # the replacement depends on x: differentiated too
    (g,) = ag.grad(y.sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.data, 2 * x.data * x.data)  # dy/dx * x = 2x * x
    (h,) = ag.grad(g.sum(), x)
    np.testing.assert_array_equal(h.data, 4 * x.data)


def test_hook_errors():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        ag.tensor([1.0]).register_hook(print)
    x = ag.tensor([1.0, 2.0], requires_grad=True)

    def reshaping(grad):
        return grad.reshape(2, 1)

    x.register_hook(reshaping)
    with pytest.raises(RuntimeError, match=r"hook 'reshaping' returned a gradient of shape \(2, 1\)"):
        x.sum().backward()


def test_retain_grad_keeps_a_non_leafs_gradient():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    z = y * y
    assert not y.retains_grad
    y.retain_grad()
    z.retain_grad()
    assert y.retains_grad and z.retains_grad
    z.sum().backward(retain_graph=True)
    np.testing.assert_array_equal(y.grad.data, 2 * y.data)
    np.testing.assert_array_equal(z.grad.data, [1.0, 1.0])
    z.sum().backward()  # accumulates, as a leaf's .grad does
    np.testing.assert_array_equal(y.grad.data, 4 * y.data)
    assert (x * 2).grad is None  # without retain_grad a non-leaf keeps nothing


def test_retain_grad_on_a_leaf_changes_nothing_and_needs_requires_grad():
    x = ag.tensor([1.0], requires_grad=True)
    x.retain_grad()
    (x * 2).sum().backward()
    assert x.grad.item() == 2.0
    with pytest.raises(RuntimeError, match="requires_grad=False"):
        ag.tensor([1.0]).retain_grad()


def test_retained_gradient_is_its_own_array():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x + 0.0  # add hands the same gradient array on to x
    y.retain_grad()
    y.sum().backward()
    y.grad.mul_(100)
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])


def test_retain_grad_follows_an_in_place_change_and_hooks_stay():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1.0
    y.retain_grad()
    before = []
    y.register_hook(lambda g: before.append(g.data.copy()))
    y.mul_(3)  # y's new value: its gradient is the retained one; the hook saw the old value's
    (y * y).sum().backward()
    np.testing.assert_array_equal(y.grad.data, 2 * y.data)  # dL/d(new y)
    np.testing.assert_array_equal(before[0], 3 * 2 * y.data)  # dL/d(old y) = 3 dL/d(new y)
    np.testing.assert_array_equal(x.grad.data, 18 * x.data)


def test_a_handle_is_a_context_manager():
    x = ag.tensor([1.0], requires_grad=True)
    with x.register_hook(lambda g: g * 0):
        (x * 5).sum().backward()
    assert x.grad.item() == 0.0
    x.grad = None
    (x * 5).sum().backward()
    assert x.grad.item() == 5.0
