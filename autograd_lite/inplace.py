"""In-place operations (`x += y`, `x[index] = v`, `x.add_(y)`, ...) and the check that keeps them safe.

An in-place op changes the tensor's own array, so every NumPy view of it
(`u[1]`, `u.T`, `u.reshape(...)`) sees the change, as in NumPy and PyTorch.
The rules are PyTorch's:

- under `no_grad`, or when neither the tensor nor any input requires grad, the
  new values are simply written: nothing is recorded;
- a leaf that requires grad may not be changed in grad mode (its `.grad` would
  no longer be the gradient of anything). Update parameters under `no_grad`,
  as in `p -= lr * p.grad`, or through `.data`, the unchecked escape hatch
  that the optimizers use;
- otherwise the op is recorded: it is computed out of place from a copy of the
  old value, the result is written into the tensor's array, and the op's node
  becomes the tensor's `grad_fn`. A view made by indexing (`u[1].mul_(2)`) is
  recorded on the tensor it views (as `u[1] = 2 * u[1]`); other views
  (reshape, transpose) are refused while recording.

The danger of writing in place: a node that saved an array for its backward
(exp its output, mul its inputs) would compute a wrong gradient if that array
changed afterwards. So every write is remembered with a version count and the
time it happened, measured on the graph's own clock (node sequence numbers).
At backward, a node made before the newest write checks the saved arrays its
rule reads: written since it saved them means a RuntimeError naming the op,
never a wrong gradient. A second check catches a tensor whose history went
stale: a view taken before its base was changed in place still has the old
history, and using it afterwards raises too. Nothing of this costs anything
until the first in-place op: `last_write` stays 0 and no node is older.
"""
from __future__ import annotations

import dis
import inspect
import operator
import weakref
from typing import Any, Callable, Iterator

import numpy as np

from autograd_lite import creation, elementwise, hooks, shapes
from autograd_lite.graph import Function, _sequence, _state, expand, sum_to
from autograd_lite.tensor import Tensor, apply, describe, operand, wrap

# --------------------------------------------------------------------------- versions: which memory was written when


class _Writes:
    """The in-place writes into one block of memory: an array and every view of it share them."""

    __slots__ = ("owner", "version", "sequence", "op", "recorded")

    def __init__(self, owner: weakref.ref) -> None:
        self.owner = owner  # the array owning the memory (weakly: the entry goes when it does)
        self.version = 0  # how many in-place writes (PyTorch's `t._version`)
        self.sequence = 0  # when the last one happened, on the graph's clock
        self.op = ""  # which op made it, for the error message
        self.recorded: list[tuple[int, int]] = []  # writes recorded in the graph: (began, written) times


_writes: dict[int, _Writes] = {}  # id(memory owner) -> its writes
last_write = 0  # the sequence number of the newest write: a node older than it may have to check
recorded_writes = 0  # how many writes were recorded in the graph (see check_inputs_current)


def memory_owner(array: np.ndarray) -> np.ndarray:
    """The array owning the memory that `array` (perhaps a view of a view) uses."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def _writes_of(array: np.ndarray) -> _Writes | None:
    owner = memory_owner(array)
    writes = _writes.get(id(owner))
    return writes if writes is not None and writes.owner() is owner else None


def mark_written(array: np.ndarray, op: str, recorded_since: int | None = None) -> None:
    """Remember that `op` changed `array` (and so every view of its memory) in place.

    `recorded_since`: for a change recorded in the graph, the time before its
    new nodes were made (they are the new history of the values written).
    """
    global last_write, recorded_writes
    owner = memory_owner(array)
    writes = _writes_of(owner)
    if writes is None:
        key = id(owner)
        writes = _writes[key] = _Writes(weakref.ref(owner, lambda _, key=key: _writes.pop(key, None)))
    writes.version += 1
    writes.sequence = last_write = next(_sequence)
    writes.op = op
    if recorded_since is not None:
        writes.recorded.append((recorded_since, writes.sequence))
        recorded_writes += 1


def version(array: np.ndarray) -> int:
    """How many in-place ops have changed this array's memory (0 if none)."""
    writes = _writes_of(array)
    return 0 if writes is None else writes.version


