"""The computation graph: nodes, grad mode, name scopes and the backward walk.

Every primitive (add, tanh, matmul, ...) is a subclass of `Function`. Applying
one while grad mode is on records a node: the Function instance remembers its
inputs (`parents`) and the arrays its backward rule needs (`saved`, `value`).
`Tensor.backward` then walks the nodes from the output back to the leaves,
calling each node's `backward` rule (the chain rule, one node at a time).

Like PyTorch, the graph holds nodes and leaf tensors, not the intermediate
`Tensor` objects: an intermediate result you do not keep costs no memory once
backward has freed the graph.
"""
from __future__ import annotations

import contextlib
import gc
import heapq
import itertools
import threading
from typing import Any, Sequence

import numpy as np


# --------------------------------------------------------------------------- grad mode


class _ThreadState(threading.local):
    """Per-thread settings, as in PyTorch: one thread's no_grad() leaves the others alone."""

    grad_enabled = True
    scope: tuple = ()

    def __init__(self) -> None:  # runs once in each thread that uses the state
        self.saved_modes: list[bool] = []  # grad modes to restore, innermost last


_state = _ThreadState()


def is_grad_enabled() -> bool:
    """True when operations record the graph (the default)."""
    return _state.grad_enabled


class _GradMode(contextlib.ContextDecorator):
    """Context manager and decorator that sets grad mode and restores it on exit."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __enter__(self) -> None:
        # The mode to restore is kept per thread: one decorated function may run in several threads.
        _state.saved_modes.append(_state.grad_enabled)
        _state.grad_enabled = self.enabled

    def __exit__(self, *exc_info: Any) -> None:
        _state.grad_enabled = _state.saved_modes.pop()


def no_grad(function: Any = None) -> Any:
    """Stop recording the graph: `with ag.no_grad(): ...`, `@ag.no_grad()` or `@ag.no_grad`."""
    return _GradMode(False) if function is None else _GradMode(False)(function)


def enable_grad(function: Any = None) -> Any:
    """Record the graph again, e.g. inside a `no_grad` block (same three forms)."""
    return _GradMode(True) if function is None else _GradMode(True)(function)


# --------------------------------------------------------------------------- name scopes


class Scope:
    """A named region of the graph, such as one call of an `nn.Linear`.

    Every node created inside `name_scope(label)` records the open scopes, so a
    picture of the graph can draw a labelled box around a module's operations.
    `owner` is the object that opened the scope (an nn module, or None): the
    picture asks it for `named_parameters()` to label parameters "0.weight".
    """

    __slots__ = ("label", "owner")

    def __init__(self, label: str, owner: Any = None) -> None:
        self.label = label
        self.owner = owner

    def __repr__(self) -> str:
        return f"Scope({self.label!r})"


class name_scope:  # noqa: N801  (used like a function: `with ag.name_scope("encoder"):`)
    """Group the nodes created inside under `label` (scopes nest); `owner`: see `Scope`.

    A small class rather than @contextmanager: every nn module call opens one.
    """

    def __init__(self, label: str, owner: Any = None) -> None:
        self.scope = Scope(label, owner)

    def __enter__(self) -> Scope:
        self.outer = _state.scope
        _state.scope = self.outer + (self.scope,)
        return self.scope

    def __exit__(self, *exc_info: Any) -> None:
        _state.scope = self.outer


# --------------------------------------------------------------------------- nodes


class Function:
    """One primitive operation; an instance applied with grad on is a graph node.

    A subclass defines, side by side:
      forward(*arrays) -> array           the function, on NumPy arrays;
      backward(g, y, *xs) -> tuple        the chain rule: given g = dL/dy, the
                                          output y and the inputs xs, return
                                          dL/dx for each input (None = no grad).
    backward is written with operators and methods that NumPy arrays and
    Tensors share (`*`, `@`, `.sum`, `.reshape`, ...). The walk passes arrays
    normally, and Tensors when `create_graph=True`, so the same rule then builds
    a differentiable graph of the gradient (second derivatives for free).
    A gradient may have the broadcast shape of the output: the walk sums it
    back to the input's shape (`sum_to`).
    """

    # What a recorded node holds, set by `record` (slots: this runs for every op, and they are faster):
    #   parents   per input: its node, or the leaf Tensor itself
    #   needs     per input: does it require grad?
    #   saved     the input arrays, for backward; None once freed
    #   value     the output array; None once freed
    #   scope     the name scopes open when the node was made
    #   sequence  creation order: a node is always newer than its inputs
    __slots__ = ("parents", "needs", "saved", "value", "scope", "sequence", "_shape", "_dtype", "__dict__")
    op = "function"
    grad: np.ndarray | None = None  # dL/d(output), kept only with retain_graph=True
    tensor_name: str | None = None  # the output tensor's name, for pictures

    def forward(self, *arrays: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, g: Any, y: Any, *xs: Any) -> tuple:
        raise NotImplementedError

    def params(self) -> str:
        """The op's parameters for labels, e.g. 'axis=1'; empty when it has none."""
        return ""

    def label(self) -> str:
        """Op name with parameters, as drawn in the graph: 'sum(axis=1)'."""
        params = self.params()
        return f"{self.op}({params})" if params else self.op

    def record(self, inputs: Sequence[Any], arrays: tuple, value: np.ndarray) -> None:
        """Become a node: link to the inputs' nodes (or leaf tensors) and keep what backward needs."""
        # One or two inputs (nearly every op) are spelled out: this runs for every op.
        if len(inputs) == 1:
            (a,) = inputs
            self.parents, self.needs = (a.grad_fn or a,), (a.requires_grad,)
        elif len(inputs) == 2:
            a, b = inputs
            self.parents = (a.grad_fn or a, b.grad_fn or b)
            self.needs = (a.requires_grad, b.requires_grad)
        else:
            self.parents = tuple([t.grad_fn or t for t in inputs])
            self.needs = tuple([t.requires_grad for t in inputs])
        self.saved = arrays
        self.value = value
        self.scope = _state.scope
        self.sequence = next(_sequence)

    @property
    def shape(self) -> tuple:
        return self.value.shape if self.value is not None else self._shape

    @property
    def dtype(self) -> np.dtype:
        return self.value.dtype if self.value is not None else self._dtype

    def __repr__(self) -> str:
        return f"<{self.label()}>"


