"""Seed 002: the 2-3-2 sigmoid network classifies all ten points after 40 epochs of per-sample SGD."""
import numpy as np
from _seed_runner import assert_plot_saved_or_skipped, load_example, run_once

import autograd_lite as ag


network_run = run_once("seed002_network")


def test_ten_out_of_ten(network_run):
    result, printed, _ = network_run
    assert result["predictions"] == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    assert result["correct"] == 10
    for i, label in enumerate([0] * 5 + [1] * 5):
        assert f"{i} - Expected={label}, Got={label}" in printed


def test_prints_the_error_of_every_epoch_and_it_falls(network_run):
    result, printed, _ = network_run
    history = result["history"]
    assert len(history) == 40
    assert printed.count("Mean squared error: ") == 40
    assert f"Mean squared error: {history[-1]}" in printed
    assert history[-1] < history[0] / 5


def test_autodiff_matches_the_texts_backprop_and_flags_the_numpy_listing(network_run):
    result, _, _ = network_run
    comparison = result["comparison"]
    assert [row.name for row in comparison.parameters] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert comparison.max_abs("autodiff", "hand") < 1e-15
    assert comparison.max_abs("autodiff", "numerical") < 1e-8
    # applying sigmoid_derivative twice scales each hidden delta by h(1 - h) <= 1/4: far off
    assert result["listing_error"] > 0.5


def test_initial_weights_are_uniform_on_0_1_like_np_random_rand():
    network = load_example("seed002_network").create_network((2, 3, 2), seed=0)
    values = np.concatenate([p.data.ravel() for p in network.parameters()])
    assert values.size == 2 * 3 + 3 + 3 * 2 + 2
    assert np.all((values >= 0) & (values < 1))


def test_mse_loss_gradient_is_the_texts_delta_rule():
    """mean over the 2 outputs of (o - t)² has gradient (o - t): the text's (output - expected) error."""
    seed = load_example("seed002_network")
    network = seed.create_network((2, 3, 2), seed=3)
    x, t = seed.DATASET[7], seed.EXPECTED[7]
    output = network(ag.Tensor(x))
    loss = seed.nn.functional.mse_loss(output, t)
    (gradient,) = ag.grad(loss, [output])
    np.testing.assert_allclose(gradient.data, output.data - t, rtol=1e-14)


def test_plots(network_run):
    _, printed, out = network_run
    assert_plot_saved_or_skipped(out / "seed002_error.png", printed)
    assert_plot_saved_or_skipped(out / "seed002_boundary.png", printed)
