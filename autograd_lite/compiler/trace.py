"""Tracing: run a step eagerly while every NumPy operation it causes is written down.

During the traced call, the arrays that flow through the engine are
`TracedArray`s: views of the real arrays whose `__array_ufunc__`,
`__array_function__` and array methods compute exactly what eager NumPy
computes, on the unwrapped arrays, and record (operation, inputs, keywords,
output) in the `Tracer`. The record is a flat list of `Op`s over numbered
values. A value is made by an op, or is a program input:
  - an argument of the call (by position),
  - a Tensor's `.data` (parameters: read through the Tensor on every call),
  - an optimizer's state array (momentum buffers, Adam's moments and step count),
  - a constant (an array made without any traced input, e.g. np.arange(n)).
Reading a value back into Python (`float(x)`, `.item()`) would freeze it into
the program, so it is refused; `bool(x)` (an `if` on a value) becomes a guard
that is checked again on every replay. So is reading a traced array's memory
around the trace (np.asarray(x) is a plain view NumPy tells no one about):
see `EscapeGuard` and `Tracer.check_recorded`.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


class TraceError(RuntimeError):
    """fn does something a recorded program cannot repeat faithfully."""


@dataclass
class Value:
    """One array of the program: made by op `made_by` (an index), or an input (`source`)."""

    array: np.ndarray  # its value on the traced call (a template for its buffer, or the constant)
    name: str
    made_by: int | None = None
    source: tuple | None = None  # ("arg", i) / ("tensor", t) / ("grad", t) / ("state", optimizer, param, key) / ("const",)
    view_of: tuple = ()  # values whose memory this one shares (a view made by its op)


@dataclass
class Op:
    """One NumPy call: `kind` is "ufunc", "function" or "method"; args hold Ref/literals."""

    kind: str
    target: Any  # the ufunc, the function, or the method name
    method: str  # ufunc method ("__call__", "reduce", "at", ...), "" otherwise
    args: tuple
    kwargs: dict
    outputs: tuple  # value numbers this op makes (new values)
    writes: tuple = ()  # value numbers this op writes in place (out=, setitem, ufunc.at)
    phase: str = "forward"
    guard: Any = None  # for a "bool" op: the truth value seen when tracing


@dataclass(frozen=True)
class Ref:
    """A reference to value number `index` inside an op's arguments."""

    index: int


