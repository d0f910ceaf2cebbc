from .block_masking import FixedCountBlockMasking
from .gaussian_noise import GaussianNoise
from .gmml_corruption import GMMLCorruption
from .noise_film import NoiseLevelFiLM
from .pre_classifier import pre_classifier_features
from .relative_position import (RelativePositionEmbedding, grid_positions,
                                relative_patch_positions, sincos_features)
from .visible_tokens import encode_visible

__all__ = [
    'FixedCountBlockMasking', 'GaussianNoise', 'GMMLCorruption',
    'NoiseLevelFiLM', 'RelativePositionEmbedding', 'encode_visible',
    'grid_positions', 'pre_classifier_features', 'relative_patch_positions',
    'sincos_features'
]
