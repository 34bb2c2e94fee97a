"""BatchNorm1d, BatchNorm2d and LayerNorm, with PyTorch's parameters, buffers and train/eval behaviour."""
from __future__ import annotations

from typing import Any

import numpy as np

import autograd_lite as ag

from . import functional as F
from .module import Module, Parameter, as_input, check_size


class _BatchNorm(Module):
    """Normalizes each channel (axis 1) by batch statistics in training and by running statistics in eval.

    Parameters weight (ones) and bias (zeros) of shape (num_features,) when
    `affine`; buffers running_mean (zeros), running_var (ones) and
    num_batches_tracked (0) when `track_running_stats`, named as PyTorch names
    them in state_dict. Each training call updates them in place, outside the
    graph: running = (1 - momentum) running + momentum batch_statistic, with the
    unbiased batch variance; momentum=None averages all batches seen equally.
    Subclasses say which input ranks they take.
    """

    ranks: tuple[int, ...]  # the input's accepted numbers of axes
    input_shapes: str  # the same, for error messages: "(N, C) or (N, C, L)"

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.num_features = check_size(type(self).__name__, "num_features", num_features)
        self.eps, self.momentum = eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = Parameter(ag.ones(num_features, dtype=dtype))
            self.bias = Parameter(ag.zeros(num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", ag.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", ag.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", ag.tensor(0, dtype=np.int64))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        """Back to the statistics of no batch: mean 0, variance 1, count 0."""
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def reset_parameters(self) -> None:
        """Reset the running statistics, and weight to ones and bias to zeros."""
        self.reset_running_stats()
        if self.affine:
            self.weight.data[...] = 1
            self.bias.data[...] = 0

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        input = as_input(self, input)
        if input.ndim not in self.ranks:
            raise ValueError(f"{self.scope_label()}: expected an input of shape {self.input_shapes}, "
                             f"got shape {input.shape}")
        if input.shape[1] != self.num_features:
            raise ValueError(f"{self.scope_label()}: expected {self.num_features} channels (features) in axis 1, "
                             f"got input of shape {input.shape}")
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with ag.no_grad():
                F._overwrite(self.num_batches_tracked, self.num_batches_tracked + 1)
            if self.momentum is None:  # a cumulative average: batch k weighs 1/k
                momentum = 1.0 / self.num_batches_tracked.item()
        # Running statistics are read in eval, updated in training only when tracked.
        use_running = not self.training or self.track_running_stats
        return F.batch_norm(
            input,
            self.running_mean if use_running else None,
            self.running_var if use_running else None,
            self.weight,
            self.bias,
            training=self.training or self.running_mean is None,
            momentum=momentum,
            eps=self.eps,
        )

    def scope_label(self) -> str:
        return f"{type(self).__name__}({self.num_features})"

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) features or (N, C, L) sequences, per channel C."""

    ranks, input_shapes = (2, 3), "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W) images, per channel C."""

    ranks, input_shapes = (4,), "(N, C, H, W)"


class LayerNorm(Module):
    """Normalizes each sample over its last axes (`normalized_shape`), the same in training and eval.

    weight (ones) and bias (zeros) have shape normalized_shape when
    `elementwise_affine` (bias=False leaves the bias out, as PyTorch).
    """

    def __init__(
        self,
        normalized_shape: int | tuple[int, ...],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        shape = tuple(normalized_shape) if isinstance(normalized_shape, (tuple, list)) else (normalized_shape,)
        self.normalized_shape = tuple(check_size("LayerNorm", "normalized_shape", n) for n in shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ag.ones(self.normalized_shape, dtype=dtype))
            if bias:
                self.bias = Parameter(ag.zeros(self.normalized_shape, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input: ag.Tensor) -> ag.Tensor:
        input = as_input(self, input)
        if input.shape[input.ndim - len(self.normalized_shape):] != self.normalized_shape:
            raise ValueError(f"{self.scope_label()}: expected an input whose last axes are "
                             f"{self.normalized_shape}, got shape {input.shape}")
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def scope_label(self) -> str:
        return f"LayerNorm({', '.join(map(str, self.normalized_shape))})"

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
