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

The layout keeps pictures narrow: data flows from top to bottom (``rankdir="TB"``),
so a deep chain makes a picture taller, never wider, and each module's box starts
below the boxes that feed it (its parameters are not lifted beside earlier
modules), so modules stack instead of standing side by side.

A sub-graph used twice appears once, with two arrows leaving it. A tensor used
by more than 8 ops (a weight shared across the steps of a recurrent net) keeps
one arrow, and each further use shows a small dotted "used again" box: a fan of
long arrows would be unreadable and makes Graphviz's layout take minutes.
Graphs of thousands of ops render in seconds.

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
"""

from __future__ import annotations

import functools
import html
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np

from autograd_lite.graph import Function, Scope
from autograd_lite.tensor import Tensor
from autograd_lite.viz.names import is_description, parameter_names

__all__ = ["to_dot", "draw_graph", "GraphvizNotFoundError"]

# Tensors with at most this many elements are printed in full; larger ones as min/mean/max.
MAX_PRINTED_ELEMENTS = 16
MAX_LINE_WIDTH = 60  # characters of printed values per line

FONT = "Helvetica,Arial,sans-serif"
MONO_FONT = "Courier,monospace"
GRAD_COLOR = "#b03a2e"
MUTED_COLOR = "#707070"
CLUSTER_BORDER = "#5d6d7e"

# Look of each kind of node: fill colour, border colour, DOT attributes.
STYLES = {
    "parameter": ("#d6eaf8", "#2e86c1", 'style="rounded,filled"'),
    "constant": ("#f2f3f4", "#909497", 'style="rounded,filled,dashed"'),
    "intermediate": ("#ffffff", "#7f8c8d", 'style="rounded,filled"'),
    "output": ("#d5f5e3", "#1e8449", 'style="rounded,filled" penwidth=2.2'),
    "op": ("#fdebd0", "#ca6f1e", 'shape=ellipse style=filled'),
}
# Module boxes get darker with depth so nested modules stay distinguishable.
CLUSTER_FILLS = ("#f4f6fb", "#e8edf7", "#dde5f3", "#d1dcef")
NO_GRADIENT_EDGE = ' [style=dashed color="#aaaaaa"]'
# Keeps a module's parameters from rising beside earlier modules (see _Body.ordering_edges).
# (weight=0 would be ignored: dot then lets the parameter rise anyway.)
ORDERING_EDGE = " [style=invis]"
# A tensor used by more ops than this gets one arrow (to its first use) and a small dotted reference
# box at each other use: dozens of arrows from one box across the picture are unreadable, and they
# make Graphviz's layout take minutes (each long arrow becomes hundreds of hidden layout nodes).
MAX_ARROWS_FROM_TENSOR = 8
RANKDIRS = ("LR", "RL", "TB", "BT")
TO_DOT_OPTIONS = ("show_values", "show_grads", "rankdir", "collapse")
# Output formats of Graphviz's dot that draw_graph accepts (`dot -T?` lists all of them).
FORMATS = ("svg", "svgz", "png", "pdf", "jpg", "jpeg", "gif", "webp", "ps", "eps", "json", "plain")

# The DOT source is written line by line here rather than through Digraph.node()/edge(): those
# quote every attribute of every node, which made a 5,000-op graph take seconds instead of ~0.2 s.
_ATTRIBUTES = {kind: f'fillcolor="{fill}" color="{border}" {extra}' for kind, (fill, border, extra) in STYLES.items()}
_GRAPH_ATTRIBUTES = {"fontname": FONT, "fontsize": "11", "bgcolor": "white", "nodesep": "0.2", "ranksep": "0.3",
                     "style": "rounded,filled", "color": CLUSTER_BORDER, "labeljust": "l", "fontcolor": "#1b2631"}
_NODE_ATTRIBUTES = {"fontname": FONT, "fontsize": "10", "shape": "box", "margin": "0.08,0.04", "height": "0.3"}
_EDGE_ATTRIBUTES = {"arrowsize": "0.6", "color": "#566573"}
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
# Text inside the boxes


def _format_number(value: object) -> str:
    if isinstance(value, float):
        return f"{value + 0.0:.4g}"  # + 0.0 turns -0.0 into 0.0: "-0" would puzzle a reader
    return str(value)


def _format_array(array: np.ndarray) -> list[str]:
    """Lines describing an array: all values when small, min/mean/max when large."""
    if array.size == 0:
        return ["(empty)"]
    if array.size > MAX_PRINTED_ELEMENTS:
        as_float = array.astype(np.float64)
        return [f"min {as_float.min():.4g}  mean {as_float.mean():.4g}  max {as_float.max():.4g}"]
    # 4 significant digits ("0.25", "1", "-1.5e-05") read better than NumPy's "0.25  ", "1.  ";
    # padding every number to the widest keeps the columns of a matrix aligned.
    texts = [_format_number(value) for value in array.ravel().tolist()]
    if array.ndim == 0:
        return texts
    width = max(len(text) for text in texts)
    return _nested_lines([text.rjust(width) for text in texts], array.shape)


def _nested_lines(texts: list[str], shape: tuple[int, ...]) -> list[str]:
    """NumPy-style nested brackets around `texts` (in C order), one line per row of the last axis.

    Written out because np.array2string costs ~0.1 ms per call, which dominated drawing large graphs.
    """
    row_length, rows = shape[-1], len(texts) // shape[-1]
    per_line = max(1, MAX_LINE_WIDTH // (len(texts[0]) + 2))
    lines = []
    for row in range(rows):
        index, rest = [], row  # the row's position along the leading axes, innermost last
        for size in reversed(shape[:-1]):
            rest, position = divmod(rest, size)
            index.insert(0, position)
        opening = _trailing_true([position == 0 for position in index])
        closing = _trailing_true([position == size - 1 for position, size in zip(index, shape)])
        head = " " * (len(index) - opening) + "[" * (opening + 1)
        cells = texts[row * row_length:(row + 1) * row_length]
        chunks = [", ".join(cells[i:i + per_line]) for i in range(0, row_length, per_line)]
        lines.extend((head if i == 0 else " " * len(head)) + chunk + ("," if i < len(chunks) - 1 else "")
                     for i, chunk in enumerate(chunks))
        lines[-1] += "]" * (closing + 1) + ("," if row < rows - 1 else "")
    return lines


def _trailing_true(flags: list[bool]) -> int:
    """How many flags at the end of the list are True (brackets opened / closed at a row)."""
    count = 0
    for flag in reversed(flags):
        if not flag:
            break
        count += 1
    return count


def _html_text(line: str) -> str:
    """Escape a line for an HTML-like label, keeping runs of spaces (they align array columns)."""
    return re.sub(r"  +", lambda run: "&#160;" * len(run.group()), html.escape(line, quote=False))


def _dot_string(text: str) -> str:
    """A double-quoted DOT string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@functools.lru_cache(maxsize=None)
