from .gaussian_noise import GaussianNoise
from .gmml_corruption import GMMLCorruption
from .noise_film import NoiseLevelFiLM
from .pre_classifier import pre_classifier_features

__all__ = [
    'GaussianNoise', 'GMMLCorruption', 'NoiseLevelFiLM',
    'pre_classifier_features'
]
