"""The backward pass: seed dL/dL, walk the graph back node by node, accumulate into `.grad`.

    y.backward()  ->  backward(y)    seed_gradient, run_backward, accumulate_grad
    ag.grad(y, x) ->  grad(y, x)     seed_gradient, run_backward, own_gradient

`run_backward` is the chain rule applied to a whole graph: it hands each node
dL/d(its output), calls the node's rule for dL/d(its inputs), and passes those
on. Its side jobs (checking a rule's shapes, keeping gradients for pictures)
are the helpers below it. Pausing the cycle collector is a try/finally around
the loop and freeing the saved arrays a line in it (perf: a context manager
object cost 2.5% of a 5-op graph's forward and backward, a call per node 0.5%
of an nn SGD step, in callgrind); ops that keep arrays of their own free them
in `release`.
Tensor hooks (hooks.py), the check that no saved array was changed in place
(inplace.py) and anomaly mode (anomaly.py) are one line each, and cost a test
per node while unused.
"""
from __future__ import annotations

import gc
from heapq import heappop, heappush
from typing import Any, Callable, Sequence

import numpy as np

from autograd_lite import anomaly, forward, hooks, inplace
from autograd_lite.graph import ArrayOrTensor, Function, _state, forward_mode, sum_to
from autograd_lite.tensor import Tensor, to_array, wrap

# on_step(node, g, input_grads): called after each node's rule ran (pictures of the backward pass)
StepObserver = Callable[[Function, ArrayOrTensor, tuple], None]


# --------------------------------------------------------------------------- entry points


def backward(output: Tensor, gradient: Any = None, retain_graph: bool = False, create_graph: bool = False) -> None:
    """What `output.backward(...)` does: accumulate d(output)/d(leaf) into `.grad` of every leaf reached."""
    if not output.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad and has no grad_fn; "
            "set requires_grad=True on the inputs you want gradients for"
        )
    seed = seed_gradient(output, gradient, "backward", create_graph)
    claimed: set = set()
    grads = run_backward([output], [seed], retain_graph or create_graph, create_graph, claimed=claimed)
    for leaf, g in grads.items():
        accumulate_grad(leaf, g, create_graph, claimed)


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
    outputs = [outputs] if isinstance(outputs, (Tensor, np.ndarray)) else list(outputs)
    inputs = [inputs] if isinstance(inputs, (Tensor, np.ndarray)) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: {len(outputs)} outputs but {len(grad_outputs)} grad_outputs")
    for role, tensors in (("output", outputs), ("input", inputs)):
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(f"grad: {role} {i} is a {type(t).__module__}.{type(t).__name__}, not a Tensor; "
                                "pass the tensors themselves (made with requires_grad=True for inputs)")
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
        g = own_gradient(g, t.dtype, claimed)
        results.append(g if create_graph else wrap(g, None))
    return tuple(results)


# --------------------------------------------------------------------------- seeding


def seed_gradient(output: Tensor, gradient: Any, op: str, create_graph: bool) -> ArrayOrTensor:
    """dL/d(output) to start backward from: ones for a single element, else the given `gradient`."""
    # perf: the array's own shape and dtype, not the Tensor properties (callgrind: a property read runs
    # ~800 instructions more; the four of one backward() were 1.4% of a 5-op graph's forward and backward)
    shape, dtype = output.data.shape, output.data.dtype
    if gradient is None:
        if output.data.size != 1:
            raise RuntimeError(
                f"{op}: the gradient can be implied only for a single-element output, but the output "
                f"has shape {shape}; pass gradient= (dL/doutput) of that shape"
            )
        # create_graph may hand the seed itself to a leaf's .grad: give it its own array then
        seed = np.ones(shape, dtype=dtype) if create_graph else shared_ones(shape, dtype)
    else:
        seed = to_array(gradient)
        if seed.shape != shape:
            raise ValueError(f"{op}: gradient has shape {seed.shape} but the output has shape {shape}")
        seed = seed.astype(dtype)  # a copy: the caller's array may be reused, and may end up in .grad
    return wrap(seed, None) if create_graph else seed


_read_only_ones: dict = {}


def shared_ones(shape: tuple, dtype: np.dtype) -> np.ndarray:
    """A shared, read-only array of ones: the usual seed dL/dL = 1.

    Rules never write into a gradient, and `own_gradient` copies a read-only
    array before it becomes a `.grad`, so sharing it is safe.
    """
    # perf: no new array per backward (np.ones(()) costs 1.4 us, a dict lookup 0.05 us)
    key = (shape, dtype)
    ones = _read_only_ones.get(key)
    if ones is None:
        ones = _read_only_ones[key] = np.ones(shape, dtype=dtype)
        ones.flags.writeable = False
    return ones