def _shape_text(shape: tuple[int, ...], dtype: np.dtype) -> str:
    """'(4, 2) float64' ((8,) as Python prints it), 'scalar float32'. Cached: str(dtype) is slow."""
    shape_part = "scalar" if len(shape) == 0 else str(shape)
    return f"{shape_part} {dtype}"


def _table_row(key: str, lines: list[str], color: str) -> str:
    """One 'key  value' row; multi-line values stay left-aligned."""
    body = '<br align="left"/>'.join(_html_text(line) for line in lines)
    if len(lines) > 1:
        body += '<br align="left"/>'
    return (f'<tr><td align="left" valign="top"><font color="{color}">{key}</font></td>'
            f'<td align="left"><font face="{MONO_FONT}" color="{color}">{body}</font></td></tr>')


@dataclass
class _TensorBox:
    """Everything drawn in one tensor box."""

    kind: str  # a key of STYLES
    name: str | None
    shape: tuple[int, ...]
    dtype: np.dtype
    value: np.ndarray | None  # None: freed by backward
    grad: np.ndarray | None = None
    grad_note: str | None = None  # shown when there is no gradient; None: no grad row at all

    def label(self, show_values: bool, show_grads: bool) -> str:
        if self.is_literal:
            return f"<<b>{_html_text(_format_array(self.value)[0])}</b>>"
        heading = _shape_text(self.shape, self.dtype)
        if self.name:
            heading = f"<b>{_html_text(self.name)}</b><br/>{heading}"
        rows = []
        # A constant is known only by its value and name: it has no history in the graph (the 1 - y of
        # a loss was computed from a tensor that needs no grad, so no op recorded where it came from).
        if show_values or self.kind == "constant":
            lines = ["freed by backward"] if self.value is None else _format_array(self.value)
            rows.append(_table_row("value", lines, MUTED_COLOR if self.value is None else "#000000"))
        if show_grads and self.grad is not None:
            rows.append(_table_row("grad", _format_array(self.grad), GRAD_COLOR))
        elif show_grads and self.grad_note is not None:
            rows.append(_table_row("grad", [self.grad_note], MUTED_COLOR))
        if not rows:
            return f"<{heading}>"
        return ('<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">'
                f'<tr><td colspan="2">{heading}</td></tr>{"".join(rows)}</table>>')

    @property
    def is_literal(self) -> bool:
        """An unnamed one-element constant, such as the 1 in `1 - p`: drawn as just its value."""
        return self.kind == "constant" and not self.name and self.value is not None and self.value.size == 1

    def tooltip(self) -> str:
        kind = "literal" if self.is_literal else self.kind
        return f"{kind}: {_shape_text(self.shape, self.dtype)}"


