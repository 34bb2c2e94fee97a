"""Keeping freed memory in the process, so that a compiled training loop does not page-fault.

A compiled step allocates nothing: its arrays are buffers made once. The only
large allocations left in a training loop are the caller's, a new batch on every
iteration (seed003 draws 100 images and converts them to float64: about 1 MB).
When such a batch is freed, it lies at the top of glibc's heap, and glibc's
default policy returns the top of the heap to the OS as soon as more than twice
the largest recently freed block is free there. The next iteration takes the
memory back, one zero-filled page at a time: in seed003's loop 350 page faults
and 0.6 ms per step, more than the compiled step itself (eager steps allocate
and free their own temporaries around the batch, so the heap top stays busy).

`keep_freed_memory` sets glibc's two thresholds to fixed values once: blocks up
to 32 MiB (glibc's own upper limit for its adaptive threshold) come from the
heap, and up to 64 MiB of free memory at its top is kept for reuse. Elsewhere
than glibc, or when the user has set MALLOC_TRIM_THRESHOLD_ or
MALLOC_MMAP_THRESHOLD_ in the environment, it does nothing.
"""
from __future__ import annotations

import ctypes
import os
import sys

_M_TRIM_THRESHOLD = -1  # mallopt parameters, from glibc's malloc.h
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 64 * 1024 * 1024
_done: list[bool] = []


def keep_freed_memory() -> bool:
    """Set glibc's heap thresholds (once per process); True if they were set."""
    if _done:
        return _done[0]
    _done.append(_set_thresholds())
    return _done[0]


def _set_thresholds() -> bool:
    if not sys.platform.startswith("linux") or any(
            name in os.environ for name in ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_")):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the interpreter runs on
    except (OSError, AttributeError):  # not glibc (musl has no mallopt thresholds)
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    # The mmap threshold first: setting either one ends glibc's adaptive choice of both.
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
