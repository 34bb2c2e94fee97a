"""Shape primitives: reshape, transpose, broadcast_to, indexing, concatenate, stack, clone;
masks: tril, triu, masked_fill.

These move numbers around without changing them, so each backward moves the
gradient back the same way: reshape it back, transpose it back, sum what
broadcasting copied, scatter what indexing picked, split what was joined;
what a mask replaced gets no gradient. The linear ones' jvp moves the tangent
exactly as forward moves x.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from autograd_lite.graph import ArrayOrTensor, ArraySummary, Function, describe_array, expand, sum_to
from autograd_lite.tensor import Tensor, apply, array_of, dims, operand, shape_argument


class Reshape(Function):
    op = "reshape"

    def __init__(self, shape: tuple) -> None:
        self.new_shape = shape

    def params(self) -> str:
        return ", ".join(map(str, self.new_shape))

    def forward(self, x):
        return x.reshape(self.new_shape)

    def backward(self, g, y, x):
        """reshape back to the input's shape"""
        return (g.reshape(x.shape),)

    def jvp(self, tangents, y, x):
        """d reshape(x) = reshape(dx)"""
        (dx,) = tangents
        return dx.reshape(self.new_shape)


class Transpose(Function):
    op = "transpose"

    def __init__(self, axes: tuple | None) -> None:
        self.axes = axes

    def params(self) -> str:
        return "" if self.axes is None else ", ".join(map(str, self.axes))

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, g, y, x):
        """transpose back with the inverse permutation"""
        if self.axes is None:
            return (g.transpose(),)
        return (g.transpose(tuple(np.argsort(self.axes))),)

    def jvp(self, tangents, y, x):
        """d transpose(x) = transpose(dx)"""
        (dx,) = tangents
        return dx.transpose(self.axes)


class BroadcastTo(Function):
    op = "broadcast_to"

    def __init__(self, shape: tuple) -> None:
        self.new_shape = shape

    def params(self) -> str:
        return ", ".join(map(str, self.new_shape))

    def forward(self, x):
        return np.broadcast_to(x, self.new_shape)

    def backward(self, g, y, x):
        """each input element was copied to many places: sum their gradients"""
        return (sum_to(g, x.shape),)

    def jvp(self, tangents, y, x):
        """d broadcast_to(x) = broadcast_to(dx)"""
        (dx,) = tangents
        return expand(dx, self.new_shape)


class GetItem(Function):
    op = "getitem"
    holds_arrays = True  # index arrays and masks

    def __init__(self, index: Any) -> None:
        self.index = index

    def release(self) -> None:
        self.index = _summarized(self.index)

    def params(self) -> str:
        return _format_index(self.index)

    def label(self) -> str:
        return f"getitem[{self.params()}]"

    def forward(self, x):
        picked = x[self.index]
        if type(picked) is not np.ndarray:  # one element: NumPy's scalar is a copy, x[i, j, ...] the 0-d view
            picked = x[(self.index if isinstance(self.index, tuple) else (self.index,)) + (Ellipsis,)]
        return picked  # a view for basic indices, so that u[1].copy_(v) writes into u, as in NumPy

    def backward(self, g, y, x):
        """scatter the gradient back to the picked positions (repeated picks add up)"""
        return (scatter_add(g, self.index, x.shape),)

    def jvp(self, tangents, y, x):
        """d x[index] = dx[index]"""
        (dx,) = tangents
        return dx[self.index]


