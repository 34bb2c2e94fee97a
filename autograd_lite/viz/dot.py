"""Pictures of the computation graph, drawn with Graphviz.

    import autograd_lite as ag

    x = ag.tensor([[1.0, 2.0]], requires_grad=True, name="x")
    loss = (x * x).sum()
    ag.viz.to_dot(loss)                          # a graphviz.Digraph
    loss.backward(retain_graph=True)
    ag.viz.draw_graph(loss, path="loss", format="png", show_grads=True)

What the picture shows (a legend at the top repeats it):

- a box per tensor with its name (when set), shape and dtype. Blue boxes are
  parameters (leaves that require grad), grey dashed boxes are constants
  (inputs, targets, the 1 in ``1 - p``), white boxes are intermediate results
  and the green box with a thick border is the root. A parameter of an ``nn``
  module is named by its path in the model (``0.weight``) unless its ``name``
  is set. A constant always shows its value (small ones in full, large ones as
  min / mean / max) and, when its maker named it, what it is (``1 - y``,
  ``e^-100 (log clamp)``); an unnamed literal, such as the 1 in ``1 - p``, is
  just its value;
- an ellipse per primitive op, labelled with ``node.label()`` (``matmul``,
  ``sum(axis=1)``, ``getitem[arange(8), (8,) int64]``, ...); arrows point
  forward, from inputs to outputs. A dashed arrow means no gradient flows back
  along it (that input does not require grad);
- a labelled box around the ops of each ``ag.name_scope`` (every ``nn``
  module call opens one, so ``Linear(784→50)`` frames its transpose, matmul
  and add); nested modules give nested boxes. A parameter, a literal, an
  unnamed constant or one named by a description of its origin (``1 - y``,
  ``e^-100 (log clamp)``) is drawn inside the box of the module that uses it;
  tensors named like variables (your data: ``x``, ``y``) stay outside.
  ``collapse=`` draws chosen module boxes as one box each, with their input
  and output shapes;
- ``show_values=True`` prints each tensor's value: small tensors (at most
  16 elements) in full, larger ones as min / mean / max;
- ``show_grads=True`` prints each tensor's gradient (d root / d tensor) the
  same way, in red. Leaves take it from ``tensor.grad``. Intermediate results
  have one only if ``backward(retain_graph=True)`` ran: that keeps every
  intermediate gradient (and value) for the picture, while a plain
  ``backward()`` frees them and the box says so. A scalar root shows its seed, 1.

The layout keeps pictures narrow: data flows from top to bottom, so a deep graph
makes a picture taller, not wider. A tensor used by more than 8 ops keeps one
arrow and shows a small dotted "used again" box at each further use. Graphs of
thousands of ops render in seconds.

Jupyter: what ``to_dot`` returns displays itself inline as SVG, so a cell
ending in ``ag.viz.to_dot(loss)`` shows the picture; hovering an op shows its
input and output shapes. Where Graphviz's ``dot`` program is missing, the cell
shows how to install it instead of an exception.

``draw_graph`` writes the DOT source to ``path + ".dot"`` and renders it with
Graphviz's ``dot`` program, installed separately (``apt-get install graphviz``,
``brew install graphviz``, ``conda install graphviz``, or the Windows
installer from graphviz.org). The ``graphviz`` Python package is imported only
by ``to_dot`` (``import autograd_lite`` needs NumPy alone); ``draw_graph``
runs ``dot`` itself and needs only the program.

The code behind it, one file per concern: this file holds the public functions
and the Graphviz import; boxes.py writes what one box says (numbers, arrays,
the legend); scopes.py collects the graph and decides which module box each
tensor goes in (and what ``collapse=`` folds); layout.py writes the DOT source
(module boxes, declaration order, arrows) and explains why pictures stay narrow.
"""

from __future__ import annotations

import functools
import html
import os
import shutil
import subprocess
from typing import Any, Iterable

from autograd_lite.tensor import Tensor
from autograd_lite.viz.layout import _Picture
from autograd_lite.viz.scopes import _Folding

__all__ = ["to_dot", "draw_graph", "GraphvizNotFoundError"]

RANKDIRS = ("LR", "RL", "TB", "BT")
TO_DOT_OPTIONS = ("show_values", "show_grads", "rankdir", "collapse")
# Output formats of Graphviz's dot that draw_graph accepts (`dot -T?` lists all of them).
FORMATS = ("svg", "svgz", "png", "pdf", "jpg", "jpeg", "gif", "webp", "ps", "eps", "json", "plain")

_INSTALL_LINES = (
    "  Debian/Ubuntu: apt-get install graphviz   (with sudo unless you are root)",
    "  macOS:         brew install graphviz",
    "  conda:         conda install graphviz",
    "  Windows:       the installer from https://graphviz.org/download/ (add its bin folder to PATH)",
)


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's ``dot`` program is not installed (draw_graph still wrote the DOT source).

    ``dot_path`` is the DOT file written (None where none was); ``install_help`` says how to install Graphviz.
    """

    def __init__(self, message: str, dot_path: str | None, install_help: str) -> None:
        super().__init__(message)
        self.dot_path, self.install_help = dot_path, install_help


# ----------------------------------------------------------------------------------------------
# Graphviz, imported only when a picture is made


def _install_help(what: str) -> str:
    """`what` could not be drawn: how to install Graphviz's `dot` program."""
    return "\n".join((f"{what}: Graphviz's `dot` program is not on PATH. Install it, then try again:",
                      *_INSTALL_LINES))


