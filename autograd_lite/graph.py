"""The computation graph: nodes, grad mode, name scopes, and undoing broadcasting.

Every primitive (add, tanh, matmul, ...) is a subclass of `Function`. Applying
one while grad mode is on records a node: the Function instance remembers its
inputs (`parents`) and the arrays its backward rule needs (`saved_inputs`,
`saved_output`). The backward pass (backward.py) then walks the nodes from the
output back to the leaves, calling each node's `backward` rule (the chain
rule, one node at a time).

Like PyTorch, the graph holds nodes and leaf tensors, not the intermediate
`Tensor` objects: an intermediate result you do not keep costs no memory once
backward has freed the graph.
"""
from __future__ import annotations

import contextlib
import itertools
import threading
from typing import TYPE_CHECKING, Any, Callable, Sequence, Union

import numpy as np

if TYPE_CHECKING:  # for type checkers only: at run time graph.py imports nothing from the package
    from autograd_lite.tensor import Tensor

# What a backward rule receives and returns: arrays normally, Tensors when create_graph=True.
ArrayOrTensor = Union[np.ndarray, "Tensor"]


# --------------------------------------------------------------------------- grad mode


class _ThreadState(threading.local):
    """Per-thread settings, as in PyTorch: one thread's no_grad() leaves the others alone."""

    grad_enabled = True
    scope: tuple = ()
    forward_levels: tuple = ()  # forward mode: the jvp levels open in this thread, outermost first (forward.py)

    def __init__(self) -> None:  # runs once in each thread that uses the state
        self.saved_modes: list[bool] = []  # grad modes to restore, innermost last


_state = _ThreadState()


class _ForwardModeSwitch:
    """How many forward-mode levels are open, in all threads together: `apply`'s one cheap test.

    While it is 0 (always, unless a jvp is running somewhere) apply never
    looks at tangents; the thread's own levels are in `_state.forward_levels`.
    """

    __slots__ = ("open_levels",)

    def __init__(self) -> None:
        self.open_levels = 0


forward_mode = _ForwardModeSwitch()


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


class set_grad_enabled(_GradMode):  # noqa: N801  (PyTorch's name; a call as well as a context manager)
    """Set grad mode now: `ag.set_grad_enabled(False)`; as `with ag.set_grad_enabled(is_training):` it
    is restored on exit, and as a decorator it applies inside the function only (as in PyTorch)."""

    def __init__(self, mode: bool) -> None:
        super().__init__(bool(mode))
        self.previous = _state.grad_enabled
        _state.grad_enabled = self.enabled

    def __enter__(self) -> None:
        _state.saved_modes.append(self.previous)  # `with` restores the mode from before the call
        _state.grad_enabled = self.enabled

    def __call__(self, function: Any) -> Any:
        _state.grad_enabled = self.previous  # a decorator must not change the mode outside the function
        return _GradMode(self.enabled)(function)


