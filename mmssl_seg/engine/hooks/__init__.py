from .denoising_visualization_hook import DenoisingVisualizationHook
from .gmml_visualization_hook import GMMLVisualizationHook
from .labelled_split_hook import LabelledSplitHook

__all__ = [
    'LabelledSplitHook', 'DenoisingVisualizationHook', 'GMMLVisualizationHook'
]
