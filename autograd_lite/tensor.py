"""The Tensor: a NumPy array plus what autodiff needs to know about it.

A Tensor holds its value in `.data` (a NumPy array, never copied on creation),
whether it `requires_grad`, the node that made it (`grad_fn`, None for leaves)
and, for leaves, the accumulated gradient `.grad`. Operators and methods here
only dispatch to the primitives in elementwise.py, reductions.py, shapes.py
and linalg.py, where each function stands beside its derivative.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from autograd_lite.graph import Function, _state, memory_owner, run_backward

_FLOAT_DTYPES = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))
_default_dtype = np.dtype(np.float64)


def set_default_dtype(dtype: Any) -> None:
    """Dtype of tensors made from Python floats and of random/zeros factories (float64 initially)."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype not in _FLOAT_DTYPES:
        raise TypeError(f"set_default_dtype: expected a floating-point dtype (float16/32/64), got {dtype}")
    _default_dtype = dtype


def get_default_dtype() -> np.dtype:
    return _default_dtype


def to_array(data: Any, dtype: Any = None) -> np.ndarray:
    """`data` as an ndarray without copying an existing array; Python floats get the default dtype."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        return np.asarray(data, dtype=dtype)
    if isinstance(data, np.ndarray):
        return data
    array = np.asarray(data)
    if array.dtype == np.float64 and not isinstance(data, np.generic):
        array = array.astype(_default_dtype, copy=False)
    elif array.dtype.kind not in "biuf":
        raise TypeError(f"tensor: cannot make a numeric tensor from {type(data).__name__} (dtype {array.dtype})")
    return array


def check_can_require_grad(dtype: np.dtype, op: str = "requires_grad") -> None:
    if dtype.kind != "f":
        raise TypeError(
            f"{op}: only floating-point tensors can require gradients, got dtype {dtype}; "
            "convert first, e.g. ag.tensor(data, dtype=np.float64)"
        )


class Tensor:
    """An n-dimensional array that records the operations applied to it."""

    __slots__ = ("data", "grad", "requires_grad", "grad_fn", "_name", "__weakref__")
    __array_ufunc__ = None  # make `ndarray + Tensor` call Tensor.__radd__ instead of looping in NumPy
    __hash__ = object.__hash__  # `==` is elementwise, so hash by identity (tensors as dict keys)

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None) -> None:
        self.data = to_array(data, dtype)
        if requires_grad:
            check_can_require_grad(self.data.dtype)
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self.grad_fn = None
        self._name = name

    # ------------------------------------------------------------------ attributes

    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def name(self) -> str | None:
        return self._name

    @name.setter
    def name(self, value: str | None) -> None:
        self._name = value
        if self.grad_fn is not None:
            self.grad_fn.tensor_name = value  # so pictures of the graph can show it

    @property
    def T(self) -> Tensor:
        return apply(shapes.Transpose(None), self)  # all axes reversed: nothing to check

    # ------------------------------------------------------------------ autodiff

    def backward(self, gradient: Any = None, retain_graph: bool = False, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into `.grad` of every leaf that requires grad.

        `gradient` is dL/d(self); it may be omitted only for a single-element tensor.
        The graph's saved values are freed unless `retain_graph=True`; `create_graph=True`
        records the backward pass too, so the gradients can be differentiated again.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward: this tensor does not require grad and has no grad_fn; "
                "set requires_grad=True on the inputs you want gradients for"
            )
        seed = seed_gradient(self, gradient, "backward", create_graph)
        claimed: set = set()
        grads = run_backward([self], [seed], retain_graph or create_graph, create_graph, claimed=claimed)
        for leaf, g in grads.items():
            accumulate_grad(leaf, g, create_graph, claimed)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (sets `.grad` to None)."""
        self.grad = None

    def detach(self) -> Tensor:
        """The same data as a new leaf that does not require grad."""
        return wrap(self.data, None)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set requires_grad on a leaf in place; returns self."""
        if not self.is_leaf:
            raise RuntimeError("requires_grad_: only leaf tensors can change requires_grad; use .detach() first")
        if requires_grad:
            check_can_require_grad(self.dtype, "requires_grad_")
        self.requires_grad = requires_grad
        return self

    # ------------------------------------------------------------------ conversion

    def item(self) -> Any:
        if self.data.size != 1:
            raise ValueError(f"item: only a tensor with one element can be a Python scalar, got shape {self.shape}")
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def astype(self, dtype: Any) -> Tensor:
        return elementwise.astype(self, dtype)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        return bool(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extras = []
        if self.dtype not in (np.dtype(np.float64), np.dtype(np.int64), np.dtype(bool)):
            extras.append(f"dtype={self.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.label()}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self._name:
            extras.append(f"name={self._name!r}")
        return "tensor(" + ", ".join([body] + extras) + ")"

    # ------------------------------------------------------------------ operators

    def __add__(self, other: Any) -> Tensor:
        return binary(elementwise.Add, self, other)

    def __radd__(self, other: Any) -> Tensor:
        return binary(elementwise.Add, self, other, reflected=True)

    def __sub__(self, other: Any) -> Tensor:
        return binary(elementwise.Sub, self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return binary(elementwise.Sub, self, other, reflected=True)

    def __mul__(self, other: Any) -> Tensor:
        return binary(elementwise.Mul, self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return binary(elementwise.Mul, self, other, reflected=True)

    def __truediv__(self, other: Any) -> Tensor:
        return binary(elementwise.Div, self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return binary(elementwise.Div, self, other, reflected=True)

    def __pow__(self, other: Any) -> Tensor:
        return binary(elementwise.Pow, self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return binary(elementwise.Pow, self, other, reflected=True)

    def __matmul__(self, other: Any) -> Tensor:
        return binary(linalg.MatMul, self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return binary(linalg.MatMul, self, other, reflected=True)

    def __neg__(self) -> Tensor:
        return apply(elementwise.Neg(), self)

    def __pos__(self) -> Tensor:
        return self

    def __lt__(self, other: Any) -> Tensor:
        return elementwise.compare(np.less, "<", self, other)

    def __le__(self, other: Any) -> Tensor:
        return elementwise.compare(np.less_equal, "<=", self, other)

    def __gt__(self, other: Any) -> Tensor:
        return elementwise.compare(np.greater, ">", self, other)

    def __ge__(self, other: Any) -> Tensor:
        return elementwise.compare(np.greater_equal, ">=", self, other)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return elementwise.compare(np.equal, "==", self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return elementwise.compare(np.not_equal, "!=", self, other)

    def __getitem__(self, index: Any) -> Tensor:
        return shapes.getitem(self, index)

    # ------------------------------------------------------------------ methods (see the op modules)

    def exp(self) -> Tensor:
        return elementwise.exp(self)

    def log(self) -> Tensor:
        return elementwise.log(self)

    def tanh(self) -> Tensor:
        return elementwise.tanh(self)

    def sigmoid(self) -> Tensor:
        return elementwise.sigmoid(self)

    def relu(self) -> Tensor:
        return elementwise.relu(self)

    def sqrt(self) -> Tensor:
        return elementwise.sqrt(self)

    def abs(self) -> Tensor:
        return elementwise.abs(self)

    def erf(self) -> Tensor:
        return elementwise.erf(self)

    def clip(self, min: Any = None, max: Any = None) -> Tensor:
        return elementwise.clip(self, min, max)

    def maximum(self, other: Any) -> Tensor:
        return elementwise.maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        return elementwise.minimum(self, other)

    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return reductions.sum(self, axis, keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return reductions.mean(self, axis, keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return reductions.max(self, axis, keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return reductions.min(self, axis, keepdims)

    def logsumexp(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return reductions.logsumexp(self, axis, keepdims)

    def argmax(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return reductions.argmax(self, axis, keepdims)

    def reshape(self, *shape: Any) -> Tensor:
        return shapes.reshape(self, *shape)

    def transpose(self, *axes: Any) -> Tensor:
        return shapes.transpose(self, *axes)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        return shapes.swapaxes(self, axis1, axis2)

    def broadcast_to(self, *shape: Any) -> Tensor:
        return shapes.broadcast_to(self, *shape)

    def squeeze(self, axis: Any = None) -> Tensor:
        return shapes.squeeze(self, axis)

    def unsqueeze(self, axis: int) -> Tensor:
        return shapes.unsqueeze(self, axis)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return shapes.flatten(self, start_dim, end_dim)

    def matmul(self, other: Any) -> Tensor:
        return linalg.matmul(self, other)


# --------------------------------------------------------------------------- building tensors from ops


def wrap(data: np.ndarray, node: Function | None) -> Tensor:
    """A Tensor around an existing array, made by `node` (the fast path of every op)."""
    t = object.__new__(Tensor)
    t.data = data
    t.grad = None
    t.grad_fn = node
    t.requires_grad = node is not None
    t._name = None
    return t


def describe(tensors: Sequence[Tensor]) -> str:
    return " and ".join(f"{t.shape} {t.dtype}" for t in tensors)


def apply(fn: Function, *inputs: Tensor) -> Tensor:
    """Run `fn` on the inputs' arrays; record a node when grad mode is on and an input needs grad."""
    # This runs for every op, so the common cases of one and two inputs are spelled out.
    if len(inputs) == 1:
        (a,) = inputs
        arrays = (a.data,)
        needs_grad = a.requires_grad
    elif len(inputs) == 2:
        a, b = inputs
        arrays = (a.data, b.data)
        needs_grad = a.requires_grad or b.requires_grad
    else:
        arrays = tuple([t.data for t in inputs])
        needs_grad = any([t.requires_grad for t in inputs])
    try:
        value = fn.forward(*arrays)
    except (ValueError, TypeError, IndexError) as error:
        raise type(error)(f"{fn.label()}: cannot apply to {describe(inputs)}: {error}") from None
    if type(value) is not np.ndarray:
        value = np.asarray(value)  # NumPy turns 0-d results into scalars; keep arrays everywhere
    out = object.__new__(Tensor)  # what wrap() does, spelled out
    out.data, out.grad, out._name = value, None, None
    if needs_grad and _state.grad_enabled:
        fn.record(inputs, arrays, value)
        out.grad_fn, out.requires_grad = fn, True
    else:
        out.grad_fn, out.requires_grad = None, False
    return out