# --------------------------------------------------------------------------- the walk


def run_backward(
    roots: Sequence[Tensor],
    seeds: Sequence[ArrayOrTensor],
    retain_graph: bool,
    create_graph: bool,
    keep: frozenset = frozenset(),
    claimed: set | None = None,
    on_step: StepObserver | None = None,
) -> dict:
    """Propagate `seeds` (dL/droot) back through the graph: the chain rule, node by node.

    Nodes are processed newest first (a heap ordered by creation sequence). A
    node is always newer than its inputs, so when a node comes up every node
    that consumed its output has already sent its gradient: this is a reverse
    topological order, found without recursion (100,000-deep chains work).

    Returns the gradients of the leaf tensors reached, and of the nodes in
    `keep` (used by `grad()` for intermediate inputs), keyed by leaf or node.
    With `create_graph` every gradient is a Tensor built by recorded operations.
    With `retain_graph` each node keeps its gradient (`kept_grad`, for pictures);
    the memory owners of those arrays go into `claimed` (see `own_gradient`).
    `on_step(node, g, input_grads)`, if given, sees each node's rule at work.
    """
    grads, ready = _start(roots, seeds)
    kept = {}
    # perf: one test per node until a hook or an in-place op is first used (callgrind: a 784-50-10 nn step
    # runs 0.05% more instructions than without hooks, the in-place check and anomaly mode)
    watched = hooks.in_use or inplace.last_write > 0
    anomaly_mode = anomaly.enabled
    # Grad mode is on during the walk only with create_graph. The walk makes no reference cycles, yet with
    # a big graph alive Python's cycle collector would re-scan all of it again and again while the walk
    # allocates: it is paused meanwhile.
    # perf: pausing the collector keeps 100,000-op chains linear (10.5 us/op paused, 13.0 with it on);
    # a try/finally, as a context manager object ran 6,000 instructions per backward (callgrind)
    previous_mode, _state.grad_enabled = _state.grad_enabled, create_graph
    collector_was_on = gc.isenabled()
    gc.disable()
    try:
        while ready:
            node = heappop(ready)[1]
            g = grads.pop(node)
            if node.saved_inputs is None:
                raise _freed_error(node)
            if watched:
                g = _watched(node, g)
            if keep and node in keep:
                kept[node] = g
            if create_graph:
                y, xs = _saved_as_tensors(node)
            else:
                y, xs = node.saved_output, node.saved_inputs
            input_grads = node.backward(g, y, *xs)
            if anomaly_mode:
                anomaly.check_gradients(node, g, input_grads)
            if on_step is not None:
                on_step(node, g, input_grads)
            for parent, needs_grad, gx, x in zip(node.parents, node.needs_grad, input_grads, xs):
                if not needs_grad or gx is None:
                    continue
                if gx.shape != x.shape:
                    gx = _undo_broadcast(node, gx, x, y)
                previous = grads.get(parent)
                if previous is not None:
                    grads[parent] = previous + gx
                else:
                    grads[parent] = gx
                    if isinstance(parent, Function):
                        heappush(ready, (-parent.sequence, parent))
            if retain_graph:
                _keep_for_pictures(node, g, create_graph, claimed)
            else:  # free the arrays; the structure, shape and dtype stay for pictures of the graph
                node.freed_shape = y.shape
                node.saved_inputs = node.saved_output = None
                if node.holds_arrays:
                    node.release()
    finally:
        _state.grad_enabled = previous_mode
        if collector_was_on:
            gc.enable()
    if hooks.in_use:
        hooks.run_leaf_hooks(grads)
    grads.update(kept)
    return grads


def _start(roots: Sequence[Tensor], seeds: Sequence[ArrayOrTensor]) -> tuple[dict, list]:
    """The gradients known before the walk (the seeds) and the heap of nodes ready to process."""
    grads: dict = {}
    ready: list = []  # heap of (-sequence, node): the newest node first
    for root, seed in zip(roots, seeds):
        key = root.grad_fn or root
        if key in grads:
            grads[key] = grads[key] + seed
        else:
            grads[key] = seed
            if key is root.grad_fn:
                heappush(ready, (-key.sequence, key))
    return grads, ready


