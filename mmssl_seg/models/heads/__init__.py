from .denoising_head import DenoisingHead
from .pixel_contrast_head import PixelContrastHead
from .projection_head import ProjectionHead

__all__ = ['DenoisingHead', 'PixelContrastHead', 'ProjectionHead']
