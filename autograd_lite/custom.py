"""Your own op: subclass `ag.Function`, then call `YourOp.apply(...)`. Two ways to write one.

PyTorch's style: static methods on Tensors, with a `ctx` to keep what backward needs.

    class Cube(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3                 # Tensors in and out; nothing here is recorded
        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x ** 2         # one gradient (or None) per argument of forward

The engine's own style, as every built-in primitive is written: forward on
NumPy arrays, backward beside it (see graph.Function).

    class Cube(ag.Function):
        def forward(self, x):
            return x ** 3
        def backward(self, g, y, x):
            \"\"\"d/dx x^3 = 3 x^2\"\"\"
            return (g * 3 * x ** 2,)

`Cube.apply(x)` runs either. Both are recorded as one node drawn as "Cube",
can be checked with `ag.gradcheck`, and are differentiable again under
`create_graph=True`: their backward is written with operations the engine
records (PyTorch's style gets Tensors; the engine's gets Tensors then too).
"""
from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from autograd_lite import graph
from autograd_lite.graph import ArrayOrTensor, Function, _state, no_grad
from autograd_lite.tensor import Tensor, apply as apply_instance, operand, to_array, wrap


def apply(function: type, *args: Any) -> Tensor:
    """`Function.apply`: run the op `function` (a Function subclass) on `args`, recording it if needed."""
    if _written_pytorch_style(function):
        return _apply_with_ctx(function, args)
    try:
        instance = function()
    except TypeError as error:
        raise TypeError(f"{function.__name__}.apply: {function.__name__}() needs arguments ({error}); "
                        f"apply an instance instead: ag.tensor.apply({function.__name__}(...), x)") from None
    like = next((a for a in args if isinstance(a, Tensor)), None)  # numbers take its dtype: float32 stays float32
    return apply_instance(instance, *[operand(a, function.op, like=like) for a in args])


def _written_pytorch_style(function: type) -> bool:
    """Are forward and backward static methods (PyTorch's style) rather than methods (the engine's)?"""
    forward, backward = (isinstance(inspect.getattr_static(function, name), staticmethod)
                         for name in ("forward", "backward"))
    if forward != backward:
        raise TypeError(f"{function.__name__}: forward and backward must both be static methods (PyTorch's "
                        "style, with ctx) or both plain methods (the engine's style, on arrays)")
    return forward


def _apply_with_ctx(function: type, args: tuple) -> Tensor:
    """PyTorch's style: forward on Tensors with nothing recorded, then one node for the whole op."""
    ctx = _node_class(function)()
    ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
    ctx.tensor_positions = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
    with no_grad():
        output = function.forward(ctx, *args)
    if isinstance(output, (tuple, list)):
        raise TypeError(f"{function.__name__}.forward returned {len(output)} values: an op has one output "
                        "here; return one Tensor (or make one op per output)")
    value = to_array(output)
    out = wrap(value, None)
    if _state.grad_enabled and any(ctx.needs_input_grad) and value.dtype.kind == "f":
        inputs = [args[i] for i in ctx.tensor_positions]
        ctx.record(inputs, tuple(t.data for t in inputs), value)
        out.grad_fn, out.requires_grad = ctx, True
    return out


class FunctionCtx(Function):
    """The `ctx` of a PyTorch-style op, which is also the node it records.

    `save_for_backward`, `saved_tensors` and `needs_input_grad` as in
    PyTorch; other attributes (`ctx.alpha = 2`) may be set freely in forward.
    """

    function: type  # the user's class; set on its node class (see _node_class)
    needs_input_grad: tuple  # per argument of forward: is it a Tensor that requires grad?
    tensor_positions: tuple  # which arguments of forward are Tensors (the node's inputs)
    _saved_tensors: tuple = ()

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep these Tensors (or None) for backward; in-place changes to them are then detected."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(f"{self.op}: save_for_backward can only save Tensors (or None), "
                                f"but argument {i} is a {type(t).__name__}; keep it as an attribute of ctx")
        self._saved_tensors = tensors

    @property
    def saved_tensors(self) -> tuple:
        """What forward gave to save_for_backward, as the same Tensors."""
        return self._saved_tensors

    def call_backward(self, g: ArrayOrTensor) -> tuple:
        """The walk's call of this node's rule: the user's backward, on Tensors, checked."""
        create_graph = isinstance(g, Tensor)
        grads = self.function.backward(self, g if create_graph else wrap(g, None))
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) != len(self.needs_input_grad):
            raise RuntimeError(f"{self.op}.backward returned {len(grads)} gradient(s), but forward took "
                               f"{len(self.needs_input_grad)} argument(s): return one (or None) per argument")
        for position, grad in enumerate(grads):
            if grad is not None and position not in self.tensor_positions:
                raise RuntimeError(f"{self.op}.backward returned a gradient for argument {position}, which "
                                   "is not a Tensor: return None for it")
        return tuple(_as_gradient(grads[i], create_graph) for i in self.tensor_positions)

    def jvp(self, tangents: Any, y: ArrayOrTensor, *xs: ArrayOrTensor) -> ArrayOrTensor:
        """Forward mode: the op's own `jvp(ctx, *tangents)` static method (one tangent per argument)."""
        if not isinstance(inspect.getattr_static(self.function, "jvp", None), staticmethod):
            raise NotImplementedError(f"forward mode: {self.op} has no jvp rule (a custom op); give {self.op} a "
                                      "jvp(ctx, *tangents) static method returning the output's tangent")
        as_tensors = any(isinstance(t, Tensor) for t in tangents)
        per_argument: list = [None] * len(self.needs_input_grad)
        for position, tangent in zip(self.tensor_positions, tangents):
            per_argument[position] = tangent if isinstance(tangent, Tensor) else wrap(np.asarray(tangent), None)
        return _as_gradient(self.function.jvp(self, *per_argument), as_tensors)


def _as_gradient(grad: Any, as_tensor: bool) -> ArrayOrTensor | None:
    """A user's gradient as the walk wants it: arrays, or Tensors under create_graph."""
    if grad is None:
        return None
    if as_tensor:
        return grad if isinstance(grad, Tensor) else wrap(to_array(grad), None)
    return grad.data if isinstance(grad, Tensor) else np.asarray(grad)


_node_classes: dict[type, type] = {}


def _node_class(function: type) -> type:
    """`CubeBackward`, the node class of the op `Cube`: drawn as "Cube", explained with Cube.backward's docstring."""
    node_class = _node_classes.get(function)
    if node_class is None:
        def backward(self: FunctionCtx, g: ArrayOrTensor, y: ArrayOrTensor, *xs: ArrayOrTensor) -> tuple:
            return self.call_backward(g)  # the rule reads only ctx: y and xs are not needed

        backward.__doc__ = function.backward.__doc__
        node_class = type(f"{function.__name__}Backward", (FunctionCtx,),
                          {"op": function.__name__, "function": function, "backward": backward,
                           "__module__": function.__module__})
        _node_classes[function] = node_class
    return node_class


graph._apply_function = apply
