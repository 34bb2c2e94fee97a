"""Pictures of the computation graph, drawn with Graphviz.

    import autograd_lite as ag

    x = ag.tensor([[1.0, 2.0]], requires_grad=True, name="x")
    loss = (x * x).sum()
    ag.viz.to_dot(loss)                          # a graphviz.Digraph
    loss.backward(retain_graph=True)
    ag.viz.draw_graph(loss, path="loss", format="png", show_grads=True)

What the picture shows (a legend in the corner repeats it):

- a box per tensor with its name (when set), shape and dtype. Blue boxes are
  parameters (leaves that require grad), grey dashed boxes are constants
  (inputs, targets, literals), white boxes are intermediate results and the
  green box with a thick border is the root you asked to draw;
- an ellipse per primitive op, labelled with ``node.label()`` (``matmul``,
  ``sum(axis=1)``, ...), with arrows in the forward direction; a dashed arrow
  means no gradient flows back along it (its input does not require grad);
- a labelled box around the ops of each ``ag.name_scope`` (every ``nn``
  module call opens one, so ``Linear(784→50)`` frames its transpose, matmul
  and add); nested modules give nested boxes;
- ``show_values=True`` prints each tensor's value: small tensors (at most
  16 elements) in full, larger ones as min / mean / max;
- ``show_grads=True`` prints each tensor's gradient the same way, in red.
  Leaves take it from ``tensor.grad``. Intermediate gradients exist only if
  ``backward(retain_graph=True)`` ran: that keeps every intermediate gradient
  (and value) for the picture; a plain ``backward()`` frees them and the box
  says so. A scalar root's gradient is the seed, 1.

A sub-graph used twice appears once, with two arrows leaving it.

Jupyter: a ``graphviz.Digraph`` renders itself inline (as SVG), so ending a
cell with ``ag.viz.to_dot(loss)`` shows the picture; hover an op to see its
input and output shapes.

``draw_graph`` writes the DOT source to ``path + ".dot"`` and renders it with
Graphviz's ``dot`` program, which must be installed separately
(``apt-get install graphviz``, ``brew install graphviz``,
``conda install graphviz``, or the Windows installer from graphviz.org).
"""

from __future__ import annotations

import html
import os
import re
import shutil
from dataclasses import dataclass, field

import graphviz
import numpy as np

from .graph import Function, Scope
from .tensor import Tensor

__all__ = ["to_dot", "draw_graph", "GraphvizNotFoundError"]

# Tensors with at most this many elements are printed in full; larger ones as min/mean/max.
MAX_PRINTED_ELEMENTS = 16

FONT = "Helvetica,Arial,sans-serif"
MONO_FONT = "Courier,monospace"
GRAD_COLOR = "#b03a2e"
MUTED_COLOR = "#666666"

# Look of each kind of node: (fill colour, border colour, extra style).
STYLES = {
    "parameter": ("#d6eaf8", "#2e86c1", ""),
    "constant": ("#f2f3f4", "#909497", ",dashed"),
    "intermediate": ("#ffffff", "#7f8c8d", ""),
    "output": ("#d5f5e3", "#1e8449", ""),
    "op": ("#fdebd0", "#ca6f1e", ""),
}
# Module boxes get darker with depth so nested modules stay distinguishable.
CLUSTER_FILLS = ("#f4f6fb", "#e8edf7", "#dde5f3", "#d1dcef")

_RANKDIRS = ("LR", "RL", "TB", "BT")
_NO_GRADIENT_EDGE = {"style": "dashed", "color": "#aaaaaa"}


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's ``dot`` program is not installed (the DOT source was still written)."""


# ----------------------------------------------------------------------------------------------
# Formatting tensors