def as_operand(value: Any, like: Tensor) -> Tensor | None:
    """The other operand of a binary op as a Tensor, or None when its type is unsupported.

    Python numbers take the tensor's kind of dtype (float32 * 2.0 stays float32),
    as in PyTorch; arrays keep their dtype (NumPy's promotion rules then apply).
    """
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (bool, int, float)):
        kind = like.data.dtype.kind
        if isinstance(value, float) and kind != "f":
            return wrap(np.asarray(value, dtype=_default_dtype), None)
        return wrap(np.asarray(value, dtype=like.data.dtype if kind in "iuf" else None), None)
    if isinstance(value, (np.ndarray, np.generic, list, tuple)):
        return wrap(to_array(value), None)
    return None


def binary(kind: type, tensor: Tensor, other: Any, reflected: bool = False) -> Tensor:
    """Apply a two-input primitive to `tensor` and `other` (in swapped order when reflected)."""
    operand = other if isinstance(other, Tensor) else as_operand(other, tensor)
    if operand is None:
        return NotImplemented
    return apply(kind(), operand, tensor) if reflected else apply(kind(), tensor, operand)


def seed_gradient(output: Tensor, gradient: Any, op: str, create_graph: bool) -> Any:
    """dL/d(output) to start backward from: ones for a scalar, else the given `gradient`."""
    if gradient is None:
        if output.data.size != 1:
            raise RuntimeError(
                f"{op}: the gradient can be implied only for a single-element output, but the output "
                f"has shape {output.shape}; pass gradient= (dL/doutput) of that shape"
            )
        # create_graph may hand the seed itself to a leaf's .grad: give it its own array then
        seed = np.ones(output.shape, dtype=output.dtype) if create_graph else _ones(output.shape, output.dtype)
    else:
        seed = to_array(gradient)
        if seed.shape != output.shape:
            raise ValueError(f"{op}: gradient has shape {seed.shape} but the output has shape {output.shape}")
        seed = seed.astype(output.dtype)  # a copy: the caller's array may be reused, and may end up in .grad
    return wrap(seed, None) if create_graph else seed


