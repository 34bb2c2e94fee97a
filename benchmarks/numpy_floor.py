"""Hand-written NumPy: the floor an autodiff engine on NumPy can at best reach.

Written the way a careful person writes it by hand, not a strawman: sigmoid as
1/(1+exp(-z)), the softmax cross-entropy gradient as (p - onehot)/N, in-place
updates where they are natural, and no gradient for the input X (nobody needs it).
Each backward step is the chain rule of one forward operation, unfused, so the
floor does the same arithmetic an engine does, without the bookkeeping.
"""
from __future__ import annotations

import numpy as np

from problems import MLPProblem


class NumpyMLP:
    """SGD on an MLP with softmax cross-entropy, forward and backward by hand.

    layout "in_out" stores W as (in, out) and computes x @ W (the notes);
    "out_in" stores W as (out, in) and computes x @ W.T (nn.Linear, PyTorch).
    Each engine is compared with the floor in its own layout.
    """

    def __init__(self, problem: MLPProblem, layout: str) -> None:
        self.problem, self.transposed = problem, layout == "out_in"
        self.x, self.labels = problem.data()
        self.rows = np.arange(problem.batch)
        self.layers = [
            (weight.T.copy() if self.transposed else weight.copy(), bias.copy())
            for weight, bias in problem.initial_weights()
        ]

    def _affine(self, x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
        out = x @ (weight.T if self.transposed else weight)
        out += bias
        return out

    def _activate(self, z: np.ndarray) -> np.ndarray:
        if self.problem.activation == "sigmoid":
            return 1.0 / (1.0 + np.exp(-z))
        return np.maximum(z, 0.0)

    def _forward(self) -> tuple[float, list[np.ndarray], np.ndarray, np.ndarray]:
        """Loss, the input of every layer, the shifted logits and the softmax sums."""
        inputs = [self.x]
        for weight, bias in self.layers[:-1]:
            inputs.append(self._activate(self._affine(inputs[-1], weight, bias)))
        logits = self._affine(inputs[-1], *self.layers[-1])
        shifted = logits - logits.max(axis=1, keepdims=True)  # log-sum-exp shift: no overflow
        exp = np.exp(shifted)
        sums = exp.sum(axis=1, keepdims=True)
        loss = float(np.log(sums).mean() - shifted[self.rows, self.labels].mean())
        return loss, inputs, exp, sums

    def loss(self) -> float:
        return self._forward()[0]

    def gradients(self) -> tuple[float, list[tuple[np.ndarray, np.ndarray]]]:
        """Loss and [(dW, db), ...] in the stored layout."""
        loss, inputs, exp, sums = self._forward()
        g = exp / sums  # softmax probabilities p; dL/dlogits = (p - onehot) / N
        g[self.rows, self.labels] -= 1.0
        g /= self.problem.batch
        grads = []
        for index in range(len(self.layers) - 1, -1, -1):
            weight, _ = self.layers[index]
            x = inputs[index]
            grads.append((g.T @ x if self.transposed else x.T @ g, g.sum(axis=0)))
            if index == 0:
                break  # no gradient for the input X
            g = g @ (weight if self.transposed else weight.T)  # dL/d(activation output)
            h = inputs[index]
            if self.problem.activation == "sigmoid":
                g *= h * (1.0 - h)
            else:
                g *= h > 0
        grads.reverse()
        return loss, grads

    def step(self) -> float:
        loss, grads = self.gradients()
        lr = self.problem.lr
        for (weight, bias), (d_weight, d_bias) in zip(self.layers, grads):
            weight -= lr * d_weight
            bias -= lr * d_bias
        return loss

    def weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Current weights in the problem's (in, out) layout, for comparisons."""
        return [(w.T if self.transposed else w, b) for w, b in self.layers]


def five_op_graph(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """y = sum(tanh(a*b + a) * b): forward, then each op's backward by hand. Returns (dy/da, dy/db)."""
    t1 = a * b
    t2 = t1 + a
    t3 = np.tanh(t2)
    t4 = t3 * b
    t4.sum()
    g4 = np.ones_like(t4)  # backward of sum
    g3, gb = g4 * b, g4 * t3  # backward of t3 * b
    g2 = g3 * (1.0 - t3 * t3)  # backward of tanh
    ga = g2.copy()  # backward of t1 + a: both inputs get g2
    ga += g2 * b  # backward of a * b
    gb += g2 * a
    return ga, gb


def chain(x: np.ndarray, w: np.ndarray, n_ops: int) -> tuple[np.ndarray, np.ndarray]:
    """n_ops alternating y = y * w and y = tanh(y), then sum; backward by hand. Returns (dx, dw)."""
    inputs = []  # the input of every y * w, and every tanh output: what backward needs
    y = x
    for _ in range(n_ops // 2):
        inputs.append(y)
        y = np.tanh(y * w)
        inputs.append(y)
    g = np.ones_like(y)
    gw = np.zeros_like(w)
    for i in range(len(inputs) - 1, 0, -2):
        g = g * (1.0 - inputs[i] * inputs[i])  # backward of tanh
        gw += g * inputs[i - 1]  # backward of y * w, for w ...
        g = g * w  # ... and for y
    return g, gw
