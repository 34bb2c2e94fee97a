"""Padding and sliding windows: the two primitives behind convolution and pooling.

`pad` adds a border of a constant value along chosen axes. `sliding_windows`
cuts every kh x kw window out of the last two axes of an image batch (the
"im2col" step, PyTorch's `unfold`): from (N, C, H, W) it makes
(N, C, kh, kw, OH, OW), window (i, j) of the output image in the last two
axes. A convolution is then one matrix product, a pooling layer one
reduction over the window axes (nn/functional.py).

Both only move numbers, so both are linear and each backward moves the
gradient back: pad's crops the border off, sliding_windows' adds every
window's gradient back onto the pixels it was cut from (pixels shared by
overlapping windows collect the sum). That adjoint, `FoldWindows` (col2im),
is a primitive too, so gradients of gradients work.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from autograd_lite.graph import Function
from autograd_lite.tensor import Tensor, apply, operand


def _run(fn: Function, x: Any) -> Any:
    """fn applied to x: recorded when x is a Tensor (create_graph), plain NumPy on an array."""
    return apply(fn, x) if isinstance(x, Tensor) else fn.forward(x)


# --------------------------------------------------------------------------- pad


class Pad(Function):
    """A border of `value` around x: widths[axis] = (before, after); a negative width crops instead."""

    op = "pad"

    def __init__(self, widths: tuple[tuple[int, int], ...], value: float = 0.0) -> None:
        self.widths, self.fill = widths, value  # not `self.value`: a node keeps its output there

    def params(self) -> str:
        shown = ", ".join(f"{before}:{after}" for before, after in self.widths)
        return shown if self.fill == 0 else f"{shown}, value={self.fill:g}"

    def forward(self, x):
        """y = x with widths[axis] values `value` added before and after it along each axis"""
        out_shape = tuple(n + before + after for n, (before, after) in zip(x.shape, self.widths))
        out = np.full_like(x, self.fill, shape=out_shape, order="C")  # compile: like x, so that a trace sees it
        source, target = [], []  # the part of x that is kept (all of it unless a width is negative), and where it goes
        for n, (before, after) in zip(x.shape, self.widths):
            start = max(-before, 0)
            stop = max(n - max(-after, 0), start)
            source.append(slice(start, stop))
            target.append(slice(max(before, 0), max(before, 0) + stop - start))
        out[tuple(target)] = x[tuple(source)]
        return out

    def backward(self, g, y, x):
        """dL/dx = dL/dy with the border cropped off: pad(g, -widths)"""
        return (_run(Pad(_negated(self.widths)), g),)

    def jvp(self, tangents, y, x):
        """d pad(x) = pad(dx) with a zero border (the border is constant)"""
        (dx,) = tangents
        return _run(Pad(self.widths), dx)


def _negated(widths: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    return tuple((-before, -after) for before, after in widths)


# --------------------------------------------------------------------------- sliding windows


class SlidingWindows(Function):
    """Every kh x kw window of the last two axes, `stride` apart: (..., H, W) -> (..., kh, kw, OH, OW)."""

    op = "sliding_windows"

    def __init__(self, kernel_size: tuple[int, int], stride: tuple[int, int]) -> None:
        self.kernel_size, self.stride = kernel_size, stride

    def params(self) -> str:
        return _window_params(self.kernel_size, self.stride)

    def forward(self, x):
        """y[..., p, q, i, j] = x[..., i*sh + p, j*sw + q]"""
        sh, sw = self.stride
        # A strided view of x (no copy) with axes (..., OH, OW, kh, kw), then one copy in the output's order.
        view = sliding_window_view(x, self.kernel_size, axis=(-2, -1))[..., ::sh, ::sw, :, :]
        return np.moveaxis(view, (-2, -1), (-4, -3)).copy(order="C")  # compile: .copy is traced, ascontiguousarray not

    def backward(self, g, y, x):
        """dL/dx[..., a, b] = Σ dL/dy[..., p, q, i, j] over the windows with i*sh + p = a, j*sw + q = b"""
        return (_run(FoldWindows(self.kernel_size, self.stride, x.shape[-2:]), g),)

    def jvp(self, tangents, y, x):
        """d windows(x) = windows(dx) (the map is linear)"""
        (dx,) = tangents
        return _run(SlidingWindows(self.kernel_size, self.stride), dx)


class FoldWindows(Function):
    """The adjoint of SlidingWindows (col2im, PyTorch's fold): each window added back where it was cut."""

    op = "fold_windows"

    def __init__(self, kernel_size: tuple[int, int], stride: tuple[int, int], image_size: tuple[int, int]) -> None:
        self.kernel_size, self.stride, self.image_size = kernel_size, stride, tuple(image_size)

    def params(self) -> str:
        return _window_params(self.kernel_size, self.stride) + ", size={}x{}".format(*self.image_size)

    def forward(self, windows):
        """x[..., a, b] = Σ windows[..., p, q, i, j] over the windows with i*sh + p = a, j*sw + q = b"""
        kh, kw = self.kernel_size
        sh, sw = self.stride
        oh, ow = windows.shape[-2:]
        out = np.zeros_like(windows, shape=windows.shape[:-4] + self.image_size, order="C")  # compile: traced
        # One strided slice add per kernel offset (p, q): kh*kw NumPy calls, whatever the batch and image size.
        for p in range(kh):
            for q in range(kw):
                out[..., p : p + sh * (oh - 1) + 1 : sh, q : q + sw * (ow - 1) + 1 : sw] += windows[..., p, q, :, :]
        return out

    def backward(self, g, y, windows):
        """dL/dwindows = sliding_windows(dL/dx) (fold is the adjoint of sliding_windows)"""
        return (_run(SlidingWindows(self.kernel_size, self.stride), g),)

    def jvp(self, tangents, y, windows):
        """d fold(w) = fold(dw) (the map is linear)"""
        (dw,) = tangents
        return _run(FoldWindows(self.kernel_size, self.stride, self.image_size), dw)


def _window_params(kernel_size: tuple[int, int], stride: tuple[int, int]) -> str:
    shown = "{}x{}".format(*kernel_size)
    return shown if stride == (1, 1) else shown + ", stride={}".format(stride[0] if stride[0] == stride[1] else stride)


# --------------------------------------------------------------------------- public functions


def _int_pair(value: Any, what: str, op: str, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints (height, width), each at least `minimum`."""
    pair = (value, value) if isinstance(value, (int, np.integer)) else value
    is_pair = isinstance(pair, (tuple, list)) and len(pair) == 2
    if not is_pair or not all(isinstance(v, (int, np.integer)) and v >= minimum for v in pair):
        raise ValueError(f"{op}: {what} must be an int or a pair of ints >= {minimum}, got {value!r}")
    return int(pair[0]), int(pair[1])


def _pad_widths(pad_width: Any, ndim: int) -> tuple[tuple[int, int], ...]:
    """np.pad's forms: n (every side of every axis), (before, after) (every axis), or one pair per axis."""
    widths = np.asarray(pad_width)
    if widths.dtype.kind not in "iu":
        raise ValueError(f"pad: pad_width must hold integers, got {pad_width!r}")
    try:
        widths = np.broadcast_to(widths, (ndim, 2))  # what np.pad does with the three forms
    except ValueError:
        raise ValueError(f"pad: pad_width {pad_width!r} is not an int, a (before, after) pair or one pair "
                         f"for each of the {ndim} axes") from None
    return tuple((int(before), int(after)) for before, after in widths)


def pad(x: Any, pad_width: Any, value: float = 0.0) -> Tensor:
    """x with a border of `value`: pad_width as in np.pad (n, (before, after), or one pair per axis).

    `ag.pad(images, ((0, 0), (0, 0), (2, 2), (2, 2)))` puts two rows and
    columns of zeros around each (N, C, H, W) image. A negative width crops
    that many entries instead, as in PyTorch's F.pad (nn.functional.pad takes
    PyTorch's argument order). The gradient of the border is zero.
    """
    x = operand(x, "pad")
    widths = _pad_widths(pad_width, x.ndim)
    for axis, (n, (before, after)) in enumerate(zip(x.shape, widths)):
        if n + before + after < 0:
            raise ValueError(f"pad: widths ({before}, {after}) crop more than the {n} entries of axis {axis} "
                             f"of shape {x.shape}")
    return apply(Pad(widths, value), x)


def sliding_windows(x: Any, kernel_size: Any, stride: Any = 1, padding: Any = 0) -> Tensor:
    """Every kernel_size window of the last two axes (im2col): (N, C, H, W) -> (N, C, kh, kw, OH, OW).

    out[..., p, q, i, j] = x_padded[..., i*sh + p, j*sw + q], where x_padded
    has `padding` rows/columns of zeros on each side (a separate `pad` node),
    and OH = (H + 2*ph - kh) // sh + 1 (likewise OW). Reshaped to
    (N, C*kh*kw, OH*OW) it is PyTorch's F.unfold. kernel_size, stride and
    padding are each an int or a (height, width) pair.
    """
    x = operand(x, "sliding_windows")
    kernel = _int_pair(kernel_size, "kernel_size", "sliding_windows", 1)
    strides = _int_pair(stride, "stride", "sliding_windows", 1)
    padding = _int_pair(padding, "padding", "sliding_windows", 0)
    if x.ndim < 2:
        raise ValueError(f"sliding_windows: expected at least 2 axes (..., H, W), got shape {x.shape}")
    padded_size = tuple(n + 2 * p for n, p in zip(x.shape[-2:], padding))
    if kernel[0] > padded_size[0] or kernel[1] > padded_size[1]:
        raise ValueError(f"sliding_windows: the {kernel[0]}x{kernel[1]} kernel is larger than the input, "
                         f"{padded_size[0]}x{padded_size[1]} after padding {padding} (input shape {x.shape})")
    if padding != (0, 0):
        x = pad(x, ((0, 0),) * (x.ndim - 2) + ((padding[0],) * 2, (padding[1],) * 2))
    return apply(SlidingWindows(kernel, strides), x)
