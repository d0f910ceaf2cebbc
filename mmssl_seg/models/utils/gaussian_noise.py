"""Gaussian corruption of a normalised image batch for denoising pretraining.

From "Denoising Pretraining for Semantic Segmentation" (DDeP, Brempong et
al., CVPR-W 2022, arXiv:2205.11423), with eps ~ N(0, I):

* scaled additive noise (paper's default, from diffusion models)::

      x~ = sqrt(gamma) * x + sqrt(1 - gamma) * eps                       (1)

  which keeps unit variance when x has it. The public PyTorch code writes the
  same thing as x~ = (x + sigma * eps) / sqrt(1 + sigma^2), i.e.::

      gamma = 1 / (1 + sigma^2)                                          (2)

* simple additive noise (the plain denoising autoencoder)::

      x~ = x + sigma * eps                                               (3)
"""
import math
from typing import Optional, Tuple

import torch
from torch import Tensor, nn

from mmssl_seg.registry import MODELS


@MODELS.register_module()
class GaussianNoise(nn.Module):
    """Adds Gaussian noise to a batch, eq. (1) or (3) of the module docstring.

    The noise level is given either as ``sigma`` (paper's best: 0.22, used
    when neither is given) or directly as ``gamma`` in (0, 1]; eq. (2) links
    them. ``random_gamma=True`` draws gamma ~ U(0, 1] per sample instead (an
    extension the paper found no better; scaled noise only).

    Args:
        sigma (float, optional): Noise magnitude, >= 0. Defaults to None
            (0.22 unless ``gamma`` is given).
        gamma (float, optional): Signal fraction of eq. (1), in (0, 1].
        mode (str): ``'scaled'`` for eq. (1), ``'additive'`` for eq. (3).
        random_gamma (bool): Per-sample gamma ~ U(0, 1]. Defaults to False.
    """

    MODES = ('scaled', 'additive')

    def __init__(self,
                 sigma: Optional[float] = None,
                 gamma: Optional[float] = None,
                 mode: str = 'scaled',
                 random_gamma: bool = False):
        super().__init__()
        if mode not in self.MODES:
            raise ValueError(f'mode must be one of {self.MODES}, got {mode!r}')
        if sigma is not None and gamma is not None:
            raise ValueError(f'give sigma or gamma, not both (got sigma='
                             f'{sigma}, gamma={gamma})')
        if random_gamma and (sigma is not None or gamma is not None):
            raise ValueError('random_gamma=True draws gamma per sample; do '
                             f'not also give sigma={sigma} or gamma={gamma}')
        if random_gamma and mode != 'scaled':
            raise ValueError("random_gamma needs mode='scaled': U(0, 1] "
                             'gammas near 0 make eq. (3) unbounded')
        if sigma is not None and sigma < 0:
            raise ValueError(f'sigma must be >= 0, got {sigma}')
        if gamma is not None and not 0 < gamma <= 1:
            raise ValueError(f'gamma must be in (0, 1], got {gamma}')
        if gamma is None and not random_gamma:
            gamma = 1 / (1 + (0.22 if sigma is None else sigma)**2)  # eq. (2)
        self.gamma = gamma  # None when drawn per sample
        self.mode = mode
        self.random_gamma = random_gamma

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
        """Corrupts ``x`` (N, ...) on its own device.

        Returns:
            tuple: noisy x~, the noise eps (shape of x) and gamma (N,).
        """
        n = x.shape[0]
        if self.random_gamma:
            gamma = 1 - torch.rand(n, device=x.device, dtype=x.dtype)
        else:
            gamma = x.new_full((n, ), self.gamma)
        eps = torch.randn_like(x)
        g = gamma.view(n, *[1] * (x.dim() - 1))
        if self.mode == 'scaled':
            noisy = g.sqrt() * x + (1 - g).sqrt() * eps  # eq. (1)
        else:
            noisy = x + ((1 - g) / g).sqrt() * eps  # eq. (3), sigma by eq. (2)
        return noisy, eps, gamma

    def denoise(self, noisy: Tensor, eps: Tensor, gamma: Tensor) -> Tensor:
        """Inverts eq. (1) or (3) for x given a (predicted) noise ``eps``.

        Scaled: x = (x~ - sqrt(1 - gamma) * eps) / sqrt(gamma);
        additive: x = x~ - sigma * eps.
        """
        g = gamma.view(gamma.shape[0], *[1] * (noisy.dim() - 1))
        if self.mode == 'scaled':
            return (noisy - (1 - g).sqrt() * eps) / g.sqrt()
        return noisy - ((1 - g) / g).sqrt() * eps

    def noise_of(self, noisy: Tensor, x: Tensor, gamma: Tensor) -> Tensor:
        """Solves eq. (1) or (3) for eps given a (predicted) clean ``x``.

        Undefined where gamma = 1 (no noise): the divisor is clamped to 1e-6.
        """
        g = gamma.view(gamma.shape[0], *[1] * (noisy.dim() - 1))
        if self.mode == 'scaled':
            return (noisy - g.sqrt() * x) / (1 - g).sqrt().clamp_min(1e-6)
        return (noisy - x) / ((1 - g) / g).sqrt().clamp_min(1e-6)

    def extra_repr(self) -> str:
        if self.random_gamma:
            return f'mode={self.mode}, gamma~U(0,1]'
        sigma = math.sqrt((1 - self.gamma) / self.gamma)
        return f'mode={self.mode}, gamma={self.gamma:.4f} (sigma={sigma:.4f})'
