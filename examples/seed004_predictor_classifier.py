"""Seed 004 — "python的神经网络入门(理论部分)": the worked numbers of "Make Your Own Neural Network".

Every number the text works out by hand, computed with autograd_lite:

1. the km → miles predictor miles = c · km: the text's guesses c = 0.5, 0.6,
   0.7 and their errors, then c learned from the error toward 0.621371;
2. the caterpillar/ladybird classifier y = A x with learning rate L = 0.5:
   A = 0.25 → 0.3083 → 1.6042 (and, without moderation, A jumps to 2.9);
3. a two-input neuron layer: 1.0·0.9 + 0.5·0.3 = 1.05 → sigmoid 0.7408;
4. the worked weight update w11 = 2.0 → 2.00265, its gradient by autodiff.

The text's rule ΔA = L · E / x (E = t - A x is the error) is gradient descent
with learning rate L on ½ (E / x)²: d/dA ½ ((t - A x) / x)² = -E / x. So the
predictor and the classifier are trained by differentiating that loss.

    python examples/seed004_predictor_classifier.py [--out DIR]
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from _plotting import save_plot
from _seed_cli import make_parser, parse

import autograd_lite as ag
import nn

KM, MILES = 100.0, 62.137          # the text's training example
MILES_PER_KM = 0.621371            # the true factor the predictor should approach
CLASSIFIER_EXAMPLES = ((3.0, 1.1), (1.0, 2.9))   # (width, length just above the boundary)
LEARNING_RATE = 0.5


def slope_loss(slope: ag.Tensor, x: float, target: float) -> ag.Tensor:
    """½ (E / x)² with E = target - slope · x: its gradient is -E / x, the text's rule."""
    return 0.5 * ((target - slope * x) / x) ** 2


def learn_slope(start: float, examples: Sequence[tuple[float, float]], learning_rate: float) -> list[float]:
    """One gradient step on slope_loss per example; returns the slope after each step (start first)."""
    slope = ag.Tensor(start, requires_grad=True, name="slope")
    optimizer = nn.optim.SGD([slope], lr=learning_rate)
    history = [slope.item()]
    for x, target in examples:
        optimizer.zero_grad()
        slope_loss(slope, x, target).backward()
        optimizer.step()
        history.append(slope.item())
    return history


def predictor() -> list[float]:
    print("1. Predictor: miles = c * km, trained on 100 km = 62.137 miles")
    for c in (0.5, 0.6, 0.7):
        print(f"   c = {c}: {KM:g} km -> {c * KM:.3f} miles, error = {MILES:.3f} - {c * KM:.3f} = {MILES - c * KM:.3f}")
    # (The text prints -7.836 for c = 0.7, a transposition of -7.863.)
    history = learn_slope(0.5, [(KM, MILES)] * 20, LEARNING_RATE)
    for step in (1, 2, 3, 20):
        print(f"   learned, step {step:2d}: c = {history[step]:.6f}")
    print(f"   c -> {history[-1]:.6f} (true miles per km: {MILES_PER_KM})")
    return history


def classifier() -> tuple[list[float], list[float]]:
    print("\n2. Classifier: y = A x separating caterpillars from ladybirds, A = 0.25 at first")
    unmoderated = learn_slope(0.25, CLASSIFIER_EXAMPLES, 1.0)
    print(f"   without moderation (L = 1): A = {unmoderated[1]:.4f}, then {unmoderated[2]:.4f} "
          "(each step fits the last example alone)")
    history = learn_slope(0.25, CLASSIFIER_EXAMPLES, LEARNING_RATE)
    for (x, target), before, after in zip(CLASSIFIER_EXAMPLES, history, history[1:]):
        y = before * x
        print(f"   L = {LEARNING_RATE}: x = {x}, y = {before:.4f} * {x} = {y:.4f}, E = {target} - {y:.4f} = "
              f"{target - y:.4f}, dA = L * E / x = {after - before:.4f}, A = {after:.4f}")
    return history, unmoderated


def neuron_layer() -> list[float]:
    print("\n3. A layer of two sigmoid neurons, inputs (1.0, 0.5)")
    weights = ag.tensor([[0.9, 0.3],    # w11, w21: into neuron 1
                         [0.2, 0.8]])   # w12, w22: into neuron 2
    inputs = ag.tensor([1.0, 0.5])
    combined = weights @ inputs
    outputs = ag.sigmoid(combined)
    for k in range(2):
        print(f"   neuron {k + 1}: x = {combined.data[k]:.2f}, y = 1 / (1 + e^-x) = {outputs.data[k]:.4f}")
    return outputs.data.tolist()


def weight_update() -> dict[str, float]:
    """w11 = 2.0 feeds the output neuron with w21 = 3.0 from hidden outputs 0.4 and 0.5; the
    output's error is e1 = 0.8. The text's gradient -e · s(Σ)(1 - s(Σ)) · o_j is that of ½ (t - o)²
    (it drops the 2 of (t - o)²), with the target t = o + e1."""
    print("\n4. Updating w11 by gradient descent (learning rate 0.1)")
    weights = ag.tensor([2.0, 3.0], requires_grad=True, name="w11, w21")
    hidden_outputs = ag.tensor([0.4, 0.5])
    combined = weights @ hidden_outputs
    output = ag.sigmoid(combined)
    target = output.item() + 0.8                     # a constant: the error is e1 = 0.8
    loss = 0.5 * (target - output) ** 2
    loss.backward()
    gradient = float(weights.grad.data[0])
    optimizer = nn.optim.SGD([weights], lr=0.1)
    optimizer.step()
    sigmoid = output.item()
    print(f"   sum = 2.0*0.4 + 3.0*0.5 = {combined.item():.1f}, sigmoid = {sigmoid:.3f}, "
          f"s(1 - s) = {sigmoid * (1 - sigmoid):.3f}")
    print(f"   dE/dw11 by autodiff = {gradient:.4f}, change = -(0.1 * {gradient:.4f}) = {-0.1 * gradient:+.5f}")
    print(f"   new w11 = {weights.data[0]:.5f}")
    return {"sum": combined.item(), "sigmoid": sigmoid, "gradient": gradient, "w11": float(weights.data[0])}


def draw_classifier(axes: Any, slopes: Sequence[float]) -> None:
    xs = np.linspace(0, 4, 50)
    for label, slope in zip(("start", "after example 1", "after example 2"), slopes):
        axes.plot(xs, slope * xs, label=f"{label}: A = {slope:.4f}")
    widths, lengths = zip(*CLASSIFIER_EXAMPLES)
    axes.scatter(widths, lengths, color="k", zorder=3, label="training examples")
    axes.set(xlabel="width", ylabel="length", title="Caterpillar / ladybird boundary y = A x (L = 0.5)")
    axes.legend()


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = make_parser(__doc__.splitlines()[0], "accepted for uniformity: the full run is instant")
    args = parse(parser, argv)
    c_history = predictor()
    slopes, unmoderated = classifier()
    layer_outputs = neuron_layer()
    update = weight_update()
    save_plot(args.out / "seed004_classifier.png", "classifier lines", lambda ax: draw_classifier(ax, slopes))
    return {"c_history": c_history, "slopes": slopes, "unmoderated_slopes": unmoderated,
            "layer_outputs": layer_outputs, **update}


if __name__ == "__main__":
    main()
