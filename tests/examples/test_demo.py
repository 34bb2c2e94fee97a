"""The Quick-start demo: it trains XOR, its gradients match the oracle, it draws the graph."""
import importlib.util
import shutil
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load_demo():
    spec = importlib.util.spec_from_file_location("demo", EXAMPLES / "demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_demo_trains_xor_checks_gradients_and_draws(tmp_path, capsys):
    result = load_demo().main(["--out", str(tmp_path), "--epochs", "300"])
    assert result["correct"] == 4
    assert result["losses"][-1] < 0.05 < result["losses"][0]
    for row in result["comparison"].parameters:
        autodiff, numerical = row.gradients["autodiff"], row.gradients["numerical"]
        np.testing.assert_allclose(autodiff, numerical, atol=1e-8)
    if shutil.which("dot"):
        assert Path(result["picture"]).stat().st_size > 1000
    else:
        pytest.skip("Graphviz's dot is not installed")
    assert "4/4 correct" in capsys.readouterr().out
