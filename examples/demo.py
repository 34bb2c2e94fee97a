"""The three things autograd_lite is for, in one run on the XOR problem.

1. Define a model and get gradients automatically (nn, backward, SGD).
2. Check those gradients against the numerical oracle (central differences).
3. See the computation graph, with gradients, as a Graphviz picture.

    python examples/demo.py [--out DIR] [--epochs N]
"""
from __future__ import annotations

import argparse
from pathlib import Path


import autograd_lite as ag
import nn


def build_model() -> nn.Sequential:
    ag.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1), nn.Sigmoid())


def train(model: nn.Sequential, X: ag.Tensor, y: ag.Tensor, epochs: int) -> list[float]:
    optimizer = nn.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    losses = []
    for _ in range(epochs):
        loss = nn.functional.binary_cross_entropy(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="outputs/demo", help="folder for the graph pictures")
    parser.add_argument("--epochs", type=int, default=500)
    args = parser.parse_args(argv)

    X_data, y_data = nn.data.xor()
    X, y = ag.tensor(X_data, name="X"), ag.tensor(y_data, name="y")

    print("1. Training a 2-4-1 tanh/sigmoid network on XOR with autodiff and SGD")
    model = build_model()
    print(model)
    losses = train(model, X, y, args.epochs)
    for epoch in (0, args.epochs // 4, args.epochs // 2, args.epochs - 1):
        print(f"   epoch {epoch + 1:4d}  loss {losses[epoch]:.6f}")
    with ag.no_grad():
        predictions = model(X).data
    for inputs, target, p in zip(X_data, y_data, predictions):
        print(f"   {int(inputs[0])} XOR {int(inputs[1])} = {int(target[0])}   predicted {p[0]:.4f}")
    correct = int(((predictions > 0.5) == (y_data > 0.5)).sum())
    print(f"   {correct}/4 correct")

    print("\n2. Autodiff against the numerical gradient (central differences)")
    comparison = ag.compare_gradients(lambda: nn.functional.binary_cross_entropy(model(X), y), model)
    print(comparison)

    print("\n3. The graph of the loss, with every gradient after backward")
    picture = draw_picture(model, X, y, Path(args.out))
    return {"losses": losses, "correct": correct, "comparison": comparison, "picture": picture}


def draw_picture(model: nn.Sequential, X: ag.Tensor, y: ag.Tensor, out: Path) -> str | None:
    """Draw the loss's graph with every gradient to out/xor_graph.svg; None where dot is missing."""
    loss = nn.functional.binary_cross_entropy(model(X), y)
    loss.name = "loss"
    loss.backward(retain_graph=True)  # retain_graph keeps intermediate values and gradients for the picture
    out.mkdir(parents=True, exist_ok=True)
    try:
        picture = ag.viz.draw_graph(loss, path=str(out / "xor_graph"), format="svg", show_grads=True)
    except ag.viz.GraphvizNotFoundError as error:  # the DOT file is written all the same
        print("   " + str(error).replace("\n", "\n   "))
        return None
    print(f"   wrote {picture}")
    return picture


if __name__ == "__main__":
    main()