def _leaf_box(leaf: Tensor, name: str | None, is_root: bool) -> _TensorBox:
    kind = "output" if is_root else "parameter" if leaf.requires_grad else "constant"
    grad = None if leaf.grad is None else np.asarray(leaf.grad.data)
    note = "None (no backward yet)" if leaf.requires_grad else None
    return _TensorBox(kind, name, leaf.shape, leaf.dtype, leaf.data, grad, note)


def _output_box(node: Function, root: Tensor | None) -> _TensorBox:
    """The box of the tensor `node` produced; `root` is that tensor when it was passed as a root."""
    freed = node.saved_output is None
    note = "freed (use backward(retain_graph=True))" if freed else "None (no backward yet)"
    if root is None:
        return _TensorBox("intermediate", node.tensor_name, node.shape, node.dtype, node.saved_output, node.kept_grad, note)
    grad = node.kept_grad
    if grad is None and freed and root.data.size == 1:
        grad = np.ones_like(root.data)  # backward() seeded this scalar with 1, then freed the graph
    return _TensorBox("output", root.name, node.shape, node.dtype, root.data, grad, note)


def _reference_label(box: _TensorBox) -> str:
    """Label of a small box standing for one more use of a tensor drawn elsewhere."""
    text = box.name or _shape_text(box.shape, box.dtype)
    return f'<<i>{_html_text(text)}</i><br/><font point-size="8">used again</font>>'


def _op_tooltip(node: Function) -> str:
    inputs = ", ".join(str(parent.shape) for parent in node.parents)
    return f"{node.label()}: {inputs} -> {node.shape}"


