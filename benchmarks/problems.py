"""The problems every contender solves: same data, same initial weights, same hyperparameters.

Weights are stored here as (in_features, out_features), the layout of `x @ W + b`
used by the two-layer-net notes; contenders that use PyTorch's (out, in) layout
(nn.Linear, torch) take the transpose.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SEED = 0


@dataclass(frozen=True)
class MLPProblem:
    """One SGD step of an MLP with softmax cross-entropy on a batch of MNIST-shaped data."""

    name: str
    sizes: tuple[int, ...]  # (784, 50, 10): input, hidden..., classes
    activation: str  # "sigmoid" or "relu"
    batch: int
    dtype: type
    lr: float = 0.1

    @property
    def n_parameters(self) -> int:
        return sum(i * o + o for i, o in zip(self.sizes[:-1], self.sizes[1:]))

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """Random pixels in [0, 1) and random integer labels (real MNIST is not needed for timing)."""
        rng = np.random.default_rng(SEED)
        x = rng.random((self.batch, self.sizes[0])).astype(self.dtype)
        labels = rng.integers(0, self.sizes[-1], self.batch)
        return x, labels

    def initial_weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """[(W, b), ...] with W (in, out): N(0, 0.01^2) as in the notes for sigmoid, He init for ReLU.

        Biases are small random numbers rather than the notes' zeros, so that
        comparing updated weights also checks how each contender uses them.
        """
        rng = np.random.default_rng(SEED + 1)
        layers = []
        for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:]):
            std = 0.01 if self.activation == "sigmoid" else np.sqrt(2.0 / fan_in)
            weight = (std * rng.standard_normal((fan_in, fan_out))).astype(self.dtype)
            bias = (0.01 * rng.standard_normal(fan_out)).astype(self.dtype)
            layers.append((weight, bias))
        return layers


SIGMOID_F64 = MLPProblem("784-50-10 sigmoid, batch 100, float64", (784, 50, 10), "sigmoid", 100, np.float64)
SIGMOID_F32 = MLPProblem("784-50-10 sigmoid, batch 100, float32", (784, 50, 10), "sigmoid", 100, np.float32)
RELU_F32 = MLPProblem("784-256-256-10 ReLU, batch 128, float32", (784, 256, 256, 10), "relu", 128, np.float32)

TINY_SIZE = 8  # elements per tensor in the per-op overhead graph (c) and the chain (d)


def tiny_inputs() -> tuple[np.ndarray, np.ndarray]:
    """Two float64 vectors of TINY_SIZE elements, for the 5-op graph and the chain."""
    rng = np.random.default_rng(SEED + 2)
    return rng.uniform(0.5, 1.5, TINY_SIZE), rng.uniform(0.5, 1.5, TINY_SIZE)
