"""Seed 000 — "如何使用Python从头开始构建一个简单的神经网络": a 2-2-1 network learns XOR.

The text builds the network in plain NumPy: column-major data (one example
per column, X of shape (n_x, m) = (2, 4)), W1 of shape (n_h, n_x), tanh
hidden layer, sigmoid output, cross-entropy averaged over the 4 examples,
hand-derived backprop and plain gradient descent, 1000 iterations.

Here the same network is trained twice from the same initial weights:
once with the text's hand-derived gradients (NumPy below, formula by formula)
and once with autograd_lite computing them. The two parameter trajectories
agree to round-off at every step, and before training the three gradients
(autodiff, hand-derived, numerical) are compared side by side.

    python examples/seed000_xor.py [--out DIR]

The seed's code listings are images; its text states the design (tanh hidden
and sigmoid output units, normal initial weights and zero biases,
cross-entropy, gradient descent, 1000 iterations: "1000个可能有点大"). The
constants it does not state, n_h = 2, learning rate 0.3 and
np.random.seed(2), follow the original English article's xor_nn.py. With n_h = 2 the outcome depends on the initial weights:
some seeds end in a local minimum that gets one case wrong (try --seed 0).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from _plotting import draw_curves, draw_decision_boundary, save_plot
from _seed_cli import make_parser, parse

import autograd_lite as ag
import nn

X = np.array([[0.0, 0.0, 1.0, 1.0],
              [0.0, 1.0, 0.0, 1.0]])   # (n_x, m): one example per column
Y = np.array([[0.0, 1.0, 1.0, 0.0]])   # (n_y, m): A XOR B
N_X, N_H, N_Y = 2, 2, 1
NUM_OF_ITERS = 1000
LEARNING_RATE = 0.3
SEED = 2
PARAMETER_NAMES = ("W1", "b1", "W2", "b2")

Params = dict[str, np.ndarray]


# ----------------------------------------------------------------------------- the text's NumPy code


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def initialize_parameters(n_x: int, n_h: int, n_y: int, seed: int) -> Params:
    """Weights from a standard normal, biases zero (np.random.seed(seed); np.random.randn)."""
    rng = np.random.RandomState(seed)
    return {"W1": rng.randn(n_h, n_x), "b1": np.zeros((n_h, 1)),
            "W2": rng.randn(n_y, n_h), "b2": np.zeros((n_y, 1))}


def forward_prop(X: np.ndarray, params: Params) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    A1 = np.tanh(params["W1"] @ X + params["b1"])
    A2 = sigmoid(params["W2"] @ A1 + params["b2"])
    return A2, {"A1": A1, "A2": A2}


def calculate_cost(A2: np.ndarray, Y: np.ndarray) -> float:
    m = Y.shape[1]
    return float(-np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m)


def backward_prop(X: np.ndarray, Y: np.ndarray, cache: dict[str, np.ndarray], params: Params) -> Params:
    """The text's hand-derived gradients of the averaged cross-entropy."""
    m = X.shape[1]
    A1, A2 = cache["A1"], cache["A2"]
    dZ2 = A2 - Y                                  # sigmoid + cross-entropy collapse to this
    dW2 = dZ2 @ A1.T / m
    db2 = np.sum(dZ2, axis=1, keepdims=True) / m
    dZ1 = (params["W2"].T @ dZ2) * (1 - A1 ** 2)  # tanh'(z) = 1 - tanh(z)²
    dW1 = dZ1 @ X.T / m
    db1 = np.sum(dZ1, axis=1, keepdims=True) / m
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def update_parameters(params: Params, grads: Params, learning_rate: float) -> Params:
    return {name: params[name] - learning_rate * grads[name] for name in params}


def predict(X: np.ndarray, params: Params) -> np.ndarray:
    """1 where the network's output is >= 0.5, for every column of X."""
    A2, _ = forward_prop(X, params)
    return (A2 >= 0.5).astype(int)


def train_by_hand(params: Params, num_of_iters: int, learning_rate: float) -> tuple[list[Params], list[float]]:
    """The text's model(): returns the parameters before every step and after the last, and the costs."""
    trajectory, costs = [params], []
    for _ in range(num_of_iters):
        A2, cache = forward_prop(X, params)
        costs.append(calculate_cost(A2, Y))
        params = update_parameters(params, backward_prop(X, Y, cache, params), learning_rate)
        trajectory.append(params)
    return trajectory, costs


# ----------------------------------------------------------------------------- the same net on autograd_lite


