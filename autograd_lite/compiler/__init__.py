"""ag.compile: a training step recorded once as flat NumPy, then replayed without Tensors or nodes.

    step = ag.compile(train_step)       # train_step(x, y): forward, loss, backward, optimizer step
    loss = step(x, y)                   # 1st call: runs eagerly and records every NumPy operation
    loss = step(x, y)                   # 2nd: eagerly, beside the program on copies (must agree)
    loss = step(x, y)                   # later calls with the same shapes/dtypes: the recorded program
    print(step.source)                  # the program as NumPy code: forward, backward, update

How it works: three stages, one file each,
  trace.py    during the first call, the arrays flowing through the engine are
              `TracedArray`s, views that compute exactly what eager NumPy computes
              and write each operation down;
  program.py  the record is planned (dead operations dropped, one preallocated
              output buffer per array, reused once its array is dead) and
              turned into the text of one Python function, which is compiled;
and the calls, in two more:
  session.py  one traced call: fn runs eagerly while the engine's `apply`, its
              backward rules, parameters and optimizer state are swapped for
              recording stand-ins (and put back afterwards);
  here        `compile` and `CompiledStep`: the cache of programs by input
              shapes and dtypes, the first replay's check, and the calls.
(allocator.py keeps glibc from returning each freed batch to the OS, which made
a loop around an allocation-free step page-fault on every call.)

Inputs of the program, read again on every call (so eager and compiled calls mix):
  - the call's arguments, by position (Tensors, arrays: integer labels too);
  - the `.data` of every Tensor the step uses that was made before the call
    (parameters), read through the Tensor;
  - the state arrays of the optimizers `fn` refers to (found in its closure,
    its globals, its `self`, or one attribute level below those), read through
    the optimizer: momentum buffers, Adam's moments and step count, updated in place.
An optimizer's first step creates its state: a trace in which state appears is
used for that call only (it ran eagerly), and the next call traces again, so the
first-step branch is never frozen into the program.

The cache key: the inputs' shapes and dtypes, whether gradients are enabled, the
default dtype, and what fn reaches (session.Reach, checked on every call): its
optimizers, modules and parameters by identity (a new model, layer or optimizer
object traces again), the optimizers' settings (lr, momentum, betas: the program
holds them as numbers, so a scheduler's new learning rate traces again) and how
many of their states exist (state.clear()), and the modules' `training` flags
(model.eval() changes BatchNorm's and Dropout's branches), `requires_grad` flags
(a frozen layer) and hooks. Which parameters have a `.grad` when a call starts is
its last part: a program traced when they had none is checked beside an eager call
the first time they do, and shared if fn resets them (zero_grad) or traced anew if
fn accumulates into them. A program whose inputs (parameters, optimizer state) no
longer have the shapes, dtypes and layouts it was traced with
(model.to(np.float32)) is dropped and traced again. At most MAX_PROGRAMS programs
are kept (the oldest dropped); after TRACE_LIMIT traces a warning says the key
never settles, and calls that match no kept program run eagerly.

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
     .base, the buffer protocol, and Python numbers of fn's own that change between
     calls, such as a learning rate in a dict that is not an optimizer's) is caught
     by value: the first replay runs the program on copies of its inputs beside an
     eager call, and any difference in parameters, state, gradients or the returned
     value is TraceError (`_Compiled.verify`). The check is done once: such a number
     that changes only later is not seen again (an optimizer's are: see above), and
     a first replay on exactly the traced call's inputs (the same arguments,
     parameters and state) cannot show an array derived from them.
Returned Tensors/arrays are fresh copies on every call; each parameter's `.grad`
after a call holds that call's gradient in a buffer the next call overwrites.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable

import numpy as np

from autograd_lite.compiler.allocator import keep_freed_memory
from autograd_lite.compiler.program import GuardError
from autograd_lite.compiler.session import Reach, Recorded, trace
from autograd_lite.graph import is_grad_enabled
from autograd_lite.compiler.trace import TraceError
from autograd_lite.tensor import Tensor, get_default_dtype, wrap

__all__ = ["compile", "CompiledStep", "TraceError", "GuardError"]

MAX_PROGRAMS = 8  # programs kept per step; the oldest is dropped
TRACE_LIMIT = 16  # after this many traces, calls that match no kept program run eagerly (as torch.compile does)


def compile(fn: Callable) -> CompiledStep:  # noqa: A001  (ag.compile, as torch.compile)
    """Record `fn` (a training or inference step) on its first call; replay it as flat NumPy afterwards."""
    if not callable(fn):
        raise TypeError(f"ag.compile: expected a function, got {type(fn).__name__}")
    keep_freed_memory()  # perf: a loop around an allocation-free step page-faulted: seed003 0.66 s -> 0.33 s per 500
    return CompiledStep(fn)


class CompiledStep:
    """A compiled step: call it as `fn`; `.source` is the program, `.cache_size` the number of programs."""

    def __init__(self, fn: Callable) -> None:
        self.fn = fn
        self.programs: dict[tuple, _Compiled] = {}  # (inputs and settings, which .grads are None) -> program
        self.unshared: set[tuple] = set()  # keys whose calls a program traced with other .grads disagreed with
        self.reach: Reach | None = None  # the optimizers and modules fn reaches, if any (part of the key)
        self.arity: int | None = None
        self.kinds: tuple | None = None
        self.traces = 0
        self.eager_from_now = False  # set (with a warning) once TRACE_LIMIT traces were not enough
        self.__doc__ = getattr(fn, "__doc__", None)

    @property
    def cache_size(self) -> int:
        """How many programs are cached (one per input shapes and dtypes, and optimizer settings such as lr)."""
        return len({id(c) for c in self.programs.values()})

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
        base = self._key(args)
        if self.reach is not None:
            if not self.reach.unchanged(self.fn):  # perf: found again only when changed (18 us -> 3 us a call)
                self.reach = Reach(self.fn)
            base = (*base, self.reach.key())
        key = (base, self.reach.grads_missing() if self.reach is not None else ())
        compiled = self.programs.get(key)
        arrays = compiled.inputs(args) if compiled is not None else None
        if compiled is not None and not compiled.fits(arrays):
            self.programs = {k: c for k, c in self.programs.items() if c is not compiled}  # (and its aliases)
            compiled = None  # a parameter or state array changed shape, dtype or layout: trace again
        if compiled is not None and compiled.verified:
            return compiled.run(arrays)
        if compiled is not None:
            try:
                return compiled.verify(self.fn, args)
            except TraceError:
                del self.programs[key]
                raise
        sibling = None if key in self.unshared else next(
            (c for (b, _), c in reversed(self.programs.items()) if b == base), None)
        if sibling is not None:
            return self._share(sibling, key, args)
        if self.traces >= TRACE_LIMIT:
            return self._give_up(args)
        recorded, result = trace(self.fn, args, self.reach.optimizers if self.reach is not None else [])
        self.traces += 1
        if recorded is not None:
            while self.cache_size >= MAX_PROGRAMS:
                del self.programs[next(iter(self.programs))]
            self.programs[key] = _Compiled(recorded)
        return result

    def _share(self, sibling: _Compiled, key: tuple, args: tuple) -> Any:
        """The same call as sibling's, but other parameters have a .grad when it starts.

        Does fn reset them (zero_grad: then sibling's program fits), or accumulate into them?
        Run it beside an eager call and see.
        """
        same, result = sibling.agrees(self.fn, args)
        if same:
            self.programs[key] = sibling
        else:
            self.unshared.add(key)  # the next such call traces a program of its own
        return result

    def _give_up(self, args: tuple) -> Any:
        """Tracing costs more than an eager call: when the key never settles, stop (as torch.compile does)."""
        if not self.eager_from_now:
            self.eager_from_now = True
            warnings.warn(f"ag.compile: {getattr(self.fn, '__name__', 'fn')} was traced {TRACE_LIMIT} times: "
                          "something in the cache key changes between calls (input shapes or dtypes, an "
                          "optimizer's lr changed by a scheduler every step, a module's training flag, "
                          f"which .grads exist). Calls that match none of the {self.cache_size} kept "
                          "programs now run eagerly", RuntimeWarning, stacklevel=3)
        return self.fn(*args)

    def _key(self, args: tuple) -> tuple:
        if self.arity is None:
            self.arity = len(args)
            self.kinds = tuple(_kind(a) for a in args)
            reach = Reach(self.fn)
            self.reach = reach if reach.optimizers or reach.modules else None  # perf: the 5-op graph, 1.3 -> 0.7 us
        elif len(args) != self.arity:
            raise TypeError(f"ag.compile: this step was traced with {self.arity} inputs, called with {len(args)}")
        key = []
        for position, a in enumerate(args):
            if isinstance(a, Tensor):
                key.append(a.requires_grad)  # an input that wants its gradient traces again
                a = a.data
            elif not isinstance(a, np.ndarray):
                if isinstance(a, (bool, int, float, type(None), str)):
                    key.append(a)
                    continue
                raise TypeError(f"ag.compile: input {position} is a {type(a).__name__}"
                                + (f" (it was a {self.kinds[position]} when traced)" if self.kinds else "")
                                + "; compiled steps take Tensors, NumPy arrays and Python numbers")
            key.append((type(args[position]) is Tensor, a.shape, a.dtype, a.flags.c_contiguous))
        key += [is_grad_enabled(), get_default_dtype()]  # (the dtype of constants made inside fn)
        return tuple(key)


def _kind(a: Any) -> str:
    return "Tensor" if isinstance(a, Tensor) else type(a).__name__


class _Compiled:
    """A planned program and how to feed it: where each input comes from, where each output goes."""

    def __init__(self, recorded: Recorded) -> None:
        self.program, self.sources = recorded.program, recorded.sources
        self.returned, self.grads = recorded.returned, recorded.grads
        self.function = recorded.program.function
        self.layouts = [_layout(recorded.program.tracer.values[i].array) for i in recorded.program.inputs]
        self.verified = False

    def verify(self, fn: Callable, args: tuple) -> Any:
        """The first replay: the program runs on copies of its inputs beside an eager call; all must agree.

        What the trace cannot see (a plain array indexed with a traced one, a Python number that
        changed since, ...) shows up here as a difference: refused (TraceError), the call ran eagerly,
        and the program is dropped (the next call traces again).
        (An array computed around the trace from inputs that are the same as on the traced call
        cannot differ, so a first replay that repeats the traced call exactly proves less.)
        """
        differ, result = self._differences(fn, args)
        if differ:
            raise TraceError(f"ag.compile: on its first replay the program gave other numbers than eager "
                             f"execution ({', '.join(differ)} differ). fn computes something the trace does not "
                             "record: an array read around it (a plain array indexed with a traced one, .base, "
                             "a view as np.ndarray) or a Python value that changed between the calls (a learning "
                             "rate, a counter), which the program would freeze. This call ran eagerly")
        self.verified = True
        return result

    def agrees(self, fn: Callable, args: tuple) -> tuple[bool, Any]:
        """Whether the program gives this call's eager numbers (it ran eagerly: its result is returned)."""
        try:
            differ, result = self._differences(fn, args)
        except GuardError:  # a .grad it reads is None now, or a branch goes the other way: not this program
            return False, fn(*args)
        self.verified = self.verified or not differ
        return not differ, result

    def _differences(self, fn: Callable, args: tuple) -> tuple[list[str], Any]:
        copies = [a.copy(order="K") for a in self.inputs(args)]
        results = self.function(*copies)
        result = fn(*args)
        names = self.program.names
        differ = [names[index] for index, source, copy in zip(self.program.inputs, self.sources, copies)
                  if source[0] != "grad" and not _same(copy, _read(source, args))]  # (new .grads: below)
        differ += [names[self.program.outputs[position]] for tensor, position in self.grads
                   if tensor.grad is None or not _same(results[position], tensor.grad.data)]
        differ += _returned_differences(self.returned, results, result)
        return differ, result

    def fits(self, arrays: list) -> bool:
        """The program's inputs have the shapes, dtypes and layouts they had when it was traced."""
        return [_layout(a) for a in arrays] == self.layouts

    def run(self, arrays: list) -> Any:
        results = self.function(*arrays)
        for tensor, position in self.grads:
            tensor.grad = wrap(results[position], None)
        return _rebuild(self.returned, results)

    def inputs(self, args: tuple) -> list:
        return [_read(source, args) for source in self.sources]


def _layout(a: np.ndarray) -> tuple:
    return a.shape, a.dtype, a.flags.c_contiguous


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
    optimizer, param, key = source[1:]  # ("state", ...): read through the optimizer (load_state_dict replaces it)
    return optimizer.state[param][key]


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
