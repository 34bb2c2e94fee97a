"""The Tensor: a NumPy array plus what autodiff needs to know about it.

A Tensor holds its value in `.data` (a NumPy array), whether it
`requires_grad`, the node that made it (`grad_fn`, None for leaves) and, for
leaves, the accumulated gradient `.grad`. `Tensor(data)` copies `data`, as
`torch.tensor` does; `ag.from_numpy` and `ag.as_tensor` share an array's memory.
Operators and methods here only dispatch to the primitives in elementwise.py,
reductions.py, shapes.py and linalg.py, where each function stands beside its
derivative; methods take NumPy's spellings (`axis=`, `keepdims=`) and PyTorch's
(`dim=`, `keepdim=`) alike.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from autograd_lite.graph import ArrayOrTensor, Function, _state, forward_mode

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
    """Dtype of tensors made from Python floats and of the random/zeros factories."""
    return _default_dtype


def check_can_require_grad(dtype: np.dtype, op: str = "requires_grad") -> None:
    """Raise TypeError unless `dtype` is a floating-point one (only those carry gradients)."""
    if dtype.kind != "f":
        raise TypeError(
            f"{op}: only floating-point tensors can require gradients, got dtype {dtype}; "
            "convert first, e.g. ag.tensor(data, dtype=np.float64)"
        )


class Tensor:
    """An n-dimensional array that records the operations applied to it."""

    # _tangents: forward mode only, {level: tangent} (forward.py); never set outside a jvp
    # _view_of: (base, index) on the views getitem makes, for in-place changes (unset on other tensors)
    __slots__ = ("data", "grad", "requires_grad", "grad_fn", "_name", "_tangents", "_view_of", "__weakref__")
    __hash__ = object.__hash__  # `==` is elementwise, so hash by identity (tensors as dict keys)

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None) -> None:
        self.data = to_array(data, dtype, copy=True)  # torch.tensor copies: the caller's array stays the caller's
        if requires_grad:
            check_can_require_grad(self.data.dtype)
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self.grad_fn = None
        self._name = name

    # ------------------------------------------------------------------ attributes

    @property
    def shape(self) -> tuple:
        """The shape, as a tuple (as ndarray.shape)."""
        return self.data.shape

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return self.data.ndim

    @property
    def size(self) -> ElementCount:
        """Number of elements (an int, as ndarray.size); also x.size() the shape and x.size(d) one length (PyTorch)."""
        return ElementCount(self.data.size, self.data.shape)

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype of `.data`."""
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        """True unless an op recorded in the graph made this tensor."""
        return self.grad_fn is None

    @property
    def name(self) -> str | None:
        """The name shown in pictures of the graph (None unless set)."""
        return self._name

    @name.setter
    def name(self, value: str | None) -> None:
        self._name = value
        if self.grad_fn is not None:
            self.grad_fn.tensor_name = value  # so pictures of the graph can show it

    @property
    def T(self) -> Tensor:
        """The tensor with its axes reversed (x.transpose())."""
        return apply(shapes.Transpose(None), self)  # all axes reversed: nothing to check

    # ------------------------------------------------------------------ autodiff

    def backward(self, gradient: Any = None, retain_graph: bool = False, create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into `.grad` of every leaf that requires grad.

        `gradient` is dL/d(self); it may be omitted only for a single-element tensor.
        The graph's saved values are freed unless `retain_graph=True`; `create_graph=True`
        records the backward pass too, so the gradients can be differentiated again.
        """
        backward.backward(self, gradient, retain_graph, create_graph)

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
        """The single element as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item: only a tensor with one element can be a Python scalar, got shape {self.shape}")
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def tolist(self) -> Any:
        """The data as nested Python lists of Python numbers (a number for a 0-d tensor)."""
        return self.data.tolist()

    def numel(self) -> int:
        """Number of elements."""
        return int(self.data.size)

    def dim(self) -> int:
        """Number of dimensions (PyTorch's name for ndim)."""
        return self.data.ndim

    def is_floating_point(self) -> bool:
        """True for float16, float32 and float64 tensors."""
        return self.data.dtype.kind == "f"

    def cpu(self) -> Tensor:
        """The tensor itself: autograd_lite computes on the CPU only (so `x.detach().cpu().numpy()` runs)."""
        return self

    def astype(self, dtype: Any) -> Tensor:
        """x converted to `dtype` (always a new tensor, as NumPy); the gradient flows back in x's dtype."""
        return elementwise.astype(self, dtype)

    def to(self, *args: Any, dtype: Any = None, device: Any = None, copy: bool = False,
           non_blocking: bool = False) -> Tensor:
        """x in another dtype, as PyTorch: x.to(ag.float32), x.to(other) (other's dtype), x.to("cpu").

        The tensor itself when nothing changes (unless copy=True). Float to
        float is differentiable; the CPU is the only device.
        """
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif isinstance(arg, str):
                device = arg
            else:
                dtype = arg
        if device is not None and str(device).split(":")[0] != "cpu":
            raise ValueError(f"to: autograd_lite computes with NumPy on the CPU only, got device {device!r}")
        converted = self if dtype is None or np.dtype(dtype) == self.dtype else elementwise.astype(self, dtype)
        return shapes.clone(converted) if copy and converted is self else converted

    def type_as(self, other: Tensor) -> Tensor:
        """x in other's dtype (x.to(other.dtype))."""
        return self.to(other.dtype)

    def float(self) -> Tensor:
        """x as float32 (PyTorch's `float`), differentiable from any float dtype."""
        return self.to(np.float32)

    def double(self) -> Tensor:
        """x as float64."""
        return self.to(np.float64)

    def half(self) -> Tensor:
        """x as float16."""
        return self.to(np.float16)

    def long(self) -> Tensor:
        """x as int64 (no gradient flows through an integer result)."""
        return self.to(np.int64)

    def int(self) -> Tensor:
        """x as int32 (PyTorch's `int`; no gradient flows through an integer result)."""
        return self.to(np.int32)

    def bool(self) -> Tensor:
        """x as bool: True where x is nonzero."""
        return self.to(np.bool_)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        array = self.data if dtype is None else self.data.astype(dtype, copy=False)
        return array.copy() if copy and array is self.data else array  # np.array(t) copies, np.asarray(t) shares

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
        extras = [f"shape={self.shape}"] if self.size == 0 else []  # '[]' alone would hide it
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

    def __abs__(self) -> Tensor:
        return elementwise.abs(self)

    def __pos__(self) -> Tensor:
        return self

    def __lt__(self, other: Any) -> Tensor:
        return compare(np.less, "<", self, other)

    def __le__(self, other: Any) -> Tensor:
        return compare(np.less_equal, "<=", self, other)

    def __gt__(self, other: Any) -> Tensor:
        return compare(np.greater, ">", self, other)

    def __ge__(self, other: Any) -> Tensor:
        return compare(np.greater_equal, ">=", self, other)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return compare(np.equal, "==", self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return compare(np.not_equal, "!=", self, other)

    def __getitem__(self, index: Any) -> Tensor:
        """x[index] with slices, ints, integer arrays and boolean masks, as in NumPy."""
        return shapes.getitem(self, index)

    # ------------------------------------------------------------------ in place, hooks, NumPy ufuncs
    # x += y is x.add_(y), and so on: the trailing-underscore methods (add_ mul_ exp_ zero_ fill_ copy_
    # clamp_ ...) are installed from the table in inplace.py, where the rules and the version check are.

    def __iadd__(self, other: Any) -> Tensor:
        return self.add_(other)

    def __isub__(self, other: Any) -> Tensor:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Tensor:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self.div_(other)

    def __ipow__(self, other: Any) -> Tensor:
        return self.pow_(other)

    def __setitem__(self, index: Any, value: Any) -> None:
        """x[index] = value, in the tensor's own array (recorded in the graph when it needs to be)."""
        inplace.setitem(self, index, value)

    @property
    def _version(self) -> int:
        """How many in-place ops have changed this tensor's memory (shared with its views), as in PyTorch."""
        return inplace.version(self.data)

    def register_hook(self, hook: Any) -> Any:
        """Call hook(grad) with dL/d(self) during backward; a returned Tensor replaces it. Returns a handle
        whose .remove() unregisters the hook."""
        return hooks.register_hook(self, hook)

    def retain_grad(self) -> None:
        """Keep dL/d(self) in `.grad` during backward, though this is not a leaf."""
        hooks.retain_grad(self)

    @property
    def retains_grad(self) -> bool:
        """True for a non-leaf whose retain_grad() was called."""
        return hooks.retains_grad(self)

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        # np.exp(t), array * t: the engine's ops, with gradients (interop.py); ndarray + Tensor gets here too
        return interop.array_ufunc(ufunc, method, *inputs, **kwargs)

    # ------------------------------------------------------------------ methods (see the op modules)
    # Each method is the `ag.` function of the same name. Where NumPy says axis=/keepdims= PyTorch
    # says dim=/keepdim=: every method takes both (giving both for one argument is a TypeError).

    # elementwise (elementwise.py)

    def exp(self) -> Tensor:
        """ag.exp as a method: e^x elementwise."""
        return elementwise.exp(self)

    def expm1(self) -> Tensor:
        """ag.expm1 as a method: e^x - 1 elementwise, accurate for small x."""
        return elementwise.expm1(self)

    def log(self) -> Tensor:
        """ag.log as a method: natural logarithm elementwise."""
        return elementwise.log(self)

    def log1p(self) -> Tensor:
        """ag.log1p as a method: log(1 + x) elementwise, accurate for small x."""
        return elementwise.log1p(self)

    def sin(self) -> Tensor:
        """ag.sin as a method: sine elementwise."""
        return elementwise.sin(self)

    def cos(self) -> Tensor:
        """ag.cos as a method: cosine elementwise."""
        return elementwise.cos(self)

    def tanh(self) -> Tensor:
        """ag.tanh as a method: hyperbolic tangent elementwise."""
        return elementwise.tanh(self)

    def sigmoid(self) -> Tensor:
        """ag.sigmoid as a method: 1 / (1 + e^-x) elementwise."""
        return elementwise.sigmoid(self)

    def relu(self) -> Tensor:
        """ag.relu as a method: max(x, 0) elementwise."""
        return elementwise.relu(self)

    def sqrt(self) -> Tensor:
        """ag.sqrt as a method: square root elementwise."""
        return elementwise.sqrt(self)

    def abs(self) -> Tensor:
        """ag.abs as a method: |x| elementwise."""
        return elementwise.abs(self)

    def erf(self) -> Tensor:
        """ag.erf as a method: the error function elementwise."""
        return elementwise.erf(self)

    def pow(self, exponent: Any) -> Tensor:
        """ag.pow as a method: x ** exponent elementwise."""
        return elementwise.pow(self, exponent)

    def clip(self, min: Any = None, max: Any = None) -> Tensor:
        """ag.clip as a method: x limited to [min, max] (either may be None); no gradient where x was clipped."""
        return elementwise.clip(self, min, max)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:
        """ag.clamp as a method: clip under PyTorch's name, x.clamp(min=0.0)."""
        return elementwise.clip(self, min, max)

    def maximum(self, other: Any) -> Tensor:
        """ag.maximum as a method: the larger of a and b, elementwise; where they are equal the gradient is shared."""
        return elementwise.maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        """ag.minimum as a method: the smaller of a and b, elementwise; where they are equal the gradient is shared."""
        return elementwise.minimum(self, other)

    # reductions (reductions.py)

    def sum(self, axis: Any = None, keepdims: Any = None, *, dim: Any = None, keepdim: Any = None) -> Tensor:
        """ag.sum as a method: sum over `axis` (int, tuple or None for all)."""
        return reductions.sum(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def mean(self, axis: Any = None, keepdims: Any = None, *, dim: Any = None, keepdim: Any = None) -> Tensor:
        """ag.mean as a method: mean over `axis` (int, tuple or None for all)."""
        return reductions.mean(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def prod(self, axis: Any = None, keepdims: Any = None, *, dim: Any = None, keepdim: Any = None) -> Tensor:
        """ag.prod as a method: product over `axis`; its gradient is the product of the other elements."""
        return reductions.prod(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def max(self, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Any:
        """ag.max as a method: x.max() and x.max(axis=1) a Tensor (NumPy), x.max(1) (values, indices) (PyTorch)."""
        return reductions.max(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def min(self, dim: Any = None, keepdim: Any = None, *, axis: Any = None, keepdims: Any = None) -> Any:
        """ag.min as a method: x.min() and x.min(axis=1) a Tensor (NumPy), x.min(1) (values, indices) (PyTorch)."""
        return reductions.min(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def amax(self, axis: Any = None, keepdims: Any = None, *, dim: Any = None, keepdim: Any = None) -> Tensor:
        """ag.amax as a method: the maximum over `axis` (int, tuple or None), always a Tensor."""
        return reductions.amax(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def amin(self, axis: Any = None, keepdims: Any = None, *, dim: Any = None, keepdim: Any = None) -> Tensor:
        """ag.amin as a method: the minimum over `axis` (int, tuple or None), always a Tensor."""
        return reductions.amin(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def var(self, axis: Any = None, unbiased: Any = None, keepdims: Any = None, *, dim: Any = None,
            keepdim: Any = None, correction: Any = None, ddof: Any = None) -> Tensor:
        """ag.var as a method: variance over `axis`, divided by n - correction (correction=1 by default, as PyTorch)."""
        return reductions.var(self, axis, unbiased, keepdims, dim=dim, keepdim=keepdim, correction=correction,
                              ddof=ddof)

    def std(self, axis: Any = None, unbiased: Any = None, keepdims: Any = None, *, dim: Any = None,
            keepdim: Any = None, correction: Any = None, ddof: Any = None) -> Tensor:
        """ag.std as a method: the square root of var (correction=1 by default, as PyTorch)."""
        return reductions.std(self, axis, unbiased, keepdims, dim=dim, keepdim=keepdim, correction=correction,
                              ddof=ddof)

    def norm(self, p: Any = 2, dim: Any = None, keepdim: Any = None, *, axis: Any = None,
             keepdims: Any = None) -> Tensor:
        """ag.norm as a method: the p-norm (p = 1, 2, inf, -inf, 'fro' or any other number) over `dim`."""
        return reductions.norm(self, p, dim, keepdim, axis=axis, keepdims=keepdims)

    def logsumexp(self, axis: Any = None, keepdims: Any = None, *, dim: Any = None, keepdim: Any = None) -> Tensor:
        """ag.logsumexp as a method: log(sum(exp(x))) over `axis`, without overflow; its gradient is the softmax."""
        return reductions.logsumexp(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def softmax(self, axis: Any = None, *, dim: Any = None, dtype: Any = None) -> Tensor:
        """ag.softmax as a method: exp(x) / sum(exp(x)) along `axis` (the last by default), stable."""
        return reductions.softmax(self, axis, dim=dim, dtype=dtype)

    def log_softmax(self, axis: Any = None, *, dim: Any = None, dtype: Any = None) -> Tensor:
        """ag.log_softmax as a method: x - logsumexp(x) along `axis` (the last by default), stable."""
        return reductions.log_softmax(self, axis, dim=dim, dtype=dtype)

    def argmax(self, axis: Any = None, keepdims: Any = None, *, dim: Any = None, keepdim: Any = None) -> Tensor:
        """ag.argmax as a method: index of the maximum (an integer Tensor, never part of the graph)."""
        return reductions.argmax(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def argmin(self, axis: Any = None, keepdims: Any = None, *, dim: Any = None, keepdim: Any = None) -> Tensor:
        """ag.argmin as a method: index of the minimum (an integer Tensor, never part of the graph)."""
        return reductions.argmin(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def any(self, axis: Any = None, keepdims: Any = None, *, dim: Any = None, keepdim: Any = None) -> Tensor:
        """ag.any as a method: is any element nonzero (a bool Tensor, never part of the graph)."""
        return reductions.any(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def all(self, axis: Any = None, keepdims: Any = None, *, dim: Any = None, keepdim: Any = None) -> Tensor:
        """ag.all as a method: is every element nonzero (a bool Tensor, never part of the graph)."""
        return reductions.all(self, axis, keepdims, dim=dim, keepdim=keepdim)

    def allclose(self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
        """ag.allclose as a method: |x - other| <= atol + rtol * |other| everywhere (a Python bool)."""
        return reductions.allclose(self, other, rtol, atol, equal_nan)

    # shapes (shapes.py)

    def reshape(self, *shape: Any) -> Tensor:
        """ag.reshape as a method: x.reshape(2, 3) or x.reshape((2, 3)); -1 infers one length."""
        return shapes.reshape(self, *shape)

    def view(self, *shape: Any) -> Tensor:
        """x.reshape(*shape) that never copies, as PyTorch's view: an error where the layout needs a copy."""
        return shapes.view(self, *shape)

    def transpose(self, *axes: Any, dim0: Any = None, dim1: Any = None) -> Tensor:
        """ag.transpose as a method: x.transpose(0, 1) swaps two axes (PyTorch), x.transpose() reverses them,
        x.transpose(2, 0, 1) or x.transpose((1, 0)) permutes them (NumPy)."""
        return shapes.transpose(self, *axes, dim0=dim0, dim1=dim1)

    def permute(self, *order: Any) -> Tensor:
        """ag.permute as a method: x.permute(2, 0, 1) or x.permute((2, 0, 1)); axis i of the result is axis order[i]."""
        return shapes.permute(self, *order)

    def t(self) -> Tensor:
        """ag.t as a method: a matrix transposed (a 0-d or 1-d tensor as it is)."""
        return shapes.t(self)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        """ag.swapaxes as a method: exchange two axes."""
        return shapes.swapaxes(self, axis1, axis2)

    def broadcast_to(self, *shape: Any) -> Tensor:
        """ag.broadcast_to as a method: x repeated to `shape` by NumPy's broadcasting rules."""
        return shapes.broadcast_to(self, *shape)

    def expand(self, *sizes: Any) -> Tensor:
        """ag.expand as a method: broadcast_to where -1 keeps a length, x.expand(4, -1)."""
        return shapes.expand(self, *sizes)

    def expand_as(self, other: Tensor) -> Tensor:
        """x broadcast to other's shape."""
        return shapes.expand(self, other.shape)

    def squeeze(self, axis: Any = None, *, dim: Any = None) -> Tensor:
        """ag.squeeze as a method: drop axes of length 1 (all of them, or the ones named)."""
        return shapes.squeeze(self, axis, dim=dim)

    def unsqueeze(self, axis: Any = None, *, dim: Any = None) -> Tensor:
        """ag.unsqueeze as a method: insert an axis of length 1 at `axis`."""
        return shapes.unsqueeze(self, axis, dim=dim)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """ag.flatten as a method: merge axes start_dim..end_dim into one (all of them by default)."""
        return shapes.flatten(self, start_dim, end_dim)

    def contiguous(self) -> Tensor:
        """The tensor itself when its data is stored row by row (C order), else a copy that is."""
        return shapes.contiguous(self)

    def clone(self) -> Tensor:
        """ag.clone as a method: a copy of the data that stays in the graph (the gradient passes through)."""
        return shapes.clone(self)

    def tril(self, diagonal: int = 0) -> Tensor:
        """ag.tril as a method: zeros above the `diagonal`-th diagonal of the last two axes."""
        return shapes.tril(self, diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        """ag.triu as a method: zeros below the `diagonal`-th diagonal of the last two axes."""
        return shapes.triu(self, diagonal)

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        """ag.masked_fill as a method: `value` where the bool `mask` is True, x elsewhere."""
        return shapes.masked_fill(self, mask, value)

    # linear algebra (linalg.py)

    def matmul(self, other: Any) -> Tensor:
        """ag.matmul as a method: x @ other."""
        return linalg.matmul(self, other)

    def dot(self, other: Any) -> Tensor:
        """ag.dot as a method: the inner product of two 1-d tensors."""
        return linalg.dot(self, other)

    def mm(self, other: Any) -> Tensor:
        """ag.mm as a method: the product of two matrices."""
        return linalg.mm(self, other)

    def bmm(self, other: Any) -> Tensor:
        """ag.bmm as a method: products of two batches of matrices, (b, n, m) @ (b, m, p)."""
        return linalg.bmm(self, other)


class ElementCount(int):
    """`x.size`: the number of elements (an int, as NumPy's ndarray.size), also callable as PyTorch's size.

    x.size() is the shape (a tuple) and x.size(d) the length of axis d
    (negative d counts from the end).
    """

    def __new__(cls, count: int, shape: tuple) -> ElementCount:
        self = super().__new__(cls, count)
        self.shape = shape
        return self

    def __call__(self, dim: int | None = None) -> Any:
        if dim is None:
            return self.shape
        if not -len(self.shape) <= dim < len(self.shape):
            raise IndexError(f"size: dimension {dim} is out of range for a tensor of shape {self.shape}")
        return self.shape[dim]


# --------------------------------------------------------------------------- building tensors from ops


def wrap(data: np.ndarray, node: Function | None) -> Tensor:
    """A Tensor around an existing array, made by `node` (None for a constant or a gradient)."""
    if type(data) is not np.ndarray:
        data = np.asanyarray(data)  # 0-d results come as scalars; `.data` is always an ndarray (compile: traced stay)
    t = object.__new__(Tensor)
    t.data = data
    t.grad = None
    t.grad_fn = node
    t.requires_grad = node is not None
    t._name = None
    return t


def describe(tensors: Sequence[Tensor]) -> str:
    """'(2, 3) float64 and (3,) float32': the inputs, for error messages."""
    return " and ".join(f"{t.shape} {t.dtype}" for t in tensors)


def apply(fn: Function, *inputs: Tensor) -> Tensor:
    """Run `fn` on the inputs' arrays; record a node when grad mode is on and an input needs grad."""
    # perf: the one- and two-input cases spelled out, as this runs for every op (with record's and
    # the slotted nodes: 50.7k -> 41.1k instructions per op)
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
    if type(value) is not np.ndarray:  # NumPy turns 0-d results into scalars; keep arrays everywhere
        value = np.asanyarray(value)  # compile: asanyarray keeps ag.compile's traced arrays as they are
    out = object.__new__(Tensor)  # perf: what wrap() does, spelled out (one call fewer per op)
    out.data, out.grad, out._name = value, None, None
    if needs_grad and _state.grad_enabled:
        fn.record(inputs, arrays, value)
        out.grad_fn, out.requires_grad = fn, True
    else:
        out.grad_fn, out.requires_grad = None, False
    # perf: forward mode costs eager code this one attribute test per op. A 784-50-10 SGD step (nn, batch
    # 64) runs 4,478,408 instructions with it and 4,480,565 without (callgrind, mean of 200 steps): the
    # test's ~30 instructions per op are below what any unrelated change of code layout moves
    if forward_mode.open_levels:
        forward.push_tangents(fn, inputs, out)  # a jvp is running (forward.py)
    return out


def binary(kind: type, tensor: Tensor, other: Any, reflected: bool = False) -> Tensor:
    """Apply a two-input primitive to `tensor` and `other` (in swapped order when reflected)."""
    other = other if isinstance(other, Tensor) else _coerce(other, tensor)
    if other is None:
        return NotImplemented  # lets Python try the other operand's reflected method
    return apply(kind(), other, tensor) if reflected else apply(kind(), tensor, other)


def compare(ufunc: np.ufunc, symbol: str, a: Tensor, b: Any) -> Tensor:
    """Elementwise comparison: a bool Tensor that is never part of the graph."""
    other = _coerce(b, a)
    if other is None:
        return NotImplemented
    try:
        return wrap(np.asanyarray(ufunc(a.data, other.data)), None)  # compile: keeps traced arrays
    except ValueError as error:
        raise ValueError(f"'{symbol}': cannot compare shapes {a.shape} and {other.shape}: {error}") from None


# --------------------------------------------------------------------------- what ops accept (coercion, in one place)


def to_array(data: Any, dtype: Any = None, copy: bool = False) -> np.ndarray:
    """`data` as an ndarray; an existing array (or a Tensor's) is copied only when `copy` or converted.

    Python floats get the default dtype; an existing array keeps its dtype unless `dtype` is given.
    """
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, np.ndarray):
        if dtype is not None:
            return data.astype(dtype, copy=copy)  # astype(copy=False) returns `data` itself when dtype matches
        return data.copy() if copy else data
    make = np.array if copy else np.asarray  # an array-like (with __array__) may share its memory too
    if dtype is not None:
        return make(data, dtype=dtype)
    array = make(data)
    if array.dtype == np.float64 and not isinstance(data, np.generic):
        array = array.astype(_default_dtype, copy=False)
    elif array.dtype.kind not in "biuf":
        raise TypeError(f"tensor: cannot make a numeric tensor from {type(data).__name__} (dtype {array.dtype})")
    return array


def array_of(x: ArrayOrTensor) -> np.ndarray:
    """The array behind x, whether a rule received an array or a Tensor (masks need no gradient)."""
    return x.data if isinstance(x, Tensor) else x


def operand(value: Any, op: str, like: Tensor | None = None) -> Tensor:
    """An op's input as a Tensor (ag.exp(2.0), ag.maximum(x, 0), ...); other types raise TypeError.

    A Python number takes the kind of dtype of `like`, the other operand
    (float32 * 2.0 stays float32), as in PyTorch; arrays keep their dtype
    (NumPy's promotion rules then apply).
    """
    if isinstance(value, Tensor):
        return value
    tensor = _coerce(value, like)
    if tensor is None:
        raise TypeError(f"{op}: unsupported operand type {type(value).__name__}")
    return tensor


def operands(a: Any, b: Any, op: str) -> tuple[Tensor, Tensor]:
    """Both inputs of a two-input op as Tensors; a Python number takes the other one's dtype."""
    if isinstance(a, Tensor):
        return a, operand(b, op, like=a)
    b = operand(b, op)
    return operand(a, op, like=b), b


def shape_argument(shape: Sequence[Any], op: str, what: str = "shape") -> tuple:
    """Accept f(2, 3) and f((2, 3)) alike; lengths must be integers (2.5 is an error, not 2)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    for n in shape:
        if not isinstance(n, (int, np.integer)):
            raise TypeError(f"{op}: {what} must be integers, got {n!r} ({type(n).__name__}) in {tuple(shape)}")
    return tuple(int(n) for n in shape)


def dims(op: str, axis: Any, dim: Any, keepdims: Any = None, keepdim: Any = None) -> tuple[Any, bool]:
    """(axis, keepdims) from NumPy's spelling (`axis=`, `keepdims=`) or PyTorch's (`dim=`, `keepdim=`).

    Either name may be used for each argument, not both: that is a TypeError,
    as a program giving both most likely means two different things.
    """
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{op}: got axis={axis!r} and dim={dim!r}, NumPy's and PyTorch's names of one "
                            "argument; give one of them")
        axis = dim
    if keepdim is not None:
        if keepdims is not None:
            raise TypeError(f"{op}: got keepdims={keepdims!r} and keepdim={keepdim!r}, NumPy's and PyTorch's "
                            "names of one argument; give one of them")
        keepdims = keepdim
    return axis, bool(keepdims)


def _coerce(value: Any, like: Tensor | None) -> Tensor | None:
    """`value` as a Tensor (see `operand`), or None when its type is not one an op accepts."""
    if isinstance(value, Tensor):
        return value
    if like is not None and isinstance(value, (bool, int, float)):
        kind = like.data.dtype.kind
        if isinstance(value, float) and kind != "f":
            return wrap(np.asarray(value, dtype=_default_dtype), None)
        return wrap(np.asarray(value, dtype=like.data.dtype if kind in "iuf" else None), None)
    if isinstance(value, (bool, int, float, np.ndarray, np.generic, list, tuple)):
        return wrap(to_array(value), None)
    return None


# The one import cycle, closed here on purpose: Tensor's operators and methods call the op modules,
# the backward pass and forward mode, which themselves build Tensors (so they import this module, defined by now).
from autograd_lite import backward, elementwise, forward, hooks, inplace, interop, linalg, reductions, shapes  # noqa: E402
