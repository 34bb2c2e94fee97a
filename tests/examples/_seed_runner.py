"""Run a seed example's main(argv) in-process, as `python examples/NAME.py --fast --out DIR` would."""
from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, NamedTuple

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


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


def run_script(name: str, *args: str) -> subprocess.CompletedProcess:
    """`python examples/<name>.py ARGS` in a new process, as a user types it, on this checkout
    (found through PYTHONPATH, so no install is needed)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    return subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py"), *args],
                          capture_output=True, text=True, env=env, timeout=600)


def offline_data_error(run: Callable[[], Any], monkeypatch: pytest.MonkeyPatch) -> str:
    """How `run` ends when the MNIST files are missing and the network is down: the SystemExit
    message, checked to be one line that says downloading failed and names both fixes."""
    def offline(*args: Any, **kwargs: Any) -> Any:
        raise urllib.error.URLError("no network (test stub)")
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(SystemExit) as info:
        run()
    message = info.value.code
    assert isinstance(message, str) and "\n" not in message
    assert "(downloading failed: <urlopen error no network (test stub)>)" in message
    assert "pass --data DIR or set AUTOGRAD_LITE_DATA" in message
    return message


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
