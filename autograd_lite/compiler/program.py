"""Planning and code generation: a trace becomes one flat Python function of NumPy calls.

    plan:      drop dead operations (nothing later reads their results, they
               write into no parameter or state), then give every array an
               output buffer, preallocated once and reused on every call
               (`out=`; zeros are a buffer filled with 0); a buffer whose array
               is no longer needed is handed to a later array of the same shape
               and dtype. A copy of an input that nothing writes is the input
               itself; views of buffers and constants are made once, beside the
               buffers, rather than on every call.
    generate:  one line of NumPy per operation, forward, backward, update;
               the text is `step.source`, and the same text is what runs.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from autograd_lite.compiler.trace import Op, Ref, Tracer, _refs_in

_OUT_METHODS = ("__call__", "reduce", "accumulate")
_VIEW_METHODS = ("reshape", "transpose", "swapaxes", "squeeze", "ravel", "view", "__getitem__")


class GuardError(RuntimeError):
    """A Python decision taken on a value when tracing goes the other way on this call."""


class Program:
    """The planned program of one trace: its source, and the function compiled from it."""

    def __init__(self, tracer: Tracer, inputs: list[int], outputs: list[int]) -> None:
        self.tracer, self.inputs, self.outputs = tracer, inputs, outputs
        values = tracer.values
        self.live = live_ops(tracer, set(outputs))
        self.names = [v.name for v in values]
        self.aliases = _elided_copies(tracer, self.live, set(outputs))
        for copy, original in self.aliases.items():
            self.names[copy] = self.names[original]
        live = [p for p in self.live if not set(tracer.ops[p].outputs) & set(self.aliases)]
        self.live = live
        self.buffer_of, self.buffers = _assign_buffers(tracer, self.live, set(outputs))
        self.constants = {values[i].name: values[i].array for i in range(len(values))
                          if values[i].source == ("const",)}
        for static in (True, False):  # views made once; per call if one of them turned out to copy
            self.static = _static_views(tracer, self.live, self.buffer_of) if static else {}
            self.source = self._generate()
            namespace: dict[str, Any] = {"np": np, "GuardError": GuardError}
            namespace.update(self.constants)
            namespace.update(_namespace_functions(tracer, self.live))
            exec(compile(self.source, "<ag.compile>", "exec"), namespace)  # noqa: S102  (our own generated code)
            if all(np.may_share_memory(namespace[self.names[v]], namespace[base]) for v, base in self.static.items()):
                break
        self.function = namespace["compiled_step"]

    # ------------------------------------------------------------------ code

    def _generate(self) -> str:
        values, ops = self.tracer.values, self.tracer.ops
        inputs = ", ".join(values[i].name for i in self.inputs)
        lines = ["import numpy as np", ""]
        if self.buffers:
            lines.append("# output buffers, allocated once and reused by every call")
            for name, template in self.buffers:
                lines.append(f"{name} = {_empty_like_text(template)}")
            lines.append("")
        used_constants = [n for n in self.constants]
        for name in used_constants:
            text = _constant_text(self.constants[name])
            if text is not None:
                lines.append(f"{name} = {text}")
        if used_constants:
            lines.append("")
        function_names = self.names
        self.names = list(function_names)  # outside the function, a buffer's array is known by the buffer's name
        for index, buffer in self.buffer_of.items():
            self.names[index] = buffer
        static_lines = [self._line(ops[index]) for index in self.live
                        if set(ops[index].outputs) & set(self.static)]
        self.names = function_names
        if static_lines:
            lines += ["# views of the buffers, made once", *static_lines, ""]
        defaults = "".join(f", {name}={name}" for name, _ in self.buffers)
        defaults += "".join(f", {self.names[v]}={self.names[v]}" for v in self.static)
        lines.append(f"def compiled_step({inputs}{defaults}):")
        phase = None
        for index in self.live:
            op = ops[index]
            if op.phase != phase:
                phase = op.phase
                lines.append(f"    # {phase}")
            if set(op.outputs) & set(self.static):
                lines.append(f"    # {self._line(op)}  (a view made once, above)")
            else:
                lines.append("    " + self._line(op))
        returned = ", ".join(values[i].name for i in self.outputs)
        lines.append(f"    return ({returned}{',' if len(self.outputs) == 1 else ''})")
        return "\n".join(lines) + "\n"

    def _line(self, op: Op) -> str:
        names = self.names
        if op.kind == "bool":
            (ref,) = op.args
            return (f"if bool({names[ref.index]}) is not {op.guard}: raise GuardError("
                    f"'a Python branch taken on {names[ref.index]} when tracing goes the other way now')")
        out_names = [names[i] for i in op.outputs]
        buffered = [self.buffer_of.get(i) for i in op.outputs]
        target = ", ".join(out_names)
        if op.kind == "ufunc":
            call = f"np.{op.target.__name__}" + ("" if op.method == "__call__" else f".{op.method}")
            args = [self._arg(a) for a in op.args] + [f"{k}={self._arg(v)}" for k, v in op.kwargs.items()
                                                       if k != "out" and not _is_default(k, v)]
            if "out" in op.kwargs:
                outs = op.kwargs["out"]
                args.append(f"out={self._arg(outs[0]) if len(outs) == 1 else self._arg(outs)}")
                return f"{call}({', '.join(args)})"
            if op.method == "at":
                return f"{call}({', '.join(args)})"
            if buffered and buffered[0] is not None:
                args.append(f"out={buffered[0]}")
            return f"{target} = {call}({', '.join(args)})" if out_names else f"{call}({', '.join(args)})"
        if op.kind == "function":
            name = _function_name(op.target)
            if op.target is np.empty_like and buffered and buffered[0] is not None:
                return f"{target} = {buffered[0]}"
            if op.target is np.zeros_like and buffered and buffered[0] is not None:
                return f"{target} = {buffered[0]}; {buffered[0]}.fill(0)"
            args = [self._arg(a) for a in op.args] + [f"{k}={self._arg(v)}" for k, v in op.kwargs.items()]
            call = f"{name}({', '.join(args)})"
            return f"{target} = {call}" if out_names else call
        # ndarray methods
        this, rest = self._arg(op.args[0]), op.args[1:]
        if op.target == "__getitem__":
            return f"{target} = {this}[{self._index(rest[0])}]"
        if op.target == "__setitem__":
            return f"{this}[{self._index(rest[0])}] = {self._arg(rest[1])}"
        if op.target == "transpose" and rest in ((), (None,)) and not op.kwargs:
            return f"{target} = {this}.T"
        if op.target == "copy" and buffered and buffered[0] is not None:
            return f"{target} = {buffered[0]}; np.copyto({buffered[0]}, {this})"
        if op.target == "astype" and buffered and buffered[0] is not None:
            return f"{target} = {buffered[0]}; np.copyto({buffered[0]}, {this}, casting='unsafe')"
        args = [self._arg(a) for a in rest] + [f"{k}={self._arg(v)}" for k, v in op.kwargs.items()]
        call = f"{this}.{op.target}({', '.join(args)})"
        return f"{target} = {call}" if out_names else call

    def _arg(self, x: Any) -> str:
        if isinstance(x, Ref):
            return self.names[x.index]
        if isinstance(x, tuple):
            inner = ", ".join(self._arg(p) for p in x)
            return f"({inner},)" if len(x) == 1 else f"({inner})"
        if isinstance(x, list):
            return "[" + ", ".join(self._arg(p) for p in x) + "]"
        if isinstance(x, dict):
            return "{" + ", ".join(f"{k!r}: {self._arg(v)}" for k, v in x.items()) + "}"
        return _literal(x)

    def _index(self, index: Any) -> str:
        parts = index if isinstance(index, tuple) else (index,)
        texts = []
        for p in parts:
            if isinstance(p, slice):
                text = ("" if p.start is None else _literal(p.start)) + ":" + ("" if p.stop is None else _literal(p.stop))
                texts.append(text + ("" if p.step is None else ":" + _literal(p.step)))
            elif p is Ellipsis:
                texts.append("...")
            else:
                texts.append(self._arg(p))
        if not isinstance(index, tuple):
            return texts[0]
        return ", ".join(texts) + ("," if len(texts) == 1 else "") if texts else "()"


def _literal(x: Any) -> str:
    if isinstance(x, float):
        return repr(x) if np.isfinite(x) else f"float('{x}')"
    if isinstance(x, np.dtype):
        return f"np.{x.name}" if hasattr(np, x.name) else f"np.dtype({x.str!r})"
    if isinstance(x, type) and issubclass(x, np.generic):
        return f"np.{x.__name__}"
    if x in (bool, int, float, complex):  # dtype=bool, as written in the engine
        return x.__name__
    if isinstance(x, np.generic):
        value = x.item()
        return f"np.{type(x).__name__}({_literal(value)})"
    if x is Ellipsis:
        return "..."
    return repr(x)


def _constant_text(array: np.ndarray) -> str | None:
    """Small constants printed in full (np.arange(n) by name); others come from the namespace."""
    if array.ndim == 1 and array.dtype.kind in "iu" and array.size and np.array_equal(array, np.arange(array.size)):
        return f"np.arange({array.size})" + ("" if array.dtype == np.int64 else f".astype(np.{array.dtype.name})")
    if array.size <= 16:
        return f"np.array({array.tolist()!r}, dtype=np.{array.dtype.name})"
    return None


def _layout(a: np.ndarray) -> Any:
    """How a's elements lie in memory: "C", "F", or its axes from outermost to innermost.

    A buffer is laid out as the array it stands for on the traced call: a reduction sums in
    memory order and BLAS picks its kernel by layout, so another layout can change the last bit.
    """
    if a.flags.c_contiguous:
        return "C"
    if a.flags.f_contiguous:
        return "F"
    return tuple(sorted(range(a.ndim), key=lambda axis: -a.strides[axis]))


def _empty_like_text(template: np.ndarray) -> str:
    """The code allocating a buffer of template's shape, dtype and layout."""
    layout, dtype = _layout(template), f"dtype=np.{template.dtype.name}"
    if layout == "C":
        return f"np.empty({template.shape}, {dtype})"
    if layout == "F":
        return f"np.empty({template.shape}, {dtype}, order='F')"
    shape = tuple(template.shape[axis] for axis in layout)  # C order over the axes as they lie in memory
    return f"np.empty({shape}, {dtype}).transpose({tuple(np.argsort(layout).tolist())})"