def _legend_label(show_grads: bool, has_references: bool, has_folded: bool) -> str:
    entries = [
        ("parameter", "parameter (leaf, requires grad)"),
        ("constant", "constant (leaf, no grad): its value"),
        ("intermediate", "intermediate tensor"),
        ("output", "output (root)"),
        ("op", "op (primitive)"),
    ]
    rows = [f'<tr><td bgcolor="{STYLES[kind][0]}" color="{STYLES[kind][1]}" border="1" width="18"></td>'
            f'<td align="left">{text}</td></tr>' for kind, text in entries]
    rows.append(f'<tr><td bgcolor="{CLUSTER_FILLS[1]}" color="{CLUSTER_BORDER}" border="1"></td>'
                '<td align="left">module call (name scope)</td></tr>')
    if has_folded:
        rows.append(f'<tr><td bgcolor="{CLUSTER_FILLS[1]}" color="{CLUSTER_BORDER}" border="2"></td>'
                    '<td align="left">module call folded by collapse=</td></tr>')
    rows.append('<tr><td><font color="#aaaaaa">- - &gt;</font></td><td align="left">no gradient flows back</td></tr>')
    if has_references:
        rows.append('<tr><td border="1" style="dotted"></td>'
                    '<td align="left">one more use of a tensor drawn once elsewhere</td></tr>')
    if show_grads:
        rows.append(f'<tr><td><font color="{GRAD_COLOR}">grad</font></td>'
                    '<td align="left">d root / d tensor</td></tr>')
    return ('<<table border="0" cellborder="0" cellspacing="3" cellpadding="2">'
            f'<tr><td colspan="2"><b>legend</b></td></tr>{"".join(rows)}</table>>')


# ----------------------------------------------------------------------------------------------
# Walking the graph


@dataclass
class _Graph:
    nodes: list[Function]  # every op node once, inputs before the ops that use them
    leaves: list[Tensor]  # every leaf tensor once
    leaf_consumers: dict[int, list[tuple[Scope, ...]]]  # id(leaf) -> scope paths of the ops using it
    uses: dict[int, int]  # id(leaf or node) -> how many op inputs it feeds


def _collect(roots: tuple[Tensor, ...]) -> _Graph:
    """Everything below `roots`, each node and leaf once, nodes in topological order (a post-order
    walk with an explicit stack: deep graphs must not hit Python's recursion limit)."""
    graph = _Graph([], [], {}, {})
    expanded: set[int] = set()
    stack: list[tuple[Function, bool]] = []
    for root in roots:
        if root.grad_fn is not None:
            stack.append((root.grad_fn, False))
        elif id(root) not in graph.leaf_consumers:
            graph.leaves.append(root)
            graph.leaf_consumers[id(root)] = []
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            graph.nodes.append(node)
            continue
        if id(node) in expanded:
            continue
        expanded.add(id(node))
        stack.append((node, True))
        for parent in node.parents:
            graph.uses[id(parent)] = graph.uses.get(id(parent), 0) + 1
            if isinstance(parent, Function):
                continue
            if id(parent) not in graph.leaf_consumers:
                graph.leaves.append(parent)
                graph.leaf_consumers[id(parent)] = []
            graph.leaf_consumers[id(parent)].append(node.scope)
        # Reversed, so that the first input is walked (and declared to dot) first.
        stack.extend((parent, False) for parent in reversed(node.parents)
                     if isinstance(parent, Function) and id(parent) not in expanded)
    return graph


def _common_scope(paths: list[tuple[Scope, ...]]) -> tuple[Scope, ...]:
    """The innermost module box containing all `paths` (the empty tuple is the top level)."""
    if not paths:
        return ()
    common = paths[0]
    for path in paths[1:]:
        length = 0
        while length < min(len(common), len(path)) and common[length] is path[length]:
            length += 1
        common = common[:length]
    return common


def _leaf_scope(leaf: Tensor, consumer_paths: list[tuple[Scope, ...]]) -> tuple[Scope, ...]:
    """Where a leaf is drawn. Leaves record no scope, so a parameter, a literal (the 1 in `1 - p`)
    or a constant that is unnamed or named by a description (the `1 - y` a loss computes from its
    target) goes into the innermost box holding every op that uses it: a Linear's weight appears
    inside its Linear, a weight shared by two modules in their common parent. A constant named like
    a variable is the caller's data (x, y): it stays outside, as it belongs to no module."""
    if leaf.requires_grad or not leaf.name or is_description(leaf.name):
        return _common_scope(consumer_paths)
    return ()


# ----------------------------------------------------------------------------------------------
# Folding module boxes (collapse=)


