"""Original | corrupted | reconstructed grids during GMML / SiT pretraining.

The pictures of SiT (Atito, Awais, Kittler, arXiv:2104.03602, Fig. 2) and
GMML (Atito et al., arXiv:2205.14986): an image x, its group-masked
corruption x~ and the encoder's reconstruction x^ = g(f(x~)), all mapped
back from the normalised space; see :meth:`GMML.reconstruct`.
"""
import numpy as np
from torch import Tensor

from mmssl_seg.registry import HOOKS
from .pretext_visualization_hook import (PretextVisualizationHook,
                                         denormalizer, panel_grid,
                                         preprocessor_mean_std)


def gmml_grid(original: Tensor,
              corrupted: Tensor,
              reconstructed: Tensor,
              mean=None,
              std=None,
              gap: int = 2) -> np.ndarray:
    """One row per image: original | corrupted | reconstructed.

    Images (N, C, H, W) in the preprocessor's normalised space are mapped
    back with ``x * std + mean`` (C, 1, 1), clipped to 0..255 and rounded;
    single-channel images are shown as grey.

    Returns:
        np.ndarray: uint8 (H', W', 3) grid in the channel order of the
        inputs, with ``gap`` white pixels around every panel.
    """
    image = denormalizer(original, mean, std)
    return panel_grid([image(original), image(corrupted),
                       image(reconstructed)], gap)


def first_view(inputs):
    """The first view of a multi-view batch, or the batch itself."""
    return inputs[0] if isinstance(inputs, (list, tuple)) else inputs


@HOOKS.register_module()
class GMMLVisualizationHook(PretextVisualizationHook):
    """A :class:`PretextVisualizationHook` drawing :func:`gmml_grid` of the
    first view of a :class:`GMML` batch (image ``'gmml'``). The corruption
    draws from the model's own generator (or torch's), as in training, so a
    drawing moves the random stream of the following training steps."""

    image_name = 'gmml'

    def first_images(self, data_batch: dict) -> dict:
        n = self.max_images
        views = data_batch['inputs']
        return dict(
            inputs=[v[:n] for v in views] if isinstance(views, list) else
            views[:n],
            data_samples=data_batch.get('data_samples', [])[:n])

    def draw(self, model, batch: dict) -> np.ndarray:
        inputs = first_view(model.data_preprocessor(batch, True)['inputs'])
        corrupted, _, reconstructed = model.reconstruct(inputs)
        return gmml_grid(inputs, corrupted, reconstructed,
                         *preprocessor_mean_std(model.data_preprocessor))
