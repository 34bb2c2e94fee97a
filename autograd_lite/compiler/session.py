"""One traced call: fn runs eagerly while everything it computes with is swapped for recording stand-ins.

For the call, the package's `apply` is replaced by one that adopts each input
Tensor's array as a traced program input and names the recorded operations after
the module they happen in; each node's backward rule is wrapped the same way (so
gradients are named d_<op>). Parameters, their `.grad`s and the optimizers' state
arrays become TracedArrays, read again on every replay. Afterwards every swapped
array is put back, and the record is planned into a Program (program.py).

Refused here, at trace time: random draws (Dropout, ag.randn), Tensors whose array
was computed outside the record, a `.data` replaced by a computed array, and a call
that ran no array operation.
"""
from __future__ import annotations

import functools
import gc
import inspect
import sys
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from autograd_lite import creation, hooks
from autograd_lite.compiler.program import Program, live_ops
from autograd_lite.compiler.trace import EscapeGuard, TracedArray, TraceError, Tracer, _active, _refs_in, plain_view
from autograd_lite.graph import _sequence as graph_sequence
from autograd_lite.graph import _state
from autograd_lite.tensor import Tensor

tensor_module = sys.modules["autograd_lite.tensor"]  # (ag.tensor is the factory function)


@dataclass
class Recorded:
    """What one traced call leaves: the program, and how to feed it and read its results."""

    program: Program
    sources: list[tuple]  # where each program input is found on a call ("arg", position), ("tensor", t), ...
    returned: Any  # the structure fn returned, with ("tensor", k) for the program's k-th output
    grads: list[tuple[Tensor, int]]  # (parameter, output position) of every .grad the program computes


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


def _reachable(fn: Callable) -> list[tuple[Any, tuple]]:
    """What fn can reach by name, each with its path: `self`, closure and globals, their attributes, list items.

    (fn itself is a root too: a callable object's attributes, `trainer.optimizer`, are reached.)
    """
    found: list[tuple[Any, tuple]] = [(fn, (("fn",),))]
    if isinstance(fn, functools.partial):  # partial(train_step, model, optimizer)
        found += [(a, (("partial", i),)) for i, a in enumerate(fn.args)]
        found += [(v, (("partial", k),)) for k, v in fn.keywords.items()]
        fn = fn.func
    if hasattr(fn, "__self__"):
        found.append((fn.__self__, (("self",),)))
    for position, cell in enumerate(getattr(fn, "__closure__", None) or ()):
        try:
            found.append((cell.cell_contents, (("cell", position),)))
        except ValueError:  # a cell not filled yet
            pass
    code = getattr(fn, "__code__", None)
    if code is not None:
        names = set(code.co_names)
        for const in code.co_consts:
            if hasattr(const, "co_names"):
                names |= set(const.co_names)
        found += [(fn.__globals__[n], (("global", n),)) for n in sorted(names) if n in fn.__globals__]
    found += [(v, path + (("attr", k),)) for c, path in found for k, v in getattr(c, "__dict__", {}).items()]
    found += [(v, path + (("item", i),)) for c, path in found if isinstance(c, (list, tuple)) for i, v in enumerate(c)]
    found += [(v, path + (("item", k),)) for c, path in found if isinstance(c, dict) for k, v in c.items()]
    return found


def _follow(fn: Callable, path: tuple) -> Any:
    """What `path` (from _reachable) leads to now; None where it leads nowhere."""
    (kind, *where), *steps = path
    try:
        if kind == "partial":
            obj = fn.args[where[0]] if isinstance(where[0], int) else fn.keywords[where[0]]
        else:
            fn = fn.func if isinstance(fn, functools.partial) and kind != "fn" else fn
            obj = (fn if kind == "fn" else fn.__self__ if kind == "self"
                   else fn.__closure__[where[0]].cell_contents if kind == "cell" else fn.__globals__.get(where[0]))
        for step, key in steps:
            obj = vars(obj).get(key) if step == "attr" else obj[key]
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    return obj


def _is_optimizer(x: Any) -> bool:
    try:
        return isinstance(getattr(x, "param_groups", None), list) and hasattr(getattr(x, "state", None), "items")
    except Exception:  # noqa: BLE001  (an object whose __getattr__ raises something else is not one)
        return False