def _function_name(func: Any) -> str:
    name = getattr(func, "__name__", "f")
    return f"np.{name}" if getattr(np, name, None) is func else f"fn_{name}"


def _namespace_functions(tracer: Tracer, live: list[int]) -> dict:
    functions = {}
    for index in live:
        op = tracer.ops[index]
        if op.kind == "function" and not _function_name(op.target).startswith("np."):
            functions[_function_name(op.target)] = op.target
        if op.kind == "ufunc" and getattr(np, op.target.__name__, None) is not op.target:
            raise RuntimeError(f"ag.compile: ufunc {op.target.__name__} is not np.{op.target.__name__}")
    return functions


# --------------------------------------------------------------------------- dead operations


def roots(tracer: Tracer, index: int) -> set[int]:
    """The values owning the memory of value `index` (itself unless it is a view)."""
    value = tracer.values[index]
    if not value.view_of:
        return {index}
    found: set[int] = set()
    for base in value.view_of:
        found |= roots(tracer, base)
    return found


def live_ops(tracer: Tracer, outputs: set[int]) -> list[int]:
    """Indices of the ops that matter: guards, writes into inputs, and what the outputs need."""
    needed: set[int] = set()
    for index in outputs:
        needed |= {index} | roots(tracer, index)
    live = []
    for position in range(len(tracer.ops) - 1, -1, -1):
        op = tracer.ops[position]
        written_roots = set().union(*[roots(tracer, w) for w in op.writes]) if op.writes else set()
        is_live = (
            op.kind == "bool"
            or any(tracer.values[r].source is not None for r in written_roots)
            or any(o in needed for o in op.outputs)
            or bool(written_roots & needed)
        )
        if not is_live:
            continue
        live.append(position)
        for ref in _refs_in((op.args, op.kwargs)):
            needed |= {ref.index} | roots(tracer, ref.index)
        for o in op.outputs:
            needed |= roots(tracer, o)
    live.reverse()
    return live


