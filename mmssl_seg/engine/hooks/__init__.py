from .denoising_visualization_hook import DenoisingVisualizationHook
from .labelled_split_hook import LabelledSplitHook

__all__ = ['LabelledSplitHook', 'DenoisingVisualizationHook']
