from .denoising_pretrainer import DenoisingPretrainer, NoiseLevelFiLM
from .gaussian_noise import GaussianNoise

__all__ = ['DenoisingPretrainer', 'GaussianNoise', 'NoiseLevelFiLM']
