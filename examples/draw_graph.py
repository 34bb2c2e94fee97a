"""Pictures of computation graphs: the XOR network before and after backward, and the MNIST net.

    python examples/draw_graph.py              # writes into ./outputs/graphs
    python examples/draw_graph.py --out DIR

For each graph it writes NAME.dot (the Graphviz source), NAME.svg and NAME.png:

- xor_before_backward: the forward graph of the XOR network's BCE loss, with every value;
- xor_after_backward: the same graph after loss.backward(retain_graph=True), with every
  gradient (retain_graph=True keeps the gradients of the intermediate results for the picture);
- xor_loss_folded: the same, with the BCELoss drawn as one box (collapse=["BCELoss"]);
- mnist_two_layer_net: the 784-50-10 sigmoid / softmax-cross-entropy net of the MNIST notes on a
  random batch of 8 "images", after backward, with min/mean/max of values and gradients.

The parameter boxes are named by their place in the model ("0.weight") without any naming here.
Rendering needs Graphviz's `dot` program (apt-get install graphviz, brew install graphviz, ...);
without it the .dot files are still written, and the example says how to render them.
"""
from __future__ import annotations

import argparse
import os

import numpy as np

import autograd_lite as ag
import nn

FORMATS = ("svg", "png")


class Drawer:
    """Writes each graph's .dot file, and its pictures while Graphviz's dot is there."""

    def __init__(self, out_dir: str) -> None:
        self.out_dir = out_dir
        self.written: list[str] = []  # pictures rendered
        self.dot_files: list[str] = []
        self.missing_dot: ag.viz.GraphvizNotFoundError | None = None

    def draw(self, loss: ag.Tensor, name: str, **options) -> None:
        path = os.path.join(self.out_dir, name)
        self.dot_files.append(path + ".dot")
        try:
            for fmt in FORMATS:
                self.written.append(ag.viz.draw_graph(loss, path=path, format=fmt, **options))
        except ag.viz.GraphvizNotFoundError as error:  # raised after writing the .dot file
            self.missing_dot = error

    def report(self) -> str:
        folder = os.path.abspath(self.out_dir)
        if self.missing_dot is None:
            return "\n".join([f"graphs written to {folder}:", *("  " + os.path.basename(p) for p in self.written)])
        return "\n".join([
            f"Graphviz's `dot` program is not on PATH, so only the DOT sources were written, to {folder}:",
            *("  " + os.path.basename(p) for p in self.dot_files),
            "Install Graphviz:", self.missing_dot.install_help,
            "then run this example again, or render each file yourself:",
            f"  for f in {self.out_dir}/*.dot; do dot -Tpng \"$f\" -o \"${{f%.dot}}.png\"; done",
        ])


def xor_graphs(drawer: Drawer) -> None:
    """2-4-1 tanh/sigmoid network with BCE loss on the four XOR points, before and after backward."""
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1), nn.Sigmoid())
    X, y = nn.data.xor()
    x, target = ag.tensor(X, name="x"), ag.tensor(y, name="y")
    loss = nn.BCELoss()(model(x), target)
    loss.name = "loss"
    drawer.draw(loss, "xor_before_backward", show_values=True)
    loss.backward(retain_graph=True)
    drawer.draw(loss, "xor_after_backward", show_grads=True)
    drawer.draw(loss, "xor_loss_folded", show_grads=True, collapse=["BCELoss"])


def mnist_graph(drawer: Drawer) -> None:
    """784-50-10 sigmoid network with softmax cross-entropy, on a random batch of 8 'images'."""
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 50), nn.Sigmoid(), nn.Linear(50, 10))
    images = ag.rand(8, 784)
    images.name = "images"
    labels = np.random.default_rng(0).integers(0, 10, size=8)  # class indices: data, not a graph node
    loss = nn.CrossEntropyLoss()(model(images), labels)
    loss.name = "loss"
    loss.backward(retain_graph=True)
    drawer.draw(loss, "mnist_two_layer_net", show_values=True, show_grads=True)


def main(argv: list[str] | None = None) -> list[str]:
    """Draw all graphs; returns the paths of the pictures written (none when dot is missing)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join("outputs", "graphs"), help="output folder")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    drawer = Drawer(args.out)
    xor_graphs(drawer)
    mnist_graph(drawer)
    print(drawer.report())
    return drawer.written


if __name__ == "__main__":
    main()
