"""Seed 004: the text's hand-worked numbers, recomputed with autodiff."""
import pytest
from _seed_runner import assert_plot_saved_or_skipped, run_once, run_script


theory_run = run_once("seed004_predictor_classifier")


def test_predictor_learns_miles_per_km(theory_run):
    result, printed, _ = theory_run
    c = result["c_history"]
    assert c[0] == 0.5
    assert c[1] == pytest.approx(0.5 + 0.5 * 12.137 / 100, rel=1e-12)     # dc = L * E / x
    assert abs(c[-1] - 0.621371) < 2e-6                                   # 62.137 / 100 = 0.62137
    for error in ("12.137", "2.137", "-7.863"):
        assert f"= {error}" in printed


def test_classifier_reproduces_the_texts_slopes(theory_run):
    result, printed, _ = theory_run
    assert [round(a, 4) for a in result["slopes"]] == [0.25, 0.3083, 1.6042]
    assert [round(a, 4) for a in result["unmoderated_slopes"]] == [0.25, 0.3667, 2.9]
    for text in ("y = 0.2500 * 3.0 = 0.7500", "E = 1.1 - 0.7500 = 0.3500", "dA = L * E / x = 0.0583, A = 0.3083",
                 "E = 2.9 - 0.3083 = 2.5917", "dA = L * E / x = 1.2958, A = 1.6042"):
        assert text in printed


def test_neuron_layer_outputs(theory_run):
    result, printed, _ = theory_run
    assert [round(y, 4) for y in result["layer_outputs"]] == [0.7408, 0.6457]
    assert "x = 1.05, y = 1 / (1 + e^-x) = 0.7408" in printed


def test_worked_weight_update(theory_run):
    result, printed, _ = theory_run
    assert result["sum"] == pytest.approx(2.3, rel=1e-15)
    assert round(result["sigmoid"], 3) == 0.909
    assert round(result["sigmoid"] * (1 - result["sigmoid"]), 3) == 0.083
    assert round(result["gradient"], 4) == -0.0265
    assert round(result["w11"], 5) == 2.00265
    assert "new w11 = 2.00265" in printed


def test_runs_from_the_command_line_and_plots(tmp_path, theory_run):
    completed = run_script("seed004_predictor_classifier", "--fast", "--out", str(tmp_path))
    assert completed.returncode == 0, completed.stderr
    assert "new w11 = 2.00265" in completed.stdout
    assert_plot_saved_or_skipped(tmp_path / "seed004_classifier.png", completed.stdout)
