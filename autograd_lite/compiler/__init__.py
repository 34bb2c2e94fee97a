"""ag.compile: a training step recorded once as flat NumPy, then replayed without Tensors or nodes.

    step = ag.compile(train_step)       # train_step(x, y): forward, loss, backward, optimizer step
    loss = step(x, y)                   # 1st call: runs eagerly and records every NumPy operation
    loss = step(x, y)                   # 2nd: eagerly, beside the program on copies (must agree)
    loss = step(x, y)                   # later calls with the same shapes/dtypes: the recorded program
    print(step.source)                  # the program as NumPy code: forward, backward, update

How it works, in three stages (one file each):
  trace.py    during the first call, the arrays flowing through the engine are
              `TracedArray`s, views that compute exactly what eager NumPy computes
              and write each operation down;
  program.py  the record is planned (dead operations dropped, one preallocated
              output buffer per array, reused once its array is dead) and
              turned into the text of one Python function, which is compiled;
  here        `compile` and `CompiledStep`: which arrays are inputs, the cache of
              programs by input shapes and dtypes, and the calls.

Inputs of the program, read again on every call (so eager and compiled calls mix):
  - the call's arguments, by position (Tensors, arrays: integer labels too);
  - the `.data` of every Tensor the step uses that was made before the call
    (parameters), read through the Tensor;
  - the state arrays of the optimizers `fn` refers to (found in its closure,
    its globals, its `self`, or one attribute level below those): momentum
    buffers, Adam's moments and step count, read and updated in place.
An optimizer's first step creates its state: a trace in which state appears is
used for that call only (it ran eagerly), and the next call traces again, so the
first-step branch is never frozen into the program.

What the trace cannot see, and what happens then:
  - Python control flow on values (`if loss < 1`): recorded as it went; each
    such `bool()` becomes a guard, checked on every call (GuardError if it flips);
  - values read into Python (`.item()`, `float()`, `int()`): refused while tracing
    (they would freeze); return the Tensor and read it after the call;
  - random numbers (Dropout masks, ag.randn inside fn): refused while tracing;
  - user code writing into `.data` or other arrays between calls is fine (they are
    read live), but NumPy work on plain arrays inside fn that does not touch a
    traced array is computed once, when tracing, and becomes a constant.

Arrays read around the trace. A plain array computed from traced data out of the
trace's sight would be frozen into the program: compiled steps would silently
give other numbers than eager ones. Refused, in four layers:
  1. while tracing, np.asarray / np.array / np.ascontiguousarray / np.asfortranarray /
     np.frombuffer and `.view(np.ndarray)` of a traced array raise TraceError, naming
     the line (trace.py, EscapeGuard);
  2. every primitive's forward and backward must return arrays the trace recorded,
     and a Tensor made during the trace by an `apply` the trace could not replace
     must not hold a plain array (here, _traced_apply and _named_backward);
  3. a plain array sharing memory with a traced one is never taken as a constant
     (trace.py, Tracer._external);
  4. what NumPy never shows the trace (a plain array indexed with a traced one,
     .base, the buffer protocol, and Python numbers that change between calls, such
     as a learning rate) is caught by value: the first replay runs the program on
     copies of its inputs beside an eager call, and any difference in parameters,
     state, gradients or the returned value is TraceError (`_Compiled.verify`).
     The check is done once: what changes only later (a scheduler after many steps)
     is not seen again, and a first replay on exactly the traced call's inputs (the
     same arguments, parameters and state) cannot show an array derived from them.
Returned Tensors/arrays are fresh copies on every call; each parameter's `.grad`
after a call holds that call's gradient in a buffer the next call overwrites.
"""
from __future__ import annotations

import gc
import inspect
import sys
from typing import Any, Callable

import numpy as np

from autograd_lite import creation
from autograd_lite.compiler.program import GuardError, Program
from autograd_lite.compiler.trace import EscapeGuard, TracedArray, TraceError, Tracer, _active, plain_view
from autograd_lite.graph import _sequence as graph_sequence
from autograd_lite.graph import _state
from autograd_lite.tensor import Tensor, wrap

tensor_module = sys.modules["autograd_lite.tensor"]  # (ag.tensor is the factory function)

__all__ = ["compile", "CompiledStep", "TraceError", "GuardError"]


