"""Seed 003 — "两层神经网络的实现": the 784-50-10 TwoLayerNet learns MNIST digits.

The text (深度学习入门 notes) trains a two-layer net, sigmoid hidden layer and
softmax output with cross-entropy, weights drawn as 0.01 · randn, on
mini-batches of 100 random training images with learning rate 0.1 for 10,000
iterations, and computes every gradient numerically, then complains that
training is extremely slow and promises backpropagation as the cure.

Here the same net is an nn.Module whose gradients come from autograd_lite.
Before training, the text's gradient check runs on the first 3 training
images: numerical vs autodiff (and vs the backprop formulas of the next
chapter, derived by hand), reporting the mean absolute difference per
parameter, and one numerical gradient is timed against one autodiff gradient.
Train and test accuracy are printed once per epoch (600 iterations).

    python examples/seed003_mnist.py [--fast] [--iters N] [--data DIR] [--out DIR]

MNIST is read by nn.data.mnist from --data DIR, else $AUTOGRAD_LITE_DATA, else
~/.cache/autograd_lite/mnist (downloaded there when missing); a missing or
damaged file ends the run with one line saying what to do.
--fast trains for 1,500 iterations instead of 10,000 (about 89.5% test
accuracy) and runs the gradient check on a reduced 784-3-10 net, since the
full check evaluates the loss 79,520 times.
"""
from __future__ import annotations

import time
from typing import Any, Sequence

import numpy as np
from _plotting import draw_curves, save_plot
from _progress import EvaluationProgress, Progress
from _seed_cli import add_data_option, load_mnist, make_parser, parse

import autograd_lite as ag
import nn

INPUT_SIZE, HIDDEN_SIZE, OUTPUT_SIZE = 784, 50, 10
WEIGHT_INIT_STD = 0.01
BATCH_SIZE = 100
LEARNING_RATE = 0.1
ITERS_NUM = 10_000
FAST_ITERS_NUM = 1_500
FAST_CHECK_HIDDEN_SIZE = 3
CHECK_BATCH = 3          # the gradient check uses x_train[:3], t_train[:3]
SEED = 0


class TwoLayerNet(nn.Module):
    """The text's TwoLayerNet: W1 (input, hidden), b1, W2 (hidden, output), b2, computing x @ W1 + b1.

    forward() returns the scores a2; the loss takes softmax and cross-entropy
    together (nn.functional.cross_entropy, stable for any scores), which is
    the text's cross_entropy_error(softmax(a2), t).
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int,
                 weight_init_std: float = WEIGHT_INIT_STD) -> None:
        super().__init__()
        self.W1 = nn.init.normal_(nn.Parameter(ag.zeros(input_size, hidden_size)), std=weight_init_std)
        self.b1 = nn.Parameter(ag.zeros(hidden_size))
        self.W2 = nn.init.normal_(nn.Parameter(ag.zeros(hidden_size, output_size)), std=weight_init_std)
        self.b2 = nn.Parameter(ag.zeros(output_size))

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        z1 = nn.functional.sigmoid(x @ self.W1 + self.b1)
        return z1 @ self.W2 + self.b2

    def predict(self, x: ag.Tensor) -> ag.Tensor:
        """Class probabilities, softmax(a2), as in the text."""
        return nn.functional.softmax(self(x), axis=1)

    def loss(self, x: ag.Tensor, t: np.ndarray) -> ag.Tensor:
        return nn.functional.cross_entropy(self(x), t)

    def accuracy(self, x: np.ndarray, t: np.ndarray, chunk: int = 10_000) -> float:
        """Fraction of argmax predictions equal to the labels (in chunks, to bound memory)."""
        correct = 0
        with ag.no_grad():
            for start in range(0, len(x), chunk):
                scores = self(as_input(x[start:start + chunk])).data
                correct += int(np.sum(scores.argmax(axis=1) == t[start:start + chunk]))
        return correct / len(x)

    def gradient_by_hand(self, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        """The next chapter's backpropagation, derived by hand, in NumPy."""
        W1, b1, W2, b2 = (p.data for p in (self.W1, self.b1, self.W2, self.b2))
        z1 = 1 / (1 + np.exp(-(x @ W1 + b1)))
        a2 = z1 @ W2 + b2
        y = np.exp(a2 - a2.max(axis=1, keepdims=True))
        y /= y.sum(axis=1, keepdims=True)
        dy = (y - np.eye(a2.shape[1])[t]) / len(x)    # softmax + cross-entropy: (y - t) / batch
        da1 = (dy @ W2.T) * z1 * (1 - z1)             # sigmoid'(a) = z (1 - z)
        return {"W1": x.T @ da1, "b1": da1.sum(axis=0), "W2": z1.T @ dy, "b2": dy.sum(axis=0)}


