"""Your own op: PyTorch's style (ctx, static methods) and the engine's (forward on arrays), one `apply`."""
import numpy as np
import pytest

import autograd_lite as ag
from autograd_lite.elementwise import Exp


class Cube(ag.Function):  # PyTorch's style
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, g):
        """d/dx x^3 = 3 x^2"""
        (x,) = ctx.saved_tensors
        return g * 3 * x**2


class EngineCube(ag.Function):  # the engine's style, as every built-in
    def forward(self, x):
        return x**3

    def backward(self, g, y, x):
        """d/dx x^3 = 3 x^2"""
        return (g * 3 * x**2,)


class ScaledProduct(ag.Function):  # two Tensors and a number
    @staticmethod
    def forward(ctx, a, b, scale):
        ctx.save_for_backward(a, b)
        ctx.scale = scale
        ctx.seen_grad_mode = ag.is_grad_enabled()
        return scale * a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = g * ctx.scale * b if ctx.needs_input_grad[0] else None
        gb = g * ctx.scale * a if ctx.needs_input_grad[1] else None
        return ga, gb, None


BOTH = [Cube, EngineCube]


@pytest.mark.parametrize("op", BOTH, ids=lambda op: op.__name__)
def test_values_gradcheck_and_closed_form(op, check, leaf):
    x = leaf((2, 3))
    y = op.apply(x)
    np.testing.assert_allclose(y.data, x.data**3)
    assert y.requires_grad and y.grad_fn.op == op.__name__ and y.grad_fn.label() == op.__name__
    assert check(op.apply, x)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, 3 * x.data**2)


@pytest.mark.parametrize("op", BOTH, ids=lambda op: op.__name__)
def test_differentiable_again_under_create_graph(op, leaf):
    x = leaf((4,))
    (g,) = ag.grad(op.apply(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.data, 3 * x.data**2)
    (h,) = ag.grad(g.sum(), x)
    np.testing.assert_allclose(h.data, 6 * x.data)

    def gradient_sum(t):
        with ag.enable_grad():  # gradcheck evaluates under no_grad; this f differentiates inside
            return ag.grad(op.apply(t).sum(), t, create_graph=True)[0].sum()

    assert ag.gradcheck(gradient_sum, x)


@pytest.mark.parametrize("op", BOTH, ids=lambda op: op.__name__)
def test_drawn_and_explained_under_the_class_name(op, leaf):
    y = op.apply(leaf((3,))).sum()
    assert f"[label=<{op.__name__}> " in ag.viz.to_dot(y).source
    y.backward(retain_graph=True)
    table = str(ag.viz.explain_backward(y))
    assert op.__name__ in table and "d/dx x^3 = 3 x^2" in table


def test_pytorch_style_node_is_named_like_pytorchs():
    y = Cube.apply(ag.tensor([1.0], requires_grad=True))
    assert type(y.grad_fn).__name__ == "CubeBackward" and repr(y).endswith("grad_fn=<Cube>)")


def test_non_tensor_arguments_get_none_and_needs_input_grad(check, leaf):
    a, b = leaf((2, 3)), leaf((3,))
    assert check(lambda p, q: ScaledProduct.apply(p, q, 2.5), a, b)
    constant = ag.tensor(np.full(3, 2.0))
    y = ScaledProduct.apply(a, constant, 0.5)
    assert y.grad_fn.needs_input_grad == (True, False, False)
    assert y.grad_fn.seen_grad_mode is False  # forward records nothing
    y.sum().backward()
    np.testing.assert_allclose(a.grad.data, np.full((2, 3), 1.0))


def test_under_no_grad_nothing_is_recorded():
    x = ag.tensor([2.0], requires_grad=True)
    with ag.no_grad():
        assert Cube.apply(x).grad_fn is None and EngineCube.apply(x).grad_fn is None
    assert Cube.apply(ag.tensor([2.0])).requires_grad is False


def test_the_engines_own_primitives_have_apply_too():
    x = ag.tensor([0.0, 1.0], requires_grad=True)
    y = Exp.apply(x)
    assert y.grad_fn.op == "exp"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, np.exp([0.0, 1.0]))
    assert EngineCube.apply(2.0).item() == 8.0  # numbers become constants
    x32 = ag.tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    assert ag.elementwise.Mul.apply(x32, 2.0).dtype == np.float32  # in the other input's dtype


class WrongCount(ag.Function):
    @staticmethod
    def forward(ctx, x, k):
        return x * k

    @staticmethod
    def backward(ctx, g):
        return g


class GradForNumber(ag.Function):
    @staticmethod
    def forward(ctx, x, k):
        return x * k

    @staticmethod
    def backward(ctx, g):
        return g, g


class Mixed(ag.Function):
    @staticmethod
    def forward(ctx, x):
        return x

    def backward(self, g, y, x):
        return (g,)


class TwoOutputs(ag.Function):
    @staticmethod
    def forward(ctx, x):
        return x, x

    @staticmethod
    def backward(ctx, g):
        return g


class SavesANumber(ag.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x, 3)
        return x

    @staticmethod
    def backward(ctx, g):
        return g


class NeedsArguments(ag.Function):
    def __init__(self, k):
        self.k = k

    def forward(self, x):
        return x * self.k

    def backward(self, g, y, x):
        return (g * self.k,)


def test_mistakes_get_clear_errors():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"WrongCount.backward returned 1 gradient\(s\), but forward took 2"):
        WrongCount.apply(x, 2.0).sum().backward()
    with pytest.raises(RuntimeError, match="GradForNumber.backward returned a gradient for argument 1, which is not"):
        GradForNumber.apply(x, 2.0).sum().backward()
    with pytest.raises(TypeError, match="Mixed: forward and backward must both be static methods"):
        Mixed.apply(x)
    with pytest.raises(TypeError, match="TwoOutputs.forward returned 2 values"):
        TwoOutputs.apply(x)
    with pytest.raises(TypeError, match="save_for_backward can only save Tensors"):
        SavesANumber.apply(x)
    with pytest.raises(TypeError, match=r"NeedsArguments.apply: NeedsArguments\(\) needs arguments"):
        NeedsArguments.apply(x)
    from autograd_lite.tensor import apply

    assert apply(NeedsArguments(3.0), x).data.tolist() == [3.0, 6.0]  # the engine's own apply(fn, *tensors)


def test_a_saved_tensor_changed_in_place_is_detected():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1.0
    y = Cube.apply(h)
    with ag.no_grad():
        h.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation: the saved tensors that 'Cube' keeps"):
        y.sum().backward()


def test_backward_twice_needs_retain_graph():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = Cube.apply(x)
    y.backward(np.ones(2))
    with pytest.raises(RuntimeError, match="backward through 'Cube' a second time"):
        y.backward(np.ones(2))


class CubeWithJvp(Cube):
    @staticmethod
    def jvp(ctx, dx):
        (x,) = ctx.saved_tensors
        return 3 * x**2 * dx


def test_forward_mode_uses_the_ops_jvp_or_says_it_has_none():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    tangent = np.array([1.0, -1.0])
    node = CubeWithJvp.apply(x).grad_fn
    np.testing.assert_allclose(node.jvp((tangent,), None, x.data), [3.0, -12.0])
    for op in (Cube, EngineCube):
        with pytest.raises(NotImplementedError, match=f"^forward mode: {op.__name__} has no jvp rule"):
            op.apply(x).grad_fn.jvp((tangent,), None, x.data)
