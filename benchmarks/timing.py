"""Interleaved timing: every contender is measured in every repetition, in turn.

Timing contenders one after the other lets a slow minute (another process, CPU
frequency, a cache warming up) land on one of them only. Here each repetition
times every contender once, rotating who goes first, and we report the median
of the repetitions, so drift hits all contenders alike and outliers are ignored.

Python's garbage collector stays on: a user's training loop runs with it, and an
engine that makes cyclic garbage should pay for it here too.

The clock is wall time by default. On a shared machine, `use_cpu_clock()` switches
to this process's CPU time, which leaves out the time other processes had the
core (only meaningful with one BLAS thread, where CPU time and wall time agree).
"""
from __future__ import annotations

import math
import statistics
import time
from typing import Callable, Hashable


_clock = time.perf_counter


def use_cpu_clock() -> None:
    global _clock
    _clock = time.process_time


def now() -> float:
    """The current time on the chosen clock (wall, or this process's CPU time), in seconds."""
    return _clock()


def _seconds_per_call(fn: Callable[[], object], calls: int) -> float:
    start = _clock()
    for _ in range(calls):
        fn()
    return (_clock() - start) / calls


def calls_per_sample(fn: Callable[[], object], min_sample_seconds: float) -> int:
    """How many calls make one sample last at least `min_sample_seconds` (timer noise < 0.1%)."""
    first = _seconds_per_call(fn, 1)  # warm-up: caches, BLAS buffers, lazy imports
    if first >= min_sample_seconds:
        return 1  # a long call (a 100,000-op chain) needs no second, warmed-up estimate
    once = _seconds_per_call(fn, 1)
    return max(1, math.ceil(min_sample_seconds / max(once, 1e-9)))


def interleaved(
    contenders: dict[Hashable, Callable[[], object]], repetitions: int, min_sample_seconds: float
) -> dict[Hashable, float]:
    """Median seconds per call of each contender, measured interleaved."""
    names = list(contenders)
    calls = {name: calls_per_sample(contenders[name], min_sample_seconds) for name in names}
    samples: dict[str, list[float]] = {name: [] for name in names}
    for repetition in range(repetitions):
        shift = repetition % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(_seconds_per_call(contenders[name], calls[name]))
    return {name: statistics.median(times) for name, times in samples.items()}