def compile(fn: Callable) -> CompiledStep:  # noqa: A001  (ag.compile, as torch.compile)
    """Record `fn` (a training or inference step) on its first call; replay it as flat NumPy afterwards."""
    if not callable(fn):
        raise TypeError(f"ag.compile: expected a function, got {type(fn).__name__}")
    return CompiledStep(fn)


class CompiledStep:
    """A compiled step: call it as `fn`; `.source` is the program, `.cache_size` the number of programs."""

    def __init__(self, fn: Callable) -> None:
        self.fn = fn
        self.programs: dict[tuple, _Compiled] = {}
        self.arity: int | None = None
        self.kinds: tuple | None = None
        self.traces = 0
        self.__doc__ = getattr(fn, "__doc__", None)

    @property
    def cache_size(self) -> int:
        """How many programs are cached (one per distinct input shapes and dtypes)."""
        return len(self.programs)

    @property
    def constants(self) -> dict[str, np.ndarray]:
        """The arrays the latest program's source names but does not print (for exec(step.source, ...))."""
        return dict(self._latest().program.constants)

    def program_inputs(self, *args: Any) -> list[np.ndarray]:
        """The arrays the latest program's `compiled_step(...)` takes for these arguments, in order."""
        return self._latest().inputs(args)

    def _latest(self) -> _Compiled:
        if not self.programs:
            raise RuntimeError("ag.compile: no program yet: call the compiled step (twice, for an optimizer "
                               "that creates its state on the first step) first")
        return list(self.programs.values())[-1]

    @property
    def source(self) -> str:
        """The most recently traced program as NumPy code."""
        return self._latest().program.source

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs:
            raise TypeError("ag.compile: a compiled step takes positional arguments only")
        key = self._key(args)
        compiled = self.programs.get(key)
        if compiled is not None and compiled.verified:
            return compiled.run(args)
        if compiled is not None:
            try:
                return compiled.verify(self.fn, args)
            except TraceError:
                del self.programs[key]
                raise
        compiled, result = _trace(self.fn, args)
        self.traces += 1
        if compiled is not None:
            self.programs[key] = compiled
        return result

    def _key(self, args: tuple) -> tuple:
        if self.arity is None:
            self.arity = len(args)
            self.kinds = tuple(_kind(a) for a in args)
        elif len(args) != self.arity:
            raise TypeError(f"ag.compile: this step was traced with {self.arity} inputs, called with {len(args)}")
        key = []
        for position, a in enumerate(args):
            if isinstance(a, Tensor):
                a = a.data
            elif not isinstance(a, np.ndarray):
                if isinstance(a, (bool, int, float, type(None), str)):
                    key.append(a)
                    continue
                raise TypeError(f"ag.compile: input {position} is a {type(a).__name__}"
                                + (f" (it was a {self.kinds[position]} when traced)" if self.kinds else "")
                                + "; compiled steps take Tensors, NumPy arrays and Python numbers")
            key.append((type(args[position]) is Tensor, a.shape, a.dtype, a.flags.c_contiguous))
        return tuple(key)