# --------------------------------------------------------------------------- buffers


def _wants_buffer(tracer: Tracer, op: Op, index: int) -> bool:
    value = tracer.values[index]
    if value.view_of or value.made_by is None or value.source is not None:
        return False
    if op.kind == "ufunc":
        return op.method in _OUT_METHODS and "out" not in op.kwargs and len(op.outputs) == 1
    if op.kind == "function":
        template = value.array
        return op.target is np.empty_like or (
            op.target is np.zeros_like and _layout(template) in ("C", "F"))
    return op.kind == "method" and op.target in ("copy", "astype")


def _assign_buffers(tracer: Tracer, live: list[int], outputs: set[int]) -> tuple[dict, list]:
    """value -> buffer name, and the buffers (name, template array); freed buffers are reused."""
    last_use: dict[int, int] = {}
    for position in live:
        op = tracer.ops[position]
        for ref in _refs_in((op.args, op.kwargs)):
            for r in roots(tracer, ref.index):
                last_use[r] = position
        for o in op.outputs:
            for r in roots(tracer, o):
                last_use[r] = max(last_use.get(r, position), position)
    for index in outputs:
        for r in roots(tracer, index):
            last_use[r] = len(tracer.ops)  # alive to the end
    free: dict[tuple, list[str]] = {}
    buffer_of: dict[int, str] = {}
    buffers: list[tuple[str, np.ndarray]] = []
    holding: dict[int, str] = {}
    releases: dict[int, list[int]] = {}
    for position in live:
        op = tracer.ops[position]
        for o in op.outputs:
            if o in buffer_of or not _wants_buffer(tracer, op, o):
                continue
            template = tracer.values[o].array
            key = (template.shape, template.dtype.str, _layout(template))
            if free.get(key):
                name = free[key].pop()
            else:
                name = f"_b{len(buffers)}"
                buffers.append((name, template))
            buffer_of[o] = name
            holding[o] = name
            releases.setdefault(last_use.get(o, position), []).append(o)
        for o in releases.pop(position, []):
            template = tracer.values[o].array
            free.setdefault((template.shape, template.dtype.str, _layout(template)), []).append(holding.pop(o))
    return buffer_of, buffers