def as_input(images: np.ndarray) -> ag.Tensor:
    """MNIST comes as float32 pixels in [0, 1]; the net (and the gradient check) works in float64."""
    return ag.Tensor(images.astype(np.float64))


# ----------------------------------------------------------------------------- before training


def gradient_check(network: TwoLayerNet, x: np.ndarray, t: np.ndarray) -> ag.GradientComparison:
    """The text's check: numerical vs autodiff gradients on a small batch, plus the hand-derived one."""
    inputs = as_input(x)
    comparison = ag.compare_gradients(lambda: network.loss(inputs, t), network,
                                      hand_grads=lambda: network.gradient_by_hand(inputs.data, t),
                                      progress=EvaluationProgress("gradient check: numerical gradient"))
    print(comparison)
    print("mean absolute difference, autodiff vs numerical (the text's check):")
    for row in comparison.parameters:
        print(f"  {row.name}: {row.difference('autodiff', 'numerical').mean_abs:.3e}")
    return comparison


def cpu_seconds(fn: Any) -> float:
    """The CPU time this process spends in fn()."""
    start = time.process_time()
    fn()
    return time.process_time() - start


def numerical_training_estimate(x_batch: np.ndarray, t_batch: np.ndarray, iters: int) -> dict[str, float]:
    """What the text's training loop would cost with numerical gradients, from measured loss times.

    One numerical gradient evaluates the loss twice per parameter element; the
    time of one loss evaluation on a training batch (the text's 100 images) is
    measured, not assumed. Times are the process's CPU time: on a shared machine
    the wall-clock time of the same evaluation varies tenfold with the load of
    other programs, its CPU time far less.
    """
    network = TwoLayerNet(INPUT_SIZE, HIDDEN_SIZE, OUTPUT_SIZE)
    inputs = as_input(x_batch)
    elements = sum(p.size for p in network.parameters())
    loss_times, autodiff_times = [], []
    for _ in range(21):   # interleaved, so that both see the same machine load
        with ag.no_grad():
            loss_times.append(cpu_seconds(lambda: network.loss(inputs, t_batch)))
        autodiff_times.append(cpu_seconds(lambda: ag.grad(network.loss(inputs, t_batch), list(network.parameters()))))
    loss_seconds, autodiff_seconds = float(np.median(loss_times)), float(np.median(autodiff_times))
    numerical_seconds = 2 * elements * loss_seconds
    print(f"on a training batch of {len(x_batch)} (CPU time): one autodiff gradient {autodiff_seconds * 1e3:.2f} ms; "
          f"one numerical gradient = {2 * elements:,} loss evaluations x {loss_seconds * 1e3:.2f} ms "
          f"= {numerical_seconds:.0f} s (estimated), {numerical_seconds / autodiff_seconds:,.0f}x slower")
    print(f"{iters:,} training iterations with numerical gradients: about {iters * numerical_seconds / 3600:,.0f} hours; "
          f"with autodiff: about {iters * autodiff_seconds:.0f} s of gradient computation")
    print(f"(the gradient check above evaluates the loss on {CHECK_BATCH} images, which is cheaper per evaluation: "
          "extrapolating its time would underestimate the text's training)")
    return {"autodiff_seconds": autodiff_seconds, "numerical_seconds": numerical_seconds,
            "ratio": numerical_seconds / autodiff_seconds}


# ----------------------------------------------------------------------------- training


