"""Optional plots for the seed examples: matplotlib when installed, a message when not.

Every plot goes through `save_plot`, which saves a PNG and prints where, or
prints that the plot was skipped, so an example runs the same without
matplotlib. Examples never import matplotlib themselves: they pass a
function that draws on the Axes they are given.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

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


def draw_curves(axes: Any, curves: dict[str, tuple[Sequence[float], Sequence[float]]],
                xlabel: str, ylabel: str, title: str, log_y: bool = False) -> None:
    """Labelled line plots of (x, y) curves on one Axes."""
    for label, (x, y) in curves.items():
        axes.plot(x, y, label=label)
    axes.set(xlabel=xlabel, ylabel=ylabel, title=title)
    if log_y:
        axes.set_yscale("log")
    if len(curves) > 1:
        axes.legend()


def draw_decision_boundary(axes: Any, predict: Callable[[np.ndarray], np.ndarray],
                           points: np.ndarray, labels: np.ndarray, title: str) -> None:
    """Shade the plane by predict(grid points (n, 2)) -> class per point, and scatter the data."""
    margin = 0.5
    (x_min, y_min), (x_max, y_max) = points.min(axis=0) - margin, points.max(axis=0) + margin
    xs, ys = np.meshgrid(np.linspace(x_min, x_max, 200), np.linspace(y_min, y_max, 200))
    classes = predict(np.column_stack([xs.ravel(), ys.ravel()])).reshape(xs.shape)
    axes.contourf(xs, ys, classes, alpha=0.3, cmap="coolwarm")
    axes.scatter(points[:, 0], points[:, 1], c=labels, cmap="coolwarm", edgecolors="k")
    axes.set(xlabel="x1", ylabel="x2", title=title)