def inference_mode(mode: Any = True) -> Any:
    """PyTorch's inference mode, which is `no_grad` here (`inference_mode(False)` is `enable_grad`).

    autograd_lite has no separate inference tensors: what inference mode saves
    in PyTorch (recording the graph) no_grad saves already. The same three
    forms: `with ag.inference_mode():`, `@ag.inference_mode()`, `@ag.inference_mode`.
    """
    if callable(mode):
        return no_grad(mode)
    return _GradMode(not mode)


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
    """Group the nodes created inside under `label` (scopes nest); `owner`: see `Scope`."""

    # perf: a small class rather than @contextmanager, as every nn module call opens one
    # (0.4 us against 1.7 us per `with`)

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
    back to the input's shape (`sum_to`); any other shape raises.

    Forward mode (forward.py) needs a third rule beside them:
      jvp(tangents, y, *xs) -> tangent    the chain rule forward: given one
                                          tangent dx per input (zeros for an
                                          input without one), return dy.
    It is written with the same shared operators, so under nested transforms
    (a jvp inside a jvp, or a jvp differentiated in reverse) it runs on Tensors.
    The engine broadcasts the result to y's shape.
    """

    # What a recorded node holds, set by `record`:
    #   parents       per input: its node, or the leaf Tensor itself
    #   needs_grad    per input: does it require grad?
    #   saved_inputs  the input arrays, for backward; None once freed
    #   saved_output  the output array; None once freed
    #   dtype         the output's dtype, kept after freeing for pictures of the graph
    #   freed_shape   the output's shape once freed (`shape` reads it then); unset before
    #   scope         the name scopes open when the node was made
    #   sequence      creation order: a node is always newer than its inputs
    # perf: slots, because every op makes a node (with the spelled-out cases of record and apply:
    # 50.7k -> 41.1k instructions per op)
    __slots__ = (
        "parents", "needs_grad", "saved_inputs", "saved_output", "freed_shape", "dtype", "scope", "sequence",
        "__dict__",
    )
    op = "function"  # a subclass without its own `op` is drawn under its class name (__init_subclass__)
    holds_arrays = False  # True for ops that keep arrays of their own (index arrays, masks): see release()
    kept_grad: ArrayOrTensor | None = None  # dL/d(output), kept for pictures only with retain_graph=True
    output_tangents: dict | None = None  # forward mode: the output's tangents, {level: tangent} (forward.py)
    has_tangent: tuple | None = None  # forward mode, while jvp runs: per input, is its tangent its own (not zeros)?
    tensor_name: str | None = None  # the output tensor's name, for pictures
    hooks: Any = None  # the output tensor's register_hook/retain_grad hooks (hooks.py), when it has any

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "op" not in cls.__dict__:
            cls.op = cls.__name__  # your own op, `class Cube(ag.Function)`, is drawn as "Cube"

    @classmethod
    def apply(cls, *args: Any) -> Any:
        """Run this op on Tensors and record it: `Cube.apply(x)`.

        Works for both ways of writing an op (custom.py): PyTorch's, with
        `forward(ctx, ...)`/`backward(ctx, g)` static methods on Tensors, and the
        engine's own, `forward(self, *arrays)` beside `backward(self, g, y, *xs)`
        as every built-in primitive (`ag.elementwise.Exp.apply(x)` works too).
        """
        return _apply_function(cls, *args)

    def forward(self, *arrays: np.ndarray) -> np.ndarray:
        """The function itself, on NumPy arrays."""
        raise NotImplementedError

    def backward(self, g: ArrayOrTensor, y: ArrayOrTensor, *xs: ArrayOrTensor) -> tuple:
        """The chain rule: dL/dx for each input (None for no gradient), given g = dL/dy."""
        raise NotImplementedError

    def release(self) -> None:
        """Drop the arrays the op keeps besides its inputs and output (when backward frees the node).

        Called only when `holds_arrays` is True; what labels need stays (see ArraySummary).
        """

    def jvp(self, tangents: Sequence[ArrayOrTensor], y: ArrayOrTensor, *xs: ArrayOrTensor) -> ArrayOrTensor:
        """Forward mode: the output's tangent, given one tangent per input (each primitive has its own)."""
        raise NotImplementedError(
            f"forward mode: {self.label()} has no jvp rule; define jvp(self, tangents, y, *xs) beside its "
            "backward (or a jvp(ctx, *tangents) static method on a PyTorch-style Function)"
        )

    def params(self) -> str:
        """The op's parameters for labels, e.g. 'axis=1'; empty when it has none."""
        return ""

    def label(self) -> str:
        """Op name with parameters, as drawn in the graph: 'sum(axis=1)'."""
        params = self.params()
        return f"{self.op}({params})" if params else self.op

    def record(self, inputs: Sequence[Tensor], arrays: tuple, output: np.ndarray) -> None:
        """Become a node: link to the inputs' nodes (or leaf tensors) and keep what backward needs."""
        # perf: the one- and two-input cases (nearly every op) spelled out, as this runs for every op
        if len(inputs) == 1:
            (a,) = inputs
            self.parents, self.needs_grad = (a.grad_fn or a,), (a.requires_grad,)
        elif len(inputs) == 2:
            a, b = inputs
            self.parents = (a.grad_fn or a, b.grad_fn or b)
            self.needs_grad = (a.requires_grad, b.requires_grad)
        else:
            self.parents = tuple([t.grad_fn or t for t in inputs])
            self.needs_grad = tuple([t.requires_grad for t in inputs])
        self.saved_inputs = arrays
        self.saved_output = output
        # perf: the shape is read from the output while it is kept: a tuple stored per op made Python's
        # cycle collector run more often while a graph grows (a 100,000-op chain's forward: +20%)
        self.dtype = output.dtype
        self.scope = _state.scope
        self.sequence = next(_sequence)
        if on_record is not None:  # anomaly mode (anomaly.py): remember where the user's code made this node
            on_record(self)

    @property
    def shape(self) -> tuple:
        """The output's shape (also after backward freed the output)."""
        return self.saved_output.shape if self.saved_output is not None else self.freed_shape

    def __repr__(self) -> str:
        return f"<{self.label()}>"


