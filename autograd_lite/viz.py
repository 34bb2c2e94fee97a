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
  (inputs, targets, literals such as the 1 in ``1 - p``), white boxes are
  intermediate results and the green box with a thick border is the root;
- an ellipse per primitive op, labelled with ``node.label()`` (``matmul``,
  ``sum(axis=1)``, ...); arrows point forward, from inputs to outputs. A
  dashed arrow means no gradient flows back along it (that input does not
  require grad);
- a labelled box around the ops of each ``ag.name_scope`` (every ``nn``
  module call opens one, so ``Linear(784→50)`` frames its transpose, matmul
  and add); nested modules give nested boxes. A parameter is drawn inside the
  box of the module that uses it; data stays outside;
- ``show_values=True`` prints each tensor's value: small tensors (at most
  16 elements) in full, larger ones as min / mean / max;
- ``show_grads=True`` prints each tensor's gradient (d root / d tensor) the
  same way, in red. Leaves take it from ``tensor.grad``. Intermediate results
  have one only if ``backward(retain_graph=True)`` ran: that keeps every
  intermediate gradient (and value) for the picture, while a plain
  ``backward()`` frees them and the box says so. A scalar root shows its seed, 1.

A sub-graph used twice appears once, with two arrows leaving it. A tensor used
by more than 8 ops (a weight shared across the steps of a recurrent net) keeps
one arrow, and each further use shows a small dotted "used again" box: a fan of
long arrows would be unreadable and makes Graphviz's layout take minutes.
Graphs of thousands of ops render in seconds.

Jupyter: a ``graphviz.Digraph`` displays itself inline as SVG, so a cell
ending in ``ag.viz.to_dot(loss)`` shows the picture; hovering an op shows its
input and output shapes.

``draw_graph`` writes the DOT source to ``path + ".dot"`` and renders it with
Graphviz's ``dot`` program, installed separately (``apt-get install graphviz``,
``brew install graphviz``, ``conda install graphviz``, or the Windows
installer from graphviz.org).
"""

from __future__ import annotations

import functools
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
MAX_LINE_WIDTH = 60  # characters of printed values per line

FONT = "Helvetica,Arial,sans-serif"
MONO_FONT = "Courier,monospace"
GRAD_COLOR = "#b03a2e"
MUTED_COLOR = "#707070"

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
# A tensor used by more ops than this gets one arrow (to its first use) and a small dotted reference
# box at each other use: dozens of arrows from one box across the picture are unreadable, and they
# make Graphviz's layout take minutes (each long arrow becomes hundreds of hidden layout nodes).
MAX_ARROWS_FROM_TENSOR = 8
RANKDIRS = ("LR", "RL", "TB", "BT")

# The DOT source is written line by line here rather than through Digraph.node()/edge(): those
# quote every attribute of every node, which made a 5,000-op graph take seconds instead of ~0.2 s.
_ATTRIBUTES = {kind: f'fillcolor="{fill}" color="{border}" {extra}' for kind, (fill, border, extra) in STYLES.items()}


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's ``dot`` program is not installed (draw_graph still wrote the DOT source)."""


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
        heading = _shape_text(self.shape, self.dtype)
        if self.name:
            heading = f"<b>{_html_text(self.name)}</b><br/>{heading}"
        rows = []
        # A one-element constant is a literal (the 1 in `1 - p`): its value is what identifies it.
        is_literal = self.kind == "constant" and self.value is not None and self.value.size == 1
        if show_values or is_literal:
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


def _leaf_box(leaf: Tensor, is_root: bool) -> _TensorBox:
    kind = "output" if is_root else "parameter" if leaf.requires_grad else "constant"
    grad = None if leaf.grad is None else np.asarray(leaf.grad.data)
    note = "None (no backward yet)" if leaf.requires_grad else None
    return _TensorBox(kind, leaf.name, leaf.shape, leaf.dtype, leaf.data, grad, note)


def _output_box(node: Function, root: Tensor | None) -> _TensorBox:
    """The box of the tensor `node` produced; `root` is that tensor when it was passed as a root."""
    freed = node.saved_output is None
    note = "freed (use backward(retain_graph=True))" if freed else "None (no backward yet)"
    if root is None:
        return _TensorBox(
            "intermediate", node.tensor_name, node.shape, node.dtype, node.saved_output, node.kept_grad, note
        )
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


