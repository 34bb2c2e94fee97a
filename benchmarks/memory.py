"""(e) memory of one SGD step of (a), and that it stays flat over many steps.

tracemalloc sees NumPy's array buffers (NumPy reports its allocations to it) as
well as Python objects, so it measures both the arrays an engine keeps alive and
its bookkeeping. Tracing starts before the model is built; "peak of one step" is
the highest traced memory during a step minus what the freshly built model held
(data, labels, weights): the memory the step needs beyond its inputs, including
whatever an engine keeps between steps (gradients). "Flat" = the memory held
grows by (almost) nothing over the second half of many steps, and no step peaks
much higher than the first.
"""
from __future__ import annotations

import gc
import tracemalloc
from functools import partial
from typing import Callable

from contenders import NUMPY_IN_OUT, NUMPY_OUT_IN, OURS_NN, OURS_RAW, Available
from numpy_floor import NumpyMLP
from problems import MLPProblem
from results import Result

WARM_UP_STEPS = 3
KIB = 1024


def _profile(build: Callable[[], object], n_steps: int) -> tuple[int, int, int]:
    """(peak bytes of one step, highest peak over n_steps, growth of the bytes held over their second half).

    Growth is measured over the second half only: NumPy keeps small bounded caches
    (of shape and stride buffers) that fill during the first steps; a leak keeps growing.
    """
    tracemalloc.start()
    try:
        step = build().step
        gc.collect()
        resting = tracemalloc.get_traced_memory()[0]
        for _ in range(WARM_UP_STEPS):
            step()
        tracemalloc.reset_peak()
        step()
        one_step_peak = tracemalloc.get_traced_memory()[1] - resting
        highest = one_step_peak
        held_at_half = 0
        for index in range(1, n_steps):
            if index == n_steps // 2:
                gc.collect()
                held_at_half = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            step()
            highest = max(highest, tracemalloc.get_traced_memory()[1] - resting)
        gc.collect()
        growth = tracemalloc.get_traced_memory()[0] - held_at_half
    finally:
        tracemalloc.stop()
    return one_step_peak, highest, growth


def run(
    problem: MLPProblem, available: Available, n_steps: int, max_ratio: float, max_growth_kib: float
) -> list[Result]:
    models = {
        NUMPY_IN_OUT: (partial(NumpyMLP, problem, "in_out"), None),
        NUMPY_OUT_IN: (partial(NumpyMLP, problem, "out_in"), None),
    }
    if available.engine:
        from engine_models import RawMLP

        models[OURS_RAW] = (partial(RawMLP, problem), NUMPY_IN_OUT)
    if available.nn:
        from engine_models import NNMLP

        models[OURS_NN] = (partial(NNMLP, problem), NUMPY_OUT_IN)
    profiles = {name: _profile(build, n_steps) for name, (build, _) in models.items()}

    results = []
    for name, (_, floor) in models.items():
        peak, highest, growth = profiles[name]
        ours = floor is not None
        floor_peak, floor_highest, floor_growth = profiles[floor] if ours else (None, None, None)
        results += [
            Result("e", f"peak memory of one step, {problem.name}", name, peak / KIB, "KiB",
                   floor_peak / KIB if ours else None, max_ratio if ours else None),
            Result("e", f"highest step peak over {n_steps:,} steps", name, highest / KIB, "KiB",
                   floor_highest / KIB if ours else None, max_ratio if ours else None),
            Result("e", f"growth of memory held over steps {n_steps // 2:,}-{n_steps:,}", name, growth / KIB, "KiB",
                   target=max_growth_kib if ours else None, target_is_ratio=False),
        ]
    return results