@dataclass
class Tracer:
    """The record of one traced call."""

    values: list[Value] = field(default_factory=list)
    ops: list[Op] = field(default_factory=list)
    by_id: dict = field(default_factory=dict)  # id(array or TracedArray) -> value number
    keep_alive: list = field(default_factory=list)  # so that ids stay unique during the trace
    context: str = ""  # name hint for the values made now (the primitive running)
    phase: str = "forward"
    names: dict = field(default_factory=dict)  # name -> times used

    # ------------------------------------------------------------------ values

    def new_value(self, array: np.ndarray, hint: str, **kwargs: Any) -> int:
        index = len(self.values)
        self.values.append(Value(array, self.unique(hint), **kwargs))
        self.by_id[id(array)] = index
        self.keep_alive.append(array)
        return index

    def unique(self, hint: str) -> str:
        hint = "".join(c if c.isalnum() or c == "_" else "_" for c in hint.lower())
        hint = "_".join(part for part in hint.split("_") if part) or "t"
        if hint[0].isdigit():
            hint = "t" + hint
        count = self.names.get(hint, 0)
        self.names[hint] = count + 1
        return hint if count == 0 and hint not in _RESERVED else f"{hint}{count + 1}"

    def traced(self, index: int) -> TracedArray:
        """The TracedArray standing for value `index` in the traced call."""
        view = self.values[index].array.view(TracedArray)
        view._ref = index
        self.by_id[id(view)] = index
        self.keep_alive.append(view)
        return view

    def adopt(self, array: np.ndarray, source: tuple, hint: str) -> TracedArray:
        """An array from outside the trace becomes a program input; its traced stand-in."""
        index = self.by_id.get(id(array))
        if index is None:
            index = self.new_value(array, hint, source=source)
        return self.traced(index)

    def ref(self, x: Any) -> Any:
        """An op argument as recorded: arrays become Refs, containers are walked, literals stay."""
        if isinstance(x, TracedArray):
            index = getattr(x, "_ref", None)
            if index is None or self.by_id.get(id(x)) != index:
                raise TraceError("ag.compile: an array was made by a NumPy operation the trace does not record "
                                 f"(shape {x.shape}, {x.dtype}); use the engine's operations inside fn")
            return Ref(index)
        if isinstance(x, np.ndarray):
            index = self.by_id.get(id(x))
            if index is None:
                index = self._external(x)
            return Ref(index)
        if isinstance(x, tuple):
            return tuple(self.ref(p) for p in x)
        if isinstance(x, list):
            return [self.ref(p) for p in x]
        if isinstance(x, dict):
            return {k: self.ref(v) for k, v in x.items()}
        return x

    def _external(self, x: np.ndarray) -> int:
        """A plain array seen for the first time: a constant, unless it reads a traced array's memory.

        A plain view of a traced array (np.asarray(x) and the like) shows the trace the memory but not
        the operation: the program would freeze what it held when tracing. Refused.
        """
        for value in self.values:
            if value.source != ("const",) and np.may_share_memory(x, value.array):
                raise TraceError(f"ag.compile: a plain array (shape {x.shape}, {x.dtype}) shares memory with the "
                                 f"traced array {value.name} (shape {value.array.shape}): it was read around the "
                                 "trace (np.asarray, a view as np.ndarray), so the program would freeze its "
                                 "value. Keep the traced array itself (np.asanyarray, its own methods)")
        return self.new_value(x, "const", source=("const",))

    def check_recorded(self, x: Any, what: str) -> None:
        """Refuse `x` (an op's result) unless it is an array the trace recorded.

        Every primitive computes from traced arrays while tracing, so a plain result means it
        computed on something the trace did not see (an unwrapped view, or a plain copy of one):
        the program would replay a frozen value.
        """
        if isinstance(x, TracedArray) and getattr(x, "_ref", None) is not None and self.by_id.get(id(x)) == x._ref:
            return
        if isinstance(x, (np.ndarray, np.generic)):
            raise TraceError(f"ag.compile: {what} computed a plain array (shape {np.shape(x)}, {x.dtype}) from "
                             "traced inputs, outside the operations the trace records (np.asarray, np.array, "
                             "a view as np.ndarray?); the program would freeze its value. Compute on the arrays "
                             "as received (their methods, ufuncs, np.*_like)")

    def plain(self, x: Any) -> Any:
        """The real array behind x (containers walked)."""
        if isinstance(x, TracedArray):
            return self.values[self.by_id[id(x)]].array
        if isinstance(x, tuple):
            return tuple(self.plain(p) for p in x)
        if isinstance(x, list):
            return [self.plain(p) for p in x]
        if isinstance(x, dict):
            return {k: self.plain(v) for k, v in x.items()}
        return x

    # ------------------------------------------------------------------ recording

    def record(self, kind: str, target: Any, method: str, args: tuple, kwargs: dict, compute: Callable) -> Any:
        """Run `compute` on the real arrays; record the op; return traced stand-ins of its results."""
        refs, kwarg_refs = self.ref(args), self.ref(kwargs)
        result = compute(*self.plain(args), **self.plain(kwargs))
        out_arg = kwargs.get("out")
        writes = _written(kind, target, method, refs, kwarg_refs)
        for index in writes:
            if self.values[index].source == ("const",):
                raise TraceError(f"ag.compile: {_describe(target, method)} writes into an array made outside the "
                                 f"traced operations (shape {self.values[index].array.shape}); its new value "
                                 "would be frozen. Make it from a traced array (np.zeros_like, ...)")
        op = Op(kind, target, method, refs, kwarg_refs, (), writes, self.phase)
        self.ops.append(op)
        if out_arg is not None and kind == "ufunc":
            return out_arg[0] if isinstance(out_arg, tuple) and len(out_arg) == 1 else out_arg
        if result is None:
            return None
        inputs = [r.index for r in _refs_in((refs, kwarg_refs))]
        return self._results(op, result, inputs)

    def _results(self, op: Op, result: Any, inputs: list[int]) -> Any:
        if isinstance(result, (tuple, list)) and not isinstance(result, np.ndarray):
            return type(result)(self._results(op, r, inputs) for r in result)
        if isinstance(result, np.generic):
            result = np.asarray(result)  # 0-d results stay arrays, so they stay traced
        if not isinstance(result, np.ndarray):
            return result
        for index in inputs:  # the op returned one of its inputs unchanged (astype(copy=False), ...)
            if self.values[index].array is result:
                op.outputs += (index,)
                return self.traced(index)
        view_of = tuple(i for i in dict.fromkeys(inputs) if np.may_share_memory(result, self.values[i].array))
        index = self.new_value(result, self.context or _describe(op.target, op.method), made_by=len(self.ops) - 1,
                               view_of=view_of)
        op.outputs += (index,)
        return self.traced(index)


