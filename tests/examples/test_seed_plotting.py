"""Plots are optional: without matplotlib the examples still run and say the plot was skipped."""
import sys

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