@dataclass
class _FoldedBox:
    """One module call drawn as a single box: what it folds, and what goes in and comes out."""

    dot_id: str
    scope: Scope
    path: tuple[Scope, ...]  # the boxes around it (where the folded box is drawn)
    ops: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)  # shape texts of the tensors it receives
    outputs: list[str] = field(default_factory=list)  # shape texts of the tensors it passes on
    sources: list[str] = field(default_factory=list)  # ids of the boxes with an arrow into it
    results: list[str] = field(default_factory=list)  # those of them that are op results
    parameters: list[str] = field(default_factory=list)
    constants: int = 0

    def label(self) -> str:
        count = f"{len(self.ops)} op{'s' if len(self.ops) != 1 else ''}"
        if self.constants:
            count += f", {self.constants} constant{'s' if self.constants != 1 else ''}"
        lines = [f"<b>{_html_text(self.scope.label)}</b>", f'<font point-size="9">{count} folded</font>']
        for key, texts in (("in", self.inputs), ("out", self.outputs), ("params", self.parameters)):
            if texts:
                lines.append(f"{key}: " + _html_text(", ".join(texts)))
        return "<" + "<br/>".join(lines) + ">"

    def attributes(self) -> str:
        fill = CLUSTER_FILLS[len(self.path) % len(CLUSTER_FILLS)]
        tooltip = _dot_string(f"{self.scope.label}: " + ", ".join(self.ops))
        return f'fillcolor="{fill}" color="{CLUSTER_BORDER}" style="rounded,filled" penwidth=2 tooltip={tooltip}'


class _Folding:
    """Which module boxes `collapse=` folds, and the folded boxes made so far."""

    def __init__(self, collapse: None | int | str | Iterable[str]) -> None:
        self.names: set[str] = set()
        self.depth: int | None = None
        if isinstance(collapse, bool) or not (collapse is None or isinstance(collapse, (int, str, Iterable))):
            raise TypeError(f"to_dot: collapse must be None, a depth (int) or module names, got {collapse!r}")
        if isinstance(collapse, int):
            if collapse < 0:
                raise ValueError(f"to_dot: collapse depth must be >= 0, got {collapse}")
            self.depth = collapse
        elif collapse is not None:
            self.names = {collapse} if isinstance(collapse, str) else set(collapse)
            if not all(isinstance(name, str) for name in self.names):
                raise TypeError(f"to_dot: collapse names must be strings, got {collapse!r}")
        self.boxes: dict[int, _FoldedBox] = {}  # id(scope) -> its folded box
        self.labels_seen: set[str] = set()
        self._of_path: dict[int, tuple[tuple, _FoldedBox | None]] = {}

    def _folds(self, depth: int, scope: Scope) -> bool:
        if self.depth is not None:
            return depth >= self.depth
        self.labels_seen.add(scope.label)
        return scope.label in self.names or (scope.owner is not None and type(scope.owner).__name__ in self.names)

    def box(self, path: tuple[Scope, ...]) -> _FoldedBox | None:
        """The folded box that swallows what is drawn at `path`, or None (drawn as usual)."""
        cached = self._of_path.get(id(path))
        if cached is not None and cached[0] is path:  # the path itself is kept, so its id stays unique
            return cached[1]
        found = None
        for depth, scope in enumerate(path):
            if self._folds(depth, scope):
                found = self.boxes.get(id(scope))
                if found is None:
                    found = self.boxes[id(scope)] = _FoldedBox(f"mod{len(self.boxes)}", scope, path[:depth])
                break
        self._of_path[id(path)] = (path, found)
        return found

    def check_names_matched(self) -> None:
        """A name in `collapse` that matches no module box is a typo: say which boxes there are."""
        if self.depth is not None:
            return
        found = {box.scope.label for box in self.boxes.values()} | {
            type(box.scope.owner).__name__ for box in self.boxes.values() if box.scope.owner is not None}
        missing = sorted(self.names - found)
        if missing:
            raise ValueError(f"to_dot: collapse={missing} matches no module box in this graph; "
                             f"its boxes are {sorted(self.labels_seen)}")


# ----------------------------------------------------------------------------------------------
# Writing DOT