# --------------------------------------------------------------------------- the checks at backward


def check_node(node: Function) -> None:
    """Before `node`'s rule, once in-place ops were used: raise rather than return a wrong gradient."""
    if node.sequence < last_write:
        check_saved(node)
    if recorded_writes:
        check_inputs_current(node)


def check_saved(node: Function) -> None:
    """Raise if an array `node`'s backward rule reads was written in place after the node saved it."""
    for what, array in saved_arrays_read(node):
        writes = _writes_of(array)
        if writes is not None and writes.sequence > node.sequence:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an inplace "
                f"operation: {what} ({array.shape} {array.dtype}) was changed by {writes.op} after "
                f"'{node.label()}' saved it for its backward (it is now at version {writes.version}). "
                "Use .clone() to change a copy, or avoid the in-place op (y = y + 1 instead of y += 1)."
            )


def check_inputs_current(node: Function) -> None:
    """Raise if an input of `node` had been changed by a recorded in-place op of another tensor.

    A tensor changed in place gets a new grad_fn; a tensor sharing its memory
    (a view of it, or what it is a view of) keeps its old one, which no longer
    describes its values. Using it afterwards would give a wrong gradient.
    """
    for i, (parent, array) in enumerate(zip(node.parents, node.saved_inputs or ())):
        if not isinstance(parent, Function):
            continue  # a leaf's history is itself: a changed leaf is still right
        writes = _writes_of(array)  # stale: the parent is older than a write that came before this node
        if writes is not None and any(parent.sequence < began and written < node.sequence
                                      for began, written in writes.recorded):
            raise RuntimeError(
                f"input {i} of '{node.label()}', made by '{parent.label()}', shares memory with a tensor that "
                f"{writes.op} changed in place before '{node.label()}' used it, so its history no longer "
                "describes its values (a view taken before its base was changed in place, or the base of a "
                "changed view). Take views after the in-place op, or .clone() them first."
            )


def saved_arrays_read(node: Function) -> Iterator[tuple[str, np.ndarray]]:
    """("input 0 of 'mul'", array), ...: the saved arrays that `node`'s rule reads.

    The saved inputs and output count only when the rule's code mentions them
    (add's rule needs neither, so `y = a + b; y += 1` is fine, as in PyTorch).
    Arrays and Tensors the node keeps as attributes (a mask, an index array, a
    custom op's ctx.saved_tensors) always count.
    """
    label = node.label()
    reads_output, inputs_read = _rule_reads(type(node))
    if reads_output and node.saved_output is not None:
        yield f"the output of '{label}'", node.saved_output
    for i, array in enumerate(node.saved_inputs or ()):
        if inputs_read(i):
            yield f"input {i} of '{label}'", array
    for name, value in vars(node).items():
        if name == "kept_grad":  # a gradient kept for pictures, not a value the rule reads
            continue
        for item in value if isinstance(value, (tuple, list)) else (value,):
            array = item.data if isinstance(item, Tensor) else item
            if isinstance(array, np.ndarray):
                yield f"the {name.strip('_').replace('_', ' ')} that '{label}' keeps", array


_rule_reads_cache: dict[type, tuple[bool, Callable[[int], bool]]] = {}


def _rule_reads(kind: type) -> tuple[bool, Callable[[int], bool]]:
    """(does kind.backward read y?, does it read input i?), from the names its code loads."""
    found = _rule_reads_cache.get(kind)
    if found is None:
        code = getattr(kind.backward, "__code__", None)
        if code is None:  # not plain Python: assume it reads everything
            found = True, lambda i: True
        else:
            names = code.co_varnames[: code.co_argcount]  # self, g, y, x...
            read = _names_read(code)
            varargs = code.co_varnames[code.co_argcount] if code.co_flags & inspect.CO_VARARGS else None
            inputs = names[3:]
            reads_varargs = varargs is not None and varargs in read

            def input_read(i: int, inputs: tuple = inputs, read: set = read) -> bool:
                return inputs[i] in read if i < len(inputs) else reads_varargs

            found = (len(names) > 2 and names[2] in read), input_read
        _rule_reads_cache[kind] = found
    return found


