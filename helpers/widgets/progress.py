"""A progress bar with a line of metrics, for the training loops of notebooks 03, 06, 08 and 10.
"""
from __future__ import annotations

import ipywidgets as widgets
from IPython.display import display

__all__ = ["ProgressDisplay"]


class ProgressDisplay:
    """A progress bar with a line of metrics, for training loops. Not an explorer: the static record of
    a training run is its loss-curve figure (:func:`helpers.plots.plot_loss_curves`).

    Usage: ``progress = ProgressDisplay(total=40, description="epoch")``, display it, then call
    ``progress.update(epoch + 1, loss=..., val_mae=...)`` inside the loop.
    """

    def __init__(self, total: int, description: str = "step"):
        if not isinstance(total, int) or total < 1:
            raise ValueError(f"total: expected a positive int, got {total!r}")
        self.bar = widgets.IntProgress(value=0, min=0, max=total, description=description)
        self.label = widgets.Label(value=f"0 / {total}")
        self.widget = widgets.HBox([self.bar, self.label])

    def update(self, value: int, **metrics) -> None:
        self.bar.value = value
        parts = [f"{value} / {self.bar.max}"] + [f"{k} {v:.4g}" for k, v in metrics.items()]
        self.label.value = "   ".join(parts)

    def _ipython_display_(self):
        display(self.widget)