def _argument_names(fn: Callable, count: int) -> list[str]:
    """fn's parameter names for its inputs (x, y, ...), input0, input1, ... where unknown."""
    try:
        names = [p.name for p in inspect.signature(fn).parameters.values()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        names = []
    return (names + [f"input{i}" for i in range(len(names), count)])[:count]


def _kind(a: Any) -> str:
    return "Tensor" if isinstance(a, Tensor) else type(a).__name__


class _Compiled:
    """A planned program and how to feed it: where each input comes from, where each output goes."""

    def __init__(self, program: Program, sources: list[tuple], returned: Any, grads: list) -> None:
        self.program, self.sources, self.returned, self.grads = program, sources, returned, grads
        self.function = program.function
        self.verified = False

    def verify(self, fn: Callable, args: tuple) -> Any:
        """The first replay: the program runs on copies of its inputs beside an eager call; all must agree.

        What the trace cannot see (a plain array indexed with a traced one, a Python number that
        changed since, ...) shows up here as a difference: refused (TraceError), the call ran eagerly,
        and the program is dropped (the next call traces again).
        (An array computed around the trace from inputs that are the same as on the traced call
        cannot differ, so a first replay that repeats the traced call exactly proves less.)
        """
        copies = [a.copy(order="K") for a in self.inputs(args)]
        results = self.function(*copies)
        result = fn(*args)
        names = self.program.names
        differ = [names[index] for index, source, copy in zip(self.program.inputs, self.sources, copies)
                  if source[0] != "grad" and not _same(copy, _read(source, args))]  # (new .grads: below)
        differ += [names[self.program.outputs[position]] for tensor, position in self.grads
                   if tensor.grad is None or not _same(results[position], tensor.grad.data)]
        differ += _returned_differences(self.returned, results, result)
        if differ:
            raise TraceError(f"ag.compile: on its first replay the program gave other numbers than eager "
                             f"execution ({', '.join(differ)} differ). fn computes something the trace does not "
                             "record: an array read around it (a plain array indexed with a traced one, .base, "
                             "a view as np.ndarray) or a Python value that changed between the calls (a learning "
                             "rate, a counter), which the program would freeze. This call ran eagerly")
        self.verified = True
        return result

    def run(self, args: tuple) -> Any:
        results = self.function(*self.inputs(args))
        for tensor, position in self.grads:
            tensor.grad = wrap(results[position], None)
        return _rebuild(self.returned, results)

    def inputs(self, args: tuple) -> list:
        return [_read(source, args) for source in self.sources]


def _read(source: tuple, args: tuple) -> np.ndarray:
    """A program input's array on this call, from where `source` says it lives."""
    kind = source[0]
    if kind == "arg":
        a = args[source[1]]
        return a.data if isinstance(a, Tensor) else a
    if kind == "tensor":
        return source[1].data
    if kind == "grad":
        grad = source[1].grad
        if grad is None:
            raise GuardError("ag.compile: a gradient that existed when tracing (accumulated into) is "
                             "None now; call the step in the same state as when it was traced")
        return grad.data
    return source[1][source[2]]


def _same(a: Any, b: Any) -> bool:
    """Bit for bit the same array (NaN equal to NaN)."""
    a, b = np.asanyarray(a), np.asanyarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")


def _returned_differences(shape: Any, results: tuple, result: Any) -> list[str]:
    """Where the program's return value (described by `shape`) differs from eager's `result`."""
    kind = shape[0]
    if kind in ("tensor", "array"):
        eager = result.data if isinstance(result, Tensor) else result
        return [] if _same(results[shape[1]], eager) else ["the returned value"]
    if kind in ("tuple", "list", "dict"):
        parts = shape[1].items() if kind == "dict" else enumerate(shape[1])
        try:
            return [d for k, s in parts for d in _returned_differences(s, results, result[k])]
        except (IndexError, KeyError, TypeError):
            return ["the returned structure"]
    return []


def _rebuild(shape: Any, results: tuple) -> Any:
    """fn's return value, with each array replaced by a fresh copy of this call's value."""
    kind = shape[0]
    if kind == "tensor":
        return wrap(results[shape[1]].copy(), None)
    if kind == "array":
        return results[shape[1]].copy()
    if kind in ("tuple", "list"):
        items = [_rebuild(s, results) for s in shape[1]]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        return {k: _rebuild(s, results) for k, s in shape[1].items()}
    return shape[1]


# --------------------------------------------------------------------------- tracing a call


class _Session:
    """The bookkeeping of one traced call: what was swapped in, to be put back afterwards."""

    def __init__(self, tracer: Tracer) -> None:
        self.tracer = tracer
        self.tensors: list[tuple[Tensor, TracedArray, np.ndarray]] = []  # (tensor, traced data, original)
        self.grads: list[tuple[Tensor, Tensor, TracedArray, np.ndarray]] = []
        self.states: list[tuple[dict, Any, TracedArray, np.ndarray]] = []
        self.adopted: set[int] = set()
        self.module_paths: dict[int, str] = {}
        self.rule_ops: list[int] = []
        self.nodes: list[tuple[Any, int]] = []  # (node, value it made)
        self.state_params: list[tuple[Tensor, int, str]] = []  # (parameter, state value, state key)
        self.first_node = next(graph_sequence)  # nodes made after this, during the trace, have later numbers

    def adopt_tensor(self, t: Tensor, source: tuple | None = None, hint: str | None = None) -> None:
        if id(t) in self.adopted:
            return
        if t.grad_fn is not None and t.grad_fn.sequence > self.first_node:
            raise TraceError(f"ag.compile: '{t.grad_fn.label()}' made a plain array (shape {t.shape}) while "
                             "tracing, outside the operations the trace records (applied through an `apply` the "
                             "trace could not replace, or computed around the trace); its value would be frozen")
        self.adopted.add(id(t))
        original = t.data
        traced = self.tracer.adopt(original, source or ("tensor", t), hint or self.tensor_name(t))
        t.data = traced
        self.tensors.append((t, traced, original))
        if t.grad is not None and not isinstance(t.grad.data, TracedArray):
            grad = t.grad
            name = "grad_" + self.tracer.values[traced._ref].name
            traced_grad = self.tracer.adopt(grad.data, ("grad", t), name)
            self.grads.append((t, grad, traced_grad, grad.data))
            grad.data = traced_grad

    def tensor_name(self, t: Tensor) -> str:
        if t.name:
            return t.name
        for scope in _state.scope:
            owner = scope.owner
            if owner is not None and hasattr(owner, "named_parameters"):
                for path, p in owner.named_parameters():
                    if p is t:
                        return self.path_name(owner, path)
        return "tensor" if t.requires_grad else "const"

    @staticmethod
    def path_name(root: Any, path: str) -> str:
        """'0.weight' of a Sequential -> 'linear0_weight' (numbered parts get their module's class)."""
        parts, module = [], root
        for part in path.split("."):
            child = getattr(module, "_modules", {}).get(part) if module is not None else None
            if part.isdigit() and child is not None:
                parts.append(type(child).__name__.lower() + part)
            else:
                parts.append(part)
            module = child
        return "_".join(parts)

    def scope_hint(self, op: str) -> str:
        scopes = _state.scope
        if not scopes:
            return op
        root = scopes[0].owner
        if root is not None and hasattr(root, "named_modules") and not self.module_paths:
            for path, module in root.named_modules():
                self.module_paths[id(module)] = self.path_name(root, path) if path else type(module).__name__
        inner = scopes[-1]
        label = self.module_paths.get(id(inner.owner), inner.label)
        return f"{label}_{op}"


def _traced_apply(original: Callable, session: _Session) -> Callable:
    tracer = session.tracer

    def apply(fn: Any, *inputs: Tensor) -> Tensor:
        for t in inputs:
            if not isinstance(t.data, TracedArray):
                session.adopt_tensor(t)
        hint = session.scope_hint(fn.op)
        outer, tracer.context = tracer.context, hint
        try:
            out = original(fn, *inputs)
        finally:
            tracer.context = outer
        tracer.check_recorded(out.data, f"the forward of '{fn.label()}'")
        if out.grad_fn is fn:
            fn.backward = _named_backward(fn, session, "d_" + hint)
            if isinstance(out.data, TracedArray):
                session.nodes.append((fn, out.data._ref))  # its tensor may be named later (Z1.name = "Z1")
        return out

    return apply


def _named_backward(fn: Any, session: _Session, hint: str) -> Callable:
    rule = type(fn).backward

    def backward(*args: Any) -> Any:
        tracer = session.tracer
        if not _active or _active[-1] is not tracer:
            return rule(fn, *args)
        outer, tracer.context = tracer.context, hint
        start = len(tracer.ops)
        try:
            grads = rule(fn, *args)
        finally:
            tracer.context = outer
            session.rule_ops.append(start)
            session.rule_ops.append(len(tracer.ops))
        for g in grads:
            tracer.check_recorded(g.data if isinstance(g, Tensor) else g, f"the backward of '{fn.label()}'")
        return grads

    return backward


def _patched_modules() -> list:
    """The modules that call `apply` by name: the package's, and those of users' own ops."""
    return [m for m in list(sys.modules.values()) if getattr(m, "__dict__", {}).get("apply") is tensor_module.apply]


def _optimizers(fn: Callable, args: tuple) -> list:
    """Optimizers (objects with param_groups and state) that fn can reach by name."""
    candidates: list = list(args)
    candidates.append(getattr(fn, "__self__", None))
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            candidates.append(cell.cell_contents)
        except ValueError:
            pass
    code = getattr(fn, "__code__", None)
    if code is not None:
        names = set(code.co_names)
        for const in code.co_consts:
            if hasattr(const, "co_names"):
                names |= set(const.co_names)
        candidates += [fn.__globals__[n] for n in names if n in fn.__globals__]
    found, seen = [], set()
    for c in candidates + [v for c in candidates for v in getattr(c, "__dict__", {}).values()]:
        if id(c) in seen:
            continue
        seen.add(id(c))
        if isinstance(getattr(c, "param_groups", None), list) and hasattr(getattr(c, "state", None), "items"):
            found.append(c)
    return found


def _state_snapshot(optimizers: list) -> list:
    return [[(id(s), tuple(s)) for s in o.state.values() if s] for o in optimizers]  # (empty dicts: nothing)


def _trace(fn: Callable, args: tuple) -> tuple[_Compiled | None, Any]:
    """Run fn(*args) eagerly while recording; plan the program (None when state was created)."""
    tracer = Tracer()
    session = _Session(tracer)
    traced_args = []
    names = _argument_names(fn, len(args))
    for position, a in enumerate(args):
        if isinstance(a, Tensor):
            session.adopt_tensor(a, ("arg", position), a.name or names[position])
            traced_args.append(a)
        elif isinstance(a, np.ndarray):
            traced_args.append(tracer.adopt(a, ("arg", position), names[position]))
        else:
            traced_args.append(a)
    optimizers = _optimizers(fn, args)
    for optimizer in optimizers:
        for param, state in optimizer.state.items():
            for key, value in list(state.items()):
                if isinstance(value, np.ndarray) and not isinstance(value, TracedArray):
                    traced = tracer.adopt(value, ("state", state, key), key)
                    session.states.append((state, key, traced, value))
                    session.state_params.append((param, traced._ref, key))
                    state[key] = traced
    before = _state_snapshot(optimizers)
    modules = _patched_modules()
    original_apply = tensor_module.apply
    patched = _traced_apply(original_apply, session)
    for module in modules:
        module.apply = patched
    # The seed dL/dL = 1 is traced too: otherwise the backward of a loss would partly run on plain
    # constants, and an op that NumPy does not dispatch (ufunc.at's indices) could freeze a label.
    backward_module = sys.modules["autograd_lite.backward"]
    shared_ones = backward_module.shared_ones
    backward_module.shared_ones = lambda shape, dtype: tracer.adopt(shared_ones(shape, dtype), ("const",), "ones")
    _active.append(tracer)
    creation_guard, escape_guard = _RandomGuard(), EscapeGuard()
    try:
        creation_guard.__enter__()
        escape_guard.__enter__()
        result = fn(*traced_args)
    finally:
        escape_guard.__exit__()
        creation_guard.__exit__()
        _active.pop()
        for module in modules:
            module.apply = original_apply
        backward_module.shared_ones = shared_ones
        _restore(session)
    new_arrays = _untrace_new_state(optimizers)
    state_created = new_arrays or _state_snapshot(optimizers) != before
    returned, outputs = _returned(result, tracer, session)
    grads = []
    for t, traced, _ in session.tensors:
        if t.grad is not None and isinstance(t.grad.data, TracedArray):
            index = tracer.by_id.get(id(t.grad.data))
            t.grad.data = tracer.values[index].array
            if tracer.values[index].source is None:
                tracer.values[index].name = tracer.unique("grad_" + tracer.values[traced._ref].name)
            grads.append((t, len(outputs)))
            outputs.append(index)
    if state_created:
        return None, _plain_result(result)
    if not tracer.ops:
        raise TraceError("ag.compile: the traced call of fn ran no array operation; there is nothing to compile")
    _set_phases(tracer, session)
    for node, index in session.nodes:
        if node.tensor_name and tracer.values[index].source is None:
            tracer.values[index].name = tracer.unique(node.tensor_name)
    for param, index, key in session.state_params:  # named after their parameter, known by now
        param_index = tracer.by_id.get(id(param.data))
        if param_index is not None:
            tracer.values[index].name = tracer.unique(f"{key}_{tracer.values[param_index].name}")
    _settle_sources(tracer)
    program_inputs = _program_inputs(tracer, outputs)
    program = Program(tracer, program_inputs, outputs)
    sources = [tracer.values[i].source for i in program_inputs]
    del tracer.keep_alive[:]
    tracer.by_id.clear()
    return _Compiled(program, sources, returned, grads), _plain_result(result)


def _restore(session: _Session) -> None:
    """Put back the arrays swapped for traced stand-ins (kept when fn replaced them)."""
    for t, traced, original in session.tensors:
        if t.data is traced:
            t.data = original
        elif isinstance(t.data, TracedArray):
            raise TraceError("ag.compile: fn replaced a tensor's .data with a computed array; "
                             "update it in place instead (t.data[...] = ...)")
    for t, grad, traced, original in session.grads:
        if grad.data is traced:
            grad.data = original
    for state, key, traced, original in session.states:
        if state.get(key) is traced:
            state[key] = original


def _untrace_new_state(optimizers: list) -> bool:
    """State arrays created during the trace become plain arrays; True if there were any."""
    created = False
    for optimizer in optimizers:
        for state in optimizer.state.values():
            for key, value in state.items():
                if isinstance(value, TracedArray):
                    state[key] = plain_view(value).copy()
                    created = True
    return created


def _returned(result: Any, tracer: Tracer, session: _Session) -> tuple[Any, list[int]]:
    outputs: list[int] = []

    def describe(x: Any) -> Any:
        if isinstance(x, Tensor):
            data = x.data
            if isinstance(data, TracedArray):
                outputs.append(tracer.by_id[id(data)])
                return ("tensor", len(outputs) - 1)
            return ("value", x)
        if isinstance(x, TracedArray):
            outputs.append(tracer.by_id[id(x)])
            return ("array", len(outputs) - 1)
        if isinstance(x, (tuple, list)):
            return ("tuple" if isinstance(x, tuple) else "list", [describe(p) for p in x])
        if isinstance(x, dict):
            return ("dict", {k: describe(v) for k, v in x.items()})
        return ("value", x)

    return describe(result), outputs


def _plain_result(result: Any) -> Any:
    """What fn returned on the traced call, without traced arrays left inside."""
    if isinstance(result, Tensor):
        if isinstance(result.data, TracedArray):
            result.data = plain_view(result.data)
        return result
    if isinstance(result, TracedArray):
        return plain_view(result)
    if isinstance(result, (tuple, list)):
        return type(result)(_plain_result(p) for p in result)
    if isinstance(result, dict):
        return {k: _plain_result(v) for k, v in result.items()}
    return result


def _set_phases(tracer: Tracer, session: _Session) -> None:
    if not session.rule_ops:
        return
    first, last = min(session.rule_ops), max(session.rule_ops)
    for position, op in enumerate(tracer.ops):
        op.phase = "forward" if position < first else "backward" if position < last else "update"


def _settle_sources(tracer: Tracer) -> None:
    """Tensors made during the trace and gone now were constants; keep the live ones' references."""
    gc.collect()
    for value in tracer.values:
        if value.source and value.source[0] == "tensor":
            t = value.source[1]
            if sys.getrefcount(t) <= 3 and not t.requires_grad:  # only this record holds it
                value.source = ("const",)
                value.name = tracer.unique("const")


def _program_inputs(tracer: Tracer, outputs: list[int]) -> list[int]:
    from autograd_lite.compiler.program import _live_ops
    from autograd_lite.compiler.trace import _refs_in

    used = set(outputs)
    for position in _live_ops(tracer, set(outputs)):
        op = tracer.ops[position]
        used |= {r.index for r in _refs_in((op.args, op.kwargs))}
    return [i for i, v in enumerate(tracer.values) if v.source is not None and v.source != ("const",) and i in used]


class _RandomGuard:
    """Random draws from ag's generator would be frozen into the program: refused while tracing."""

    def __enter__(self) -> None:
        self.generator = creation._generator if hasattr(creation, "_generator") else None
        if self.generator is not None:
            creation._generator = _RefusingGenerator()

    def __exit__(self, *exc: Any) -> None:
        if self.generator is not None:
            creation._generator = self.generator


class _RefusingGenerator:
    def __getattr__(self, name: str) -> Any:
        raise TraceError("ag.compile: fn draws random numbers (Dropout, ag.randn, ...) while it is traced; "
                         "the draw would be frozen into the program. Pass random arrays as inputs instead")

