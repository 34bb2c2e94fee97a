"""Seed 001: the single sigmoid neuron, trained by autodiff on ½ Σ (y - ŷ)², prints the text's numbers."""
import numpy as np
import pytest
from _seed_runner import assert_plot_saved_or_skipped, load_example, run_once

import autograd_lite as ag


neuron_run = run_once("seed001_neuron")


def test_predictions_are_the_texts_to_six_significant_digits(neuron_run):
    result, printed, _ = neuron_run
    first, second = result["predictions"]
    assert f"{first:.5e}" == "9.90899e-01"
    assert f"{second:.5e}" == "6.40900e-03"
    # ... and printed exactly as the text shows them
    assert "[[0.99089925]]  - Correct:  1" in printed
    assert "[[0.006409]]  - Correct:  0" in printed


def test_the_loss_is_the_one_whose_gradient_is_the_texts_update():
    neuron = load_example("seed001_neuron")
    rng = np.random.default_rng(0)
    for _ in range(3):
        weights_array = rng.normal(size=(3, 1))
        weights = ag.Tensor(weights_array, requires_grad=True)
        neuron.squared_error(neuron.predict(weights)).backward()
        np.testing.assert_allclose(weights.grad.data, -neuron.text_update(weights_array), rtol=1e-12, atol=1e-15)


def test_error_history_and_loss_curve(neuron_run):
    result, printed, out = neuron_run
    history = result["error_history"]
    assert len(history) == 25_000
    neuron = load_example("seed001_neuron")
    untrained = 1 / (1 + np.exp(-neuron.INPUTS @ np.full((3, 1), 0.5)))
    assert history[0] == pytest.approx(np.mean(np.abs(neuron.OUTPUTS - untrained)), rel=1e-12)
    # No bias: the sample [0, 0, 0] predicts sigmoid(0) = 0.5 forever, so the mean |error| stays above 0.5 / 6.
    assert 0.5 / 6 < history[-1] < 0.5 / 6 + 0.005
    assert_plot_saved_or_skipped(out / "seed001_loss.png", printed)