# --------------------------------------------------------------------------- copies and views


def _elided_copies(tracer: Tracer, live: list[int], outputs: set[int]) -> dict[int, int]:
    """copy value -> the input it copies, for copies of program inputs that no operation writes.

    The engine copies index arrays and masks, as its caller may change them before
    backward; inside the program nothing runs between forward and backward.
    """
    written = set()
    for position in live:
        for w in tracer.ops[position].writes:
            written |= roots(tracer, w)
    aliases = {}
    for position in live:
        op = tracer.ops[position]
        if op.kind != "method" or op.target not in ("copy", "astype") or len(op.outputs) != 1:
            continue
        (copy,) = op.outputs
        original = op.args[0].index if isinstance(op.args[0], Ref) else None
        if original is None or tracer.values[original].source is None or copy in outputs or copy in written:
            continue
        same = tracer.values[copy].array
        source = tracer.values[original].array
        if original not in written and same.dtype == source.dtype and same.shape == source.shape \
                and same.strides == source.strides:
            aliases[copy] = original
    return aliases


def _static_views(tracer: Tracer, live: list[int], buffer_of: dict[int, str]) -> dict[int, str]:
    """view value -> the buffer or constant it views, for views that are the same on every call."""
    fixed = dict(buffer_of)
    fixed.update({i: v.name for i, v in enumerate(tracer.values) if v.source == ("const",)})
    static = {}
    for position in live:
        op = tracer.ops[position]
        if op.kind != "method" or op.target not in _VIEW_METHODS or len(op.outputs) != 1:
            continue
        (view,) = op.outputs
        base = op.args[0].index if isinstance(op.args[0], Ref) else None
        if base not in fixed or not tracer.values[view].view_of or _refs_in((op.args[1:], op.kwargs)):
            continue
        static[view] = fixed[view] = fixed[base]
    return static


_DEFAULTS = {"dtype": None, "where": True, "keepdims": False}


def _is_default(keyword: str, value: Any) -> bool:
    """A ufunc keyword left at NumPy's default (parsing it costs time on every call)."""
    return keyword in _DEFAULTS and value is _DEFAULTS[keyword]
