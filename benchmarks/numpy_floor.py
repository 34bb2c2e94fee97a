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


class BufferedNumpyMLP(NumpyMLP):
    """The same step with every array preallocated once (`out=`) and updated in place.

    Issue 15's premise: written this way, hand-written NumPy should run at about
    0.85x of NumPy written the usual way. The same operations in the same order as
    NumpyMLP, so the updated weights are the same to the last bit.
    """

    def __init__(self, problem: MLPProblem, layout: str) -> None:
        super().__init__(problem, layout)
        batch, sizes, dtype = problem.batch, problem.sizes, problem.dtype
        self.outputs = [np.empty((batch, n), dtype) for n in sizes[1:]]  # z, then the activation, in place
        self.deltas = [np.empty((batch, n), dtype) for n in sizes[1:]]  # dL/d(layer output)
        self.factors = [np.empty((batch, n), dtype) for n in sizes[1:-1]]  # h(1-h), or the mask h > 0
        self.shift = np.empty((batch, 1), dtype)
        self.sums = np.empty((batch, 1), dtype)
        self.exp = np.empty((batch, sizes[-1]), dtype)
        self.grads = [(np.empty_like(w), np.empty_like(b)) for w, b in self.layers]
        self.scaled = [(np.empty_like(w), np.empty_like(b)) for w, b in self.layers]

    def _forward(self) -> tuple[float, list[np.ndarray], np.ndarray, np.ndarray]:
        inputs = [self.x]
        for (weight, bias), z in zip(self.layers, self.outputs):
            np.matmul(inputs[-1], weight.T if self.transposed else weight, out=z)
            np.add(z, bias, out=z)
            if z is not self.outputs[-1]:
                if self.problem.activation == "sigmoid":
                    np.divide(1.0, np.add(1.0, np.exp(np.negative(z, out=z), out=z), out=z), out=z)
                else:
                    np.maximum(z, 0.0, out=z)
            inputs.append(z)
        logits = inputs.pop()
        np.maximum.reduce(logits, axis=1, keepdims=True, out=self.shift)
        shifted = np.subtract(logits, self.shift, out=logits)
        np.exp(shifted, out=self.exp)
        np.add.reduce(self.exp, axis=1, keepdims=True, out=self.sums)
        loss = float(np.log(self.sums).mean() - shifted[self.rows, self.labels].mean())
        return loss, inputs, self.exp, self.sums

    def gradients(self) -> tuple[float, list[tuple[np.ndarray, np.ndarray]]]:
        loss, inputs, exp, sums = self._forward()
        g = np.divide(exp, sums, out=self.deltas[-1])
        g[self.rows, self.labels] -= 1.0
        g /= self.problem.batch
        for index in range(len(self.layers) - 1, -1, -1):
            weight, _ = self.layers[index]
            x, (d_weight, d_bias) = inputs[index], self.grads[index]
            np.matmul(g.T, x, out=d_weight) if self.transposed else np.matmul(x.T, g, out=d_weight)
            np.add.reduce(g, axis=0, out=d_bias)
            if index == 0:
                break
            g_below = np.matmul(g, weight if self.transposed else weight.T, out=self.deltas[index - 1])
            h, factor = inputs[index], self.factors[index - 1]
            if self.problem.activation == "sigmoid":
                np.multiply(h, np.subtract(1.0, h, out=factor), out=factor)
            else:
                np.greater(h, 0, out=factor)  # 1.0 or 0.0: the same numbers as multiplying by the bool mask
            g = np.multiply(g_below, factor, out=g_below)
        return loss, self.grads

    def step(self) -> float:
        loss, grads = self.gradients()
        lr = self.problem.lr
        for (weight, bias), (d_weight, d_bias), (s_weight, s_bias) in zip(self.layers, grads, self.scaled):
            np.subtract(weight, np.multiply(lr, d_weight, out=s_weight), out=weight)
            np.subtract(bias, np.multiply(lr, d_bias, out=s_bias), out=bias)
        return loss


class MatrixProducts:
    """Only the matrix products of one step, into preallocated outputs: a lower bound.

    Any program that makes the same BLAS calls as the hand-written step (as a
    replay that equals eager execution bit for bit must) takes at least this long.
    """

    def __init__(self, problem: MLPProblem) -> None:
        batch, sizes, dtype = problem.batch, problem.sizes, problem.dtype
        self.x = problem.data()[0]
        self.weights = [w.T.copy() for w, _ in problem.initial_weights()]  # nn.Linear's (out, in)
        self.outputs = [np.empty((batch, n), dtype) for n in sizes[1:]]
        self.grads = [np.empty_like(w) for w in self.weights]

    def step(self) -> None:
        inputs = [self.x]
        for weight, z in zip(self.weights, self.outputs):
            inputs.append(np.matmul(inputs[-1], weight.T, out=z))
        g = inputs.pop()
        for index in range(len(self.weights) - 1, -1, -1):
            np.matmul(g.T, inputs[index], out=self.grads[index])
            if index:
                g = np.matmul(g, self.weights[index], out=self.outputs[index - 1])

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
