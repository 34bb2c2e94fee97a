"""Our engine on the benchmark problems: raw Tensor ops, and the nn package.

The raw variant writes the model with autograd_lite primitives only, in the
notes' layout (x @ W + b); the nn variant is what a user writes with nn.Linear,
nn.functional and nn.optim.SGD (PyTorch's layout).
"""
from __future__ import annotations

import numpy as np

import autograd_lite as ag
from problems import MLPProblem


class RawMLP:
    """The MLP step from raw Tensor ops; the SGD update on `.data` by hand."""

    def __init__(self, problem: MLPProblem) -> None:
        self.problem = problem
        x, self.labels = problem.data()
        self.x = ag.from_numpy(x)
        self.rows = np.arange(problem.batch)
        self.layers = [
            (ag.tensor(w, requires_grad=True), ag.tensor(b, requires_grad=True))  # copies: the problem's arrays stay
            for w, b in problem.initial_weights()
        ]

    def loss(self, layers: list[tuple[ag.Tensor, ag.Tensor]] | None = None) -> ag.Tensor:
        """Mean cross-entropy of the batch with `layers` (default: the model's own weights)."""
        layers = self.layers if layers is None else layers
        h = self.x
        for weight, bias in layers[:-1]:
            z = h @ weight + bias
            h = z.sigmoid() if self.problem.activation == "sigmoid" else z.relu()
        weight, bias = layers[-1]
        logits = h @ weight + bias
        shifted = logits - logits.detach().max(axis=1, keepdims=True)  # log-sum-exp shift
        log_probs = shifted - shifted.exp().sum(axis=1, keepdims=True).log()
        return -log_probs[self.rows, self.labels].mean()

    def parameters(self) -> list[ag.Tensor]:
        return [p for layer in self.layers for p in layer]

    def gradients(self) -> float:
        """Forward and backward: leaves the gradients in .grad and returns the loss."""
        for p in self.parameters():
            p.zero_grad()
        loss = self.loss()
        loss.backward()
        return loss.item()

    def step(self) -> float:
        loss = self.gradients()
        for p in self.parameters():
            p.data -= self.problem.lr * p.grad.data
        return loss

    def weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(w.data, b.data) for w, b in self.layers]


class NNMLP:
    """The MLP step as a user writes it with nn: Linear layers, functional activation and loss, SGD."""

    def __init__(self, problem: MLPProblem) -> None:
        import nn  # imported here so the raw benchmarks run before nn exists

        self.functional = nn.functional
        self.problem = problem
        x, labels = problem.data()
        self.x, self.labels = ag.from_numpy(x), ag.from_numpy(labels)
        ag.set_default_dtype(problem.dtype)  # so nn.Linear creates its parameters in the problem's dtype
        try:
            self.layers = [nn.Linear(w.shape[0], w.shape[1]) for w, _ in problem.initial_weights()]
        finally:
            ag.set_default_dtype(np.float64)
        for layer, (w, b) in zip(self.layers, problem.initial_weights()):
            np.copyto(layer.weight.data, w.T)
            np.copyto(layer.bias.data, b)
        self.optimizer = nn.optim.SGD([p for layer in self.layers for p in layer.parameters()], lr=problem.lr)

    def loss(self) -> ag.Tensor:
        activation = self.functional.sigmoid if self.problem.activation == "sigmoid" else self.functional.relu
        h = self.x
        for layer in self.layers[:-1]:
            h = activation(layer(h))
        return self.functional.cross_entropy(self.layers[-1](h), self.labels)

    def step(self) -> float:
        self.optimizer.zero_grad()
        loss = self.loss()
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(layer.weight.data.T, layer.bias.data) for layer in self.layers]


class CompiledNNMLP(NNMLP):
    """NNMLP's step through ag.compile: traced on the first calls, then replayed as flat NumPy."""

    def __init__(self, problem: MLPProblem) -> None:
        super().__init__(problem)
        self.compiled = ag.compile(self._step)

    def _step(self, x: ag.Tensor, labels: ag.Tensor) -> ag.Tensor:
        self.optimizer.zero_grad()
        loss = self.functional.cross_entropy(self._forward(x), labels)
        loss.backward()
        self.optimizer.step()
        return loss

    def _forward(self, x: ag.Tensor) -> ag.Tensor:
        activation = self.functional.sigmoid if self.problem.activation == "sigmoid" else self.functional.relu
        h = x
        for layer in self.layers[:-1]:
            h = activation(layer(h))
        return self.layers[-1](h)

    def step(self) -> float:
        return self.compiled(self.x, self.labels).item()


def five_op_graph(a: ag.Tensor, b: ag.Tensor) -> None:
    """y = sum(tanh(a*b + a) * b), forward and backward; gradients land in a.grad, b.grad."""
    a.zero_grad()
    b.zero_grad()
    ((a * b + a).tanh() * b).sum().backward()


_compiled_five_ops = ag.compile(five_op_graph)


def compiled_five_op_graph(a: ag.Tensor, b: ag.Tensor) -> None:
    """five_op_graph through ag.compile (the zero_grad calls are traced too)."""
    _compiled_five_ops(a, b)


def chain(x: ag.Tensor, w: ag.Tensor, n_ops: int) -> None:
    """n_ops alternating y = y * w and y = tanh(y), then sum and backward."""
    x.zero_grad()
    w.zero_grad()
    y = x
    for _ in range(n_ops // 2):
        y = (y * w).tanh()
    y.sum().backward()
