"""Train the MNIST notes' two-layer net (784-50-10, sigmoid) with nn, and print the test accuracy.

    python examples/mnist_mlp.py                     # one epoch, batch 100, lr 0.5
    python examples/mnist_mlp.py --epochs 5 --lr 0.1

The network, loss, optimizer and mini-batches all come from nn: Linear,
Sigmoid, CrossEntropyLoss (softmax included), SGD and DataLoader. MNIST is read
by nn.data.mnist() from --data DIR, else $AUTOGRAD_LITE_DATA, else
~/.cache/autograd_lite/mnist (downloaded there if absent); a missing or
damaged file ends the run with one line saying what to do.
"""
from __future__ import annotations

import argparse
import time
from typing import Sequence

import numpy as np
from _progress import Progress
from _seed_cli import add_data_option, load_mnist

import autograd_lite as ag
import nn


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0, help="seeds initialisation and shuffling")
    add_data_option(parser)
    return parser


def accuracy(model: nn.Module, X: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of images whose largest logit is the right digit."""
    with ag.no_grad():  # evaluation only: no graph
        predictions = model(ag.tensor(X)).argmax(axis=1).data
    return float((predictions == labels).mean())


def main(argv: Sequence[str] | None = None) -> float:
    parser = make_parser()
    args = parser.parse_args(argv)
    X_train, y_train, X_test, y_test = load_mnist(parser, args.data)

    ag.manual_seed(args.seed)
    # float32 parameters, like the images, so the whole training step runs in float32
    model = nn.Sequential(nn.Linear(784, 50, dtype=np.float32), nn.Sigmoid(), nn.Linear(50, 10, dtype=np.float32))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = nn.optim.SGD(model.parameters(), lr=args.lr)
    batches = nn.data.DataLoader(X_train, y_train, batch_size=args.batch_size, shuffle=True)
    print(model)

    for epoch in range(1, args.epochs + 1):
        start, total_loss = time.perf_counter(), 0.0
        progress = Progress(len(batches), f"epoch {epoch}")
        for images, labels in batches:
            loss = loss_fn(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total_loss += loss.item()
            progress.update(loss=loss.item())
        progress.close()
        test_accuracy = accuracy(model, X_test, y_test)
        print(f"epoch {epoch}: mean train loss {total_loss / len(batches):.4f}, "
              f"test accuracy {test_accuracy:.2%} ({time.perf_counter() - start:.1f} s; "
              f"batch size {args.batch_size}, lr {args.lr})")
    return test_accuracy


if __name__ == "__main__":
    main()