_read_only_ones: dict = {}


def _ones(shape: tuple, dtype: np.dtype) -> np.ndarray:
    """A shared, read-only array of ones: the usual seed dL/dL = 1, without a new array per backward.

    Rules never write into a gradient, and `own_gradient` copies a read-only
    array before it becomes a `.grad`, so sharing it is safe.
    """
    key = (shape, dtype)
    ones = _read_only_ones.get(key)
    if ones is None:
        ones = _read_only_ones[key] = np.ones(shape, dtype=dtype)
        ones.flags.writeable = False
    return ones


def own_gradient(g: np.ndarray, dtype: np.dtype, claimed: set) -> np.ndarray:
    """g in `dtype`, copied if it may share memory with another leaf's gradient.

    Pass-through rules (add, reshape, indexing, ...) hand the same array, or a
    view of it, to several inputs; a `.grad` scaled in place (gradient
    clipping) must not change another, nor a gradient that a node keeps for
    pictures under retain_graph. `claimed` holds the ids of the arrays owning
    the memory given out so far. Broadcast views are read-only: copied.
    """
    owner = memory_owner(g)
    if g.dtype != dtype or id(owner) in claimed or not g.flags.writeable:
        g = g.astype(dtype)
        owner = g
    claimed.add(id(owner))
    return g


def accumulate_grad(leaf: Tensor, g: Any, create_graph: bool, claimed: set) -> None:
    """Add a gradient into `leaf.grad`, kept in the leaf's own dtype."""
    if create_graph:
        if g.dtype != leaf.dtype:
            g = g.astype(leaf.dtype)
        leaf.grad = g if leaf.grad is None else leaf.grad + g
    elif leaf.grad is None:
        leaf.grad = wrap(own_gradient(g, leaf.dtype, claimed), None)
    else:
        leaf.grad = wrap(np.add(leaf.grad.data, g, dtype=leaf.dtype), None)  # a new array, in the leaf's dtype


from autograd_lite import elementwise, linalg, reductions, shapes  # noqa: E402  (ops need Tensor defined first)