def train(network: TwoLayerNet, data: tuple[np.ndarray, ...], iters: int, seed: int) -> dict[str, list]:
    """The text's loop: random mini-batch (with replacement), gradient, SGD step; accuracies once per epoch."""
    x_train, t_train, x_test, t_test = data
    train_size = len(x_train)
    iter_per_epoch = max(train_size // BATCH_SIZE, 1)
    rng = np.random.default_rng(seed)
    optimizer = nn.optim.SGD(network.parameters(), lr=LEARNING_RATE)
    history: dict[str, list] = {"loss": [], "epoch_iteration": [], "train_acc": [], "test_acc": []}
    progress = Progress(iters, "training", every=500)
    for i in range(1, iters + 1):
        batch_mask = rng.choice(train_size, BATCH_SIZE)
        loss = network.loss(as_input(x_train[batch_mask]), t_train[batch_mask])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history["loss"].append(loss.item())
        progress.update(loss=history["loss"][-1])
        if i % iter_per_epoch == 0 or i == iters:
            train_acc, test_acc = network.accuracy(x_train, t_train), network.accuracy(x_test, t_test)
            history["epoch_iteration"].append(i)
            history["train_acc"].append(train_acc)
            history["test_acc"].append(test_acc)
            progress.write(f"epoch {i / iter_per_epoch:5.2f} (iteration {i:5d}): "
                           f"train acc, test acc | {train_acc:.4f}, {test_acc:.4f}")
    progress.close()
    return history


def plot(history: dict[str, list], out: Any) -> None:
    steps = range(1, len(history["loss"]) + 1)
    save_plot(out / "seed003_loss.png", "loss curve", lambda ax: draw_curves(
        ax, {"mini-batch loss": (steps, history["loss"])}, "iteration", "cross-entropy", "TwoLayerNet on MNIST"))
    save_plot(out / "seed003_accuracy.png", "accuracy curves", lambda ax: draw_curves(
        ax, {"train": (history["epoch_iteration"], history["train_acc"]),
             "test": (history["epoch_iteration"], history["test_acc"])},
        "iteration", "accuracy", "TwoLayerNet on MNIST: accuracy per epoch"))


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = make_parser(__doc__.splitlines()[0], f"{FAST_ITERS_NUM:,} iterations and the gradient check on a "
                                                  f"784-{FAST_CHECK_HIDDEN_SIZE}-10 net")
    parser.add_argument("--iters", type=int, default=None, help=f"training iterations (default {ITERS_NUM:,})")
    add_data_option(parser)
    parser.add_argument("--seed", type=int, default=SEED, help="seed of weights and mini-batches")
    args = parse(parser, argv)
    iters = args.iters or (FAST_ITERS_NUM if args.fast else ITERS_NUM)

    x_train, t_train, x_test, t_test = load_mnist(parser, args.data)
    print(f"MNIST: {len(x_train):,} training and {len(x_test):,} test images")

    ag.manual_seed(args.seed)
    hidden = FAST_CHECK_HIDDEN_SIZE if args.fast else HIDDEN_SIZE
    print(f"\nGradient check on x_train[:{CHECK_BATCH}], {INPUT_SIZE}-{hidden}-{OUTPUT_SIZE} net"
          + (" (reduced for --fast)" if args.fast else ""))
    check = gradient_check(TwoLayerNet(INPUT_SIZE, hidden, OUTPUT_SIZE), x_train[:CHECK_BATCH], t_train[:CHECK_BATCH])
    print()
    estimate = numerical_training_estimate(x_train[:BATCH_SIZE], t_train[:BATCH_SIZE], ITERS_NUM)

    network = TwoLayerNet(INPUT_SIZE, HIDDEN_SIZE, OUTPUT_SIZE)
    print(f"\nTraining {INPUT_SIZE}-{HIDDEN_SIZE}-{OUTPUT_SIZE} for {iters:,} iterations "
          f"(batch {BATCH_SIZE}, lr {LEARNING_RATE})")
    start = time.perf_counter()
    history = train(network, (x_train, t_train, x_test, t_test), iters, args.seed)
    seconds = time.perf_counter() - start
    print(f"final: train acc {history['train_acc'][-1]:.4f}, test acc {history['test_acc'][-1]:.4f} "
          f"after {iters:,} iterations in {seconds:.1f} s")
    plot(history, args.out)
    return {"check": check, "estimate": estimate, "history": history, "train_seconds": seconds,
            "train_acc": history["train_acc"][-1], "test_acc": history["test_acc"][-1]}


if __name__ == "__main__":
    main()