_sequence = itertools.count(1)


def sum_to(g: Any, shape: tuple) -> Any:
    """Sum a gradient of broadcast shape back to `shape`: the adjoint of broadcasting.

    Works on arrays and Tensors alike (only `.ndim`, `.shape`, `.sum`, `.reshape`).
    """
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1
    )
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape) if lead else g


def memory_owner(array: np.ndarray) -> np.ndarray:
    """The array that owns the memory `array` uses (itself, or the base it is a view of)."""
    return array if array.base is None else array.base


# --------------------------------------------------------------------------- the backward walk


def _freed_error(node: Function) -> RuntimeError:
    return RuntimeError(
        f"backward through '{node.label()}' a second time: its saved values were freed by the "
        "first backward. Call .backward(retain_graph=True) the first time to keep them."
    )


def run_backward(
    roots: Sequence[Any],
    seeds: Sequence[Any],
    retain_graph: bool,
    create_graph: bool,
    keep: frozenset = frozenset(),
    claimed: set | None = None,
    on_step: Any = None,
) -> dict:
    """Propagate `seeds` (dL/droot) back through the graph: the chain rule, node by node.

    Nodes are processed newest first (a heap ordered by creation sequence). A
    node is always newer than its inputs, so when a node comes up every node
    that consumed its output has already sent its gradient: this is a reverse
    topological order, found without recursion (100,000-deep chains work).

    Returns the gradients of the leaf tensors reached, and of the nodes in
    `keep` (used by `grad()` for intermediate inputs), keyed by leaf or node.
    With `create_graph` every gradient is a Tensor built by recorded operations.
    With `retain_graph` each node keeps its gradient (for pictures); the memory
    owners of those arrays go into `claimed`, so that no leaf's `.grad` made
    from them later shares their memory (see tensor.own_gradient).
    `on_step(node, g, input_grads)`, when given, is called once per node right
    after its rule ran (pictures of the backward pass are built on it).
    """
    grads: dict = {}
    ready: list = []  # heap of (-sequence, node): the newest node first
    for root, seed in zip(roots, seeds):
        key = root.grad_fn or root
        if key in grads:
            grads[key] = grads[key] + seed
        else:
            grads[key] = seed
            if key is root.grad_fn:
                heapq.heappush(ready, (-key.sequence, key))
    kept = {}
    push, pop = heapq.heappush, heapq.heappop
    previous_mode = _state.grad_enabled
    _state.grad_enabled = create_graph
    # The walk makes no reference cycles, yet with a big graph alive Python's cycle collector
    # would re-scan all of it again and again while the walk allocates: pause it meanwhile.
    collector_was_on = gc.isenabled()
    gc.disable()
    try:
        while ready:
            node = pop(ready)[1]
            g = grads.pop(node)
            if keep and node in keep:
                kept[node] = g
            if node.saved is None:
                raise _freed_error(node)
            if create_graph:
                from autograd_lite.tensor import wrap  # here, not at the top: tensor.py imports this module

                xs = [wrap(x, p) if isinstance(p, Function) else p for p, x in zip(node.parents, node.saved)]
                y = wrap(node.value, node)
            else:
                xs, y = node.saved, node.value
            input_grads = node.backward(g, y, *xs)
            if on_step is not None:
                on_step(node, g, input_grads)
            for parent, needs_grad, gx, x in zip(node.parents, node.needs, input_grads, xs):
                if not needs_grad or gx is None:
                    continue
                if gx.shape != x.shape:
                    gx = sum_to(gx, x.shape)
                    if gx.shape != x.shape:
                        raise RuntimeError(
                            f"backward of '{node.label()}' gave a gradient of shape {gx.shape} "
                            f"for an input of shape {x.shape}"
                        )
                previous = grads.get(parent)
                if previous is not None:
                    grads[parent] = previous + gx
                else:
                    grads[parent] = gx
                    if isinstance(parent, Function):
                        push(ready, (-parent.sequence, parent))
            if retain_graph:
                node.grad = g.data if create_graph else g
                if claimed is not None:
                    claimed.add(id(memory_owner(node.grad)))
            else:  # free the arrays; the structure, shape and dtype stay for pictures of the graph
                node._shape, node._dtype = y.shape, y.dtype
                node.value = node.saved = None
    finally:
        _state.grad_enabled = previous_mode
        if collector_was_on:
            gc.enable()
    grads.update(kept)
    return grads


