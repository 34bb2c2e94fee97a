"""Progress of the examples' long steps: a tqdm bar when tqdm is installed, plain lines when not.

    progress = Progress(600, "epoch 1")
    for batch in batches:
        ...
        progress.update(loss=loss.item())
    progress.close()

    ag.compare_gradients(loss_fn, model, progress=EvaluationProgress("numerical gradient"))

The bar goes to stderr, as tqdm's do; the plain fallback prints about ten
lines per run to stdout, so a run without tqdm is not silent either.
"""
from __future__ import annotations

from typing import Any


class Progress:
    """A tqdm bar over `total` updates, or without tqdm a line every `every` updates (about 10 per run)."""

    def __init__(self, total: int, description: str, every: int | None = None) -> None:
        self.total, self.description, self.done = total, description, 0
        self.every = every or max(1, total // 10)
        try:
            from tqdm import tqdm
        except ImportError:
            self.bar = None
        else:
            self.bar = tqdm(total=total, desc=description, unit="it", mininterval=0.5, leave=False)

    def update(self, **values: float) -> None:
        """One more done; `values` (e.g. loss=0.31) are shown beside the bar, or in the plain line."""
        self.done += 1
        shown = ", ".join(f"{name} {value:.4g}" for name, value in values.items())
        if self.bar is not None:
            self.bar.update()
            if values and (self.done % 50 == 0 or self.done == self.total):
                self.bar.set_postfix_str(shown, refresh=False)
        elif self.done % self.every == 0 or self.done == self.total:
            print(f"{self.description}: {self.done:,}/{self.total:,}" + (f" ({shown})" if shown else ""), flush=True)

    def write(self, line: str) -> None:
        """Print a line without breaking the bar."""
        if self.bar is not None:
            self.bar.write(line)
        else:
            print(line)

    def close(self) -> None:
        """Remove the bar (the plain fallback has nothing to close)."""
        if self.bar is not None:
            self.bar.close()


class EvaluationProgress:
    """A `compare_gradients(progress=...)` callback: a Progress over the numerical gradient's loss
    evaluations, made on the first call (that is when the total is known)."""

    def __init__(self, description: str) -> None:
        self.description = description
        self.progress: Progress | None = None

    def __call__(self, done: int, total: int) -> Any:
        if self.progress is None:
            self.progress = Progress(total, self.description)
        self.progress.update()
        if done == total:
            self.progress.close()
