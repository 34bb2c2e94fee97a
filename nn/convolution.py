"""Conv2d, MaxPool2d and AvgPool2d: layers for (N, C, H, W) images, with PyTorch's layouts and defaults.

Each layer holds its settings and calls the function of the same name in
nn.functional, where the computation is a composition of autograd_lite
primitives (sliding_windows, then a matrix product or a reduction).
"""
from __future__ import annotations

import math
from typing import Any

import autograd_lite as ag

from . import functional as F
from . import init
from .module import Module, Parameter


class Conv2d(Module):
    """2-D convolution: weight (out_channels, in_channels, kh, kw) and bias (out_channels,), as PyTorch.

    out[n, o] = bias[o] + Σ_c weight[o, c] ⋆ x[n, c] (cross-correlation), with
    `stride` and zero `padding` (each an int or a (height, width) pair).
    Initialised as PyTorch: kaiming_uniform_(weight, a=√5), i.e. U(±1/√fan_in),
    and bias U(±1/√fan_in), fan_in = in_channels·kh·kw.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0,
                 bias: bool = True, dtype: Any = None) -> None:
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = F._pair(kernel_size, "kernel_size", "Conv2d", 1)
        self.stride = F._pair(stride, "stride", "Conv2d", 1)
        self.padding = F._pair(padding, "padding", "Conv2d")
        self.weight = Parameter(ag.zeros(out_channels, in_channels, *self.kernel_size, dtype=dtype))
        self.bias = Parameter(ag.zeros(out_channels, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh initial values with PyTorch's defaults."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1.0 / math.sqrt(self.in_channels * self.kernel_size[0] * self.kernel_size[1])
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"{self.scope_label()}: expected input (N, {self.in_channels}, H, W), "
                             f"got shape {x.shape}")
        F._check_window_fits(self.scope_label(), x, self.kernel_size, self.padding)
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding)

    def scope_label(self) -> str:
        return "Conv2d({}→{}, {}x{})".format(self.in_channels, self.out_channels, *self.kernel_size)

    def extra_repr(self) -> str:
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        return text + ("" if self.bias is not None else ", bias=False")


class _Pool2d(Module):
    """Settings shared by the pooling layers: kernel_size, stride (kernel_size when None), padding."""

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        name = type(self).__name__
        self._kernel = F._pair(kernel_size, "kernel_size", name, 1)  # checked now; used for the label
        if stride is not None:
            F._pair(stride, "stride", name, 1)
        self._padding = F._pair(padding, "padding", name)
        self.kernel_size = kernel_size  # kept as given, as PyTorch keeps them
        self.stride = kernel_size if stride is None else stride
        self.padding = padding

    def scope_label(self) -> str:
        return "{}({}x{})".format(type(self).__name__, *self._kernel)

    def check_input(self, x: ag.Tensor) -> None:
        """Raise, naming this layer, unless x is (N, C, H, W) and the kernel fits the padded image."""
        F._check_window_fits(self.scope_label(), x, self._kernel, self._padding)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """The maximum of each kernel_size window, `stride` apart (padding counts as -inf)."""

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        self.check_input(x)
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool2d):
    """The mean of each kernel_size window, `stride` apart (zero padding counted, as PyTorch's default)."""

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        self.check_input(x)
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding)
