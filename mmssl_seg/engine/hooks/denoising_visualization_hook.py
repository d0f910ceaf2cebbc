"""Clean | noisy | predicted noise | denoised grids during DDeP/DeP.

The denoised image inverts the corruption with the predicted noise, e.g. for
scaled noise (Brempong et al., "Denoising Pretraining for Semantic
Segmentation", arXiv:2205.11423, eq. (1))
x^ = (x~ - sqrt(1 - gamma) * eps^) / sqrt(gamma); see
:meth:`DenoisingPretrainer.denoise`.
"""
from typing import Optional

import numpy as np
from torch import Tensor

from mmssl_seg.registry import HOOKS
from .pretext_visualization_hook import (PretextVisualizationHook,
                                         denormalizer, panel_grid,
                                         preprocessor_mean_std)


def denoising_grid(clean: Tensor,
                   noisy: Tensor,
                   pred_noise: Tensor,
                   denoised: Tensor,
                   mean: Optional[Tensor] = None,
                   std: Optional[Tensor] = None,
                   gap: int = 2) -> np.ndarray:
    """One row per image: clean | noisy | predicted noise | denoised.

    Images (N, C, H, W) in the preprocessor's normalised space are mapped back
    with ``x * std + mean`` (C, 1, 1); the unit-variance noise is shown as
    128 + 42.5 * eps, so +-3 standard deviations span 0..255. Values are
    clipped to 0..255; single-channel images are repeated to three channels.

    Returns:
        np.ndarray: uint8 (H', W', 3) grid (:func:`panel_grid`) in the
        channel order of the inputs (RGB for mmseg's usual
        ``bgr_to_rgb=True``), with ``gap`` white pixels around every panel.
    """
    image = denormalizer(clean, mean, std)
    return panel_grid(
        [image(clean), image(noisy), 128 + 42.5 * pred_noise,
         image(denoised)], gap)


@HOOKS.register_module()
class DenoisingVisualizationHook(PretextVisualizationHook):
    """A :class:`PretextVisualizationHook` drawing :func:`denoising_grid`
    of a :class:`DenoisingPretrainer` (image ``'denoising'``)."""

    image_name = 'denoising'

    def draw(self, model, batch: dict) -> np.ndarray:
        inputs = model.data_preprocessor(batch, True)['inputs']
        out = model.denoise(inputs)
        return denoising_grid(inputs, out['noisy'], out['pred_noise'],
                              out['denoised'],
                              *preprocessor_mean_std(model.data_preprocessor))
