"""A diagnostic contender: the array operations `autograd_lite + nn` performs, replayed in plain NumPy.

It runs the same NumPy calls, in the same order and with the same temporary
arrays, as the engine's rules do for one SGD step of the MLP (Linear as
x @ W.T + b, the sigmoid or ReLU primitive, cross_entropy as logsumexp minus
the picked logits, mean; then each rule's backward and SGD's update), but
without a graph: no Tensors, nodes, walk or Python dispatch.

Its time against hand-written NumPy shows what the engine's array work costs;
the engine's time against it shows what the bookkeeping costs. It mirrors the
rules in autograd_lite/*.py and nn/functional.py by hand: when a rule changes,
change it here too (the check before timing still guarantees the same numbers).
"""
from __future__ import annotations

import numpy as np

from numpy_floor import NumpyMLP
from problems import MLPProblem


class EngineReplay(NumpyMLP):
    """One SGD step of `problem`, as the engine's rules compute it, in nn.Linear's (out, in) layout.

    Data, weights and `weights()` are the floor's; only `step` differs.
    """

    def __init__(self, problem: MLPProblem) -> None:
        super().__init__(problem, "out_in")

    def _activation(self, z: np.ndarray) -> np.ndarray:
        if self.problem.activation == "relu":
            return np.maximum(z, 0)
        with np.errstate(over="ignore"):
            return 1 / (1 + np.exp(-z))

    def _activation_backward(self, g: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
        if self.problem.activation == "relu":
            return g * (z > 0)
        return g * (y * (1 - y))

    def step(self) -> float:
        n, rows, labels = self.problem.batch, self.rows, self.labels
        # forward: Linear = transpose (a view), matmul, add; then the activation
        inputs, pre_activations = [self.x], []
        for weight, bias in self.layers[:-1]:
            z = (inputs[-1] @ weight.T) + bias
            pre_activations.append(z)
            inputs.append(self._activation(z))
        weight, bias = self.layers[-1]
        logits = (inputs[-1] @ weight.T) + bias
        # cross_entropy = mean(logsumexp(logits) - logits[rows, labels])
        m = np.maximum.reduce(logits, 1, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        exps = np.exp(logits - m)
        sums = np.add.reduce(exps, 1, keepdims=True)
        logsumexp = (np.log(sums) + m).squeeze(1)
        per_sample = logsumexp - logits[rows, labels]
        loss = np.add.reduce(per_sample, None) / n
        # backward, rule by rule: mean, sub, getitem (scatter-add), logsumexp, the two paths added
        g_mean = np.empty((n,), dtype=logits.dtype)
        g_mean[...] = np.ones((), dtype=logits.dtype) / n
        g_picked = np.zeros(logits.shape, dtype=logits.dtype)
        np.add.at(g_picked, (rows, labels), -g_mean)
        spread = np.empty(logits.shape, dtype=logits.dtype)
        spread[...] = g_mean.reshape(n, 1)
        g = spread * (exps / sums) + g_picked
        grads = []
        for index in range(len(self.layers) - 1, -1, -1):
            weight, _ = self.layers[index]
            g_bias = np.add.reduce(g, (0,), keepdims=True).reshape(-1)  # sum_to for the broadcast bias
            g_weight = g.T @ inputs[index]  # computed in W's layout (the matmul rule's _transposed case)
            grads.append((g_weight, g_bias))
            if index == 0:
                break  # the input X needs no gradient
            g = self._activation_backward(g @ weight, inputs[index], pre_activations[index - 1])
        grads.reverse()
        for (weight, bias), (g_weight, g_bias) in zip(self.layers, grads):
            weight -= self.problem.lr * g_weight
            bias -= self.problem.lr * g_bias
        return float(loss)