@dataclass
class _Cluster:
    """One module box: its label, depth, the node lines drawn inside and the boxes nested in it."""

    label: str
    depth: int
    lines: list[str] = field(default_factory=list)
    children: list[int] = field(default_factory=list)


class _Body:
    """The DOT body: node ids, module boxes and the node lines placed in each."""

    def __init__(self) -> None:
        self.numbers: dict[int, int] = {}
        self.clusters: list[_Cluster] = []
        self.cluster_of_scope: dict[int, int] = {}
        self.outermost: list[int] = []  # boxes not nested in another one
        self.top_level: list[str] = []
        self.references = 0
        self._keep_alive: list[object] = []  # an id() stays unique only while its object lives

    def _number(self, obj: object) -> int:
        key = id(obj)
        if key not in self.numbers:
            self.numbers[key] = len(self.numbers)
            self._keep_alive.append(obj)
        return self.numbers[key]

    def tensor_id(self, leaf_or_node: Tensor | Function) -> str:
        """A leaf's box, or the box of the tensor a node produced."""
        return f"t{self._number(leaf_or_node)}"

    def op_id(self, node: Function) -> str:
        return f"op{self._number(node)}"

    def _cluster(self, path: tuple[Scope, ...]) -> _Cluster | None:
        """The box for a scope path, creating it and the boxes around it on first use."""
        parent = None
        for depth, scope in enumerate(path):
            index = self.cluster_of_scope.get(id(scope))
            if index is None:
                index = len(self.clusters)
                self.clusters.append(_Cluster(scope.label, depth))
                self.cluster_of_scope[id(scope)] = index
                self._keep_alive.append(scope)
                siblings = self.outermost if parent is None else self.clusters[parent].children
                siblings.append(index)
            parent = index
        return None if parent is None else self.clusters[parent]

    def add_node(self, path: tuple[Scope, ...], dot_id: str, label: str, attributes: str) -> None:
        cluster = self._cluster(path)
        lines = self.top_level if cluster is None else cluster.lines
        lines.append(f"\t{dot_id} [label={label} {attributes}]\n")

    def add_reference(self, path: tuple[Scope, ...], label: str, kind: str) -> str:
        """A dotted box standing for one more use of a tensor; returns its id."""
        dot_id = f"ref{self.references}"
        self.references += 1
        fill, border, _ = STYLES[kind]
        self.add_node(path, dot_id, label, f'fillcolor="{fill}" color="{border}" style="rounded,filled,dotted"')
        return dot_id

    def lines(self) -> list[str]:
        """Top-level nodes, then each box with its nodes and nested boxes (an explicit stack)."""
        lines = list(self.top_level)
        stack: list[int | None] = list(reversed(self.outermost))  # None closes the open box
        while stack:
            index = stack.pop()
            if index is None:
                lines.append("\t}\n")
                continue
            cluster = self.clusters[index]
            fill = CLUSTER_FILLS[cluster.depth % len(CLUSTER_FILLS)]
            lines.append(f'\tsubgraph cluster_{index} {{\n\t\tlabel=<<b>{_html_text(cluster.label)}</b>> '
                         f'fillcolor="{fill}"\n')
            lines.extend(cluster.lines)
            stack.append(None)
            stack.extend(reversed(cluster.children))
        return lines


