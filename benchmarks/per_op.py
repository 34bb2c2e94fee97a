"""(c) and (d): the fixed cost of one operation, where the arrays are too small to matter.

(c) forward + backward of y = sum(tanh(a*b + a) * b) on 8-element vectors: 5 ops.
(d) a chain of N ops (y = tanh(y * w), repeated), forward + backward, for N = 1,000,
    10,000 and 100,000: the cost per op must not grow with N faster than NumPy's own.
The hand-written NumPy version of the same forward and backward is the floor.
Each contender's gradients are compared with NumPy's before anything is timed.
"""
from __future__ import annotations

from functools import partial
from typing import Callable

import numpy as np

import numpy_floor
import timing
from contenders import NUMPY, OURS, OURS_COMPILED, TORCH, Available
from problems import tiny_inputs
from results import Result

FIVE_OPS = 5
COMPILED_PER_OP_RATIO = 1.5  # issue 15: a compiled 5-op graph within 1.5x of NumPy per op
RELATIVE_TOLERANCE = 1e-12


def _check(name: str, case: str, actual: list[np.ndarray], expected: tuple[np.ndarray, ...]) -> None:
    for index, (got, want) in enumerate(zip(actual, expected)):
        error = float(np.max(np.abs(got - want)))
        if not error <= RELATIVE_TOLERANCE * max(1.0, float(np.max(np.abs(want)))):
            raise AssertionError(f"{name}, {case}: gradient of input {index} differs from NumPy's by {error:.3g}")


def _calls(available: Available, case: str, function: str, *args: int) -> dict[str, Callable[[], object]]:
    """Each contender's `function(a, b, *args)` (same name in every contender module), checked."""
    a, b = tiny_inputs()
    floor = partial(getattr(numpy_floor, function), a, b, *args)
    expected = floor()
    calls = {NUMPY: floor}
    if available.engine:
        import autograd_lite as ag
        import engine_models

        x, w = ag.tensor(a, requires_grad=True), ag.tensor(b, requires_grad=True)  # copies
        calls[OURS] = partial(getattr(engine_models, function), x, w, *args)
        calls[OURS]()
        _check(OURS, case, [x.grad.data, w.grad.data], expected)
        compiled = getattr(engine_models, "compiled_" + function, None)
        if compiled is not None:
            xc, wc = ag.tensor(a.copy(), requires_grad=True), ag.tensor(b.copy(), requires_grad=True)
            calls[OURS_COMPILED] = partial(compiled, xc, wc, *args)
            for _ in range(2):  # trace, then replay: the replay's gradients are checked
                calls[OURS_COMPILED]()
            _check(OURS_COMPILED, case, [xc.grad.data, wc.grad.data], expected)
    if available.torch:
        import torch

        import torch_models

        x, w = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
        calls[TORCH] = partial(getattr(torch_models, function), x, w, *args)
        calls[TORCH]()
        _check(TORCH, case, [x.grad.numpy(), w.grad.numpy()], expected)
    return calls


def _per_op(section: str, case: str, seconds: dict[str, float], n_ops: int, target: float | None) -> list[Result]:
    micro = {name: s * 1e6 / n_ops for name, s in seconds.items()}
    return [
        Result(section, case, name, value, "µs/op", None if name == NUMPY else micro[NUMPY],
               target if name == OURS else COMPILED_PER_OP_RATIO if name == OURS_COMPILED else None,
               target_is_ratio=name == OURS_COMPILED)
        for name, value in micro.items()
    ]


def five_ops(available: Available, target: float, repetitions: int, min_sample_seconds: float) -> list[Result]:
    case = "5-op graph on 8-element vectors, forward + backward"
    calls = _calls(available, case, "five_op_graph")
    return _per_op("c", case, timing.interleaved(calls, repetitions, min_sample_seconds), FIVE_OPS, target)


def chains(
    available: Available, lengths: tuple[int, ...], target: float, max_growth: float, repetitions: int
) -> list[Result]:
    """µs/op for each chain length; the target applies to the longest, and time must be linear in N.

    Every length of every contender is timed in the same interleaved rounds, so
    a slow phase of the machine cannot fall on one length only and fake a growth.
    """
    cases = {n_ops: f"chain of {n_ops:,} ops, forward + backward" for n_ops in lengths}
    calls = {
        (n_ops, name): call
        for n_ops in lengths
        for name, call in _calls(available, cases[n_ops], "chain", n_ops).items()
    }
    seconds = timing.interleaved(calls, repetitions, min_sample_seconds=0.05)
    results = []
    for n_ops in lengths:
        by_name = {name: value for (length, name), value in seconds.items() if length == n_ops}
        results += _per_op("d", cases[n_ops], by_name, n_ops, target if n_ops == lengths[-1] else None)
    results += _linearity(results, lengths, max_growth)
    return results


def _linearity(results: list[Result], lengths: tuple[int, ...], max_growth: float) -> list[Result]:
    """Growth of µs/op from the shortest chain to the longest (1.0 = exactly linear time).

    Hand-written NumPy grows too (100,000 live intermediates no longer fit in the
    caches), so the engine's growth is compared with NumPy's in the same run: a
    walk that is quadratic, or that re-sorts, would stand out by far more than 1.5x.
    """
    def per_op(name: str, n_ops: int) -> float:
        return next(r.value for r in results if r.contender == name and r.case.startswith(f"chain of {n_ops:,} "))

    def growth(name: str) -> float:
        return per_op(name, lengths[-1]) / per_op(name, lengths[0])

    case = f"growth of µs/op from N={lengths[0]:,} to N={lengths[-1]:,}"
    names = dict.fromkeys(r.contender for r in results)
    return [
        Result("d", case, name, growth(name), "x", None if name == NUMPY else growth(NUMPY),
               max_growth if name == OURS else None)
        for name in names
    ]