class ScatterAdd(Function):
    """The adjoint of indexing: zeros of `shape` with g added at `index`."""

    op = "scatter_add"
    holds_arrays = True  # index arrays and masks

    def __init__(self, index: Any, shape: tuple) -> None:
        self.index, self.out_shape = index, shape

    def release(self) -> None:
        self.index = _summarized(self.index)

    def params(self) -> str:
        return _format_index(self.index)

    def forward(self, g):
        if type(g) is np.ndarray:  # perf: np.zeros is a C call, np.zeros_like Python (0.3 us against 3.3)
            out = np.zeros(self.out_shape, g.dtype)
        else:  # compile: like g, so that a trace sees it
            out = np.zeros_like(g, shape=self.out_shape, order="C")
        if _is_basic_index(self.index):
            out[self.index] = g  # perf: basic indexing never repeats a position: no np.add.at (0.8 us vs 2.0)
        else:
            np.add.at(out, self.index, g)
        return out

    def backward(self, g, y, g_in):
        """d/dg scatter_add(g) picks back the scattered positions"""
        return (g[self.index],)

    def jvp(self, tangents, y, g_in):
        """d scatter_add(g) = scatter_add(dg)"""
        (dg,) = tangents
        return scatter_add(dg, self.index, self.out_shape)


class Concatenate(Function):
    op = "concatenate"

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def params(self) -> str:
        return f"axis={self.axis}"

    def forward(self, *xs):
        return np.concatenate(xs, axis=self.axis)

    def backward(self, g, y, *xs):
        """split the gradient into the pieces that were joined"""
        grads, start = [], 0
        for x in xs:
            stop = start + x.shape[self.axis]
            grads.append(g[(slice(None),) * self.axis + (slice(start, stop),)])
            start = stop
        return tuple(grads)

    def jvp(self, tangents, y, *xs):
        """d concatenate(xs) = concatenate(dxs)"""
        return _join_tangents(Concatenate(self.axis), tangents)


class Stack(Function):
    op = "stack"

    def __init__(self, axis: int) -> None:
        self.axis = axis

    def params(self) -> str:
        return f"axis={self.axis}"

    def forward(self, *xs):
        return np.stack(xs, axis=self.axis)

    def backward(self, g, y, *xs):
        """input i gets slice i of the gradient along the new axis"""
        lead = (slice(None),) * self.axis
        return tuple(g[lead + (i,)] for i in range(len(xs)))

    def jvp(self, tangents, y, *xs):
        """d stack(xs) = stack(dxs)"""
        return _join_tangents(Stack(self.axis), tangents)


def _join_tangents(join: Function, tangents: tuple) -> ArrayOrTensor:
    """The tangents joined as the inputs were: recorded when they are Tensors, plain NumPy on arrays."""
    return apply(join, *tangents) if isinstance(tangents[0], Tensor) else join.forward(*tangents)


class Clone(Function):
    op = "clone"

    def forward(self, x):
        return x.copy()

    def backward(self, g, y, x):
        """d clone(x)/dx = 1: the gradient passes unchanged"""
        return (g,)

    def jvp(self, tangents, y, x):
        """d clone(x) = dx"""
        return tangents[0]


class Contiguous(Clone):
    """clone, drawn as what it was called for: a copy laid out row by row (C order)."""

    op = "contiguous"


class Triangle(Function):
    """tril or triu: the elements on one side of a diagonal of the last two axes kept, the others 0."""

    def __init__(self, diagonal: int) -> None:
        self.diagonal = diagonal
        self.kept: np.ndarray | None = None

    def params(self) -> str:
        return f"diagonal={self.diagonal}" if self.diagonal else ""

    def keep(self, rows: int, columns: int) -> np.ndarray:
        """The (rows, columns) bool mask of the elements kept."""
        raise NotImplementedError

    def forward(self, x):
        self.kept = self.keep(*x.shape[-2:])
        return np.where(self.kept, x, np.zeros((), dtype=x.dtype))

    def backward(self, g, y, x):
        """the kept elements' gradient passes, the zeroed ones' is 0"""
        return (g * self.kept,)

    def jvp(self, tangents, y, x):
        """d tril(x) = tril(dx)"""
        return tangents[0] * self.kept


class Tril(Triangle):
    op = "tril"

    def keep(self, rows: int, columns: int) -> np.ndarray:
        """On and below the diagonal (j - i <= diagonal)."""
        return np.tri(rows, columns, self.diagonal, dtype=bool)