def _ordering_edges(starts: list[tuple[str, Function | _FoldedBox]], consumers: dict[int, list[Function]],
                    drawn_at: dict[int, tuple[Scope, ...]], body: _Body) -> list[str]:
    """Invisible arrows that keep each module's box below the boxes that feed it.

    `starts` holds each box no arrow enters (a leaf, or a "used again" box) with the op or folded
    box it feeds first. dot puts such a box just above what it feeds. When that op also reads a
    result coming out of another module's box (a Linear's matmul reads the previous layer's output
    and, through a transpose, the Linear's weight), the weight rises to the rows of that module,
    and two boxes sharing rows stand side by side: the XOR net's picture was twice as wide as it
    needs to be, an unrolled recurrent net a staircase. An invisible arrow from that result keeps
    the box below it. Only such boxes get one, and only for their first use: long invisible arrows
    make dot untangle the real ones worse.
    """
    lines = []
    for dot_id, consumer in starts:
        if isinstance(consumer, _FoldedBox):  # a folded box: every result it reads comes from a box
            lines.extend(f"\t{result} -> {dot_id}{ORDERING_EDGE}\n" for result in consumer.results)
            continue
        op, results = consumer, []
        while op is not None:
            results = [parent for parent in op.parents if isinstance(parent, Function)]
            if results:
                break
            # An op on leaves only (the weight's transpose): what matters is where its result goes.
            op = consumers[id(op)][0] if consumers.get(id(op)) else None
        for result in results:
            if any(all(scope is not outer for outer in op.scope) for scope in drawn_at[id(result)]):
                # the arrow result -> op leaves a box
                lines.append(f"\t{body.tensor_id(result)} -> {dot_id}{ORDERING_EDGE}\n")
    return lines


def _attribute_statement(kind: str, attributes: dict[str, str]) -> str:
    return f"\t{kind} [" + " ".join(f"{key}={_dot_string(value)}" for key, value in attributes.items()) + "]\n"


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


