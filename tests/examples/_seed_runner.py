"""Run a seed example's main(argv) in-process, as `python examples/NAME.py --fast --out DIR` would."""
from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
MNIST_DATA = REPO.parent / "shared" / "datasets" / "mnist"


def load_example(name: str) -> ModuleType:
    """Import examples/<name>.py; the examples import their helpers (_plotting, ...) as siblings."""
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    return importlib.import_module(name)


def run_example(name: str, out: Path, *args: str) -> tuple[Any, str]:
    """main()'s result and everything it printed."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        result = load_example(name).main(["--fast", "--out", str(out), *args])
    return result, printed.getvalue()


class Run(NamedTuple):
    result: Any      # what main() returned
    printed: str     # what it printed
    out: Path        # its --out folder


def run_once(name: str) -> Any:
    """A module-scoped fixture that runs examples/<name>.py --fast once for all tests of a file."""
    @pytest.fixture(scope="module")
    def fixture(tmp_path_factory: pytest.TempPathFactory) -> Run:
        out = tmp_path_factory.mktemp(name)
        return Run(*run_example(name, out), out)
    return fixture


def has_matplotlib() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


def assert_plot_saved_or_skipped(path: Path, printed: str) -> None:
    """With matplotlib the PNG exists (and the example said where); without it, the example said it skipped."""
    if has_matplotlib():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"saved {path}" in printed
    else:
        assert not path.exists()
        assert "plot skipped (matplotlib is not installed" in printed
