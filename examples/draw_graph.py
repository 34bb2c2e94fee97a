"""Pictures of computation graphs: the XOR network before and after backward, and the MNIST net.

    python examples/draw_graph.py              # writes into ./outputs/graphs
    python examples/draw_graph.py --out DIR

For each graph it writes NAME.dot (the Graphviz source), NAME.svg and NAME.png:

- xor_before_backward: the forward graph of the XOR network's BCE loss, with every value;
- xor_after_backward: the same graph after loss.backward(retain_graph=True), with every
  gradient (retain_graph=True keeps the gradients of the intermediate results for the picture);
- mnist_two_layer_net: the 784-50-10 sigmoid / softmax-cross-entropy net of the MNIST notes on a
  random batch of 8 "images", after backward, with min/mean/max of values and gradients.

Graphviz's `dot` program must be installed (apt-get install graphviz, brew install graphviz, ...).
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

import autograd_lite as ag
import nn

FORMATS = ("svg", "png")


def name_parameters(model: nn.Module) -> None:
    """Label each parameter box with its state_dict name ("0.weight", ...)."""
    for name, parameter in model.named_parameters():
        parameter.name = name


def draw(loss: ag.Tensor, out_dir: str, name: str, **options) -> list[str]:
    path = os.path.join(out_dir, name)
    return [ag.viz.draw_graph(loss, path=path, format=fmt, **options) for fmt in FORMATS]


def xor_graphs(out_dir: str) -> list[str]:
    """2-4-1 tanh/sigmoid network with BCE loss on the four XOR points, before and after backward."""
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1), nn.Sigmoid())
    name_parameters(model)
    X, y = nn.data.xor()
    x, target = ag.tensor(X, name="x"), ag.tensor(y, name="y")
    loss = nn.BCELoss()(model(x), target)
    loss.name = "loss"
    # Top to bottom suits this narrow, deep graph; to_dot's default is left to right.
    written = draw(loss, out_dir, "xor_before_backward", show_values=True, rankdir="TB")
    loss.backward(retain_graph=True)
    written += draw(loss, out_dir, "xor_after_backward", show_grads=True, rankdir="TB")
    return written


def mnist_graph(out_dir: str) -> list[str]:
    """784-50-10 sigmoid network with softmax cross-entropy, on a random batch of 8 'images'."""
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 50), nn.Sigmoid(), nn.Linear(50, 10))
    name_parameters(model)
    images = ag.rand(8, 784)
    images.name = "images"
    labels = np.random.default_rng(0).integers(0, 10, size=8)  # class indices: data, not a graph node
    loss = nn.CrossEntropyLoss()(model(images), labels)
    loss.name = "loss"
    loss.backward(retain_graph=True)
    return draw(loss, out_dir, "mnist_two_layer_net", show_values=True, show_grads=True)


def main(argv: list[str] | None = None) -> list[str]:
    """Draw all graphs; returns the paths of the pictures written."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("outputs", "graphs"), help="output folder")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    try:
        written = xor_graphs(args.out) + mnist_graph(args.out)
    except ag.viz.GraphvizNotFoundError as error:
        sys.exit(str(error))
    print(f"graphs written to {os.path.abspath(args.out)}:")
    for path in written:
        print("  " + os.path.basename(path))
    return written


if __name__ == "__main__":
    main()