class Triu(Triangle):
    op = "triu"

    def keep(self, rows: int, columns: int) -> np.ndarray:
        """On and above the diagonal (j - i >= diagonal)."""
        return ~np.tri(rows, columns, self.diagonal - 1, dtype=bool)


class MaskedFill(Function):
    op = "masked_fill"

    def __init__(self, mask: np.ndarray) -> None:
        self.mask = mask

    def params(self) -> str:
        return f"mask {self.mask.shape}"

    def forward(self, x, value):
        return np.where(self.mask, value, x).astype(x.dtype, copy=False)

    def backward(self, g, y, x, value):
        """d/dx = 1 where the mask is off; d/dvalue = 1 where it is on (summed over those places)"""
        needs_x, needs_value = self.needs_grad
        return (g * ~self.mask if needs_x else None), (g * self.mask if needs_value else None)

    def jvp(self, tangents, y, x, value):
        """d masked_fill(x, m, v) = dx where m is off, dv where it is on"""
        dx, dvalue = tangents
        return dx * ~self.mask + dvalue * self.mask


# --------------------------------------------------------------------------- indexing helpers


def _is_basic_index(index: Any) -> bool:
    """Only ints, slices, None and ...: each position picked at most once."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, np.integer, slice)) for p in parts)


def _format_index(index: Any) -> str:
    """The index as written in a picture's label: '0, 1:3'."""
    def part(p: Any) -> str:
        if isinstance(p, slice):
            text = f"{'' if p.start is None else p.start}:{'' if p.stop is None else p.stop}"
            return text + (f":{p.step}" if p.step is not None else "")
        if p is Ellipsis:
            return "..."
        return describe_array(p) if isinstance(p, np.ndarray) else repr(p)  # an ArraySummary once freed

    parts = index if isinstance(index, tuple) else (index,)
    return ", ".join(part(p) for p in parts)


def index_argument(index: Any) -> Any:
    """An index as NumPy takes it (x[index], x[index] = v), its Tensors, lists and arrays as arrays of
    the node's own; floats are rejected.

    Copies, because the caller may change an index array between forward and backward.
    """
    parts = []
    for p in index if isinstance(index, tuple) else (index,):
        p = array_of(p)
        if isinstance(p, (list, np.ndarray)):
            p = p.copy() if isinstance(p, np.ndarray) else np.array(p)  # compile: .copy() is traced, np.array is not
            if p.dtype.kind not in "biu":
                raise IndexError(f"getitem: index arrays must be integers or booleans, got dtype {p.dtype}")
        parts.append(p)
    return tuple(parts) if isinstance(index, tuple) else parts[0]


def _summarized(index: Any) -> Any:
    """The index with each array replaced by its summary: what labels need once backward freed it."""
    if not isinstance(index, tuple):
        return ArraySummary(index) if isinstance(index, np.ndarray) else index
    parts = []
    for p in index:
        parts.append(ArraySummary(p) if isinstance(p, np.ndarray) else p)
    return tuple(parts)


def scatter_add(g: ArrayOrTensor, index: Any, shape: tuple) -> ArrayOrTensor:
    """Zeros of `shape` with g added at `index`, for arrays and Tensors alike."""
    if isinstance(g, Tensor):
        return apply(ScatterAdd(index, shape), g)
    return ScatterAdd(index, shape).forward(g)


# --------------------------------------------------------------------------- public functions


def reshape(x: Any, *shape: Any) -> Tensor:
    """The same elements in a new shape: x.reshape(2, 3) or x.reshape((2, 3)); -1 infers one length."""
    x = operand(x, "reshape")
    return apply(Reshape(shape_argument(shape, "reshape")), x)