_LOADS = {"LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_FAST_LOAD_FAST", "LOAD_DEREF", "LOAD_CLOSURE"}
_SHAPE_ONLY = {"shape", "ndim", "size", "dtype"}  # an in-place op changes none of these


def _names_read(code: Any) -> set:
    """The local names whose values `code` (and code nested in it) reads; `x.shape` alone is no read."""
    read: set = set()
    instructions = list(dis.get_instructions(code))
    for this, following in zip(instructions, instructions[1:] + [None]):
        if this.opname in _LOADS:
            names = this.argval if isinstance(this.argval, tuple) else (this.argval,)  # 3.13 loads two at once
            read.update(names[:-1])
            attribute = following.argval if following is not None and following.opname == "LOAD_ATTR" else None
            if attribute not in _SHAPE_ONLY:
                read.add(names[-1])
    for constant in code.co_consts:
        if hasattr(constant, "co_code"):  # a comprehension or inner function: its free names are ours
            read |= _names_read(constant)
    return read


# --------------------------------------------------------------------------- writing in place


def update(tensor: Tensor, op: str, compute: Callable[..., Tensor], *args: Any,
           casting: str = "same_kind", **kwargs: Any) -> Tensor:
    """Write `compute(tensor, *args, **kwargs)` (an out-of-place op) into the tensor's own array.

    Recorded in the graph when grad mode is on and the tensor or an input
    requires grad (see the module docstring). `casting` is NumPy's rule for
    the result's dtype: arithmetic keeps the dtype's kind ("same_kind": an
    integer tensor cannot take a float sum), assignments convert ("unsafe").
    """
    if not _records(tensor, args, kwargs):
        _write(tensor, op, _checked(compute(tensor, *args, **kwargs), tensor, op, casting).data)
        return tensor
    if tensor.requires_grad and tensor.grad_fn is None:
        raise RuntimeError(
            f"{op}: a leaf Variable that requires grad is being used in an in-place operation. Update "
            "parameters under `with ag.no_grad():` (for p in params: p -= lr * p.grad), or write into p.data"
        )
    view_of = _viewed(tensor, op)
    begin = next(_sequence)  # the nodes made from here on describe the new values
    before = wrap(tensor.data.copy(), tensor.grad_fn)  # the old value, as the op's input
    args = tuple(before if a is tensor else a for a in args)  # x.mul_(x) is x * x of the old x
    result = _checked(compute(before, *args, **kwargs), tensor, op, casting)
    if result.dtype != tensor.dtype:
        result = result.astype(tensor.dtype)  # recorded: the gradient goes back in the result's dtype
    if view_of is None:
        _write(tensor, op, result.data, recorded_since=begin)
        history = result.grad_fn
    else:  # a view: written through its base, which records it; then the view is taken again
        base, index = view_of
        setitem(base, index, result, op)
        history = shapes.getitem(base, index).grad_fn
    previous, tensor.grad_fn, tensor.requires_grad = tensor.grad_fn, history, history is not None
    if history is not None:
        history.tensor_name = tensor.name
        hooks.follow_in_place(tensor, previous, history)
    return tensor


def setitem(tensor: Tensor, index: Any, value: Any, op: str = "setitem") -> None:
    """`tensor[index] = value`, written in place; recorded as a `setitem` node when it needs to be."""
    index = shapes.index_argument(index)
    if _records(tensor, (value,), {}):
        _check_no_repeats(tensor, index)
        update(tensor, op, _set_item, index, value, casting="unsafe")
        return
    try:
        tensor.data[index] = value.data if isinstance(value, Tensor) else value
    except (ValueError, IndexError, TypeError) as error:
        what = describe([value]) if isinstance(value, Tensor) else type(value).__name__
        raise type(error)(f"setitem: cannot write {what} into [{shapes._format_index(index)}] of a "
                          f"{tensor.shape} {tensor.dtype} tensor: {error}") from None
    mark_written(tensor.data, op)