def _import_graphviz() -> Any:
    try:
        import graphviz
    except ImportError as error:
        raise ModuleNotFoundError(
            "ag.viz.to_dot returns a graphviz.Digraph, from the graphviz Python package, which is not "
            "installed: pip install graphviz (draw_graph needs only Graphviz's dot program)"
        ) from error
    return graphviz


@functools.lru_cache(maxsize=None)
def _picture_class() -> type:
    """graphviz.Digraph, displaying the install help in Jupyter where `dot` is missing."""
    graphviz = _import_graphviz()

    class GraphPicture(graphviz.Digraph):
        """A graphviz.Digraph of a computation graph; in Jupyter it displays as SVG, or, where
        Graphviz's dot program is missing, as the instructions to install it."""

        def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict:
            if shutil.which("dot") is not None:
                try:
                    return super()._repr_mimebundle_(include, exclude, **kwargs)
                except graphviz.ExecutableNotFound:
                    pass
            text = _install_help("This graph cannot be drawn here") + \
                "\n(the DOT source is in .source; ag.viz.draw_graph writes it to a file)"
            return {"text/plain": text, "text/html": f"<pre>{html.escape(text)}</pre>"}

    GraphPicture.__module__, GraphPicture.__qualname__ = __name__, "GraphPicture"
    return GraphPicture


# ----------------------------------------------------------------------------------------------
# Public API


def to_dot(*roots: Tensor, show_values: bool = False, show_grads: bool = False, rankdir: str = "TB",
           collapse: None | int | str | Iterable[str] = None) -> Any:
    """The computation graph that produced `roots`, as a ``graphviz.Digraph``.

    Tensors are boxes (name, shape, dtype; parameters of an nn model named by their path, such as
    "0.weight"; constants with their value), ops are ellipses (``node.label()``), arrows point
    forward; ``ag.name_scope`` / ``nn`` module calls become labelled boxes. ``show_values`` and
    ``show_grads`` add each tensor's value and gradient (run ``backward(retain_graph=True)`` first
    to keep the gradients of intermediate results). ``rankdir`` is "TB" (top to bottom, the
    default: deep graphs grow taller, not wider), "LR", "RL" or "BT". ``collapse`` draws module
    boxes as one box each, with their input and output shapes: a list of module names (a box's
    label such as "Linear(2→4)", or a class name such as "BCELoss"), or a depth (0 folds every
    outermost box, 1 the boxes inside those, ...). In Jupyter the returned Digraph displays inline.
    """
    lines = _dot_source(roots, show_values, show_grads, rankdir, collapse)
    return _picture_class()(name="computation_graph", body=lines)


def draw_graph(*roots: Tensor, path: str | os.PathLike = "graph", format: str = "svg", **to_dot_options: Any) -> str:
    """Write the graph of `roots` to ``path + ".dot"`` and render it to ``path + "." + format``.

    `format` is a Graphviz output format such as "svg", "png" or "pdf"; `to_dot_options` go to
    :func:`to_dot` (show_values, show_grads, rankdir, collapse). Returns the rendered file's path.
    Raises :class:`GraphvizNotFoundError`, after writing the DOT file, when Graphviz's ``dot`` is
    missing. Needs the ``dot`` program only, not the graphviz Python package.
    """
    if format not in FORMATS:
        raise ValueError(f"draw_graph: unknown output format {format!r}; use 'svg', 'png' or 'pdf' "
                         f"(or one of {FORMATS})")
    unknown = sorted(set(to_dot_options) - set(TO_DOT_OPTIONS))
    if unknown:
        raise TypeError(f"draw_graph: unknown options {unknown}; to_dot takes {list(TO_DOT_OPTIONS)}")
    source = "digraph computation_graph {\n" + "".join(_dot_source(roots, **to_dot_options)) + "}\n"
    base = os.fspath(path)
    dot_path, out_path = base + ".dot", base + "." + format
    os.makedirs(os.path.dirname(os.path.abspath(dot_path)), exist_ok=True)
    with open(dot_path, "w", encoding="utf-8") as file:
        file.write(source)
    dot_program = shutil.which("dot")
    if dot_program is None:
        raise _graphviz_not_found(dot_path, out_path, format)
    result = subprocess.run([dot_program, f"-T{format}", dot_path, "-o", out_path], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"draw_graph: Graphviz's dot failed to render {out_path}:\n{result.stderr.strip()}")
    return out_path


def _dot_source(roots: tuple[Tensor, ...], show_values: bool = False, show_grads: bool = False,
                rankdir: str = "TB", collapse: None | int | str | Iterable[str] = None) -> list[str]:
    """The lines of the DOT source between `digraph computation_graph {` and `}`."""
    if not roots:
        raise ValueError("to_dot needs at least one root Tensor, e.g. to_dot(loss)")
    for root in roots:
        if not isinstance(root, Tensor):
            raise TypeError(f"to_dot expects Tensors as roots, got {type(root).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"to_dot: rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    return _Picture(roots, show_values, show_grads, _Folding(collapse)).lines(rankdir)


def _graphviz_not_found(dot_path: str, out_path: str, format: str) -> GraphvizNotFoundError:
    help_text = _install_help(f"draw_graph could not render {out_path}")
    message = (f"{help_text}\nThe DOT source was written to {os.path.abspath(dot_path)}; once Graphviz is "
               f"installed, call draw_graph again or run `dot -T{format} {dot_path} -o {out_path}`.")
    return GraphvizNotFoundError(message, os.path.abspath(dot_path), "\n".join(_INSTALL_LINES))
