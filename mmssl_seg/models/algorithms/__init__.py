from .denoising_pretrainer import DenoisingPretrainer, NoiseLevelFiLM
from .gaussian_noise import GaussianNoise
from .pixel_contrast_pretrainer import (PixelContrastPretrainer,
                                       pre_classifier_features)

__all__ = [
    'DenoisingPretrainer', 'GaussianNoise', 'NoiseLevelFiLM',
    'PixelContrastPretrainer', 'pre_classifier_features'
]
