"""examples/mnist_cnn.py --fast: real MNIST when present (else skipped), synthetic digits otherwise."""
from __future__ import annotations

import contextlib
import io
import shutil
import sys

import numpy as np
import pytest
from _seed_runner import load_example

import autograd_lite as ag


def run_main(*args: str) -> tuple[dict, str]:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        history = load_example("mnist_cnn").main(["--fast", *args])
    return history, printed.getvalue()


@pytest.fixture(scope="module")
def mnist_run(tmp_path_factory, full_mnist):
    """--fast on the real MNIST files, with the plain progress lines (tqdm hidden) and the graph picture."""
    graph = tmp_path_factory.mktemp("mnist_cnn") / "graph"
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "tqdm", None)  # `from tqdm import tqdm` now raises ImportError
        history, printed = run_main("--graph", str(graph)) if shutil.which("dot") else run_main()
    return history, printed, graph


def test_fast_run_on_mnist_learns(mnist_run):
    history, printed, _ = mnist_run
    assert history["source"] == "MNIST"
    assert len(history["test_accuracy"]) == 2
    assert history["test_accuracy"][-1] > 0.7  # 2,000 images, 2 epochs (about 81%); chance is 10%
    assert history["train_loss"][1] < history["train_loss"][0] < 2.3
    assert "MNIST: 2000 training and 1000 test images, batch size 64" in printed
    for epoch in (1, 2):
        accuracy = history["test_accuracy"][epoch - 1]
        assert f"epoch {epoch}/2: train loss {history['train_loss'][epoch - 1]:.4f}" in printed
        assert f"test accuracy {accuracy:.2%}" in printed


def test_plain_progress_without_tqdm(mnist_run):
    _, printed, _ = mnist_run
    for done in (3, 6, 30, 32):  # every tenth of the 32 batches, and the last
        assert f"epoch 2/2: {done}/32 batches, " in printed
    assert "epoch 2/2: 4/32 batches" not in printed


def test_graph_picture_boxes_the_modules(mnist_run):
    _, printed, graph = mnist_run
    if not shutil.which("dot"):
        pytest.skip("Graphviz's dot is not installed")
    assert graph.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = graph.with_suffix(".svg").read_text()
    for box in ("LeNet", "Conv2d(1→8, 5x5)", "Conv2d(8→16, 5x5)", "MaxPool2d(2x2)", "Dropout(p=0.25)",
                "Linear(256→64)", "conv1.weight", "sliding_windows"):
        assert box in svg
    assert f"graph written to {graph}.png, {graph}.svg" in printed


def test_synthetic_digits_without_mnist_and_the_scheduler(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOGRAD_LITE_DATA", str(tmp_path))  # an empty folder: no MNIST there
    history, printed = run_main("--gamma", "0.5")
    assert history["source"] == "synthetic digits"
    assert "--fast uses synthetic digits instead" in printed
    assert history["test_accuracy"][-1] > 0.95
    assert history["lr"] == [2e-3, 1e-3]  # StepLR stepped once per epoch
    assert "StepLR every 1 epoch(s) x0.5" in printed


def test_lenet_layout_is_pytorchs():
    mnist_cnn = load_example("mnist_cnn")
    ag.manual_seed(0)
    model = mnist_cnn.LeNet()
    shapes = {name: p.shape for name, p in model.named_parameters()}
    assert shapes == {"conv1.weight": (8, 1, 5, 5), "conv1.bias": (8,), "conv2.weight": (16, 8, 5, 5),
                      "conv2.bias": (16,), "fc1.weight": (64, 256), "fc1.bias": (64,),
                      "fc2.weight": (10, 64), "fc2.bias": (10,)}
    logits = model(ag.tensor(np.zeros((3, 1, 28, 28), dtype=np.float32)))
    assert logits.shape == (3, 10) and logits.dtype == np.float32


def test_synthetic_digits_are_images_of_ten_classes():
    images, labels = load_example("mnist_cnn").synthetic_digits(50, seed=0)
    assert images.shape == (50, 784) and images.dtype == np.float32
    assert set(labels) <= set(range(10)) and len(set(labels)) > 5
    assert 0.0 <= images.min() and images.max() <= 1.0