def transpose(x: Any, *axes: Any, dim0: Any = None, dim1: Any = None) -> Tensor:
    """Swap two axes, reverse them all, or permute them, as the call says.

    transpose(x, 0, 1) (or dim0=0, dim1=1) swaps two axes, as PyTorch does
    (also on a 2-d tensor, where NumPy would read a permutation that changes
    nothing); transpose(x) reverses the axes; transpose(x, 2, 0, 1) and
    transpose(x, (1, 0)) permute them, as NumPy does.
    """
    x = operand(x, "transpose")
    if dim0 is not None or dim1 is not None:
        if axes or dim0 is None or dim1 is None:
            raise TypeError("transpose: give both dim0= and dim1=, and no other axes")
        axes = (dim0, dim1)
    if len(axes) == 2 and all(isinstance(a, (int, np.integer)) for a in axes):
        return _swap(x, axes[0], axes[1], "transpose")
    if not axes or axes == (None,):
        return apply(Transpose(None), x)
    return apply(Transpose(_permutation(x, shape_argument(axes, "transpose", "axes"), "transpose")), x)


def permute(x: Any, *order: Any) -> Tensor:
    """The axes in a new order: permute(x, 2, 0, 1) or permute(x, (2, 0, 1)); axis i of the result is axis order[i]."""
    x = operand(x, "permute")
    return apply(Transpose(_permutation(x, shape_argument(order, "permute", "axes"), "permute")), x)


def t(x: Any) -> Tensor:
    """A matrix transposed; a 0-d or 1-d tensor as it is (PyTorch's t)."""
    x = operand(x, "t")
    if x.ndim > 2:
        raise ValueError(f"t: expects a tensor with at most 2 dimensions, got shape {x.shape}; "
                         "use transpose(d0, d1) or permute")
    return _swap(x, 0, 1, "t") if x.ndim == 2 else x


def swapaxes(x: Any, axis1: int, axis2: int) -> Tensor:
    """Exchange two axes."""
    return _swap(operand(x, "swapaxes"), axis1, axis2, "swapaxes")


def _swap(x: Tensor, axis1: int, axis2: int, op: str) -> Tensor:
    """x with two axes exchanged (checked)."""
    if not (-x.ndim <= axis1 < max(x.ndim, 1) and -x.ndim <= axis2 < max(x.ndim, 1)):
        raise ValueError(f"{op}: axes ({axis1}, {axis2}) are out of range for shape {x.shape}")
    axes = list(range(x.ndim))
    if x.ndim:
        axes[axis1], axes[axis2] = axes[axis2], axes[axis1]
    return apply(Transpose(tuple(axes)), x)


def _permutation(x: Tensor, axes: tuple, op: str) -> tuple:
    """`axes` as non-negative ints, checked to be a permutation of x's axes."""
    normalized = tuple(a % max(x.ndim, 1) for a in axes)
    if sorted(normalized) != list(range(x.ndim)) or not all(-x.ndim <= a < x.ndim for a in axes):
        raise ValueError(f"{op}: axes {axes} are not a permutation of the {x.ndim} axes of shape {x.shape}")
    return normalized


def broadcast_to(x: Any, *shape: Any) -> Tensor:
    """x repeated to `shape` by NumPy's broadcasting rules; the gradient sums the copies."""
    x = operand(x, "broadcast_to")
    return apply(BroadcastTo(shape_argument(shape, "broadcast_to")), x)


def expand(x: Any, *sizes: Any) -> Tensor:
    """x broadcast to `sizes`, where -1 keeps x's length (PyTorch's expand): x.expand(4, -1)."""
    x = operand(x, "expand")
    sizes = shape_argument(sizes, "expand", "sizes")
    lead = len(sizes) - x.ndim
    if lead < 0 or any(n == -1 for n in sizes[:lead]):
        raise ValueError(f"expand: cannot expand shape {x.shape} to {sizes} (give at least {x.ndim} sizes; "
                         "-1 only for existing axes)")
    shape = sizes[:lead] + tuple(old if new == -1 else new for old, new in zip(x.shape, sizes[lead:]))
    if any(old != new and old != 1 for old, new in zip(x.shape, shape[lead:])):
        raise ValueError(f"expand: cannot expand shape {x.shape} to {sizes}: only axes of length 1 grow")
    return apply(BroadcastTo(shape), x)


