from .base import BaseSegPretrainer
from .denoising_pretrainer import DenoisingPretrainer
from .gmml import GMML
from .pixel_contrast_pretrainer import PixelContrastPretrainer
from .sim import SIM

__all__ = [
    'BaseSegPretrainer', 'DenoisingPretrainer', 'GMML',
    'PixelContrastPretrainer', 'SIM'
]