_sequence = itertools.count(1)

# Filled in by the modules that provide them, as graph.py imports nothing from the package:
# `Function.apply` is custom.apply; `on_record(node)` is set by ag.detect_anomaly() while it is on.
_apply_function: Callable[..., Any]
on_record: Callable[[Function], None] | None = None


def describe_array(array: np.ndarray) -> str:
    """What an index or mask array picks, for labels: '[0,2]' (a few values), 'arange(8)'
    (x[arange(n), labels] picks one element per row), '(8,) int64', 'mask (4, 3)'."""
    # compile: a label reads values the program never uses: a plain view, not np.asarray (refused while tracing)
    array = np.ndarray.view(array, np.ndarray)
    if array.dtype == bool:
        return f"mask {array.shape}"
    if array.size <= 4:
        return np.array2string(array, separator=",")
    if array.ndim == 1 and array[0] == 0 and np.array_equal(array, np.arange(array.size)):
        return f"arange({array.size})"
    return f"{array.shape} {array.dtype.name}"


class ArraySummary:
    """What a label needs of an array a node no longer keeps (an index, a mask): shape, dtype, and
    the values when there are at most 4; described by `describe_array` when a label is drawn.

    perf: nothing is inspected when backward frees the array (an arange check and dtype name cost
    10 us of a 400 us 784-50-10 float32 step, measured with cProfile).
    """

    __slots__ = ("dtype", "shape", "few_values")

    def __init__(self, array: np.ndarray) -> None:
        self.dtype, self.shape = array.dtype, array.shape
        # compile: a plain view, as in describe_array
        self.few_values = np.ndarray.view(array, np.ndarray).copy() if array.size <= 4 else None

    def __str__(self) -> str:
        if self.few_values is not None or self.dtype == bool:
            return describe_array(self.few_values if self.few_values is not None else np.empty(self.shape, bool))
        return f"{self.shape} {self.dtype.name}"

    __repr__ = __str__


def sum_to(g: ArrayOrTensor, shape: tuple) -> ArrayOrTensor:
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


def expand(g: ArrayOrTensor, shape: tuple) -> ArrayOrTensor:
    """Broadcast g to `shape`, for arrays and Tensors alike: the adjoint of `sum_to`."""
    # perf: filling a new array beats np.broadcast_to's setup on small arrays ((32, 1) to (32, 10):
    # 0.5 us against 2.4 us), and gives a writable array
    if type(g) is np.ndarray:  # perf: np.empty is a C call, np.empty_like Python (0.75 us against 1.2 per call)
        out = np.empty(shape, g.dtype)
    elif isinstance(g, (np.ndarray, np.generic)):  # compile: like g, so that a trace sees it
        out = np.empty_like(g, shape=shape, order="C")
    else:
        return g.broadcast_to(shape)  # a Tensor, under create_graph
    out[...] = g
    return out
