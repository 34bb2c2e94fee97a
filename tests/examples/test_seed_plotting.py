"""Plots are optional: without matplotlib the examples still run and say the plot was skipped."""
import sys

import numpy as np
import pytest
from _seed_runner import load_example, run_example


def test_examples_run_without_matplotlib(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)   # makes `import matplotlib` raise ImportError
    result, printed = run_example("seed004_predictor_classifier", tmp_path)
    assert round(result["w11"], 5) == 2.00265
    assert "classifier lines: plot skipped (matplotlib is not installed" in printed
    assert not (tmp_path / "seed004_classifier.png").exists()


def test_out_folder_is_created(tmp_path):
    out = tmp_path / "nested" / "plots"
    run_example("seed004_predictor_classifier", out)
    assert out.is_dir()


def test_save_plot_returns_none_without_matplotlib(tmp_path, monkeypatch, capsys):
    plotting = load_example("_plotting")
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert plotting.save_plot(tmp_path / "x.png", "demo", lambda ax: None) is None
    assert "demo: plot skipped" in capsys.readouterr().out


def test_decision_boundary_has_a_legend_for_regions_and_points():
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plotting = load_example("_plotting")
    points = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    fig, axes = plt.subplots()
    try:
        plotting.draw_decision_boundary(axes, lambda grid: (grid[:, 0] > 0.5).astype(int), points,
                                        np.array([0, 1, 1, 0]), "xor")
        assert [text.get_text() for text in axes.get_legend().get_texts()] == [
            "predicted 0", "predicted 1", "data labelled 0", "data labelled 1"]
    finally:
        plt.close(fig)


def test_curves_can_be_styled_and_drawn_on_log_axes():
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plotting = load_example("_plotting")
    fig, axes = plt.subplots()
    try:
        plotting.draw_curves(axes, {"a": ([1, 2, 3], [1.0, 0.1, 0.01], {"linestyle": "--"}), "b": ([1, 2, 3], [2.0, 0.2, 0.02])},
                             "x", "y", "t", log_y=True, log_x=True)
        assert axes.get_xscale() == axes.get_yscale() == "log"
        assert [line.get_linestyle() for line in axes.get_lines()] == ["--", "-"]
        assert [text.get_text() for text in axes.get_legend().get_texts()] == ["a", "b"]
    finally:
        plt.close(fig)