def view(x: Any, *shape: Any) -> Tensor:
    """x.reshape(*shape) that never copies, as PyTorch's view: where the data's layout (a transposed or
    sliced tensor) would need a copy it raises, pointing at reshape or contiguous()."""
    x = operand(x, "view")
    if len(shape) == 1 and isinstance(shape[0], (np.dtype, type)):
        raise TypeError("view: viewing the bytes as another dtype (PyTorch's view(dtype)) is not provided; "
                        "x.to(dtype) converts the values")
    shape = shape_argument(shape, "view")
    try:
        viewed = x.data.reshape(shape)
    except ValueError as error:
        raise ValueError(f"view: cannot view shape {x.shape} as {shape}: {error}") from None
    if viewed.size and not np.may_share_memory(viewed, x.data):
        raise RuntimeError(f"view: the data of shape {x.shape} is not laid out so that it can be viewed as "
                           f"{shape} without a copy (it is transposed or sliced); use .reshape(...), which "
                           "copies when it must, or .contiguous().view(...)")
    return apply(Reshape(shape), x)


def contiguous(x: Any) -> Tensor:
    """x itself when its data is stored row by row (C order), else a copy that is (the gradient passes through)."""
    x = operand(x, "contiguous")
    return x if x.data.flags.c_contiguous else apply(Contiguous(), x)


def clone(x: Any) -> Tensor:
    """A copy of the data that stays in the graph: the gradient passes through to x."""
    return apply(Clone(), operand(x, "clone"))


def squeeze(x: Any, axis: Any = None, *, dim: Any = None) -> Tensor:
    """Drop axes of length 1 (all of them, or the ones named)."""
    x = operand(x, "squeeze")
    axis, _ = dims("squeeze", axis, dim)
    try:
        new_shape = np.squeeze(np.empty(x.shape, dtype=bool), axis).shape
    except ValueError as error:
        raise ValueError(f"squeeze: cannot squeeze axis {axis} of shape {x.shape}: {error}") from None
    return apply(Reshape(new_shape), x)


def unsqueeze(x: Any, axis: Any = None, *, dim: Any = None) -> Tensor:
    """Insert an axis of length 1 at `axis`."""
    x = operand(x, "unsqueeze")
    axis, _ = dims("unsqueeze", axis, dim)
    if axis is None:
        raise TypeError("unsqueeze: give the position of the new axis, e.g. x.unsqueeze(0)")
    try:
        new_shape = np.expand_dims(np.empty(x.shape, dtype=bool), axis).shape
    except np.exceptions.AxisError as error:
        raise ValueError(f"unsqueeze: axis {axis} is out of range for shape {x.shape}") from error
    return apply(Reshape(new_shape), x)


