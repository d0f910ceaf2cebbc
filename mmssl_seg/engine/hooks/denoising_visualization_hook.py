"""Clean | noisy | predicted noise | denoised grids during DDeP/DeP.

The denoised image inverts the corruption with the predicted noise, e.g. for
scaled noise (Brempong et al., "Denoising Pretraining for Semantic
Segmentation", arXiv:2205.11423, eq. (1))
x^ = (x~ - sqrt(1 - gamma) * eps^) / sqrt(gamma); see
:meth:`DenoisingPretrainer.denoise`.
"""
from typing import Optional

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch import Tensor
from torchvision.utils import make_grid

from mmssl_seg.registry import HOOKS


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
        np.ndarray: uint8 (H', W', 3) grid (``torchvision.utils.make_grid``)
        in the channel order of the inputs (RGB for mmseg's usual
        ``bgr_to_rgb=True``), with ``gap`` white pixels around every panel.
    """
    if mean is None or std is None:
        mean, std = clean.new_zeros(1, 1, 1), clean.new_ones(1, 1, 1)
    mean, std = mean.to(clean), std.to(clean)
    panels = [
        clean * std + mean, noisy * std + mean, 128 + 42.5 * pred_noise,
        denoised * std + mean
    ]
    # (N, 4, C, H, W) -> 4N tiles, row-major: four panels per image
    tiles = torch.stack(panels, dim=1).flatten(0, 1)[:, :3]
    tiles = tiles.detach().float().clamp(0, 255).round().byte().cpu()
    grid = make_grid(tiles, nrow=len(panels), padding=gap, pad_value=255)
    return grid.permute(1, 2, 0).numpy()


def preprocessor_mean_std(data_preprocessor):
    """(mean, std) of a normalising preprocessor, else (None, None)."""
    if getattr(data_preprocessor, '_enable_normalize', False):
        return data_preprocessor.mean, data_preprocessor.std
    return None, None


@HOOKS.register_module()
class DenoisingVisualizationHook(Hook):
    """Every ``interval`` training iterations, adds a :func:`denoising_grid`
    of the current batch's first ``max_images`` images to the runner's
    visualizer as image ``'denoising'`` at step ``iteration``.

    Every backend of the visualizer records it: ``LocalVisBackend`` writes
    ``<log_dir>/vis_data/vis_image/denoising_<iteration>.png``; TensorBoard and
    W&B backends log it as an image.

    The model (a :class:`DenoisingPretrainer`) runs in eval mode for this,
    so BatchNorm statistics are not touched, then returns to train mode.

    Args:
        interval (int): Iterations between grids. Defaults to 500.
        max_images (int): Rows per grid. Defaults to 4.
    """

    priority = 'LOW'

    def __init__(self, interval: int = 500, max_images: int = 4):
        if interval < 1 or max_images < 1:
            raise ValueError('interval and max_images must be >= 1, got '
                             f'{interval} and {max_images}')
        self.interval = interval
        self.max_images = max_images

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch=None,
                         outputs=None) -> None:
        if data_batch is None or \
                not self.every_n_train_iters(runner, self.interval):
            return
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        batch = {k: v[:self.max_images] for k, v in data_batch.items()}
        model.eval()
        try:
            with torch.no_grad():
                inputs = model.data_preprocessor(batch, True)['inputs']
                out = model.denoise(inputs)
        finally:
            model.train()
        grid = denoising_grid(inputs, out['noisy'], out['pred_noise'],
                              out['denoised'],
                              *preprocessor_mean_std(model.data_preprocessor))
        runner.visualizer.add_image('denoising', grid, step=runner.iter + 1)
