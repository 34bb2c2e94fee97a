"""Forward mode: tangents pushed through the forward pass, op by op, as it runs.

`ag.func.jvp(f, (x,), (v,))` runs f once. Every Tensor computed inside
carries, beside its value y, its tangent dy: how y moves when x moves along v
(y's part of the Jacobian-vector product J v). Each time an op runs (`apply`
in tensor.py), `push_tangents` calls the op's `jvp` rule to turn its inputs'
tangents into its output's:

    x, dx = v   ->   h = tanh(x), dh = (1 - h^2) dx   ->   y = sum(h), dy = sum(dh)

Nothing is recorded for a backward pass, and no reverse sweep runs.

Levels. Transforms nest (jacfwd of jacfwd, a Hessian), so each jvp opens a
level (a number) and a Tensor keeps one tangent per level, in `_tangents`
({level: tangent}): the perturbations of two transforms never mix. The rule
for level L runs with only the levels opened before L still open, and then
on Tensors, so that its own operations carry those outer tangents (that is
how second derivatives come out). It also runs on Tensors when the backward
graph is being recorded through it (a jvp differentiated in reverse). In the
common case (one jvp, nothing to record) it runs on plain arrays, which is fast.

Forward over reverse (a jacrev inside a jvp): a node remembers its output's
tangents (`output_tangents`), so that the backward pass, running its rules on
Tensors under create_graph, can hand the saved values their tangents back
(`restore_tangents`). A node keeps them while it lives, so a graph recorded
inside a jvp and kept after it also keeps its tangents.

As in PyTorch, `no_grad` does not stop forward mode: it only concerns recording
the backward graph.
"""
from __future__ import annotations

import itertools
import threading
from typing import Any, Sequence

import numpy as np

from autograd_lite.graph import ArrayOrTensor, Function, _state, expand, forward_mode
from autograd_lite.tensor import Tensor, wrap

_level_numbers = itertools.count(1)
_switch_lock = threading.Lock()  # the open-level count is shared by all threads


class open_level:  # noqa: N801  (used like a function: `with open_level() as level:`)
    """Open a new forward-mode level in this thread; inside, tensors may carry tangents of that level."""

    def __enter__(self) -> int:
        self.level = next(_level_numbers)
        self.outer = _state.forward_levels
        _state.forward_levels = self.outer + (self.level,)
        with _switch_lock:
            forward_mode.open_levels += 1
        return self.level

    def __exit__(self, *exc_info: Any) -> None:
        _state.forward_levels = self.outer
        with _switch_lock:
            forward_mode.open_levels -= 1


def is_active() -> bool:
    """True while a forward-mode level is open in this thread."""
    return bool(_state.forward_levels)


def tangent_of(t: Tensor, level: int) -> ArrayOrTensor | None:
    """t's tangent at `level`, or None when it has none there."""
    tangents = getattr(t, "_tangents", None)  # the slot is unset on every tensor made outside forward mode
    return None if tangents is None else tangents.get(level)


def has_tangents(t: Tensor) -> bool:
    """Does t carry a tangent at any level?"""
    return bool(getattr(t, "_tangents", None))


def set_tangent(t: Tensor, level: int, tangent: ArrayOrTensor) -> None:
    """Give t a tangent at `level` (its node, if it has one, remembers it too: see `restore_tangents`)."""
    tangents = getattr(t, "_tangents", None)
    if tangents is None:
        t._tangents = tangents = {}
        if t.grad_fn is not None:
            t.grad_fn.output_tangents = tangents
    tangents[level] = tangent


def copy_tangents(source: Tensor, target: Tensor) -> None:
    """target gets source's tangents at every level (target is a new tensor holding the same value)."""
    for level, tangent in (getattr(source, "_tangents", None) or {}).items():
        set_tangent(target, level, tangent)


def without_graph(t: Tensor) -> Tensor:
    """t's value and tangents (each likewise cut off) on a new leaf, outside any backward graph.

    Unlike `detach`, which forgets the tangents too: this is for a reverse
    transform's result that nothing outside differentiates in reverse, though
    an outer jvp still needs its tangents.
    """
    copy = wrap(t.data, None)
    for level, tangent in (getattr(t, "_tangents", None) or {}).items():
        set_tangent(copy, level, without_graph(tangent) if isinstance(tangent, Tensor) else tangent)
    return copy