def _format_number(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _format_array(array: np.ndarray) -> list[str]:
    """Lines describing an array: all values when small, min/mean/max when large."""
    array = np.asarray(array)
    if array.size == 0:
        return ["(empty)"]
    if array.size > MAX_PRINTED_ELEMENTS:
        as_float = array.astype(np.float64)
        return [f"min {as_float.min():.4g}  mean {as_float.mean():.4g}  max {as_float.max():.4g}"]
    # 4 significant digits ("0.25", "1", "-1.5e-05") read better than NumPy's "0.25  ", "1.  ";
    # padding every number to the widest keeps the columns of a matrix aligned.
    texts = np.array([_format_number(value) for value in array.ravel().tolist()]).reshape(array.shape)
    if array.ndim == 0:
        return [str(texts)]
    width = max(len(text) for text in texts.ravel())
    return np.array2string(texts, separator=", ", max_line_width=60,
                           formatter={"all": lambda text: text.rjust(width)}).splitlines()


def _html_text(line: str) -> str:
    """Escape a line for an HTML-like label, keeping runs of spaces (they align array columns)."""
    return re.sub(r"  +", lambda run: "&#160;" * len(run.group()), html.escape(line, quote=False))


def _shape_text(shape: tuple[int, ...], dtype: np.dtype) -> str:
    shape_part = "scalar" if len(shape) == 0 else "(" + ", ".join(str(n) for n in shape) + ")"
    return f"{shape_part} {np.dtype(dtype).name}"


def _table_row(key: str, lines: list[str], color: str) -> str:
    """One 'key  value' row; multi-line values stay left-aligned."""
    body = '<br align="left"/>'.join(_html_text(line) for line in lines)
    if len(lines) > 1:
        body += '<br align="left"/>'
    return (
        f'<tr><td align="left" valign="top"><font color="{color}">{key}</font></td>'
        f'<td align="left" balign="left"><font face="{MONO_FONT}" color="{color}">{body}</font></td></tr>'
    )


@dataclass
class _TensorLook:
    """Everything drawn in one tensor box."""

    kind: str  # a key of STYLES
    name: str | None
    shape: tuple[int, ...]
    dtype: np.dtype
    value: np.ndarray | None = None  # None: freed by backward
    grad: np.ndarray | None = None
    grad_note: str | None = None  # shown instead of a missing gradient; None: no grad row at all

    def label(self, show_values: bool, show_grads: bool) -> str:
        rows = []
        if self.name:
            rows.append(f'<tr><td colspan="2"><b>{_html_text(self.name)}</b></td></tr>')
        rows.append(f'<tr><td colspan="2">{_shape_text(self.shape, self.dtype)}</td></tr>')
        # A one-element constant is a literal (the 1 in `1 - p`): its value is what identifies it.
        is_literal = self.kind == "constant" and self.value is not None and self.value.size == 1
        if show_values or is_literal:
            lines = ["freed by backward"] if self.value is None else _format_array(self.value)
            rows.append(_table_row("value", lines, MUTED_COLOR if self.value is None else "#000000"))
        if show_grads and self.grad is not None:
            rows.append(_table_row("grad", _format_array(self.grad), GRAD_COLOR))
        elif show_grads and self.grad_note is not None:
            rows.append(_table_row("grad", [self.grad_note], MUTED_COLOR))
        return '<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">' + "".join(rows) + "</table>>"


def _leaf_look(leaf: Tensor, is_root: bool) -> _TensorLook:
    if is_root:
        kind = "output"
    else:
        kind = "parameter" if leaf.requires_grad else "constant"
    grad = None if leaf.grad is None else np.asarray(leaf.grad.data)
    note = "None (no backward yet)" if leaf.requires_grad else None
    return _TensorLook(kind, leaf.name, tuple(leaf.shape), leaf.dtype, np.asarray(leaf.data), grad, note)


def _output_look(node: Function, root: Tensor | None) -> _TensorLook:
    """The tensor a node produced; `root` is that tensor when the caller passed it as a root."""
    freed = node.value is None
    grad = node.grad
    note = "freed (use backward(retain_graph=True))" if freed else "None (no backward yet)"
    if root is None:
        return _TensorLook("intermediate", node.tensor_name, tuple(node.shape), node.dtype, node.value, grad, note)
    if grad is None and freed and root.data.size == 1:
        grad = np.ones_like(root.data)  # backward() of a scalar seeds it with 1 and keeps nothing
    return _TensorLook("output", root.name, tuple(node.shape), node.dtype, np.asarray(root.data), grad, note)


def _op_tooltip(node: Function) -> str:
    inputs = ", ".join(str(tuple(parent.shape)) for parent in node.parents)
    return f"{node.label()}: {inputs} -> {tuple(node.shape)}"


def _legend_label(show_grads: bool) -> str:
    def swatch(kind: str) -> str:
        fill, border, _ = STYLES[kind]
        return f'<td bgcolor="{fill}" color="{border}" border="1" width="18"></td>'

    rows = [
        ("parameter", "parameter (leaf, requires grad)"),
        ("constant", "constant (leaf, no grad)"),
        ("intermediate", "intermediate tensor"),
        ("output", "output (root)"),
        ("op", "op (primitive)"),
    ]
    cells = [f"<tr>{swatch(kind)}<td align=\"left\">{text}</td></tr>" for kind, text in rows]
    cells.append(f'<tr><td bgcolor="{CLUSTER_FILLS[1]}" border="1" color="#5d6d7e"></td>'
                 '<td align="left">module (name scope)</td></tr>')
    cells.append('<tr><td><font color="#aaaaaa">- - &gt;</font></td><td align="left">no gradient flows back</td></tr>')
    if show_grads:
        cells.append(f'<tr><td><font color="{GRAD_COLOR}">grad</font></td>'
                     '<td align="left">gradient of the root w.r.t. it</td></tr>')
    return ('<<table border="0" cellborder="0" cellspacing="3" cellpadding="2">'
            '<tr><td colspan="2"><b>legend</b></td></tr>' + "".join(cells) + "</table>>")


# ----------------------------------------------------------------------------------------------
# Walking the graph and placing nodes into module boxes


@dataclass
class _Cluster:
    """One module box: a Scope, its enclosing box (None: top level) and what is drawn inside."""

    label: str
    parent: int | None
    depth: int
    nodes: list[tuple[str, str, dict]] = field(default_factory=list)  # (dot id, label, attributes)
    children: list[int] = field(default_factory=list)


@dataclass
class _Walk:
    nodes: list[Function]  # every op node once, inputs before consumers
    leaves: list[Tensor]  # every leaf tensor once
    leaf_consumers: dict[int, list[tuple[Scope, ...]]]  # id(leaf) -> scope paths of the ops that use it


def _walk(roots: tuple[Tensor, ...]) -> _Walk:
    """Collect the graph below `roots` with an explicit stack (deep graphs must not hit the recursion limit)."""
    nodes: list[Function] = []
    leaves: list[Tensor] = []
    leaf_consumers: dict[int, list[tuple[Scope, ...]]] = {}
    seen: set[int] = set()
    stack: list[Function] = []
    for root in roots:
        if root.grad_fn is None and id(root) not in seen:
            seen.add(id(root))
            leaves.append(root)
            leaf_consumers[id(root)] = []
        elif root.grad_fn is not None and id(root.grad_fn) not in seen:
            seen.add(id(root.grad_fn))
            stack.append(root.grad_fn)
    while stack:
        node = stack.pop()
        nodes.append(node)
        for parent in node.parents:
            if isinstance(parent, Function):
                if id(parent) not in seen:
                    seen.add(id(parent))
                    stack.append(parent)
                continue
            if id(parent) not in seen:
                seen.add(id(parent))
                leaves.append(parent)
                leaf_consumers[id(parent)] = []
            leaf_consumers[id(parent)].append(node.scope)
    nodes.reverse()  # declaring inputs first gives dot a calmer left-to-right layout
    return _Walk(nodes, leaves, leaf_consumers)


def _common_scope(paths: list[tuple[Scope, ...]]) -> tuple[Scope, ...]:
    """The innermost module box that contains all `paths` (the empty tuple is the top level)."""
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
    """Where a leaf is drawn. Leaves record no scope, so a parameter (or a literal like the 1 in
    `1 - x`) goes into the box of the ops using it: a Linear's weight appears inside its Linear.
    Data (inputs, targets) stays outside: it is not part of any module."""
    if leaf.requires_grad or leaf.data.size == 1:
        return _common_scope(consumer_paths)
    return ()


class _Layout:
    """Assigns dot ids and module boxes; emits the Digraph."""

    def __init__(self) -> None:
        self.numbers: dict[int, int] = {}
        self.clusters: list[_Cluster] = []
        self.cluster_of_scope: dict[int, int] = {}
        self.top_level: list[tuple[str, str, dict]] = []
        self._keep_alive: list[object] = []  # ids stay unique only while their objects live

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

    def _cluster_index(self, path: tuple[Scope, ...]) -> int | None:
        parent = None
        for depth, scope in enumerate(path):
            index = self.cluster_of_scope.get(id(scope))
            if index is None:
                index = len(self.clusters)
                self.clusters.append(_Cluster(scope.label, parent, depth))
                self.cluster_of_scope[id(scope)] = index
                self._keep_alive.append(scope)
                if parent is not None:
                    self.clusters[parent].children.append(index)
            parent = index
        return parent

    def place(self, path: tuple[Scope, ...], dot_id: str, label: str, attributes: dict) -> None:
        index = self._cluster_index(path)
        target = self.top_level if index is None else self.clusters[index].nodes
        target.append((dot_id, label, attributes))

    def emit(self, dot: graphviz.Digraph) -> None:
        built: dict[int, graphviz.Digraph] = {}
        # Deepest boxes first, so each box's children exist when it is built (no recursion needed).
        for index in sorted(range(len(self.clusters)), key=lambda i: -self.clusters[i].depth):
            cluster = self.clusters[index]
            box = graphviz.Digraph(name=f"cluster_{index}")
            box.attr(label=f"<<b>{_html_text(cluster.label)}</b>>",
                     fillcolor=CLUSTER_FILLS[cluster.depth % len(CLUSTER_FILLS)])
            for dot_id, label, attributes in cluster.nodes:
                box.node(dot_id, label, **attributes)
            for child in cluster.children:
                box.subgraph(built.pop(child))
            built[index] = box
        for dot_id, label, attributes in self.top_level:
            dot.node(dot_id, label, **attributes)
        for index, box in built.items():  # what is left are the outermost boxes
            dot.subgraph(box)


def _node_attributes(kind: str) -> dict:
    fill, border, extra_style = STYLES[kind]
    attributes = {"fillcolor": fill, "color": border}
    if kind == "op":
        attributes.update(shape="ellipse", style="filled")
    else:
        attributes["style"] = "rounded,filled" + extra_style
    if kind == "output":
        attributes["penwidth"] = "2.2"
    return attributes


# ----------------------------------------------------------------------------------------------
# Public API


def to_dot(*roots: Tensor, show_values: bool = False, show_grads: bool = False, rankdir: str = "LR") -> graphviz.Digraph:
    """Draw the computation graph that produced `roots` as a ``graphviz.Digraph``.

    Tensors are boxes (name, shape, dtype), ops are ellipses (``node.label()``), arrows point
    forward; ``ag.name_scope`` / ``nn`` module calls become labelled boxes. ``show_values`` and
    ``show_grads`` add each tensor's value / gradient (call ``backward(retain_graph=True)`` first to
    keep the gradients of intermediate results). In Jupyter the returned Digraph displays inline.
    """
    if not roots:
        raise ValueError("to_dot needs at least one root Tensor, e.g. to_dot(loss)")
    for root in roots:
        if not isinstance(root, Tensor):
            raise TypeError(f"to_dot expects Tensors as roots, got {type(root).__name__}")
    if rankdir not in _RANKDIRS:
        raise ValueError(f"to_dot: rankdir must be one of {_RANKDIRS}, got {rankdir!r}")

    dot = graphviz.Digraph(
        name="computation_graph",
        graph_attr={"rankdir": rankdir, "fontname": FONT, "fontsize": "11", "bgcolor": "white",
                    "nodesep": "0.2", "ranksep": "0.3", "style": "rounded,filled", "color": "#5d6d7e",
                    "labeljust": "l", "fontcolor": "#1b2631"},
        node_attr={"fontname": FONT, "fontsize": "10", "shape": "box", "margin": "0.08,0.04", "height": "0.3"},
        edge_attr={"arrowsize": "0.6", "color": "#566573"},
    )
    walk = _walk(roots)
    layout = _Layout()
    root_of_node = {id(root.grad_fn): root for root in roots if root.grad_fn is not None}
    root_ids = {id(root) for root in roots}
    op_style = _node_attributes("op")

    for leaf in walk.leaves:
        look = _leaf_look(leaf, is_root=id(leaf) in root_ids)
        layout.place(_leaf_scope(leaf, walk.leaf_consumers[id(leaf)]), layout.tensor_id(leaf),
                     look.label(show_values, show_grads), _node_attributes(look.kind))

    edges: list[tuple[str, str, dict]] = []
    for node in walk.nodes:
        op_id, out_id = layout.op_id(node), layout.tensor_id(node)
        look = _output_look(node, root_of_node.get(id(node)))
        layout.place(node.scope, op_id, f"<{html.escape(node.label(), quote=False)}>",
                     {**op_style, "tooltip": _op_tooltip(node)})
        layout.place(node.scope, out_id, look.label(show_values, show_grads), _node_attributes(look.kind))
        edges.append((op_id, out_id, {}))
        for parent, needs_grad in zip(node.parents, node.needs):
            edges.append((layout.tensor_id(parent), op_id, {} if needs_grad else _NO_GRADIENT_EDGE))

    layout.emit(dot)
    for tail, head, attributes in edges:
        dot.edge(tail, head, **attributes)
    dot.node("legend", _legend_label(show_grads), shape="plaintext", style="")
    return dot


def draw_graph(*roots: Tensor, path: str | os.PathLike = "graph", format: str = "svg", **to_dot_options) -> str:
    """Write the graph of `roots` to ``path + ".dot"`` and render it to ``path + "." + format``.

    `format` is any Graphviz output format: "svg", "png", "pdf", ... `to_dot_options` are passed to
    :func:`to_dot` (show_values, show_grads, rankdir). Returns the rendered file's path. Raises
    :class:`GraphvizNotFoundError` when Graphviz's ``dot`` program is not installed.
    """
    if format not in graphviz.FORMATS:
        raise ValueError(f"draw_graph: unknown output format {format!r}; use 'svg', 'png' or 'pdf'")
    dot = to_dot(*roots, **to_dot_options)
    base = os.fspath(path)
    dot_path, out_path = base + ".dot", base + "." + format
    os.makedirs(os.path.dirname(os.path.abspath(dot_path)), exist_ok=True)
    with open(dot_path, "w", encoding="utf-8") as file:
        file.write(dot.source)
    if shutil.which("dot") is None:
        raise _graphviz_not_found(dot_path, out_path, format)
    try:
        graphviz.render("dot", format, dot_path, outfile=out_path)
    except graphviz.ExecutableNotFound as error:
        raise _graphviz_not_found(dot_path, out_path, format) from error
    return out_path


def _graphviz_not_found(dot_path: str, out_path: str, format: str) -> GraphvizNotFoundError:
    return GraphvizNotFoundError(
        f"draw_graph could not render {out_path}: Graphviz's `dot` program is not on PATH.\n"
        f"The DOT source was written to {os.path.abspath(dot_path)}.\n"
        f"Install Graphviz, then call draw_graph again (or run `dot -T{format} {dot_path} -o {out_path}`):\n"
        "  Debian/Ubuntu: sudo apt-get install graphviz\n"
        "  macOS:         brew install graphviz\n"
        "  conda:         conda install graphviz\n"
        "  Windows:       the installer from https://graphviz.org/download/ (add its bin folder to PATH)"
    )
