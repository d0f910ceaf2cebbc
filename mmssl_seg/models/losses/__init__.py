from .class_weighted_ce_loss import (ClassWeightedCrossEntropyLoss,
                                     class_weighted_cross_entropy)
from .nt_xent_loss import NTXentLoss, moco_infonce, nt_xent
from .pixel_contrast_loss import PixelContrastLoss, pixel_contrast_loss
from .unigrad_loss import UniGradLoss, unigrad

__all__ = [
    'ClassWeightedCrossEntropyLoss', 'class_weighted_cross_entropy',
    'NTXentLoss', 'PixelContrastLoss', 'UniGradLoss', 'moco_infonce',
    'nt_xent', 'pixel_contrast_loss', 'unigrad'
]
