from .gaussian_noise import GaussianNoise
from .noise_film import NoiseLevelFiLM
from .pre_classifier import pre_classifier_features

__all__ = ['GaussianNoise', 'NoiseLevelFiLM', 'pre_classifier_features']
