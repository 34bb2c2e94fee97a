"""Tensor hooks: `t.register_hook(fn)` and `t.retain_grad()`, as in PyTorch.

A hook is called with dL/dt during backward and may return a replacement
(clipping or logging a gradient on its way). The hooks of a non-leaf tensor
live on the node that made it (`node.hooks`): the walk runs them once that
node's gradient is complete, before its rule uses it. A leaf has no node, so
its hooks are kept here, keyed by the leaf, and run on its finished gradient
before it is added into `.grad` (or returned by `ag.grad`). `retain_grad()`
is a last hook that keeps a non-leaf's gradient in its `.grad`.

Until a hook is registered, the walk does not look for any (`in_use`).
"""
from __future__ import annotations

import itertools
import weakref
from typing import Any, Callable

import numpy as np

from autograd_lite.graph import ArrayOrTensor, Function
from autograd_lite.tensor import Tensor, wrap

Hook = Callable[[Tensor], Any]

in_use = False  # becomes True with the first hook: until then backward skips looking for hooks


class TensorHooks:
    """The hooks of one tensor, in registration order, and the tensor keeping its gradient (retain_grad)."""

    def __init__(self) -> None:
        self.functions: dict[int, Hook] = {}
        self.retained: weakref.ref | None = None  # weakly: a node must not keep its output tensor alive

    def run(self, g: ArrayOrTensor) -> ArrayOrTensor:
        """g after every hook (each sees the previous one's result); kept in `.grad` if retained."""
        as_tensor = isinstance(g, Tensor)  # create_graph: the walk's gradients are Tensors already
        for function in list(self.functions.values()):
            replacement = function(g if as_tensor else wrap(g, None))
            if replacement is not None:
                g = _checked_replacement(replacement, g, function, as_tensor)
        tensor = self.retained() if self.retained is not None else None
        if tensor is not None:
            _keep_grad(tensor, g)
        return g


class RemovableHandle:
    """What register_hook returns: `handle.remove()` unregisters the hook."""

    _ids = itertools.count()

    def __init__(self, hooks: TensorHooks, function: Hook) -> None:
        self.hooks, self.id = hooks, next(self._ids)
        hooks.functions[self.id] = function

    def remove(self) -> None:
        """Unregister the hook (removing it twice is harmless)."""
        self.hooks.functions.pop(self.id, None)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.remove()


def register_hook(tensor: Tensor, function: Hook) -> RemovableHandle:
    """Call `function(grad)` with dL/d(tensor) during backward; a returned Tensor replaces the gradient."""
    if not tensor.requires_grad:
        raise RuntimeError("register_hook: cannot register a hook on a tensor that doesn't require gradient")
    return RemovableHandle(_hooks_of(tensor), function)


def retain_grad(tensor: Tensor) -> None:
    """Keep dL/d(tensor) in `tensor.grad` during backward, for a non-leaf (a leaf keeps it anyway)."""
    if not tensor.requires_grad:
        raise RuntimeError("retain_grad: can't retain_grad on a tensor that has requires_grad=False")
    if tensor.grad_fn is not None:
        _hooks_of(tensor).retained = weakref.ref(tensor)


def retains_grad(tensor: Tensor) -> bool:
    """Did `retain_grad()` ask this non-leaf to keep its gradient?"""
    hooks = tensor.grad_fn.hooks if tensor.grad_fn is not None else None
    return hooks is not None and _retains(hooks, tensor)


def _retains(hooks: TensorHooks, tensor: Tensor) -> bool:
    return hooks.retained is not None and hooks.retained() is tensor


def follow_in_place(tensor: Tensor, previous: Function | None, node: Function) -> None:
    """After `tensor`'s in-place change made `node` its grad_fn: retain_grad moves to the new value.

    Its hooks stay with the old node: they see the gradient of the value they
    were registered on, as in PyTorch.
    """
    hooks = previous.hooks if previous is not None else None
    if hooks is not None and _retains(hooks, tensor):
        hooks.retained = None
        _hooks_of(tensor).retained = weakref.ref(tensor)


def run_leaf_hooks(grads: dict) -> None:
    """Run the hooks of the leaves in `grads` (the walk's result, leaf -> gradient) on their gradients."""
    for key, g in grads.items():
        if isinstance(key, Tensor):
            entry = _leaf_hooks.get(id(key))
            if entry is not None and entry[0]() is key:
                grads[key] = entry[1].run(g)


def leaf_hook_ids(tensor: Tensor) -> tuple:
    """Which hooks a leaf has now (their handles' ids): ag.compile keys its programs by them."""
    entry = _leaf_hooks.get(id(tensor))
    return tuple(entry[1].functions) if entry is not None and entry[0]() is tensor else ()


# A leaf's hooks, by id(leaf); the entry goes when the leaf does (Tensors compare elementwise, so a
# WeakKeyDictionary, which compares keys with ==, cannot hold them).
_leaf_hooks: dict[int, tuple[weakref.ref, TensorHooks]] = {}


def _hooks_of(tensor: Tensor) -> TensorHooks:
    """The tensor's hooks, created empty the first time."""
    global in_use
    in_use = True
    node = tensor.grad_fn
    if node is not None:
        if node.hooks is None:
            node.hooks = TensorHooks()
        return node.hooks
    key = id(tensor)
    entry = _leaf_hooks.get(key)
    if entry is None or entry[0]() is not tensor:
        entry = _leaf_hooks[key] = (weakref.ref(tensor, lambda _: _leaf_hooks.pop(key, None)), TensorHooks())
    return entry[1]


def _checked_replacement(replacement: Any, g: ArrayOrTensor, function: Hook, as_tensor: bool) -> ArrayOrTensor:
    """A hook's result as the walk's gradient, after checking it keeps the gradient's shape."""
    data = replacement.data if isinstance(replacement, Tensor) else np.asarray(replacement)
    if data.shape != g.shape:
        name = getattr(function, "__name__", repr(function))
        raise RuntimeError(f"hook '{name}' returned a gradient of shape {data.shape} for a gradient of shape "
                           f"{g.shape}; a hook may change the values, not the shape")
    if as_tensor:
        return replacement if isinstance(replacement, Tensor) else wrap(data, None)
    return data


def _keep_grad(tensor: Tensor, g: ArrayOrTensor) -> None:
    """retain_grad: accumulate g into tensor.grad, as for a leaf."""
    if isinstance(g, Tensor):
        tensor.grad = g if tensor.grad is None else tensor.grad + g
    elif tensor.grad is None:
        tensor.grad = wrap(np.array(g, dtype=tensor.dtype), None)  # its own copy: the walk passes g on
    else:
        tensor.grad = wrap(np.add(tensor.grad.data, g, dtype=tensor.dtype), None)
