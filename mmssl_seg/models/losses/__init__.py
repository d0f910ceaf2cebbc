from .nt_xent_loss import NTXentLoss, moco_infonce, nt_xent
from .pixel_contrast_loss import PixelContrastLoss, pixel_contrast_loss

__all__ = [
    'NTXentLoss', 'PixelContrastLoss', 'moco_infonce', 'nt_xent',
    'pixel_contrast_loss'
]
