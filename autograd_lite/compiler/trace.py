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
that is checked again on every replay.
"""
from __future__ import annotations

import weakref
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
    source: tuple | None = None  # ("arg", i) / ("tensor", t) / ("grad", t) / ("state", dict, key) / ("const",)
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
        hint = "".join(c if c.isalnum() or c == "_" else "_" for c in hint.lower()).strip("_") or "t"
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
        """A plain array seen for the first time: a view of a traced value (np.asarray), or a constant."""
        if x.base is not None:
            pointer = x.__array_interface__["data"][0]
            for index, value in enumerate(self.values):
                a = value.array
                if (a is x.base or a.base is x.base) and a.__array_interface__["data"][0] == pointer \
                        and a.shape == x.shape and a.strides == x.strides and a.dtype == x.dtype:
                    self.by_id[id(x)] = index
                    self.keep_alive.append(x)
                    return index
            if id(x.base) in self.by_id:
                raise TraceError(f"ag.compile: a plain view (shape {x.shape}) of a traced array was used; "
                                 "keep arrays as they are (np.asanyarray, not np.asarray) inside the engine")
        return self.new_value(x, "const", source=("const",))

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
        if func in _EMPTY_LIKE:  # contents undefined: any buffer will do, nothing to compute
            return tracer.record("function", func, "", args, kwargs, func)
        return tracer.record("function", func, "", args, kwargs, func)

    # ndarray methods implemented in C without ufuncs: recorded one by one
    def _method(self, name: str, *args: Any, **kwargs: Any) -> Any:
        tracer = active()
        if tracer is None:
            return getattr(np.ndarray, name)(self.view(np.ndarray), *_untraced(args), **_untraced(kwargs))
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

    def copy(self, *args: Any) -> Any:
        return self._method("copy", *args)

    def view(self, *args: Any, **kwargs: Any) -> Any:
        if args and isinstance(args[0], type) and issubclass(args[0], np.ndarray):
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
        plain = self.view(np.ndarray)
        if tracer is None:
            return bool(plain)
        truth = bool(plain)
        tracer.ops.append(Op("bool", bool, "", (tracer.ref(self),), {}, (), (), tracer.phase, truth))
        return truth

    def _refuse(self, how: str) -> Any:
        if active() is None:
            return getattr(self.view(np.ndarray), how)()
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
            return self.view(np.ndarray).item(*args)
        return self._refuse("item")

    def tolist(self) -> Any:
        return self._refuse("tolist")

    def __repr__(self) -> str:
        return repr(self.view(np.ndarray))

    def __str__(self) -> str:
        return str(self.view(np.ndarray))

    def __reduce__(self) -> Any:
        return self.view(np.ndarray).__reduce__()


_EMPTY_LIKE = {np.empty_like}


def _untraced(x: Any) -> Any:
    if isinstance(x, TracedArray):
        return x.view(np.ndarray)
    if isinstance(x, tuple):
        return tuple(_untraced(p) for p in x)
    if isinstance(x, list):
        return [_untraced(p) for p in x]
    if isinstance(x, dict):
        return {k: _untraced(v) for k, v in x.items()}
    return x


def is_alive(ref: weakref.ref) -> bool:
    return ref() is not None