def _is_module(x: Any) -> bool:
    try:
        return isinstance(getattr(x, "training", None), bool) and callable(getattr(x, "modules", None))
    except Exception:  # noqa: BLE001  (as above)
        return False


def _contents(module: Any) -> tuple:
    """The identities of a module's own parameters, buffers and sub-modules (PyTorch's registries)."""
    return tuple([id(x) for registry in ("_parameters", "_buffers", "_modules")
                  for x in getattr(module, registry, {}).values()])


class Reach:
    """The optimizers and modules fn reaches on a call (by name, see _reachable), and their parameters.

    A program reads the very Tensors, optimizer state and settings it was traced with,
    so what fn reaches is part of the cache key: a new model, layer or optimizer
    object, a cleared optimizer state, a learning rate a scheduler changed (the
    program holds it as a number), model.eval() (it chooses BatchNorm's and Dropout's
    branches), a layer frozen with requires_grad_(False), a hook registered on a
    parameter: each traces again. Which
    parameters have a `.grad` when the call starts decides whether backward
    accumulates into it or makes it: CompiledStep keys its programs by that too
    (grads_missing). Finding all this takes about 18 µs, so `unchanged` checks the
    paths and modules found before (3 µs for the benchmarks' MLP).
    """

    def __init__(self, fn: Callable) -> None:
        reachable = _reachable(fn)
        self.paths = [(path, obj) for obj, path in reachable if _is_optimizer(obj) or _is_module(obj)]
        self.optimizers = _unique(obj for obj, _ in reachable if _is_optimizer(obj))
        self.modules = _unique(module for obj, _ in reachable if _is_module(obj) for module in obj.modules())
        self.parameters = _unique([*(t for o in self.optimizers for group in o.param_groups for t in group["params"]),
                                   *(t for m in self.modules for t in m.parameters(recurse=False))])
        self.contents = [_contents(m) for m in self.modules]
        self.identity = tuple([id(x) for x in self.optimizers + self.modules + self.parameters])

    def unchanged(self, fn: Callable) -> bool:
        """fn reaches the same objects as when this was made, and the modules hold the same parts."""
        return (all([_follow(fn, path) is obj for path, obj in self.paths])
                and [_contents(m) for m in self.modules] == self.contents)

    def key(self) -> tuple:
        """The objects (by identity), the optimizers' settings and state sizes, the flags, the parameters' hooks."""
        return (self.identity,
                tuple([tuple(tuple(v) if isinstance(v, list) else v for k, v in group.items() if k != "params")
                       for optimizer in self.optimizers for group in optimizer.param_groups]),
                tuple([sum(map(bool, optimizer.state.values())) for optimizer in self.optimizers]),  # (cleared?)
                tuple([m.training for m in self.modules]),
                tuple([t.requires_grad for t in self.parameters]),  # (a frozen layer)
                tuple([hooks.leaf_hook_ids(t) for t in self.parameters]) if hooks.in_use else ())

    def grads_missing(self) -> tuple:
        return tuple([p.grad is None for p in self.parameters])


def _unique(items: Any) -> list:
    found, seen = [], set()
    for item in items:
        if id(item) not in seen:
            seen.add(id(item))
            found.append(item)
    return found


def _state_snapshot(optimizers: list) -> list:
    return [[(id(s), tuple(s)) for s in o.state.values() if s] for o in optimizers]  # (empty dicts: nothing)


def trace(fn: Callable, args: tuple, optimizers: list) -> tuple[Recorded | None, Any]:
    """Run fn(*args) eagerly while recording; plan the program (None when state was created).

    `optimizers` are those fn reaches (Reach): their state arrays become program inputs.
    """
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
    for optimizer in optimizers:
        for param, state in optimizer.state.items():
            for key, value in list(state.items()):
                if isinstance(value, np.ndarray) and not isinstance(value, TracedArray):
                    traced = tracer.adopt(value, ("state", optimizer, param, key), key)
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
    return Recorded(program, sources, returned, grads), _plain_result(result)


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
    used = set(outputs)
    for position in live_ops(tracer, set(outputs)):
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


def _argument_names(fn: Callable, count: int) -> list[str]:
    """fn's parameter names for its inputs (x, y, ...), input0, input1, ... where unknown."""
    try:
        names = [p.name for p in inspect.signature(fn).parameters.values()
                 if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        names = []
    return (names + [f"input{i}" for i in range(len(names), count)])[:count]