def _watched(node: Function, g: ArrayOrTensor) -> ArrayOrTensor:
    """Before a node's rule: the hooks of its output tensor, and the check that none of the arrays
    its rule reads was changed in place since the node saved them (else a wrong gradient)."""
    if node.hooks is not None:
        g = node.hooks.run(g)
    if node.sequence < inplace.last_write or inplace.recorded_writes:  # in-place changes may matter
        inplace.check_node(node)
    return g


def _saved_as_tensors(node: Function) -> tuple[Tensor, list]:
    """The node's output and inputs as Tensors, so that its rule records a differentiable graph."""
    xs = [wrap(x, p) if isinstance(p, Function) else p for p, x in zip(node.parents, node.saved_inputs)]
    y = wrap(node.saved_output, node)
    if forward_mode.open_levels:  # forward over reverse: the rule's operations carry the tangents on
        forward.restore_tangents(node, y, xs)
    return y, xs


def _undo_broadcast(node: Function, gx: ArrayOrTensor, x: ArrayOrTensor, y: ArrayOrTensor) -> ArrayOrTensor:
    """A rule's gradient of the output's (broadcast) shape, summed back to its input's shape.

    Any other shape is a wrong rule: summing it would hide the bug behind a plausible number.
    """
    summed = sum_to(gx, x.shape) if gx.shape == y.shape else gx
    if summed.shape != x.shape:
        raise RuntimeError(
            f"backward of '{node.label()}' gave a gradient of shape {gx.shape} for an input of shape "
            f"{x.shape}: a rule must return its input's shape or the output's shape {y.shape}"
        )
    return summed


def _keep_for_pictures(node: Function, g: ArrayOrTensor, create_graph: bool, claimed: set | None) -> None:
    """retain_graph: the node keeps dL/d(its output), and no leaf's `.grad` may later share its memory."""
    node.kept_grad = g.data if create_graph else g
    if claimed is not None:
        claimed.add(id(memory_owner(node.kept_grad)))


def _freed_error(node: Function) -> RuntimeError:
    return RuntimeError(
        f"backward through '{node.label()}' a second time: its saved values were freed by the "
        "first backward. Call .backward(retain_graph=True) the first time to keep them."
    )


# --------------------------------------------------------------------------- accumulation into .grad


def memory_owner(array: np.ndarray) -> np.ndarray:
    """The array that owns the memory `array` uses (itself, or the base it is a view of)."""
    return array if array.base is None else array.base


def own_gradient(g: ArrayOrTensor, dtype: np.dtype, claimed: set) -> ArrayOrTensor:
    """g in `dtype`, in memory of its own: copied if it may share memory with another gradient.

    Pass-through rules (add, reshape, indexing, ...) hand the same array, or a
    view of it, to several inputs; a `.grad` scaled in place (gradient
    clipping) must not change another, nor a gradient that a node keeps for
    pictures under retain_graph. `claimed` holds the ids of the arrays owning
    the memory given out so far. Broadcast views and NumPy scalars are
    read-only: copied. Under create_graph g is a Tensor and the copy is
    recorded (clone or astype), so the gradient stays differentiable.
    """
    is_tensor = isinstance(g, Tensor)
    array = g.data if is_tensor else g
    owner = memory_owner(array)
    # perf: an unshared gradient is not copied (a copy of a 784x50 gradient costs 11 us)
    if array.dtype != dtype or id(owner) in claimed or not array.flags.writeable:
        if is_tensor:
            g = g.clone() if array.dtype == dtype else g.astype(dtype)
            owner = g.data
        else:
            # asanyarray: a NumPy scalar becomes an array (compile: then astype, traced; np.array is not)
            g = owner = np.asanyarray(g).astype(dtype)
    claimed.add(id(owner))
    return g


def accumulate_grad(leaf: Tensor, g: ArrayOrTensor, create_graph: bool, claimed: set) -> None:
    """Add a gradient into `leaf.grad`, kept in the leaf's own dtype."""
    dtype = leaf.data.dtype  # perf: not the Tensor property, as in seed_gradient
    if leaf.grad is None:
        g = own_gradient(g, dtype, claimed)
        leaf.grad = g if create_graph else wrap(g, None)
    elif create_graph:
        leaf.grad = leaf.grad + (g if g.dtype == dtype else g.astype(dtype))
    else:
        leaf.grad = wrap(np.add(leaf.grad.data, g, dtype=dtype), None)  # a new array, in the leaf's dtype
