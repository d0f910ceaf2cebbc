"""Saves clean | noisy | predicted noise | denoised grids during DDeP/DeP.

The denoised image inverts the corruption with the predicted noise, e.g. for
scaled noise (METHODS.md 1) x^ = (x~ - sqrt(1 - gamma) * eps^) / sqrt(gamma);
see :meth:`DenoisingPretrainer.denoise`.
"""
import os.path as osp
from typing import Optional

import mmcv
import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch import Tensor

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
    128 + 42.5 * eps, so +-3 standard deviations span 0..255.

    Returns:
        np.ndarray: uint8 (H', W', 3) grid in the channel order of the inputs
        (RGB for mmseg's usual ``bgr_to_rgb=True``), white ``gap`` between
        panels.
    """
    if mean is None or std is None:
        mean, std = clean.new_zeros(1, 1, 1), clean.new_ones(1, 1, 1)
    mean, std = mean.to(clean), std.to(clean)
    panels = [
        clean * std + mean, noisy * std + mean, 128 + 42.5 * pred_noise,
        denoised * std + mean
    ]
    n, c, h, w = clean.shape
    grid = np.full((n * (h + gap) - gap, 4 * (w + gap) - gap, 3),
                   255,
                   dtype=np.uint8)
    for col, panel in enumerate(panels):
        panel = panel.detach().float().clamp(0, 255).round().byte().cpu()
        if c == 1:
            panel = panel.expand(n, 3, h, w)
        for row in range(n):
            y, x = row * (h + gap), col * (w + gap)
            grid[y:y + h, x:x + w] = panel[row, :3].permute(1, 2, 0).numpy()
    return grid


def preprocessor_mean_std(data_preprocessor):
    """(mean, std) of a normalising preprocessor, else (None, None)."""
    if getattr(data_preprocessor, '_enable_normalize', False):
        return data_preprocessor.mean, data_preprocessor.std
    return None, None


@HOOKS.register_module()
class DenoisingVisualizationHook(Hook):
    """Every ``interval`` training iterations, writes a :func:`denoising_grid`
    of the current batch's first ``max_images`` images to
    ``<work_dir>/<out_dir>/iter_<i>.png``.

    The model (a :class:`DenoisingPretrainer`) runs in eval mode for this,
    so BatchNorm statistics are not touched, then returns to train mode.

    Args:
        interval (int): Iterations between grids. Defaults to 500.
        max_images (int): Rows per grid. Defaults to 4.
        out_dir (str): Folder under the work dir. Defaults to 'vis'.
    """

    priority = 'LOW'

    def __init__(self,
                 interval: int = 500,
                 max_images: int = 4,
                 out_dir: str = 'vis'):
        if interval < 1 or max_images < 1:
            raise ValueError('interval and max_images must be >= 1, got '
                             f'{interval} and {max_images}')
        self.interval = interval
        self.max_images = max_images
        self.out_dir = out_dir

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
        path = osp.join(runner.work_dir, self.out_dir,
                        f'iter_{runner.iter + 1}.png')
        mmcv.imwrite(grid[..., ::-1], path)  # imwrite expects BGR
        runner.logger.info(f'denoising visualisation saved to {path}')