class _Picture:
    """Draws the graph below `roots`: every box and arrow, in the order dot should meet them."""

    def __init__(self, roots: tuple[Tensor, ...], show_values: bool, show_grads: bool, folding: _Folding) -> None:
        self.show_values, self.show_grads, self.folding = show_values, show_grads, folding
        self.graph = graph = _collect(roots)
        self.names = parameter_names(graph.nodes)
        self.body = _Body()
        self.root_of_node = {id(root.grad_fn): root for root in roots if root.grad_fn is not None}
        self.root_ids = {id(root) for root in roots}
        self.edges: list[str] = []
        self.references: dict[int, tuple[str, str]] = {}  # id -> (label, kind) of tensors with many uses
        self.has_arrow: set[int] = set()  # ids of the tensors that have their one arrow
        self.drawn_at: dict[int, tuple[Scope, ...]] = {}  # id(leaf or node) -> where its tensor box is
        self.starts: list[tuple[str, Function | _FoldedBox]] = []  # see _ordering_edges
        self.consumers: dict[int, list[Function]] = {}  # id(leaf or node) -> the ops drawn that use it
        self.folded_into = {id(node): folding.box(node.scope) for node in graph.nodes}
        # The result of a folded op is drawn (beside its folded box) where it leaves the box.
        self.leaving = set(self.root_of_node)
        for node in graph.nodes:
            self.leaving.update(id(parent) for parent in node.parents if isinstance(parent, Function)
                                and self.folded_into[id(parent)] not in (None, self.folded_into[id(node)]))
        for leaf in graph.leaves:
            if not graph.leaf_consumers[id(leaf)]:
                self._leaf(leaf)  # a root that is a leaf
        for node in graph.nodes:
            # Each leaf is declared just before its first use: dot's first guess at the left-to-right
            # order follows the order of declaration, and this one follows the data (fewer crossings).
            for parent in node.parents:
                if isinstance(parent, Tensor) and id(parent) not in self.folded_into:
                    self._leaf(parent)
            self._node(node)
        folding.check_names_matched()
        for folded in folding.boxes.values():
            self.body.add_node(folded.path, folded.dot_id, folded.label(), folded.attributes())

    def _tensor(self, obj: Tensor | Function, path: tuple[Scope, ...], box: _TensorBox) -> None:
        self.body.add_node(path, self.body.tensor_id(obj), box.label(self.show_values, self.show_grads),
                           f"{_ATTRIBUTES[box.kind]} tooltip={_dot_string(box.tooltip())}")
        self.drawn_at[id(obj)] = path
        if self.graph.uses.get(id(obj), 0) > MAX_ARROWS_FROM_TENSOR:
            self.references[id(obj)] = (_reference_label(box), box.kind)

    def _leaf(self, leaf: Tensor) -> None:
        path = _leaf_scope(leaf, self.graph.leaf_consumers[id(leaf)])
        box = _leaf_box(leaf, leaf.name or self.names.get(id(leaf)), id(leaf) in self.root_ids)
        folded = None if id(leaf) in self.root_ids else self.folding.box(path)
        self.folded_into[id(leaf)] = folded
        if folded is None:
            self._tensor(leaf, path, box)
        elif leaf.requires_grad:
            folded.parameters.append(box.name or _shape_text(leaf.shape, leaf.dtype))
        else:
            folded.constants += 1

    def _node(self, node: Function) -> None:
        """The op's ellipse and result box, or its share of a folded box; then its input arrows."""
        folded = self.folded_into[id(node)]
        output = _output_box(node, self.root_of_node.get(id(node)))
        if folded is None:
            target, path = self.body.op_id(node), node.scope
            self.body.add_node(path, target, f"<{_html_text(node.label())}>",
                               f"{_ATTRIBUTES['op']} tooltip={_dot_string(_op_tooltip(node))}")
        else:
            target, path = folded.dot_id, folded.path
            folded.ops.append(node.label())
        if folded is None or id(node) in self.leaving:
            self._tensor(node, path, output)
            self.edges.append(f"\t{target} -> {self.body.tensor_id(node)}\n")
            if folded is not None:
                folded.outputs.append(_shape_text(node.shape, node.dtype))
        for parent in node.parents:
            if folded is None:
                self.consumers.setdefault(id(parent), []).append(node)
            elif self.folded_into[id(parent)] is folded or self.body.tensor_id(parent) in folded.sources:
                continue  # inside the folded box, or already an arrow into it
            else:
                folded.sources.append(self.body.tensor_id(parent))
                folded.inputs.append(_shape_text(parent.shape, parent.dtype))
                if isinstance(parent, Function):
                    folded.results.append(self.body.tensor_id(parent))
            self._arrow(parent, target, path, node if folded is None else folded)

    def _arrow(self, parent: Tensor | Function, target: str, path: tuple[Scope, ...],
               consumer: Function | _FoldedBox) -> None:
        source = self.body.tensor_id(parent)
        if id(parent) in self.references and id(parent) in self.has_arrow:
            source = self.body.add_reference(path, *self.references[id(parent)])
            self.starts.append((source, consumer))
        elif isinstance(parent, Tensor) and id(parent) not in self.has_arrow:
            self.starts.append((source, consumer))
        self.has_arrow.add(id(parent))
        # A node is recorded only when an input requires grad, so every op result does.
        needs_grad = parent.requires_grad if isinstance(parent, Tensor) else True
        self.edges.append(f"\t{source} -> {target}{'' if needs_grad else NO_GRADIENT_EDGE}\n")

    def lines(self, rankdir: str) -> list[str]:
        legend = _legend_label(self.show_grads, bool(self.references), bool(self.folding.boxes))
        return [
            _attribute_statement("graph", {"rankdir": rankdir, **_GRAPH_ATTRIBUTES}),
            _attribute_statement("node", _NODE_ATTRIBUTES),
            _attribute_statement("edge", _EDGE_ATTRIBUTES),
            *self.body.lines(), *self.edges,
            *_ordering_edges(self.starts, self.consumers, self.drawn_at, self.body),
            # The legend is the picture's title: above the drawing it adds height, never width.
            # Set last, so that no module box inherits it as its label.
            f"\tlabel={legend} labelloc=t\n",
        ]


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


def _graphviz_not_found(dot_path: str, out_path: str, format: str) -> GraphvizNotFoundError:
    help_text = _install_help(f"draw_graph could not render {out_path}")
    message = (f"{help_text}\nThe DOT source was written to {os.path.abspath(dot_path)}; once Graphviz is "
               f"installed, call draw_graph again or run `dot -T{format} {dot_path} -o {out_path}`.")
    return GraphvizNotFoundError(message, os.path.abspath(dot_path), "\n".join(_INSTALL_LINES))
