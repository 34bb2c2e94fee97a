"""Pictures of the computation graph (``dot``: Graphviz drawings of the graph)."""

from autograd_lite.viz.dot import *  # noqa: F401,F403
from autograd_lite.viz.dot import MAX_ARROWS_FROM_TENSOR, STYLES, GraphvizNotFoundError, draw_graph, to_dot

__all__ = ["to_dot", "draw_graph", "GraphvizNotFoundError", "MAX_ARROWS_FROM_TENSOR", "STYLES"]