def cost_autodiff(tensors: dict[str, ag.Tensor]) -> ag.Tensor:
    """The same forward pass and averaged cross-entropy, on tensors: the engine finds the gradients.

    The intermediate results carry the text's names, so that ag.viz.explain_backward(cost) and the
    pictures of the graph say Z1, A1, Z2, A2 as backward_prop does."""
    Z1 = tensors["W1"] @ X + tensors["b1"]
    Z1.name = "Z1"
    A1 = ag.tanh(Z1)
    A1.name = "A1"
    Z2 = tensors["W2"] @ A1 + tensors["b2"]
    Z2.name = "Z2"
    A2 = ag.sigmoid(Z2)
    A2.name = "A2"
    cost = nn.functional.binary_cross_entropy(A2, Y)  # mean over the 4 examples
    cost.name = "cost"
    return cost


def as_tensors(params: Params) -> dict[str, ag.Tensor]:
    return {name: ag.Tensor(value, requires_grad=True, name=name) for name, value in params.items()}  # copies


def train_by_autodiff(params: Params, num_of_iters: int, learning_rate: float) -> tuple[list[Params], list[float]]:
    tensors = as_tensors(params)
    optimizer = nn.optim.SGD(tensors.values(), lr=learning_rate)
    trajectory, costs = [params], []
    for _ in range(num_of_iters):
        cost = cost_autodiff(tensors)
        optimizer.zero_grad()
        cost.backward()
        optimizer.step()
        costs.append(cost.item())
        trajectory.append({name: t.data.copy() for name, t in tensors.items()})
    return trajectory, costs


def largest_gap(a: list[Params], b: list[Params]) -> float:
    """The largest |difference| of any parameter element at any step of two trajectories."""
    return max(float(np.max(np.abs(pa[name] - pb[name]))) for pa, pb in zip(a, b) for name in PARAMETER_NAMES)


# ----------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = make_parser(__doc__.splitlines()[0], "accepted for uniformity: the full run takes about a second")
    parser.add_argument("--seed", type=int, default=SEED, help="seed of the initial weights (default 2)")
    args = parse(parser, argv)

    initial = initialize_parameters(N_X, N_H, N_Y, args.seed)

    print("Gradients at the initial weights: autodiff vs the text's backward_prop vs numerical")
    tensors = as_tensors(initial)
    comparison = ag.compare_gradients(
        lambda: cost_autodiff(tensors), tensors,
        hand_grads=lambda: backward_prop(X, Y, forward_prop(X, initial)[1], initial))
    print(comparison)

    hand_trajectory, hand_costs = train_by_hand(initial, NUM_OF_ITERS, LEARNING_RATE)
    auto_trajectory, auto_costs = train_by_autodiff(initial, NUM_OF_ITERS, LEARNING_RATE)
    print("\nTraining (autodiff cost | hand-derived cost)")
    for i in range(0, NUM_OF_ITERS, 100):
        print(f"Cost after iteration# {i:d}: {auto_costs[i]:f} | {hand_costs[i]:f}")
    gap = largest_gap(auto_trajectory, hand_trajectory)
    print(f"largest difference between the two parameter trajectories over {NUM_OF_ITERS} steps: {gap:.1e}")

    trained = auto_trajectory[-1]
    predictions = predict(X, trained)[0]
    for (a, b), y in zip(X.T.astype(int), predictions):
        print(f"Neural Network prediction for example ({a:d}, {b:d}) is {y:d}")
    correct = int(np.sum(predictions == Y[0]))
    print(f"{correct}/4 XOR cases correct")

    cost_gap = max(abs(a - h) for a, h in zip(auto_costs, hand_costs))
    # The two curves coincide: the hand-derived one is drawn wide and pale, autodiff dashed with dots on it.
    save_plot(args.out / "seed000_xor_cost.png", "cost curve", lambda ax: draw_curves(
        ax, {"hand-derived backward_prop": (range(NUM_OF_ITERS), hand_costs, {"linewidth": 6, "alpha": 0.35}),
             "autodiff": (range(NUM_OF_ITERS), auto_costs, {"linestyle": "--", "marker": "o", "markevery": 50,
                                                           "markersize": 4, "color": "C3"})},
        "iteration", "cross-entropy cost",
        f"XOR: the two trainings coincide (largest cost difference {cost_gap:.1e})"))
    save_plot(args.out / "seed000_xor_boundary.png", "decision boundary", lambda ax: draw_decision_boundary(
        ax, lambda points: predict(points.T, trained)[0], X.T, Y[0], "XOR: trained 2-2-1 network"))

    return {"comparison": comparison, "trajectory_gap": gap, "predictions": predictions.tolist(),
            "correct": correct, "costs": auto_costs}


if __name__ == "__main__":
    main()
