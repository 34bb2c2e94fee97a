"""Optional plots for the seed examples: matplotlib when installed, a message when not.

Every plot goes through `save_plot`, which saves a PNG and prints where, or
prints that the plot was skipped, so an example runs the same without
matplotlib. Examples never import matplotlib themselves: they pass a
function that draws on the Axes they are given.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np


def save_plot(path: Path, what: str, draw: Callable[[Any], None], figsize: tuple[float, float] = (7, 4)) -> Path | None:
    """Call draw(axes) on a new figure and save it to `path` (PNG); return the path, or None
    when matplotlib is not installed."""
    try:
        import matplotlib
        matplotlib.use("Agg")  # files only: no window, works without a display
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"{what}: plot skipped (matplotlib is not installed; pip install matplotlib)")
        return None
    fig, axes = plt.subplots(figsize=figsize)
    try:
        draw(axes)
        fig.tight_layout()
        fig.savefig(path, dpi=100)
    finally:
        plt.close(fig)
    print(f"{what}: saved {path}")
    return path


def draw_curves(axes: Any, curves: dict[str, tuple], xlabel: str, ylabel: str, title: str,
                log_y: bool = False, log_x: bool = False) -> None:
    """Labelled line plots on one Axes; each curve is (x, y) or (x, y, matplotlib style keywords)."""
    from matplotlib.ticker import FormatStrFormatter

    for label, (x, y, *style) in curves.items():
        axes.plot(x, y, label=label, **(style[0] if style else {}))
    axes.set(xlabel=xlabel, ylabel=ylabel, title=title)
    for wanted, axis, scale in ((log_x, axes.xaxis, axes.set_xscale), (log_y, axes.yaxis, axes.set_yscale)):
        if wanted:
            scale("log")
            if axis is axes.yaxis:  # plain numbers (0.1, 0.2) rather than 10^-1, 2 x 10^-1
                axis.set_major_formatter(FormatStrFormatter("%.2g"))
                axis.set_minor_formatter(FormatStrFormatter("%.2g"))
    if len(curves) > 1:
        axes.legend()


def draw_decision_boundary(axes: Any, predict: Callable[[np.ndarray], np.ndarray],
                           points: np.ndarray, labels: np.ndarray, title: str) -> None:
    """Shade the plane by predict(grid points (n, 2)) -> class per point, scatter the data, and say
    in a legend which colour is which class (shaded: predicted; dots: the data's labels)."""
    from matplotlib import colormaps
    from matplotlib.patches import Patch

    margin = 0.5
    (x_min, y_min), (x_max, y_max) = points.min(axis=0) - margin, points.max(axis=0) + margin
    xs, ys = np.meshgrid(np.linspace(x_min, x_max, 200), np.linspace(y_min, y_max, 200))
    predicted = predict(np.column_stack([xs.ravel(), ys.ravel()])).reshape(xs.shape)
    classes = np.unique(np.concatenate([np.unique(labels), np.unique(predicted)]))
    colours = colormaps["coolwarm"](np.linspace(0, 1, len(classes)))
    index = np.searchsorted(classes, predicted)
    axes.contourf(xs, ys, index, levels=np.arange(len(classes) + 1) - 0.5, colors=colours, alpha=0.3)
    handles = [Patch(facecolor=colour, alpha=0.3, label=f"predicted {c}") for c, colour in zip(classes, colours)]
    for c, colour in zip(classes, colours):
        mine = labels == c
        if mine.any():
            handles.append(axes.scatter(points[mine, 0], points[mine, 1], color=colour, edgecolors="k",
                                        label=f"data labelled {c}"))
    axes.set(xlabel="x1", ylabel="x2", title=title)
    axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1), borderaxespad=0, fontsize=9)
