"""PyTorch (CPU) on the benchmark problems, when it is installed: the peer to beat.

Written as a PyTorch user would: torch.nn.Linear, torch.nn.functional, torch.optim.SGD.
"""
from __future__ import annotations

import numpy as np
import torch

from problems import MLPProblem


class TorchMLP:
    def __init__(self, problem: MLPProblem) -> None:
        self.problem = problem
        x, labels = problem.data()
        self.x, self.labels = torch.from_numpy(x), torch.from_numpy(labels)
        dtype = torch.float64 if problem.dtype == np.float64 else torch.float32
        self.layers = []
        for w, b in problem.initial_weights():
            layer = torch.nn.Linear(w.shape[0], w.shape[1], dtype=dtype)
            with torch.no_grad():
                layer.weight.copy_(torch.from_numpy(w.T.copy()))
                layer.bias.copy_(torch.from_numpy(b))
            self.layers.append(layer)
        self.optimizer = torch.optim.SGD([p for layer in self.layers for p in layer.parameters()], lr=problem.lr)

    def step(self) -> float:
        activation = torch.sigmoid if self.problem.activation == "sigmoid" else torch.relu
        self.optimizer.zero_grad()
        h = self.x
        for layer in self.layers[:-1]:
            h = activation(layer(h))
        loss = torch.nn.functional.cross_entropy(self.layers[-1](h), self.labels)
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(layer.weight.detach().numpy().T, layer.bias.detach().numpy()) for layer in self.layers]


def five_op_graph(a: torch.Tensor, b: torch.Tensor) -> None:
    a.grad = b.grad = None
    ((a * b + a).tanh() * b).sum().backward()


def chain(x: torch.Tensor, w: torch.Tensor, n_ops: int) -> None:
    x.grad = w.grad = None
    y = x
    for _ in range(n_ops // 2):
        y = (y * w).tanh()
    y.sum().backward()
