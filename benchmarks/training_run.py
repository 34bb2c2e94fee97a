"""(h) seed003's training run: the text's 10,000 SGD iterations of the 784-50-10 net, eager and compiled.

The loop is examples/seed003_mnist.py's `train` without its once-per-epoch
accuracies (the same forward-only work either way), on the example's own
TwoLayerNet: draw 100 training images with replacement, as float64, forward,
cross-entropy, zero_grad, backward, SGD step, loss.item(). The compiled run
passes the same step to ag.compile; its time includes tracing the first call and
verifying the program on the second. Data: real MNIST when nn.data.mnist finds it
(never downloaded here), else MNIST-shaped random pixels and labels (the time does
not depend on the pixel values).

Both runs start from the same weights and draw the same batches. They are timed in
interleaved blocks of iterations, so that the load of a shared machine hits both
alike, and their final weights must agree bit for bit.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

import numpy as np

import timing
from contenders import COMPILED, OURS_NN, Available
from results import Result

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
BLOCK = 500  # iterations per timed block; eager and compiled blocks alternate
TRAIN_SIZE = 60_000


def run(available: Available, iterations: int) -> list[Result]:
    """Seconds for `iterations` iterations of seed003's training loop, eager and through ag.compile."""
    if not (available.engine and available.nn):
        return []
    import autograd_lite as ag
    import nn

    if str(EXAMPLES) not in sys.path:
        sys.path.append(str(EXAMPLES))
    from seed003_mnist import BATCH_SIZE, HIDDEN_SIZE, INPUT_SIZE, LEARNING_RATE, OUTPUT_SIZE, SEED, TwoLayerNet
    from seed003_mnist import as_input

    images, labels, source = _training_data(nn)
    runs = {}
    for contender in (OURS_NN, COMPILED):
        ag.manual_seed(SEED)
        network = TwoLayerNet(INPUT_SIZE, HIDDEN_SIZE, OUTPUT_SIZE)
        step = _sgd_step(network, nn.optim.SGD(network.parameters(), lr=LEARNING_RATE))
        runs[contender] = _Run(network, ag.compile(step) if contender == COMPILED else step, images, labels,
                               np.random.default_rng(SEED), BATCH_SIZE, as_input)
    seconds = {contender: 0.0 for contender in runs}
    done = 0
    while done < iterations:
        block = min(BLOCK, iterations - done)
        for contender, training in runs.items():
            seconds[contender] += training.iterate(block)
        done += block
    eager, compiled = runs[OURS_NN].network, runs[COMPILED].network
    for (name, p), q in zip(eager.named_parameters(), compiled.parameters()):
        if not np.array_equal(p.data, q.data):
            raise AssertionError(f"(h) seed003 training: {name} differs between eager and compiled runs")
    case = f"seed003 training, {iterations:,} iterations ({source})"
    if iterations != 10_000:
        case += "; the text's run is 10,000"
    return [
        Result("h", case, OURS_NN, seconds[OURS_NN], "s in all"),
        Result("h", case, COMPILED, seconds[COMPILED], "s in all", floor=seconds[OURS_NN], versus="eager"),
    ]


class _Run:
    """One training run, advanced a block of iterations at a time."""

    def __init__(self, network, step: Callable, images: np.ndarray, labels: np.ndarray,
                 rng: np.random.Generator, batch_size: int, as_input: Callable) -> None:
        self.network, self.step, self.images, self.labels = network, step, images, labels
        self.rng, self.batch_size, self.as_input = rng, batch_size, as_input
        self.losses: list[float] = []

    def iterate(self, count: int) -> float:
        """Run `count` iterations of the text's loop; the seconds they took."""
        start = timing.now()
        for _ in range(count):
            batch_mask = self.rng.choice(len(self.images), self.batch_size)
            loss = self.step(self.as_input(self.images[batch_mask]), self.labels[batch_mask])
            self.losses.append(loss.item())
        return timing.now() - start


def _sgd_step(network, optimizer) -> Callable:
    def step(x, t):
        loss = network.loss(x, t)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    return step


def _training_data(nn) -> tuple[np.ndarray, np.ndarray, str]:
    """MNIST's training images and labels if nn.data.mnist has them, else random ones of the same shapes."""
    try:
        images, labels = nn.data.mnist(split="train", download=False)
        return images, labels, "MNIST"
    except nn.data.DatasetError:
        rng = np.random.default_rng(0)
        images = rng.random((TRAIN_SIZE, 784), dtype=np.float32)
        return images, rng.integers(0, 10, TRAIN_SIZE), "MNIST-shaped random data"
