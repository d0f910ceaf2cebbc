"""The shared part of the pretext-task picture hooks: panels in a grid, and
a hook that draws one every ``interval`` training iterations."""
from typing import Sequence

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch import Tensor
from torchvision.utils import make_grid


def panel_grid(panels: Sequence[Tensor], gap: int = 2) -> np.ndarray:
    """One row per image, one column per panel.

    Args:
        panels: (N, C, H, W) images in 0..255 (clipped and rounded here);
            single-channel images are shown as grey, only the first three
            channels are shown.
        gap (int): White pixels around every panel.

    Returns:
        np.ndarray: uint8 (H', W', 3) grid (``torchvision.utils.make_grid``)
        in the channel order of the inputs.
    """
    # (N, P, C, H, W) -> N * P tiles, row-major: P panels per image
    tiles = torch.stack(list(panels), dim=1).flatten(0, 1)[:, :3]
    tiles = tiles.detach().float().clamp(0, 255).round().byte().cpu()
    grid = make_grid(tiles, nrow=len(panels), padding=gap, pad_value=255)
    return grid.permute(1, 2, 0).numpy()


def preprocessor_mean_std(data_preprocessor):
    """(mean, std) of a normalising preprocessor, else (None, None)."""
    if getattr(data_preprocessor, '_enable_normalize', False):
        return data_preprocessor.mean, data_preprocessor.std
    return None, None


def denormalizer(like: Tensor, mean=None, std=None):
    """``x -> x * std + mean`` ((C, 1, 1) each; identity without them)."""
    if mean is None or std is None:
        return lambda x: x
    mean, std = mean.to(like), std.to(like)
    return lambda x: x * std + mean


class PretextVisualizationHook(Hook):
    """Every ``interval`` training iterations, adds the grid that
    :meth:`draw` makes of the current batch's first ``max_images`` images
    to the runner's visualizer as image :attr:`image_name` at step
    ``iteration`` (``LocalVisBackend``:
    ``<log_dir>/vis_data/vis_image/<image_name>_<iteration>.png``;
    TensorBoard and W&B backends log it as an image).

    The model runs in eval mode without gradients for this (BatchNorm
    statistics untouched, drop path off), then returns to train mode.

    Args:
        interval (int): Iterations between grids. Defaults to 500.
        max_images (int): Rows per grid. Defaults to 4.
    """

    priority = 'LOW'
    image_name = ''

    def __init__(self, interval: int = 500, max_images: int = 4):
        if interval < 1 or max_images < 1:
            raise ValueError('interval and max_images must be >= 1, got '
                             f'{interval} and {max_images}')
        self.interval = interval
        self.max_images = max_images

    def first_images(self, data_batch: dict) -> dict:
        """The batch cut to its first ``max_images`` images."""
        return {k: v[:self.max_images] for k, v in data_batch.items()}

    def draw(self, model, batch: dict) -> np.ndarray:
        """The grid of ``batch`` (model in eval mode, no gradients)."""
        raise NotImplementedError

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
        batch = self.first_images(data_batch)
        model.eval()
        try:
            with torch.no_grad():
                grid = self.draw(model, batch)
        finally:
            model.train()
        runner.visualizer.add_image(
            self.image_name, grid, step=runner.iter + 1)
