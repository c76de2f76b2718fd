"""Interactive explorers, one module per topic, and a progress display for training loops.

Each explorer has a static twin in :mod:`helpers.plots` that draws the same figure for one setting; the explorer
moves that figure's existing artists when a control changes and shows it as an image (:mod:`.explorer` holds
the shared plumbing and explains the rendering). Each name is importable from the package
(``from helpers.widgets import LSTMExplorer``) and from its module:

    explorer        the FigureExplorer base class: figure, controls, cached background, PNG rendering
    progress        ProgressDisplay, a progress bar with metrics (notebooks 03, 06, 08, 10)
    mappings        00  SigmoidExplorer
    bptt            03  BPTTExplorer
    lstm_diagrams   04  LSTMExplorer
    gradient_flow   06  GradientFlowExplorer
    clipping        07  ClippingExplorer
    attention       08  ScalingExplorer, MaskExplorer
    transformer     09  LayerNormGradientExplorer
    translation     10  TranslationExplorer
"""
from __future__ import annotations

from .progress import ProgressDisplay
from .mappings import SigmoidExplorer
from .bptt import BPTTExplorer
from .lstm_diagrams import LSTMExplorer
from .gradient_flow import GradientFlowExplorer
from .clipping import ClippingExplorer
from .attention import ScalingExplorer, MaskExplorer
from .transformer import LayerNormGradientExplorer
from .translation import TranslationExplorer

__all__ = [
    "ProgressDisplay", "SigmoidExplorer", "BPTTExplorer", "LSTMExplorer", "GradientFlowExplorer",
    "ClippingExplorer", "ScalingExplorer", "MaskExplorer", "LayerNormGradientExplorer", "TranslationExplorer",
]
