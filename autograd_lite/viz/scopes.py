"""What the picture draws and in which module box: the graph below the roots, the box each leaf
belongs in, and the module boxes ``collapse=`` folds into one.

_collect walks the graph once (each op and leaf once, ops in topological order) and counts the uses
of each tensor. Ops record the ``ag.name_scope`` they ran in; leaves record none, so _leaf_scope
puts a leaf in the innermost module box around the ops using it. _Folding decides, for each scope
path, whether a folded box (_FoldedBox) swallows what is drawn there; the folded box gathers the
shapes going in and out and the parameters it hides.

layout.py calls these while it writes the DOT source; the folded box's label is written with the
text helpers of boxes.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from autograd_lite.graph import Function, Scope
from autograd_lite.tensor import Tensor
from autograd_lite.viz.boxes import CLUSTER_BORDER, CLUSTER_FILLS, _dot_string, _html_text
from autograd_lite.viz.names import is_description


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