def _records(tensor: Tensor, args: tuple, kwargs: dict) -> bool:
    """Is this in-place op recorded: grad mode on, and the tensor or an input requires grad?"""
    if not _state.grad_enabled:
        return False
    return tensor.requires_grad or any(isinstance(a, Tensor) and a.requires_grad for a in (*args, *kwargs.values()))


def _viewed(tensor: Tensor, op: str) -> tuple[Tensor, Any] | None:
    """(base, index) when `tensor` is a view that indexing made (u[1] of u), None if it owns its memory.

    A recorded change of u[1] is recorded as u[1] = new value on u, so that
    u's graph knows it. Other views (reshape, transpose, ...) are refused.
    """
    if tensor.data.base is None:
        return None
    view_of = getattr(tensor, "_view_of", None)  # set by getitem on the views it returns
    if (view_of is not None and shapes._is_basic_index(view_of[1])
            and memory_owner(view_of[0].data) is memory_owner(tensor.data)):
        base = view_of[0]
        if base.requires_grad and base.grad_fn is None:
            raise RuntimeError(f"{op}: a view of a leaf Variable that requires grad is being used in an in-place "
                               "operation. Change the leaf under `with ag.no_grad():`, or write into its .data")
        return view_of
    raise RuntimeError(
        f"{op}: this tensor's array is a view of another array (made by reshape, transpose, ...), and such a "
        "view's in-place change is not followed back into the graph of what it views. Change the viewed "
        "tensor itself, use .clone() first, or change it under ag.no_grad()"
    )


def _checked(result: Tensor, tensor: Tensor, op: str, casting: str) -> Tensor:
    """The result, once it is known to fit the tensor: same shape, a dtype it may be written as."""
    if result.shape != tensor.shape:
        raise RuntimeError(f"{op}: output with shape {tensor.shape} doesn't match the broadcast shape "
                           f"{result.shape} (an in-place op keeps the tensor's shape; use the out-of-place op)")
    if result.dtype != tensor.dtype and not np.can_cast(result.dtype, tensor.dtype, casting):
        raise TypeError(f"{op}: result type {result.dtype} can't be cast to the tensor's dtype {tensor.dtype} "
                        "in place; use the out-of-place op, or convert the tensor first")
    return result


def _write(tensor: Tensor, op: str, values: np.ndarray, recorded_since: int | None = None) -> None:
    try:
        tensor.data[...] = values
    except ValueError as error:  # a read-only array: a broadcast view, or a gradient the engine shares
        raise ValueError(f"{op}: cannot write into this {tensor.shape} tensor in place ({error}); "
                         "use the out-of-place op") from None
    mark_written(tensor.data, op, recorded_since)


def _check_no_repeats(tensor: Tensor, index: Any) -> None:
    """Writing twice to one position keeps the last value: that has no gradient worth recording."""
    if not shapes._is_basic_index(index):
        positions = np.arange(tensor.size).reshape(tensor.shape)[index]
        if np.unique(positions).size != positions.size:
            raise ValueError(f"setitem: the index [{shapes._format_index(index)}] repeats positions of the "
                             f"{tensor.shape} tensor; which write wins has no gradient")


# --------------------------------------------------------------------------- setitem as a recorded op


class SetItem(Function):
    """x with `value` written at `index`: what `x[index] = value` records."""

    op = "setitem"

    def __init__(self, index: Any) -> None:
        self.index = index

    def label(self) -> str:
        return f"setitem[{shapes._format_index(self.index)}]"

    def forward(self, x, value):
        out = x.copy()
        out[self.index] = value
        return out

    def backward(self, g, y, x, value):
        """d/dx = 1 where x was kept, 0 where overwritten; d/dvalue = g at index (summed where value broadcast)"""
        return g * self.kept(x.shape), sum_to(_as_value_shape(g[self.index], value.ndim), value.shape)

    def jvp(self, tangents, y, x, value):
        """d(x with value at index) = dx where kept, dvalue at index"""
        dx, dvalue = tangents
        region = np.empty(x.shape, dtype=bool)[self.index].shape
        written = expand(dvalue.reshape(dvalue.shape[max(dvalue.ndim - len(region), 0):]), region)
        return dx * self.kept(x.shape) + shapes.scatter_add(written, self.index, x.shape)

    def kept(self, shape: tuple) -> np.ndarray:
        """True where x's values stay."""
        mask = np.ones(shape, dtype=bool)
        mask[self.index] = False
        return mask


