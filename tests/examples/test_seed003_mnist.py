"""Seed 003: TwoLayerNet on the real MNIST files, --fast: gradient check, then > 85% test accuracy.

The training tests need the full MNIST files where nn.data.mnist looks
($AUTOGRAD_LITE_DATA, then ~/.cache/autograd_lite/mnist) and skip without them;
the data-error tests and the hand-derived backprop test run everywhere."""
import numpy as np
import pytest
from _seed_runner import (Run, assert_plot_saved_or_skipped, load_example, offline_data_error, run_example,
                          run_script)

import autograd_lite as ag

FILES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
         "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]


@pytest.fixture(scope="module")
def mnist_run(full_mnist, tmp_path_factory):
    out = tmp_path_factory.mktemp("mnist")
    return Run(*run_example("seed003_mnist", out), out)


def test_fast_run_reaches_85_percent_test_accuracy(mnist_run):
    result, printed, _ = mnist_run
    assert result["test_acc"] > 0.85
    assert result["train_acc"] > 0.85
    history = result["history"]
    assert len(history["loss"]) == load_example("seed003_mnist").FAST_ITERS_NUM
    assert history["epoch_iteration"] == [600, 1200, 1500]   # once per epoch of 600 batches, and at the end
    assert printed.count("train acc, test acc | ") == 3
    assert history["test_acc"][-1] > history["test_acc"][0]


def test_gradient_check_differences_are_tiny(mnist_run):
    result, printed, _ = mnist_run
    check = result["check"]
    assert [row.name for row in check.parameters] == ["W1", "b1", "W2", "b2"]
    for row in check.parameters:
        assert row.difference("autodiff", "numerical").mean_abs < 1e-7     # the text's measure
        assert row.difference("autodiff", "numerical").max_abs < 1e-7
        assert row.difference("autodiff", "hand").max_abs < 1e-12
        assert f"  {row.name}: {row.difference('autodiff', 'numerical').mean_abs:.3e}" in printed
    assert "numerical / autodiff time: " in printed


def test_reports_the_cost_of_training_with_numerical_gradients(mnist_run):
    result, printed, _ = mnist_run
    estimate = result["estimate"]
    assert estimate["numerical_seconds"] > 0 and estimate["autodiff_seconds"] > 0
    assert estimate["ratio"] == estimate["numerical_seconds"] / estimate["autodiff_seconds"]
    assert "one numerical gradient = 79,520 loss evaluations" in printed   # 2 x (784*50 + 50 + 50*10 + 10)


def test_plots(mnist_run):
    _, printed, out = mnist_run
    assert_plot_saved_or_skipped(out / "seed003_loss.png", printed)
    assert_plot_saved_or_skipped(out / "seed003_accuracy.png", printed)


def test_hand_derived_backprop_equals_autodiff_on_a_small_net():
    """No data needed: the next chapter's formulas against the engine on random inputs."""
    mnist = load_example("seed003_mnist")
    ag.manual_seed(5)
    network = mnist.TwoLayerNet(6, 4, 3, weight_init_std=0.5)
    rng = np.random.default_rng(5)
    x, t = rng.random((7, 6)), rng.integers(0, 3, size=7)
    autodiff = ag.grad(network.loss(ag.Tensor(x), t), list(network.parameters()))
    hand = network.gradient_by_hand(x, t)
    for (name, _), gradient in zip(network.named_parameters(), autodiff):
        np.testing.assert_allclose(gradient.data, hand[name], rtol=1e-12, atol=1e-15)
    probabilities = network.predict(ag.Tensor(x)).data
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-14)


# ----------------------------------------------------------------------------- without the data


def test_missing_data_ends_in_one_line_naming_every_file_and_the_fixes(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    message = offline_data_error(lambda: run_example("seed003_mnist", tmp_path / "out", "--data", str(empty)),
                                 monkeypatch)
    assert f"error: mnist: missing from {empty}: {', '.join(FILES)} (downloading failed: " in message


def test_a_data_folder_that_is_a_file_is_one_line_from_the_command_line(tmp_path):
    not_a_folder = tmp_path / "mnist.tar"
    not_a_folder.write_bytes(b"")
    completed = run_script("seed003_mnist", "--fast", "--out", str(tmp_path), "--data", str(not_a_folder))
    assert completed.returncode == 1
    assert completed.stderr == (f"seed003_mnist.py: error: mnist: {not_a_folder} is a file, not a folder. "
                                "Pass --data DIR or set AUTOGRAD_LITE_DATA with the folder that holds the MNIST files.\n")
