"""Anomaly mode: the op whose backward produced NaN, and the line of your code that called it.

    with ag.detect_anomaly():
        loss = f(x)        # every op remembers the line of your code that called it
        loss.backward()    # the first backward rule returning NaN raises, naming op, shapes and line

As in PyTorch, only NaN in a backward result counts: infinities are often
legitimate (`masked_fill(mask, -inf)` before a softmax). Remembering the
caller's line costs a look at the stack for every op, so it happens only while
anomaly mode is on; otherwise recording pays one `is None` test.
"""
from __future__ import annotations

import contextlib
import linecache
import os
import sys
from typing import Any

import numpy as np

from autograd_lite import graph
from autograd_lite.graph import Function
from autograd_lite.tensor import Tensor

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep
_FRAMES_KEPT = 3  # the op's caller and two of its callers (a layer, then your code)

enabled = False  # is anomaly mode on? (read it with is_anomaly_enabled(); the walk reads it directly)


def is_anomaly_enabled() -> bool:
    """Is anomaly mode on?"""
    return enabled


def _set(mode: bool) -> None:
    global enabled
    enabled = bool(mode)
    graph.on_record = _remember_caller if enabled else None


class detect_anomaly(contextlib.ContextDecorator):  # noqa: N801  (PyTorch's name)
    """Anomaly mode inside the block (or the decorated function); `check_nan` as in PyTorch."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self.previous: list[bool] = []

    def __enter__(self) -> None:
        self.previous.append(enabled)
        _set(self.check_nan)

    def __exit__(self, *exc_info: Any) -> None:
        _set(self.previous.pop())


class set_detect_anomaly:  # noqa: N801  (PyTorch's name; a call as well as a context manager)
    """Turn anomaly mode on or off now: `ag.set_detect_anomaly(True)`; `with` restores it on exit."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self.previous = enabled
        _set(mode and check_nan)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc_info: Any) -> None:
        _set(self.previous)


def _remember_caller(node: Function) -> None:
    """graph.on_record while anomaly mode is on: keep the stack outside autograd_lite's own files."""
    frames = []
    frame = sys._getframe()  # this function: its callers inside autograd_lite are skipped below
    while frame is not None and len(frames) < _FRAMES_KEPT:
        filename = frame.f_code.co_filename
        if not os.path.abspath(filename).startswith(_PACKAGE):
            frames.append((filename, frame.f_lineno, frame.f_code.co_name))
        frame = frame.f_back
    node.forward_trace = frames


def check_gradients(node: Function, g: Any, input_grads: tuple) -> None:
    """In the walk, in anomaly mode: raise if `node`'s rule returned NaN for an input that needs a gradient."""
    for i, (needs_grad, gx) in enumerate(zip(node.needs_grad, input_grads)):
        if not needs_grad or gx is None:
            continue
        values = gx.data if isinstance(gx, Tensor) else np.asarray(gx)
        if values.dtype.kind in "fc" and np.isnan(values).any():
            inputs = ", ".join(f"{x.shape} {x.dtype}" for x in node.saved_inputs)
            incoming = "has NaN too" if np.isnan(np.asarray(getattr(g, "data", g))).any() else "has none"
            raise RuntimeError(
                f"Function '{node.label()}' returned nan values in its gradient for input {i}.\n"
                f"  inputs {inputs} -> output {node.shape}; the gradient it received, of shape {g.shape}, {incoming}.\n"
                f"{_where_called(node)}"
            )


def _where_called(node: Function) -> str:
    frames = getattr(node, "forward_trace", None)
    if not frames:
        return ("Its forward ran before anomaly mode was on, so where it was called is unknown: build the graph "
                "inside `with ag.detect_anomaly():` too.")
    lines = ["Its forward was called at (innermost first):"]
    for filename, line, function in frames:
        lines.append(f'  File "{filename}", line {line}, in {function}')
        source = linecache.getline(filename, line).strip()
        if source:
            lines.append(f"    {source}")
    return "\n".join(lines)