def _as_value_shape(g: Any, ndim: int) -> Any:
    """g for the written region, with the leading axes of length 1 a value may have beyond it."""
    return g.reshape((1,) * (ndim - g.ndim) + g.shape) if g.ndim < ndim else g


def _set_item(x: Tensor, index: Any, value: Any) -> Tensor:
    return apply(SetItem(index), x, operand(value, "setitem", like=x))


# --------------------------------------------------------------------------- the in-place methods, from a table


def _add(x: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    return x + (other if alpha == 1 else alpha * operand(other, "add_", like=x))


def _sub(x: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    return x - (other if alpha == 1 else alpha * operand(other, "sub_", like=x))


def _assigned(x: Tensor, value: Any) -> Tensor:
    """`value` everywhere, as an op of x (x gets a zero gradient; a Tensor value gets g, summed)."""
    return elementwise.where(True, value, x)


def _masked_fill(x: Tensor, mask: Any, value: Any) -> Tensor:
    return elementwise.where(mask, value, x)


def _uniform(x: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    return _assigned(x, a + (b - a) * creation.rand(x.shape, dtype=x.dtype).data)


def _normal(x: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    return _assigned(x, mean + std * creation.randn(x.shape, dtype=x.dtype).data)


_ARITHMETIC, _ASSIGNMENT = "same_kind", "unsafe"  # x.add_(0.5) on integers raises; x.fill_(0.5) stores 0

# name -> (the out-of-place op whose result is written back, what it writes, casting)
IN_PLACE_METHODS: dict[str, tuple[Callable[..., Tensor], str, str]] = {
    "add_": (_add, "x + alpha * other", _ARITHMETIC),
    "sub_": (_sub, "x - alpha * other", _ARITHMETIC),
    "mul_": (operator.mul, "x * other", _ARITHMETIC),
    "div_": (operator.truediv, "x / other", _ARITHMETIC),
    "pow_": (operator.pow, "x ** exponent", _ARITHMETIC),
    "neg_": (operator.neg, "-x", _ARITHMETIC),
    "clamp_": (Tensor.clip, "x limited to [min, max]", _ARITHMETIC),
    "clip_": (Tensor.clip, "x limited to [min, max]", _ARITHMETIC),
    "fill_": (_assigned, "value everywhere", _ASSIGNMENT),
    "zero_": (lambda x: _assigned(x, 0), "zeros", _ASSIGNMENT),
    "copy_": (_assigned, "src, broadcast to x's shape and converted to x's dtype", _ASSIGNMENT),
    "masked_fill_": (_masked_fill, "value where mask is True, x elsewhere", _ASSIGNMENT),
    "uniform_": (_uniform, "samples uniform in [a, b)", _ASSIGNMENT),
    "normal_": (_normal, "samples from N(mean, std^2)", _ASSIGNMENT),
}
# x.exp_() writes x.exp(), and so on for each of these methods that Tensor has.
UNARY_METHODS = ("exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "erf", "sin", "cos", "log1p", "expm1")


def _method(name: str, compute: Callable[..., Tensor], writes: str, casting: str) -> Callable[..., Tensor]:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        return update(self, name, compute, *args, casting=casting, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In place: write {writes} into x's own array (views see it) and return x."
    return method


def _install_methods() -> None:
    for name, (compute, writes, casting) in IN_PLACE_METHODS.items():
        setattr(Tensor, name, _method(name, compute, writes, casting))
    for name in UNARY_METHODS:
        if hasattr(Tensor, name):
            setattr(Tensor, name + "_", _method(name + "_", getattr(Tensor, name), f"x.{name}()", _ARITHMETIC))


_install_methods()
