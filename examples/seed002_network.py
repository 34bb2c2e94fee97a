"""Seed 002 — "从零构建神经网络" (without libraries, then with NumPy): a 2-3-2 sigmoid network.

The text's data set has ten 2-D points in two classes (from Jason Brownlee's
"backpropagation from scratch" tutorial). Its NumPy network, Network.create([2, 3, 2]),
draws every weight and bias uniformly from [0, 1) (np.random.rand), then
trains for 40 epochs with learning rate 0.5, updating after every single
sample. Each neuron's delta is (output - expected) · sigmoid'(output): the
gradient of the squared error ½ Σ (output - expected)², which is also the
mean over the two outputs of (output - expected)², i.e. nn.functional.mse_loss.
So here the network is an nn.Sequential, the loss is mse_loss, and
autograd_lite finds the gradients.

A finding: the text's NumPy listing multiplies the hidden layer's deltas by
sigmoid_derivative twice (its pure-Python version does it once, correctly).
compare_gradients shows the difference below.

    python examples/seed002_network.py [--out DIR] [--seed N]
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from _plotting import draw_curves, draw_decision_boundary, save_plot
from _seed_cli import make_parser, parse

import autograd_lite as ag
import nn

DATASET = np.array([
    [2.7810836, 2.550537003],
    [1.465489372, 2.362125076],
    [3.396561688, 4.400293529],
    [1.38807019, 1.850220317],
    [3.06407232, 3.005305973],
    [7.627531214, 2.759262235],
    [5.332441248, 2.088626775],
    [6.922596716, 1.77106367],
    [8.675418651, -0.242068655],
    [7.673756466, 3.508563011],
])
LABELS = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
EXPECTED = np.eye(2)[LABELS]          # one-hot rows, as in the text
LAYERS = (2, 3, 2)
LEARNING_RATE = 0.5
EPOCHS = 40
SEED = 0


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def sigmoid_derivative(z: np.ndarray) -> np.ndarray:
    """The text's helper: the sigmoid's derivative written in terms of its output z = sigmoid(x)."""
    return z * (1.0 - z)


def create_network(layers: Sequence[int], seed: int) -> nn.Sequential:
    """Network.create: Linear + Sigmoid per layer, every weight and bias drawn from U[0, 1)."""
    modules: list[nn.Module] = []
    for n_in, n_out in zip(layers[:-1], layers[1:]):
        modules += [nn.Linear(n_in, n_out), nn.Sigmoid()]
    network = nn.Sequential(*modules)
    ag.manual_seed(seed)
    for parameter in network.parameters():
        nn.init.uniform_(parameter, 0.0, 1.0)   # np.random.rand, not PyTorch's ±1/sqrt(fan_in)
    return network


def hand_gradients(network: nn.Sequential, inputs: np.ndarray, expected: np.ndarray,
                   hidden_derivative_twice: bool = False) -> dict[str, np.ndarray]:
    """The text's back_propagate() for one sample, as gradients (the text subtracts lr times these).

    deltas = (outputs - expected) · s'(outputs) at the output layer and
    deltas = (Wᵀ next_deltas) · s'(outputs) below it, with s'(o) = o (1 - o);
    hidden_derivative_twice=True reproduces the NumPy listing's extra s'(outputs).
    """
    hidden_layer, output_layer = network[0], network[2]
    hidden = sigmoid(hidden_layer.weight.data @ inputs + hidden_layer.bias.data)
    outputs = sigmoid(output_layer.weight.data @ hidden + output_layer.bias.data)
    output_deltas = (outputs - expected) * sigmoid_derivative(outputs)
    hidden_deltas = output_layer.weight.data.T @ output_deltas * sigmoid_derivative(hidden)
    if hidden_derivative_twice:
        hidden_deltas = hidden_deltas * sigmoid_derivative(hidden)
    return {"0.weight": np.outer(hidden_deltas, inputs), "0.bias": hidden_deltas,
            "2.weight": np.outer(output_deltas, hidden), "2.bias": output_deltas}


def train(network: nn.Sequential, epochs: int) -> list[float]:
    """Per-sample updates; prints and returns the text's summed squared error of each epoch."""
    optimizer = nn.optim.SGD(network.parameters(), lr=LEARNING_RATE)
    history = []
    for epoch in range(epochs):
        sum_error = 0.0
        for row, expected in zip(DATASET, EXPECTED):
            loss = nn.functional.mse_loss(network(ag.Tensor(row)), expected)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            sum_error += loss.item()
        print(f"Mean squared error: {sum_error}")
        print(f"epoch={epoch}")
        history.append(sum_error)
    return history


def predict(network: nn.Sequential, points: np.ndarray) -> np.ndarray:
    """The class with the larger output, for each row of `points`."""
    with ag.no_grad():
        return network(ag.Tensor(points)).data.argmax(axis=-1)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = make_parser(__doc__.splitlines()[0], "accepted for uniformity: the full run takes well under a second")
    parser.add_argument("--seed", type=int, default=SEED, help="seed of the random initial weights (default 0)")
    args = parse(parser, argv)

    network = create_network(LAYERS, args.seed)
    sample, target = DATASET[0], EXPECTED[0]
    print("Gradients for the first sample: autodiff vs the text's back_propagate (pure-Python version) vs numerical")

    def first_sample_loss() -> ag.Tensor:
        return nn.functional.mse_loss(network(ag.Tensor(sample)), target)

    comparison = ag.compare_gradients(first_sample_loss, network,
                                      hand_grads=lambda: hand_gradients(network, sample, target))
    print(comparison)
    listing = ag.compare_gradients(first_sample_loss, network,
                                   hand_grads=hand_gradients(network, sample, target, hidden_derivative_twice=True))
    listing_error = listing.max_rel("autodiff", "hand")
    print(f"the NumPy listing's hidden deltas (sigmoid_derivative applied twice) differ from autodiff by up to "
          f"{listing_error:.0%} (relative)\n")

    history = train(network, EPOCHS)
    predictions = predict(network, DATASET)
    for i, (label, prediction) in enumerate(zip(LABELS, predictions)):
        print(f"{i} - Expected={label}, Got={prediction}")
    correct = int(np.sum(predictions == LABELS))
    print(f"{correct}/{len(LABELS)} correct")

    save_plot(args.out / "seed002_error.png", "error curve", lambda ax: draw_curves(
        ax, {"summed squared error": (range(EPOCHS), history)}, "epoch", "Σ mse over the 10 samples",
        "2-3-2 network: training error"))
    save_plot(args.out / "seed002_boundary.png", "decision boundary", lambda ax: draw_decision_boundary(
        ax, lambda points: predict(network, points), DATASET, LABELS, "2-3-2 network after 40 epochs"))
    return {"predictions": predictions.tolist(), "correct": correct, "history": history,
            "comparison": comparison, "listing_error": listing_error}


if __name__ == "__main__":
    main()
