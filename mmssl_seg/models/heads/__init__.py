from .denoising_head import DenoisingHead
from .gmml_contrastive_head import GMMLContrastiveHead
from .gmml_reconstruction_head import GMMLReconstructionHead
from .pixel_contrast_head import PixelContrastHead
from .projection_head import ProjectionHead
from .sim_head import SIMHead

__all__ = [
    'DenoisingHead', 'GMMLContrastiveHead', 'GMMLReconstructionHead',
    'PixelContrastHead', 'ProjectionHead', 'SIMHead'
]