def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge axes start_dim..end_dim into one (all of them by default)."""
    x = operand(x, "flatten")
    if x.ndim == 0:
        return apply(Reshape((1,)), x)
    if not (-x.ndim <= start_dim < x.ndim and -x.ndim <= end_dim < x.ndim) or start_dim % x.ndim > end_dim % x.ndim:
        raise ValueError(f"flatten: cannot merge axes {start_dim} to {end_dim} of shape {x.shape}")
    start, end = start_dim % x.ndim, end_dim % x.ndim
    merged = int(np.prod(x.shape[start : end + 1]))
    return apply(Reshape(x.shape[:start] + (merged,) + x.shape[end + 1 :]), x)


def getitem(x: Tensor, index: Any) -> Tensor:
    """x[index] with slices, ints, integer arrays and boolean masks, as in NumPy."""
    index = index_argument(index)
    out = apply(GetItem(index), x)
    if out.data.base is not None:  # a view of x's memory: an in-place change of it goes through x (inplace.py)
        out._view_of = (x, index)
    return out


def tril(x: Any, diagonal: int = 0) -> Tensor:
    """x with zeros above the `diagonal`-th diagonal of its last two axes (0: the main one, 1: one above)."""
    return _triangle(Tril, x, diagonal)


def triu(x: Any, diagonal: int = 0) -> Tensor:
    """x with zeros below the `diagonal`-th diagonal of its last two axes (0: the main one, -1: one below)."""
    return _triangle(Triu, x, diagonal)


def _triangle(kind: type, x: Any, diagonal: int) -> Tensor:
    """Apply tril or triu (checked)."""
    x = operand(x, kind.op)
    if x.ndim < 2:
        raise ValueError(f"{kind.op}: expects a tensor with at least 2 dimensions, got shape {x.shape}")
    return apply(kind(int(diagonal)), x)


def masked_fill(x: Any, mask: Any, value: Any) -> Tensor:
    """`value` where the bool `mask` is True, x elsewhere; the mask broadcasts to x's shape.

    `value` is a number or a 0-d tensor (whose gradient is the sum of x's
    gradient over the filled places); x gets no gradient where it was replaced.
    """
    x = operand(x, "masked_fill")
    mask = np.asarray(array_of(mask))
    if mask.dtype != bool:
        raise TypeError(f"masked_fill: the mask must be a bool tensor, got dtype {mask.dtype} (compare first, "
                        "e.g. x.masked_fill(x > 0, 0.0))")
    try:
        fits = np.broadcast_shapes(mask.shape, x.shape) == x.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"masked_fill: a mask of shape {mask.shape} does not broadcast to x's shape {x.shape}")
    value = operand(value, "masked_fill", like=x)
    if value.ndim != 0:
        raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got shape {value.shape}")
    return apply(MaskedFill(mask), x, value)


class _FirstAxis:
    """The default axis of concatenate/stack: 0, told apart from an explicit axis=None (NumPy: flatten)."""

    def __repr__(self) -> str:
        return "0"


FIRST_AXIS = _FirstAxis()


def _join(kind: type, tensors: Sequence[Any], axis: Any, dim: Any) -> Tensor:
    """Concatenate or stack `tensors` along `axis` or `dim` (0 unless given; checked)."""
    given, _ = dims(kind.op, None if axis is FIRST_AXIS else axis, dim)
    axis = 0 if axis is FIRST_AXIS and dim is None else given
    if isinstance(tensors, Tensor):
        raise TypeError(f"{kind.op}: expected a sequence of tensors, got one Tensor")
    tensors = [operand(t, kind.op) for t in tensors]
    if not tensors:
        raise ValueError(f"{kind.op}: expected at least one tensor")
    if axis is None and kind is Concatenate:  # NumPy's meaning: join the flattened tensors
        tensors, axis = [flatten(t) for t in tensors], 0
    if not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{kind.op}: axis must be an integer, got {axis!r} ({type(axis).__name__})")
    ndim = tensors[0].ndim + (kind is Stack)
    if not -ndim <= axis < ndim:
        raise ValueError(f"{kind.op}: axis {axis} is out of range for {ndim}-dimensional result")
    return apply(kind(axis % ndim), *tensors)


def concatenate(tensors: Sequence[Any], axis: Any = FIRST_AXIS, *, dim: Any = None) -> Tensor:
    """Join tensors along an existing axis (0 unless given); axis=None joins them flattened, as NumPy does."""
    return _join(Concatenate, tensors, axis, dim)


def cat(tensors: Sequence[Any], dim: Any = None, *, axis: Any = FIRST_AXIS) -> Tensor:
    """PyTorch's name for concatenate: ag.cat([a, b], dim=1)."""
    return _join(Concatenate, tensors, axis, dim)


def stack(tensors: Sequence[Any], axis: Any = FIRST_AXIS, *, dim: Any = None) -> Tensor:
    """Join tensors along a new axis (0 unless given)."""
    return _join(Stack, tensors, axis, dim)
