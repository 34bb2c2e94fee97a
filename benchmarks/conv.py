"""(g) Conv2d forward + backward (batch 64, 1→8 channels, 28x28, 5x5 kernel) against im2col written by hand.

Both contenders do the same arithmetic. Forward: cut every 5x5 window out of
the images (im2col), one batched matrix product with the weight, add the
bias. Backward, given dL/dout: the weight's and the bias's gradients, and the
input's, as a hidden layer needs (col2im: each window's gradient added back,
one slice add per kernel offset). Before timing, the outputs and the three
gradients must agree with NumPy's.

With glibc's default malloc settings, more than half of both contenders' time
here goes to page faults: each multi-megabyte temporary (the windows, their
gradient) is handed back to the kernel when freed and faulted in again on the
next step. `MALLOC_TOP_PAD_=100000000` in the environment keeps that memory
and made both about 2.5x faster on the 2-core test machine (the ratio fell
from 1.14x to 1.07x in float32); the timings here use the defaults a user has.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import timing
from contenders import NUMPY, OURS_NN, Available
from problems import SEED
from results import Result

TOLERANCE = {np.float64: 1e-12, np.float32: 1e-4}  # relative to the largest magnitude; float32 sums of 25..36,864 terms


@dataclass(frozen=True)
class ConvProblem:
    name: str
    batch: int
    in_channels: int
    out_channels: int
    size: int
    kernel: int
    dtype: type

    def data(self) -> tuple[np.ndarray, ...]:
        """Images, weight, bias and the incoming gradient dL/dout, all random."""
        rng = np.random.default_rng(SEED + 3)
        out_size = self.size - self.kernel + 1
        arrays = (rng.random((self.batch, self.in_channels, self.size, self.size)),
                  rng.standard_normal((self.out_channels, self.in_channels, self.kernel, self.kernel)) * 0.2,
                  rng.standard_normal(self.out_channels) * 0.2,
                  rng.standard_normal((self.batch, self.out_channels, out_size, out_size)))
        return tuple(a.astype(self.dtype) for a in arrays)


CONV_F32 = ConvProblem("Conv2d 1→8, 5x5, 28x28, batch 64, float32, forward + backward", 64, 1, 8, 28, 5, np.float32)
CONV_F64 = ConvProblem("Conv2d 1→8, 5x5, 28x28, batch 64, float64, forward + backward", 64, 1, 8, 28, 5, np.float64)


def numpy_conv(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, ...]:
    """The floor: out, dL/dx, dL/dweight, dL/dbias by im2col in plain NumPy."""
    n = x.shape[0]
    out_channels, channels, kh, kw = weight.shape
    view = sliding_window_view(x, (kh, kw), axis=(2, 3))  # (N, C, OH, OW, kh, kw), no copy
    windows = np.ascontiguousarray(np.moveaxis(view, (4, 5), (2, 3)))  # (N, C, kh, kw, OH, OW)
    oh, ow = windows.shape[-2:]
    columns = windows.reshape(n, channels * kh * kw, oh * ow)
    w2 = weight.reshape(out_channels, channels * kh * kw)
    out = (w2 @ columns).reshape(n, out_channels, oh, ow) + bias.reshape(out_channels, 1, 1)
    g2 = g.reshape(n, out_channels, oh * ow)
    dweight = (g2 @ columns.transpose(0, 2, 1)).sum(axis=0).reshape(weight.shape)
    dbias = g.sum(axis=(0, 2, 3))
    dwindows = (w2.T @ g2).reshape(windows.shape)
    dx = np.zeros_like(x)
    for p in range(kh):
        for q in range(kw):
            dx[:, :, p : p + oh, q : q + ow] += dwindows[:, :, p, q]
    return out, dx, dweight, dbias


class EngineConv:
    """nn.Conv2d with the problem's weights; step() runs forward and backward(dL/dout)."""

    def __init__(self, problem: ConvProblem) -> None:
        import autograd_lite as ag
        import nn

        x, weight, bias, self.g = problem.data()
        self.layer = nn.Conv2d(problem.in_channels, problem.out_channels, problem.kernel, dtype=problem.dtype)
        self.layer.weight.data[...], self.layer.bias.data[...] = weight, bias
        self.x = ag.from_numpy(x).requires_grad_()

    def step(self) -> tuple[np.ndarray, ...]:
        self.x.grad = None
        self.layer.zero_grad()
        out = self.layer(self.x)
        out.backward(self.g)
        return out.data, self.x.grad.data, self.layer.weight.grad.data, self.layer.bias.grad.data


def _check(problem: ConvProblem, actual: tuple[np.ndarray, ...], expected: tuple[np.ndarray, ...]) -> None:
    for name, got, want in zip(("output", "input gradient", "weight gradient", "bias gradient"), actual, expected):
        if got.dtype != want.dtype:
            raise AssertionError(f"{OURS_NN}, {problem.name}: {name} is {got.dtype}, expected {want.dtype}")
        error = float(np.max(np.abs(got - want)))
        if not error <= TOLERANCE[problem.dtype] * max(1.0, float(np.max(np.abs(want)))):
            raise AssertionError(f"{OURS_NN}, {problem.name}: {name} differs from NumPy's by {error:.3g}")


def run(problem: ConvProblem, available: Available, target: float, repetitions: int,
        min_sample_seconds: float) -> list[Result]:
    """Check, then time the floor and nn.Conv2d interleaved."""
    x, weight, bias, g = problem.data()
    steps = {NUMPY: lambda: numpy_conv(x, weight, bias, g)}
    if available.nn:
        engine = EngineConv(problem)
        _check(problem, engine.step(), numpy_conv(x, weight, bias, g))
        steps[OURS_NN] = engine.step
    micro = {name: s * 1e6 for name, s in timing.interleaved(steps, repetitions, min_sample_seconds).items()}
    results = [Result("g", problem.name, NUMPY, micro[NUMPY], "µs/step")]
    if OURS_NN in micro:
        results.append(Result("g", problem.name, OURS_NN, micro[OURS_NN], "µs/step", micro[NUMPY], target))
    return results