_RESERVED = {"np", "out", "def", "return", "buffers", "constants", "lambda", "in", "is", "and", "or", "not", "if"}


def _describe(target: Any, method: str) -> str:
    name = getattr(target, "__name__", str(target))
    return name if method in ("", "__call__") else f"{name}_{method}"


def _refs_in(x: Any) -> list[Ref]:
    if isinstance(x, Ref):
        return [x]
    if isinstance(x, (tuple, list)):
        return [r for p in x for r in _refs_in(p)]
    if isinstance(x, dict):
        return [r for p in x.values() for r in _refs_in(p)]
    return []


def _written(kind: str, target: Any, method: str, refs: tuple, kwargs: dict) -> tuple:
    """Value numbers an op writes in place."""
    if kind == "ufunc" and method == "at":
        return (refs[0].index,)
    if "out" in kwargs and kwargs["out"] is not None:
        return tuple(r.index for r in _refs_in(kwargs["out"]))
    if kind == "method" and target in ("__setitem__", "fill"):
        return (refs[0].index,)
    if kind == "function" and target is np.copyto:
        return (refs[0].index,)
    return ()


# --------------------------------------------------------------------------- the traced array

_active: list[Tracer] = []  # the tracer of the call being traced (at most one)


def active() -> Tracer | None:
    return _active[-1] if _active else None


class TracedArray(np.ndarray):
    """A view of a real array that records what is done with it while a step is traced.

    Outside a trace (an array kept past the traced call) it behaves as a plain ndarray.
    """

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        tracer = active()
        if tracer is None:
            return getattr(ufunc, method)(*_untraced(inputs), **_untraced(kwargs))
        return tracer.record("ufunc", ufunc, method, inputs, kwargs, getattr(ufunc, method))

    def __array_function__(self, func: Callable, types: tuple, args: tuple, kwargs: dict) -> Any:
        tracer = active()
        if tracer is None:
            return func(*_untraced(args), **_untraced(kwargs))
        return tracer.record("function", func, "", args, kwargs, func)

    # ndarray methods implemented in C without ufuncs: recorded one by one
    def _method(self, name: str, *args: Any, **kwargs: Any) -> Any:
        tracer = active()
        if tracer is None:
            return getattr(np.ndarray, name)(plain_view(self), *_untraced(args), **_untraced(kwargs))
        return tracer.record("method", name, "", (self,) + args, kwargs,
                             lambda a, *rest, **kw: getattr(np.ndarray, name)(a, *rest, **kw))

    def reshape(self, *args: Any, **kwargs: Any) -> Any:
        return self._method("reshape", *args, **kwargs)

    def transpose(self, *args: Any) -> Any:
        return self._method("transpose", *args)

    def swapaxes(self, *args: Any) -> Any:
        return self._method("swapaxes", *args)

    def squeeze(self, *args: Any, **kwargs: Any) -> Any:
        return self._method("squeeze", *args, **kwargs)

    def ravel(self, *args: Any) -> Any:
        return self._method("ravel", *args)

    def flatten(self, *args: Any) -> Any:
        return self._method("flatten", *args)

    def astype(self, *args: Any, **kwargs: Any) -> Any:
        return self._method("astype", *args, **kwargs)

    def copy(self, *args: Any, **kwargs: Any) -> Any:
        return self._method("copy", *args, **kwargs)

    def view(self, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], type) and issubclass(args[0], np.ndarray):
            if active() is not None and not issubclass(args[0], TracedArray):
                raise TraceError(f"ag.compile: .view({args[0].__name__}) of a traced array (shape {self.shape}) "
                                 "reads it around the trace; what is computed from it would be frozen")
            return np.ndarray.view(self, *args, **kwargs)
        return self._method("view", *args, **kwargs)

    def fill(self, value: Any) -> None:
        self._method("fill", value)

    def argmax(self, *args: Any, **kwargs: Any) -> Any:
        return self._method("argmax", *args, **kwargs)

    def argmin(self, *args: Any, **kwargs: Any) -> Any:
        return self._method("argmin", *args, **kwargs)

    def __getitem__(self, index: Any) -> Any:
        return self._method("__getitem__", index)

    def __setitem__(self, index: Any, value: Any) -> None:
        self._method("__setitem__", index, value)

    @property
    def T(self) -> Any:
        return self._method("transpose")

    # reading a value back into Python
    def __bool__(self) -> bool:
        tracer = active()
        plain = plain_view(self)
        if tracer is None:
            return bool(plain)
        truth = bool(plain)
        tracer.ops.append(Op("bool", bool, "", (tracer.ref(self),), {}, (), (), tracer.phase, truth))
        return truth

    def _refuse(self, how: str) -> Any:
        if active() is None:
            return getattr(plain_view(self), how)()
        raise TraceError(f"ag.compile: {how}() reads a traced value (shape {self.shape}) into Python, which would "
                         "freeze it into the program; return the Tensor from fn and read it after the call")

    def __float__(self) -> float:
        return self._refuse("__float__")

    def __int__(self) -> int:
        return self._refuse("__int__")

    def __index__(self) -> int:
        return self._refuse("__index__")

    def item(self, *args: Any) -> Any:
        if active() is None:
            return plain_view(self).item(*args)
        return self._refuse("item")

    def tolist(self) -> Any:
        return self._refuse("tolist")

    def __repr__(self) -> str:
        return repr(plain_view(self))

    def __str__(self) -> str:
        return str(plain_view(self))

    def __reduce__(self) -> Any:
        return plain_view(self).__reduce__()


