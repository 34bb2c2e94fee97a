"""Pictures of the computation graph and of the backward pass (``ag.viz``)."""
from autograd_lite.viz.boxes import STYLES
from autograd_lite.viz.dot import GraphvizNotFoundError, draw_graph, to_dot
from autograd_lite.viz.frames import StepsFile, backward_steps
from autograd_lite.viz.layout import MAX_ARROWS_FROM_TENSOR
from autograd_lite.viz.steps import BackwardExplanation, explain_backward

__all__ = ["to_dot", "draw_graph", "GraphvizNotFoundError", "STYLES", "MAX_ARROWS_FROM_TENSOR",
           "backward_steps", "StepsFile", "explain_backward", "BackwardExplanation"]