def drop_tangent(t: Tensor, level: int) -> None:
    """Forget t's tangent at `level` (a closed level)."""
    tangents = getattr(t, "_tangents", None)
    if tangents is not None:
        tangents.pop(level, None)


# --------------------------------------------------------------------------- the engine step


def push_tangents(fn: Function, inputs: Sequence[Tensor], out: Tensor) -> None:
    """`out` was just computed by fn from `inputs`: give it a tangent at every open level where an input has one."""
    levels = _state.forward_levels
    if not levels or out.data.dtype.kind != "f":
        return  # a level open in another thread only, or an integer/bool result (no tangent)
    for depth, level in enumerate(levels):  # outermost first: the rule at level L may use y's outer tangents
        given = [tangent_of(x, level) for x in inputs]
        if all(t is None for t in given):
            continue
        outer = levels[:depth]
        on_tensors = bool(outer) or (_state.grad_enabled and _something_requires_grad(inputs, given))
        tangents = tuple(_tangent_or_zeros(t, x, on_tensors) for t, x in zip(given, inputs))
        fn.has_tangent = tuple(t is not None for t in given)
        _state.forward_levels = outer  # the rule's own operations carry only the outer levels' tangents
        try:
            if on_tensors:
                tangent = fn.jvp(tangents, out, *inputs)
            else:
                tangent = fn.jvp(tangents, out.data, *[x.data for x in inputs])
        finally:
            _state.forward_levels = levels
        set_tangent(out, level, _fit(fn, tangent, out, on_tensors))


def _something_requires_grad(inputs: Sequence[Tensor], given: list) -> bool:
    """Would a backward pass through this op need the tangent's own graph?"""
    return any(x.requires_grad for x in inputs) or any(isinstance(t, Tensor) and t.requires_grad for t in given)


def _tangent_or_zeros(tangent: ArrayOrTensor | None, x: Tensor, on_tensors: bool) -> ArrayOrTensor:
    """The tangent a rule gets for input x: x's own, or zeros of x's shape and dtype when it has none."""
    if tangent is None:
        # perf: one zero broadcast to x's shape, read-only, instead of a new array of zeros (rules only read
        # tangents, and MatMul skips a product with it): a jvp through three tanh(W @ x) layers, W 1024x1024,
        # 2.8 ms -> 1.85 ms
        tangent = np.broadcast_to(np.zeros((), dtype=x.dtype), x.shape)
    if on_tensors:
        return tangent if isinstance(tangent, Tensor) else wrap(tangent, None)
    return tangent.data if isinstance(tangent, Tensor) else tangent


def _fit(fn: Function, tangent: Any, out: Tensor, on_tensors: bool) -> ArrayOrTensor:
    """The rule's result with the output's shape (broadcast) and dtype; a shape that cannot broadcast raises."""
    if not isinstance(tangent, Tensor):
        tangent = np.asarray(tangent)  # NumPy makes 0-d results scalars
        if on_tensors:
            tangent = wrap(tangent, None)
    if tangent.shape != out.shape:
        try:
            fits = np.broadcast_shapes(tangent.shape, out.shape) == out.shape
        except ValueError:
            fits = False
        if not fits:
            raise RuntimeError(
                f"jvp of '{fn.label()}' gave a tangent of shape {tangent.shape} for an output of shape {out.shape}"
            )
        tangent = expand(tangent, out.shape)
    if tangent.dtype != out.dtype:
        tangent = tangent.astype(out.dtype)
    return tangent


# --------------------------------------------------------------------------- forward over reverse


def restore_tangents(node: Function, y: Tensor, xs: Sequence[Tensor]) -> None:
    """The Tensors the backward pass made of node's saved output and inputs get their tangents back."""
    if node.output_tangents is not None:
        y._tangents = node.output_tangents
    for parent, x in zip(node.parents, xs):
        if isinstance(parent, Function) and parent.output_tangents is not None:
            x._tangents = parent.output_tangents  # a leaf parent is the tensor itself: it has its own