def _untraced(x: Any) -> Any:
    if isinstance(x, TracedArray):
        return plain_view(x)
    if isinstance(x, tuple):
        return tuple(_untraced(p) for p in x)
    if isinstance(x, list):
        return [_untraced(p) for p in x]
    if isinstance(x, dict):
        return {k: _untraced(v) for k, v in x.items()}
    return x


def plain_view(x: np.ndarray) -> np.ndarray:
    """The compiler's own plain view of a traced array (the public `.view(np.ndarray)` refuses while tracing)."""
    return np.ndarray.view(x, np.ndarray)


# --------------------------------------------------------------------------- reads around the trace

_CONSTRUCTORS = ("asarray", "array", "ascontiguousarray", "asfortranarray", "frombuffer")


class EscapeGuard:
    """While tracing, NumPy's array constructors refuse traced arrays.

    np.asarray(x) of a TracedArray is a plain view: NumPy calls no hook for it, so whatever is
    computed from it is invisible to the trace and would be frozen into the program as a constant.
    These functions are the usual way an array escapes (an engine change once turned
    compiled training silently wrong through them), so while a trace runs they are wrapped to
    raise TraceError, naming the caller. Checks stand behind this one, for escapes that do not
    go through them: a primitive's forward and backward results must be recorded arrays
    (`Tracer.check_recorded`), a plain array sharing memory with a traced one is never taken
    as a constant (`Tracer._external`), and the first replay is compared with an eager call
    (compiler/__init__.py).
    """

    def __enter__(self) -> None:
        self.originals = {name: getattr(np, name) for name in _CONSTRUCTORS}
        for name, original in self.originals.items():
            setattr(np, name, _refusing(name, original))

    def __exit__(self, *exc: Any) -> None:
        for name, original in self.originals.items():
            setattr(np, name, original)


def _refusing(name: str, original: Callable) -> Callable:
    def constructor(*args: Any, **kwargs: Any) -> Any:
        obj = args[0] if args else next(iter(kwargs.values()), None)
        if active() is not None and _holds_traced(obj):
            caller = sys._getframe(1)
            raise TraceError(f"ag.compile: np.{name}() of a traced array (shape {np.shape(obj)}) at "
                             f"{caller.f_code.co_filename}:{caller.f_lineno} makes a plain array the trace cannot "
                             "see; what is computed from it would be frozen into the program. Keep the traced "
                             "array (np.asanyarray, x.copy(), x.astype(dtype))")
        return original(*args, **kwargs)

    constructor.__wrapped__ = original
    return constructor


def _holds_traced(obj: Any) -> bool:
    if isinstance(obj, TracedArray) or isinstance(getattr(obj, "data", None), TracedArray):  # (a Tensor's too)
        return True
    return isinstance(obj, (list, tuple)) and any(_holds_traced(p) for p in obj)
