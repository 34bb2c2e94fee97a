"""The DOT source of a picture: the module boxes (clusters), the order boxes are declared in, the arrows.

_Picture goes over the ops that scopes.py collected, in topological order: it gets each box's label
from boxes.py, puts the box in its module box through _Body, and writes the arrows. It returns the
lines between ``digraph computation_graph {`` and ``}``, which dot.py turns into a graphviz.Digraph
or a .dot file.

The layout keeps pictures narrow: data flows from top to bottom (``rankdir="TB"``),
so a deep chain makes a picture taller, never wider, and each module's box starts
below the boxes that feed it (its parameters are not lifted beside earlier
modules), so modules stack instead of standing side by side.

A sub-graph used twice appears once, with two arrows leaving it. A tensor used
by more than 8 ops (a weight shared across the steps of a recurrent net) keeps
one arrow, and each further use shows a small dotted "used again" box: a fan of
long arrows would be unreadable and makes Graphviz's layout take minutes.
Graphs of thousands of ops render in seconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from autograd_lite.graph import Function, Scope
from autograd_lite.tensor import Tensor
from autograd_lite.viz.boxes import (
    CLUSTER_BORDER, CLUSTER_FILLS, FONT, STYLES, _dot_string, _html_text, _leaf_box, _legend_label, _op_tooltip,
    _output_box, _reference_label, _shape_text, _TensorBox,
)
from autograd_lite.viz.names import parameter_names
from autograd_lite.viz.scopes import _collect, _FoldedBox, _Folding, _leaf_scope

NO_GRADIENT_EDGE = ' [style=dashed color="#aaaaaa"]'
# Keeps a module's parameters from rising beside earlier modules (see _ordering_edges).
# (weight=0 would be ignored: dot then lets the parameter rise anyway.)
ORDERING_EDGE = " [style=invis]"
# A tensor used by more ops than this gets one arrow (to its first use) and a small dotted reference
# box at each other use: dozens of arrows from one box across the picture are unreadable, and they
# make Graphviz's layout take minutes (each long arrow becomes hundreds of hidden layout nodes).
MAX_ARROWS_FROM_TENSOR = 8

# The DOT source is written line by line here rather than through Digraph.node()/edge(): those
# quote every attribute of every node, which made a 5,000-op graph take seconds instead of ~0.2 s.
_ATTRIBUTES = {kind: f'fillcolor="{fill}" color="{border}" {extra}' for kind, (fill, border, extra) in STYLES.items()}
_GRAPH_ATTRIBUTES = {"fontname": FONT, "fontsize": "11", "bgcolor": "white", "nodesep": "0.2", "ranksep": "0.3",
                     "style": "rounded,filled", "color": CLUSTER_BORDER, "labeljust": "l", "fontcolor": "#1b2631"}
_NODE_ATTRIBUTES = {"fontname": FONT, "fontsize": "10", "shape": "box", "margin": "0.08,0.04", "height": "0.3"}
_EDGE_ATTRIBUTES = {"arrowsize": "0.6", "color": "#566573"}


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