def _legend_label(show_grads: bool, has_references: bool) -> str:
    entries = [
        ("parameter", "parameter (leaf, requires grad)"),
        ("constant", "constant (leaf, no grad)"),
        ("intermediate", "intermediate tensor"),
        ("output", "output (root)"),
        ("op", "op (primitive)"),
    ]
    rows = [f'<tr><td bgcolor="{STYLES[kind][0]}" color="{STYLES[kind][1]}" border="1" width="18"></td>'
            f'<td align="left">{text}</td></tr>' for kind, text in entries]
    rows.append(f'<tr><td bgcolor="{CLUSTER_FILLS[1]}" color="#5d6d7e" border="1"></td>'
                '<td align="left">module call (name scope)</td></tr>')
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
    """Where a leaf is drawn. Leaves record no scope, so a parameter (or a literal like the 1 in
    `1 - p`) goes into the innermost box holding every op that uses it: a Linear's weight appears
    inside its Linear, a weight shared by two modules in their common parent. Data (inputs,
    targets) stays outside: it belongs to no module."""
    if leaf.requires_grad or leaf.data.size == 1:
        return _common_scope(consumer_paths)
    return ()


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


# ----------------------------------------------------------------------------------------------
# Public API


def to_dot(*roots: Tensor, show_values: bool = False, show_grads: bool = False, rankdir: str = "LR") -> graphviz.Digraph:
    """The computation graph that produced `roots`, as a ``graphviz.Digraph``.

    Tensors are boxes (name, shape, dtype), ops are ellipses (``node.label()``), arrows point
    forward; ``ag.name_scope`` / ``nn`` module calls become labelled boxes. ``show_values`` and
    ``show_grads`` add each tensor's value and gradient (run ``backward(retain_graph=True)`` first
    to keep the gradients of intermediate results). ``rankdir`` is "LR" (left to right), "TB",
    "RL" or "BT". In Jupyter the returned Digraph displays inline.
    """
    if not roots:
        raise ValueError("to_dot needs at least one root Tensor, e.g. to_dot(loss)")
    for root in roots:
        if not isinstance(root, Tensor):
            raise TypeError(f"to_dot expects Tensors as roots, got {type(root).__name__}")
    if rankdir not in RANKDIRS:
        raise ValueError(f"to_dot: rankdir must be one of {RANKDIRS}, got {rankdir!r}")

    graph = _collect(roots)
    body = _Body()
    root_of_node = {id(root.grad_fn): root for root in roots if root.grad_fn is not None}
    root_ids = {id(root) for root in roots}

    references: dict[int, tuple[str, str]] = {}  # id -> (label, kind) of each tensor with too many uses

    def add_tensor(obj: Tensor | Function, path: tuple[Scope, ...], box: _TensorBox) -> None:
        body.add_node(path, body.tensor_id(obj), box.label(show_values, show_grads), _ATTRIBUTES[box.kind])
        if graph.uses.get(id(obj), 0) > MAX_ARROWS_FROM_TENSOR:
            references[id(obj)] = (_reference_label(box), box.kind)

    for leaf in graph.leaves:
        add_tensor(leaf, _leaf_scope(leaf, graph.leaf_consumers[id(leaf)]), _leaf_box(leaf, id(leaf) in root_ids))
    edges: list[str] = []
    has_arrow: set[int] = set()
    for node in graph.nodes:
        op_id = body.op_id(node)
        body.add_node(node.scope, op_id, f"<{_html_text(node.label())}>",
                      f"{_ATTRIBUTES['op']} tooltip={_dot_string(_op_tooltip(node))}")
        add_tensor(node, node.scope, _output_box(node, root_of_node.get(id(node))))
        edges.append(f"\t{op_id} -> {body.tensor_id(node)}\n")
        for parent, needs_grad in zip(node.parents, node.needs_grad):
            source = body.tensor_id(parent)
            if id(parent) in references and id(parent) in has_arrow:
                source = body.add_reference(node.scope, *references[id(parent)])
            has_arrow.add(id(parent))
            edges.append(f"\t{source} -> {op_id}{'' if needs_grad else NO_GRADIENT_EDGE}\n")

    dot = graphviz.Digraph(
        name="computation_graph",
        graph_attr={"rankdir": rankdir, "fontname": FONT, "fontsize": "11", "bgcolor": "white",
                    "nodesep": "0.2", "ranksep": "0.3", "style": "rounded,filled", "color": "#5d6d7e",
                    "labeljust": "l", "fontcolor": "#1b2631"},
        node_attr={"fontname": FONT, "fontsize": "10", "shape": "box", "margin": "0.08,0.04", "height": "0.3"},
        edge_attr={"arrowsize": "0.6", "color": "#566573"},
    )
    dot.body.extend(body.lines())
    dot.body.extend(edges)
    dot.node("legend", _legend_label(show_grads, has_references=bool(references)), shape="plaintext")
    return dot


def draw_graph(*roots: Tensor, path: str | os.PathLike = "graph", format: str = "svg", **to_dot_options) -> str:
    """Write the graph of `roots` to ``path + ".dot"`` and render it to ``path + "." + format``.

    `format` is a Graphviz output format such as "svg", "png" or "pdf"; `to_dot_options` go to
    :func:`to_dot` (show_values, show_grads, rankdir). Returns the rendered file's path. Raises
    :class:`GraphvizNotFoundError`, after writing the DOT file, when Graphviz's ``dot`` is missing.
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
