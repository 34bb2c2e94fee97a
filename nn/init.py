"""Weight initialisation, in place, with the formulas and defaults of torch.nn.init.

Random numbers come from autograd_lite's generator (`ag.rand`, `ag.randn`), so
one `ag.manual_seed(n)` makes model initialisation reproducible. These
functions write into `tensor.data` directly: initialisation is not part of any
graph.
"""
from __future__ import annotations

import math

import autograd_lite as ag

_GAINS = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3.0, "relu": math.sqrt(2.0)}


def calculate_gain(nonlinearity: str, negative_slope: float = 0.01) -> float:
    """The factor that keeps activations' variance steady through `nonlinearity` (PyTorch's table)."""
    if nonlinearity == "leaky_relu":
        return math.sqrt(2.0 / (1.0 + negative_slope**2))
    if nonlinearity not in _GAINS:
        raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}; "
                         f"expected one of {sorted(_GAINS) + ['leaky_relu']}")
    return _GAINS[nonlinearity]


def _fan_in_and_fan_out(tensor: ag.Tensor) -> tuple[int, int]:
    """Inputs and outputs per unit of a (out_features, in_features, *kernel) weight."""
    if tensor.ndim < 2:
        raise ValueError(f"init: fan in and fan out need a tensor with at least 2 dimensions, got shape {tensor.shape}")
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def uniform_(tensor: ag.Tensor, a: float = 0.0, b: float = 1.0) -> ag.Tensor:
    """Fill with samples from U(a, b)."""
    tensor.data[...] = a + (b - a) * ag.rand(tensor.shape, dtype=tensor.dtype).data
    return tensor


def normal_(tensor: ag.Tensor, mean: float = 0.0, std: float = 1.0) -> ag.Tensor:
    """Fill with samples from N(mean, std²)."""
    tensor.data[...] = mean + std * ag.randn(tensor.shape, dtype=tensor.dtype).data
    return tensor


def zeros_(tensor: ag.Tensor) -> ag.Tensor:
    """Fill with zeros."""
    tensor.data[...] = 0
    return tensor


def xavier_uniform_(tensor: ag.Tensor, gain: float = 1.0) -> ag.Tensor:
    """Glorot & Bengio (2010): U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def kaiming_uniform_(
    tensor: ag.Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> ag.Tensor:
    """He et al. (2015): U(-b, b) with b = gain * sqrt(3 / fan), fan = fan_in or fan_out.

    `a` is the negative slope of the leaky ReLU that follows (0 = plain ReLU).
    """
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming_uniform_: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / fan)
    return uniform_(tensor, -bound, bound)
