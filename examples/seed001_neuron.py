"""Seed 001 — "Python 中的简单神经网络": one sigmoid neuron learns "output = first input".

The text trains three weights (all 0.5 at the start, no bias) on six samples
of three 0/1 features for 25,000 full-batch steps of

    w += Xᵀ ((y - ŷ) · ŷ (1 - ŷ)),        ŷ = sigmoid(X w).

That update is plain gradient descent (learning rate 1) on the sum of squared
errors halved, E = ½ Σ (y - ŷ)²: its gradient is dE/dw = -Xᵀ((y - ŷ) ŷ(1 - ŷ)).
So here the neuron is trained by writing down E and letting autograd_lite
differentiate it, and it predicts the text's numbers, 0.99089925 for [1, 1, 0]
and 0.006409 for [0, 1, 1].

    python examples/seed001_neuron.py [--out DIR]
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from _plotting import draw_curves, save_plot
from _seed_cli import make_parser, parse

import autograd_lite as ag
import nn

INPUTS = np.array([[0, 1, 0],
                   [0, 1, 1],
                   [0, 0, 0],
                   [1, 0, 0],
                   [1, 1, 1],
                   [1, 0, 1]], dtype=float)
OUTPUTS = np.array([[0], [0], [0], [1], [1], [1]], dtype=float)   # = the first column
EPOCHS = 25_000
EXAMPLES = (np.array([[1, 1, 0]], dtype=float), np.array([[0, 1, 1]], dtype=float))


def predict(weights: ag.Tensor, inputs: np.ndarray = INPUTS) -> ag.Tensor:
    """ŷ = sigmoid(X w): the text's feed_forward() and predict()."""
    return ag.sigmoid(inputs @ weights)


def squared_error(prediction: ag.Tensor) -> ag.Tensor:
    """E = ½ Σ (y - ŷ)²: the loss whose gradient descent is the text's update rule."""
    return 0.5 * ((OUTPUTS - prediction) ** 2).sum()


def text_update(weights: np.ndarray) -> np.ndarray:
    """The text's backpropagation() step, Xᵀ((y - ŷ) ŷ(1 - ŷ)): this is -dE/dw, derived by hand."""
    hidden = 1 / (1 + np.exp(-(INPUTS @ weights)))
    return INPUTS.T @ ((OUTPUTS - hidden) * hidden * (1 - hidden))


def train(weights: ag.Tensor, epochs: int) -> list[float]:
    """Full-batch gradient descent with learning rate 1; returns the text's error history,
    the mean |y - ŷ| of each epoch (the text plots that, not E)."""
    optimizer = nn.optim.SGD([weights], lr=1.0)
    error_history = []
    for _ in range(epochs):
        prediction = predict(weights)
        loss = squared_error(prediction)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        error_history.append(float(np.mean(np.abs(OUTPUTS - prediction.data))))
    return error_history


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = make_parser(__doc__.splitlines()[0],
                         "accepted for uniformity: the text's 25,000 steps are needed for its numbers")
    args = parse(parser, argv)

    weights = ag.Tensor(np.full((3, 1), 0.5), requires_grad=True, name="weights")

    print("Gradient at the initial weights: autodiff of E vs the text's update (negated) vs numerical")
    print(ag.compare_gradients(lambda: squared_error(predict(weights)), {"weights": weights},
                            hand_grads=lambda: {"weights": -text_update(weights.data)}))

    error_history = train(weights, EPOCHS)
    print(f"\ntrained weights after {EPOCHS:,} steps: {weights.data.ravel()}")
    predictions = []
    with ag.no_grad():
        for example in EXAMPLES:
            prediction = predict(weights, example).data
            print(prediction, " - Correct: ", int(example[0][0]))
            predictions.append(float(prediction[0, 0]))

    save_plot(args.out / "seed001_loss.png", "loss curve", lambda ax: draw_curves(
        ax, {"mean |error|": (range(1, EPOCHS + 1), error_history)}, "Epoch (log scale)", "Loss (log scale)",
        "Single neuron: error per epoch", log_y=True, log_x=True),
        figsize=(15, 5))
    return {"predictions": predictions, "weights": weights.data.ravel().tolist(), "error_history": error_history}


if __name__ == "__main__":
    main()