def grad(
    outputs: Any,
    inputs: Any,
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple:
    """d(outputs)/d(inputs) as a tuple of Tensors, leaving every `.grad` untouched.

    `outputs` and `inputs` are tensors or sequences of them; `grad_outputs`
    gives dL/d(output) for non-scalar outputs. With `create_graph=True` the
    results are differentiable (grad of grad, Hessian-vector products).
    """
    from autograd_lite.tensor import Tensor, own_gradient, seed_gradient, wrap

    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: {len(outputs)} outputs but {len(grad_outputs)} grad_outputs")
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} of shape {t.shape} does not require grad")
    for i, t in enumerate(outputs):
        if not t.requires_grad:
            raise RuntimeError(f"grad: output {i} of shape {t.shape} does not depend on any input that requires grad")
    seeds = [seed_gradient(o, g, "grad", create_graph) for o, g in zip(outputs, grad_outputs)]
    keys = [t.grad_fn or t for t in inputs]
    retain = create_graph if retain_graph is None else retain_graph
    claimed: set = set()
    grads = run_backward(outputs, seeds, retain or create_graph, create_graph, frozenset(keys), claimed)
    results = []
    for i, (t, key) in enumerate(zip(inputs, keys)):
        g = grads.get(key)
        if g is None:
            if not allow_unused:
                raise RuntimeError(f"grad: input {i} of shape {t.shape} was not used to compute the outputs "
                                   "(pass allow_unused=True to get None for it)")
            results.append(None)
            continue
        if not create_graph:
            g = wrap(own_gradient(g, t.dtype, claimed), None)
        elif g.dtype != t.dtype:
            g = g.astype(t.dtype)
        results.append(g)
    return tuple(results)
